-- Replace the batch's articles: delete their old rows, insert the new ones.
-- Runs inside one transaction with the staged Arrow tables registered as
-- batch_articles, batch_paragraphs, batch_boilerplate, batch_entities, batch_mentions.
DELETE FROM mentions    WHERE article_id IN (SELECT article_id FROM batch_articles);
DELETE FROM quantities  WHERE article_id IN (SELECT article_id FROM batch_articles);
DELETE FROM paragraphs  WHERE article_id IN (SELECT article_id FROM batch_articles);
DELETE FROM boilerplate WHERE article_id IN (SELECT article_id FROM batch_articles);
DELETE FROM articles    WHERE article_id IN (SELECT article_id FROM batch_articles);

INSERT INTO articles BY NAME
SELECT * EXCLUDE (published), CAST(published AS DATE) AS published,
       $run_id AS run_id, $ingested_at AS ingested_at
FROM batch_articles;

INSERT INTO paragraphs  SELECT article_id, position, kind, text FROM batch_paragraphs;
INSERT INTO boilerplate SELECT article_id, position, text, rule FROM batch_boilerplate;
INSERT OR IGNORE INTO entities BY NAME SELECT * FROM batch_entities;
INSERT OR REPLACE INTO entity_aliases BY NAME SELECT * FROM batch_entity_aliases;
INSERT INTO quantities BY NAME SELECT * FROM batch_quantities;
INSERT INTO mentions    SELECT article_id, position, start, "end", surface, entity_id FROM batch_mentions;
