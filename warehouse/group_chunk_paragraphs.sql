-- Body paragraphs of the articles being grouped (registered as `chunk`).
SELECT p.article_id, p.position, p.text
FROM paragraphs p
WHERE p.kind = 'body' AND p.article_id IN (SELECT article_id FROM chunk)
ORDER BY p.article_id, p.position;
