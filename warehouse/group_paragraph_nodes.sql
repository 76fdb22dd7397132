-- Text and first-seen order of the paragraphs involved (registered as `nodes`), and of
-- every member of a cluster one of them already belongs to.
WITH involved AS (
    SELECT article_id, position FROM nodes
    UNION
    SELECT c.article_id, c.position
    FROM paragraph_clusters c
    WHERE c.cluster_id IN (
        SELECT k.cluster_id FROM paragraph_clusters k JOIN nodes n USING (article_id, position)
    )
)
SELECT p.article_id, p.position, p.text, a.first_seen, k.cluster_id
FROM involved i
JOIN paragraphs p USING (article_id, position)
JOIN articles a USING (article_id)
LEFT JOIN paragraph_clusters k USING (article_id, position);
