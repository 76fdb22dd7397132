-- What each chunk article brings to story grouping: when it happened, the entities it
-- names (with mention counts), its syndicated paragraph clusters and near-duplicates,
-- and the version grouped (content_hash).
SELECT
    a.article_id,
    coalesce(CAST(a.published AS TIMESTAMP), a.first_seen) AS happened,
    a.source_uri,
    a.content_hash,
    (SELECT map(list(entity_id), list(n)) FROM (
        SELECT entity_id, count(*)::INTEGER AS n FROM mentions m
        WHERE m.article_id = a.article_id GROUP BY entity_id)) AS entities,
    (SELECT list(DISTINCT cluster_id) FROM paragraph_clusters c
     WHERE c.article_id = a.article_id) AS clusters,
    (SELECT list(DISTINCT CASE WHEN d.article_id = a.article_id THEN d.similar_to ELSE d.article_id END)
     FROM near_duplicates d
     WHERE a.article_id IN (d.article_id, d.similar_to)) AS near
FROM articles a
WHERE a.article_id IN (SELECT article_id FROM chunk);
