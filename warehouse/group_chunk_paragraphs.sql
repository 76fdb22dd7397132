-- Every paragraph of the articles being read (registered as `reading`), in order: the
-- body ones are clustered, and all of them together are the article's text.
SELECT p.article_id, p.position, p.kind, p.text
FROM paragraphs p
WHERE p.article_id IN (SELECT article_id FROM reading)
ORDER BY p.article_id, p.position;
