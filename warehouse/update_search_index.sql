-- Bring the full-text index up to date for the articles search_index_changes.sql found,
-- without reading the others: their paragraphs leave the index (docs, terms, and the
-- document frequency of their terms), the new ones enter it, tokenised and stemmed by
-- the index's own macro and stemmer, and the collection statistics are recomputed. The
-- tables end as create_search_index.sql would build them, up to the numbering of
-- documents and terms, which BM25 does not see (tests/test_search_index.py compares the
-- two). The stemmer and options must stay those of create_search_index.sql.

CREATE OR REPLACE TEMP TABLE search_gone AS
SELECT d.docid
FROM fts_main_paragraph_search.docs AS d
WHERE d.name IN (
    SELECT pid FROM paragraph_search
    WHERE article_id IN (SELECT article_id FROM search_stale)
);

UPDATE fts_main_paragraph_search.dict AS d
SET df = d.df - g.n
FROM (
    SELECT termid, count(DISTINCT docid) AS n
    FROM fts_main_paragraph_search.terms
    WHERE docid IN (SELECT docid FROM search_gone)
    GROUP BY termid
) AS g
WHERE d.termid = g.termid;

DELETE FROM fts_main_paragraph_search.dict WHERE df = 0;
DELETE FROM fts_main_paragraph_search.terms WHERE docid IN (SELECT docid FROM search_gone);
DELETE FROM fts_main_paragraph_search.docs WHERE docid IN (SELECT docid FROM search_gone);
DELETE FROM paragraph_search WHERE article_id IN (SELECT article_id FROM search_stale);
DELETE FROM search_articles WHERE article_id IN (SELECT article_id FROM search_stale);

CREATE OR REPLACE TEMP TABLE search_new_docs AS
SELECT
    (SELECT coalesce(max(docid), -1) FROM fts_main_paragraph_search.docs)
        + row_number() OVER (ORDER BY article_id, position) AS docid,
    article_id || ':' || position AS pid,
    article_id,
    position,
    text
FROM paragraphs
WHERE article_id IN (SELECT article_id FROM search_fresh);

INSERT INTO paragraph_search SELECT pid, article_id, position, text FROM search_new_docs;

CREATE OR REPLACE TEMP TABLE search_new_terms AS
SELECT stem(w, 'french') AS term, docid
FROM (
    SELECT unnest(fts_main_paragraph_search.tokenize(text)) AS w, docid
    FROM search_new_docs
)
WHERE w IS NOT NULL
  AND len(w) > 0
  AND w NOT IN (SELECT sw FROM fts_main_paragraph_search.stopwords);

INSERT INTO fts_main_paragraph_search.docs
SELECT n.docid, n.pid, count(t.term)
FROM search_new_docs AS n
LEFT JOIN search_new_terms AS t USING (docid)
GROUP BY n.docid, n.pid;

INSERT INTO fts_main_paragraph_search.dict
SELECT
    (SELECT coalesce(max(termid), -1) FROM fts_main_paragraph_search.dict)
        + row_number() OVER (ORDER BY term),
    term,
    0
FROM (
    SELECT DISTINCT term FROM search_new_terms
    WHERE term NOT IN (SELECT term FROM fts_main_paragraph_search.dict)
);

UPDATE fts_main_paragraph_search.dict AS d
SET df = d.df + g.n
FROM (SELECT term, count(DISTINCT docid) AS n FROM search_new_terms GROUP BY term) AS g
WHERE d.term = g.term;

INSERT INTO fts_main_paragraph_search.terms (docid, fieldid, termid)
SELECT t.docid, 0, d.termid
FROM search_new_terms AS t
JOIN fts_main_paragraph_search.dict AS d USING (term);

DELETE FROM fts_main_paragraph_search.stats;
INSERT INTO fts_main_paragraph_search.stats
SELECT count(docid), sum(len) / count(len) FROM fts_main_paragraph_search.docs;

INSERT INTO search_articles SELECT article_id, text_hash FROM search_fresh;
