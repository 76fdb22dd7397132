-- Replace the batch's articles: delete their old rows, insert the new ones.
-- Runs inside one transaction with the staged Arrow tables registered as
-- batch_articles, batch_paragraphs, batch_boilerplate, batch_entities, batch_mentions.

-- Exact duplicates: a batch article whose cleaned text is already another article's, or
-- an earlier one's of the same batch, is not loaded again: it becomes one more source of
-- that article (article_sources). An article already in the warehouse stays the keeper.
CREATE OR REPLACE TEMP TABLE batch_hashes AS
SELECT article_id, source_uri, url, sha256(text) AS text_hash,
       row_number() OVER () AS n,
       article_id IN (SELECT article_id FROM articles) AS known
FROM batch_articles;

CREATE OR REPLACE TEMP TABLE batch_duplicates AS
WITH earlier AS (
    SELECT text_hash, first(article_id ORDER BY first_seen, article_id) AS article_id
    FROM articles
    WHERE text_hash IN (SELECT text_hash FROM batch_hashes)
      AND article_id NOT IN (SELECT article_id FROM batch_hashes)
    GROUP BY text_hash
), keeper AS (
    SELECT text_hash, first(article_id ORDER BY NOT known, n) AS article_id
    FROM batch_hashes GROUP BY text_hash
)
SELECT b.article_id AS source_id, coalesce(e.article_id, k.article_id) AS article_id
FROM batch_hashes b
JOIN keeper k USING (text_hash)
LEFT JOIN earlier e USING (text_hash)
WHERE coalesce(e.article_id, k.article_id) <> b.article_id;

-- An article whose text changes no longer matches its other sources: they are
-- forgotten, so that the next run reads them again.
CREATE OR REPLACE TEMP TABLE stale_sources AS
SELECT s.source_id
FROM article_sources s
JOIN articles a USING (article_id)
JOIN batch_hashes b USING (article_id)
WHERE a.text_hash <> b.text_hash AND s.source_id <> s.article_id
  AND s.source_id NOT IN (SELECT article_id FROM batch_hashes);
DELETE FROM sources WHERE article_id IN (SELECT source_id FROM stale_sources);
DELETE FROM article_sources WHERE source_id IN (SELECT source_id FROM stale_sources);

CREATE OR REPLACE TEMP TABLE batch_first_seen AS
SELECT article_id, first_seen FROM articles
WHERE article_id IN (SELECT article_id FROM batch_articles);

DELETE FROM mentions    WHERE article_id IN (SELECT article_id FROM batch_articles);
DELETE FROM quantities  WHERE article_id IN (SELECT article_id FROM batch_articles);
DELETE FROM paragraphs  WHERE article_id IN (SELECT article_id FROM batch_articles);
DELETE FROM boilerplate WHERE article_id IN (SELECT article_id FROM batch_articles);
DELETE FROM articles    WHERE article_id IN (SELECT article_id FROM batch_articles);

CREATE OR REPLACE TEMP TABLE batch_kept AS
SELECT article_id FROM batch_articles
WHERE article_id NOT IN (SELECT source_id FROM batch_duplicates);

INSERT INTO articles BY NAME
SELECT b.* EXCLUDE (published), CAST(b.published AS DATE) AS published,
       $run_id AS run_id, $ingested_at AS ingested_at,
       coalesce(f.first_seen, $ingested_at) AS first_seen, sha256(b.text) AS text_hash
FROM batch_articles b LEFT JOIN batch_first_seen f USING (article_id)
WHERE b.article_id IN (SELECT article_id FROM batch_kept);

INSERT INTO paragraphs  SELECT article_id, position, kind, text FROM batch_paragraphs
WHERE article_id IN (SELECT article_id FROM batch_kept);
INSERT INTO boilerplate SELECT article_id, position, text, rule FROM batch_boilerplate
WHERE article_id IN (SELECT article_id FROM batch_kept);
INSERT OR IGNORE INTO entities BY NAME SELECT * FROM batch_entities;
INSERT OR REPLACE INTO entity_aliases BY NAME SELECT * FROM batch_entity_aliases;
INSERT INTO quantities BY NAME SELECT * FROM batch_quantities
WHERE article_id IN (SELECT article_id FROM batch_kept);
INSERT INTO mentions    SELECT article_id, position, start, "end", surface, entity_id FROM batch_mentions
WHERE article_id IN (SELECT article_id FROM batch_kept);

-- Every source of the batch, as the article it now belongs to.
CREATE OR REPLACE TEMP TABLE batch_source_rows AS
SELECT coalesce(d.article_id, b.article_id) AS article_id, b.article_id AS source_id,
       b.source_uri, b.url,
       coalesce(s.first_seen, $ingested_at) AS first_seen, $run_id AS run_id
FROM batch_hashes b
LEFT JOIN batch_duplicates d ON d.source_id = b.article_id
LEFT JOIN article_sources s ON s.source_id = b.article_id;
DELETE FROM article_sources WHERE source_id IN (SELECT source_id FROM batch_source_rows);
INSERT INTO article_sources BY NAME SELECT * FROM batch_source_rows;
