-- Text, first-seen order and current cluster of the paragraphs involved (registered as
-- `nodes`): the probed ones and their candidates. Other members of their clusters are
-- not read: a cluster joins its new members through its origin alone.
SELECT p.article_id, p.position, p.text, a.first_seen, k.cluster_id
FROM nodes n
JOIN paragraphs p USING (article_id, position)
JOIN articles a USING (article_id)
LEFT JOIN paragraph_clusters k USING (article_id, position);
