-- Members of the clusters whose ids are in $ids, with text and first-seen order; only
-- their origins when $origins_only.
SELECT c.cluster_id, c.article_id, c.position, p.text, a.first_seen
FROM paragraph_clusters c
JOIN paragraphs p USING (article_id, position)
JOIN articles a USING (article_id)
WHERE list_contains($ids, c.cluster_id) AND (c.is_origin OR NOT $origins_only);
