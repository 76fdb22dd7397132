-- Forget what grouping knew of the pending articles (registered as `pending`) and of
-- articles that are gone (loaded since as duplicates of another). Clusters that lose a
-- member are dissolved; their other members are regrouped (`dirty_paragraphs`).
CREATE OR REPLACE TEMP TABLE gone AS
SELECT article_id FROM pending
UNION
SELECT article_id FROM story_articles WHERE article_id NOT IN (SELECT article_id FROM articles)
UNION
SELECT article_id FROM paragraph_clusters WHERE article_id NOT IN (SELECT article_id FROM articles);

CREATE OR REPLACE TEMP TABLE dirty_clusters AS
SELECT DISTINCT cluster_id FROM paragraph_clusters WHERE article_id IN (SELECT article_id FROM gone);

CREATE OR REPLACE TEMP TABLE dirty_paragraphs AS
SELECT article_id, position FROM paragraph_clusters
WHERE cluster_id IN (SELECT cluster_id FROM dirty_clusters)
  AND article_id NOT IN (SELECT article_id FROM gone);

DELETE FROM paragraph_clusters WHERE cluster_id IN (SELECT cluster_id FROM dirty_clusters);
DELETE FROM paragraph_bands WHERE article_id IN (SELECT article_id FROM gone);
DELETE FROM article_bands WHERE article_id IN (SELECT article_id FROM gone);
DELETE FROM near_duplicates
WHERE article_id IN (SELECT article_id FROM gone) OR similar_to IN (SELECT article_id FROM gone);

CREATE OR REPLACE TEMP TABLE left_stories AS
SELECT DISTINCT story_id FROM story_articles WHERE article_id IN (SELECT article_id FROM gone);
DELETE FROM story_articles WHERE article_id IN (SELECT article_id FROM gone);
