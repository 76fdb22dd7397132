-- Which articles the full-text index is out of date for, by the hash of their text:
-- search_stale (indexed text changed or gone) and search_fresh (to index). An article
-- whose text changed is in both.
CREATE TABLE IF NOT EXISTS search_articles (article_id VARCHAR, text_hash VARCHAR);

CREATE OR REPLACE TEMP TABLE search_current AS
SELECT p.article_id, a.text_hash
FROM (SELECT DISTINCT article_id FROM paragraphs) AS p
LEFT JOIN articles AS a USING (article_id);

CREATE OR REPLACE TEMP TABLE search_stale AS
SELECT article_id FROM (SELECT * FROM search_articles EXCEPT SELECT * FROM search_current);

CREATE OR REPLACE TEMP TABLE search_fresh AS
SELECT * FROM search_current EXCEPT SELECT * FROM search_articles;

SELECT
    (SELECT count(*) FROM search_stale) AS stale,
    (SELECT count(*) FROM search_fresh) AS fresh,
    (SELECT count(*) FROM search_articles) AS indexed;
