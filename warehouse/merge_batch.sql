-- Replace the batch's articles: delete their old rows, insert the new ones.
-- Runs inside one transaction with the staged Arrow tables registered as
-- batch_articles, batch_paragraphs, batch_boilerplate, batch_entities, batch_mentions.
DELETE FROM mentions    WHERE article_id IN (SELECT article_id FROM batch_articles);
DELETE FROM paragraphs  WHERE article_id IN (SELECT article_id FROM batch_articles);
DELETE FROM boilerplate WHERE article_id IN (SELECT article_id FROM batch_articles);
DELETE FROM articles    WHERE article_id IN (SELECT article_id FROM batch_articles);

INSERT INTO articles
SELECT article_id, source_uri, url, title, title_source, author, CAST(published AS DATE),
       sitename, tags, categories, language, format, encoding, text, content_hash, raw_hash,
       ner_status, pipeline_version, $run_id, $ingested_at
FROM batch_articles;

INSERT INTO paragraphs  SELECT article_id, position, kind, text FROM batch_paragraphs;
INSERT INTO boilerplate SELECT article_id, position, text, rule FROM batch_boilerplate;
INSERT OR IGNORE INTO entities SELECT entity_id, name, label FROM batch_entities;
INSERT INTO mentions    SELECT article_id, position, start, "end", surface, entity_id FROM batch_mentions;
