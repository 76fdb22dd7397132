-- Full-text search over paragraphs: French stemming, accents and case folded, BM25 ranking.
-- DuckDB's fts index does not follow table changes: a run that changed a few articles
-- updates it (update_search_index.sql), one that changed many builds it again, here.
-- Query it with: SELECT * FROM search_paragraphs('soldats Koursk');
CREATE OR REPLACE TABLE paragraph_search AS
SELECT article_id || ':' || position AS pid, article_id, position, text FROM paragraphs;

PRAGMA create_fts_index(
    'paragraph_search', 'pid', 'text',
    stemmer = 'french', stopwords = 'none', strip_accents = 1, lower = 1, overwrite = 1
);

-- What the index holds: each article's text as it was indexed (search_index_changes.sql).
CREATE OR REPLACE TABLE search_articles AS SELECT * FROM search_current;

CREATE OR REPLACE MACRO search_paragraphs(q) AS TABLE
SELECT
    round(s.score, 3) AS score,
    coalesce(a.sitename, a.source_uri) AS source,
    a.title,
    s.article_id,
    s.position,
    s.text
FROM (
    SELECT *, fts_main_paragraph_search.match_bm25(pid, q) AS score FROM paragraph_search
) AS s
JOIN articles a USING (article_id)
WHERE s.score IS NOT NULL
ORDER BY s.score DESC;
