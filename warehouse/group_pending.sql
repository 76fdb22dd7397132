-- Articles grouping has not seen in their current version: new, updated, or left over
-- by a run that failed before grouping. Oldest first.
SELECT a.article_id
FROM articles a
LEFT JOIN story_articles s USING (article_id)
WHERE s.content_hash IS DISTINCT FROM a.content_hash
ORDER BY a.first_seen, a.article_id;
