-- Recompute the rows of the stories a grouping pass touched (registered as `touched`):
-- span, counts, most central entities (named by most of its articles) and label.
DELETE FROM stories WHERE story_id IN (SELECT story_id FROM touched);

INSERT INTO stories
WITH members AS (
    SELECT sa.story_id, a.article_id, a.title, a.first_seen, sa.reason = 'first' AS founder,
           coalesce(CAST(a.published AS TIMESTAMP), a.first_seen) AS happened,
           source_of(a.sitename, a.url, a.source_uri) AS source
    FROM story_articles sa JOIN articles a USING (article_id)
    WHERE sa.story_id IN (SELECT story_id FROM touched)
), central AS (
    SELECT m.story_id, e.name, count(DISTINCT m.article_id) AS articles, count(*) AS mentions
    FROM members m JOIN mentions x USING (article_id) JOIN entities e USING (entity_id)
    GROUP BY ALL
), top AS (
    SELECT story_id, list(name ORDER BY articles DESC, mentions DESC, name)[1:3] AS entities
    FROM central GROUP BY story_id
), spans AS (
    SELECT story_id,
           first(title ORDER BY happened, first_seen, founder DESC, article_id) AS headline,
           min(happened) AS first_seen, max(happened) AS last_seen,
           count(*) AS articles, count(DISTINCT source) AS sources
    FROM members GROUP BY story_id
)
SELECT s.story_id,
       CASE WHEN len(coalesce(t.entities, [])) > 0
            THEN array_to_string(t.entities, ', ') || ': ' || s.headline
            ELSE s.headline END AS label,
       s.headline,
       coalesce(t.entities, []::VARCHAR[]) AS entities,
       s.first_seen, s.last_seen, s.articles, s.sources,
       $now AS updated_at
FROM spans s LEFT JOIN top t USING (story_id);
