-- Paragraphs sharing at least $min_bands LSH band keys with a probed one (registered as
-- `probe`), in another article: candidates to check exactly. One shared band happens by
-- chance between unrelated paragraphs as the warehouse grows; two rarely do.
SELECT q.article_id, q.position, c.article_id AS other_id, c.position AS other_position
FROM probe q
JOIN paragraph_bands b ON b.article_id = q.article_id AND b.position = q.position
JOIN paragraph_bands c ON c.band = b.band AND c.bucket = b.bucket AND c.article_id <> b.article_id
GROUP BY ALL
HAVING count(*) >= $min_bands;
