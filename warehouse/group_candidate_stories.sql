-- Stories the chunk's articles could join: within the time window of one of them, and
-- sharing an entity (not one of the most common: `common`), a paragraph cluster or a
-- near-duplicate with it. Returns each story's span, members, clusters and entity
-- vector (entity -> summed 1 + ln(mentions) over its articles).
WITH chunk_keys AS (
    SELECT DISTINCT m.entity_id AS key FROM mentions m
    WHERE m.article_id IN (SELECT article_id FROM chunk)
      AND m.entity_id NOT IN (SELECT entity_id FROM common)
), linked AS (
    SELECT DISTINCT sa.story_id
    FROM mentions m JOIN story_articles sa USING (article_id)
    WHERE m.entity_id IN (SELECT key FROM chunk_keys)
    UNION
    SELECT DISTINCT sa.story_id
    FROM paragraph_clusters c JOIN story_articles sa USING (article_id)
    WHERE c.cluster_id IN (SELECT cluster_id FROM paragraph_clusters
                           WHERE article_id IN (SELECT article_id FROM chunk))
    UNION
    SELECT DISTINCT sa.story_id
    FROM near_duplicates d JOIN story_articles sa ON sa.article_id IN (d.article_id, d.similar_to)
    WHERE d.article_id IN (SELECT article_id FROM chunk) OR d.similar_to IN (SELECT article_id FROM chunk)
), candidates AS (
    SELECT s.story_id, s.first_seen, s.last_seen
    FROM stories s
    WHERE s.story_id IN (SELECT story_id FROM linked)
      AND s.last_seen >= $earliest - to_days($window_days)
      AND s.first_seen <= $latest + to_days($window_days)
), vectors AS (
    SELECT story_id, map(list(entity_id), list(weight)) AS vector
    FROM (
        SELECT sa.story_id, m.entity_id, sum(1 + ln(m.n)) AS weight
        FROM story_articles sa
        JOIN (SELECT article_id, entity_id, count(*) AS n FROM mentions GROUP BY ALL) m USING (article_id)
        WHERE sa.story_id IN (SELECT story_id FROM candidates)
        GROUP BY ALL
    )
    GROUP BY story_id
), members AS (
    SELECT sa.story_id, list(DISTINCT sa.article_id) AS members,
           list(DISTINCT c.cluster_id) FILTER (WHERE c.cluster_id IS NOT NULL) AS clusters
    FROM story_articles sa LEFT JOIN paragraph_clusters c USING (article_id)
    WHERE sa.story_id IN (SELECT story_id FROM candidates)
    GROUP BY sa.story_id
)
SELECT c.story_id, c.first_seen, c.last_seen, m.members, m.clusters, v.vector
FROM candidates c JOIN members m USING (story_id) LEFT JOIN vectors v USING (story_id);
