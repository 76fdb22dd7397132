-- Articles sharing an LSH band key with one of the chunk's, with their first-seen times
-- (which one came later).
WITH pairs AS (
    SELECT DISTINCT b.article_id, c.article_id AS other_id
    FROM article_bands b
    JOIN article_bands c ON c.band = b.band AND c.bucket = b.bucket AND c.article_id <> b.article_id
    WHERE b.article_id IN (SELECT article_id FROM chunk)
)
SELECT p.article_id, p.other_id, a.first_seen, o.first_seen AS other_first_seen
FROM pairs p
JOIN articles a ON a.article_id = p.article_id
JOIN articles o ON o.article_id = p.other_id;
