-- Body paragraphs in the order they were first seen (earliest article first).
SELECT p.article_id, p.position, p.text, a.ingested_at
FROM paragraphs p JOIN articles a USING (article_id)
WHERE p.kind = 'body'
ORDER BY a.ingested_at, p.article_id, p.position;
