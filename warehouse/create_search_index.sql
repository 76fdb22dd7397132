-- Full-text search over paragraphs: French stemming, accents and case folded, BM25 ranking.
-- DuckDB's fts index does not follow table changes, so it is rebuilt at the end of a run
-- that changed articles. Query it with: SELECT * FROM search_paragraphs('soldats Koursk');
CREATE OR REPLACE TABLE paragraph_search AS
SELECT article_id || ':' || position AS pid, article_id, position, text FROM paragraphs;

PRAGMA create_fts_index(
    'paragraph_search', 'pid', 'text',
    stemmer = 'french', stopwords = 'none', strip_accents = 1, lower = 1, overwrite = 1
);

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
