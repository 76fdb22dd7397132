-- Close a run with its figures. Its row exists unless the warehouse was locked when the
-- run started (then it is written now, from the staged figures).
INSERT INTO runs (run_id, flow_run_id, started_at, status, pipeline_version)
SELECT $run_id, $flow_run_id, $started_at, 'running', $pipeline_version
WHERE NOT EXISTS (SELECT 1 FROM runs WHERE run_id = $run_id);
-- Close a run with its figures. First, entities and aliases left without any mention are
-- dropped, and each entity is named by its most complete, most frequent surface form.
DELETE FROM entities WHERE entity_id NOT IN (SELECT DISTINCT entity_id FROM mentions);
DELETE FROM entity_aliases a WHERE NOT EXISTS (
    SELECT 1 FROM mentions m WHERE m.entity_id = a.entity_id AND m.surface = a.alias
);
UPDATE entities SET name = best.surface
FROM (
    SELECT entity_id,
           first(surface ORDER BY words DESC, n DESC, length(surface) DESC, surface) AS surface
    FROM (
        SELECT m.entity_id, m.surface, count(*) AS n,
               len(string_split(trim(regexp_replace(m.surface, '^(M|Mme|Mlle|Dr|Pr)\.? ', '')), ' ')) AS words
        FROM mentions m
        GROUP BY ALL
    )
    GROUP BY entity_id
) AS best
WHERE entities.entity_id = best.entity_id AND entities.name <> best.surface;

UPDATE runs SET
    finished_at = $finished_at,
    status = $status,
    sources = $sources,
    articles_new = $articles_new,
    articles_updated = $articles_updated,
    articles_unchanged = $articles_unchanged,
    articles_duplicate = $articles_duplicate,
    articles_staged = $articles_staged,
    stories = $stories,
    paragraphs = $paragraphs,
    boilerplate_lines = $boilerplate_lines,
    entities = (SELECT count(DISTINCT m.entity_id) FROM mentions m
                JOIN articles a USING (article_id) WHERE a.run_id = $run_id),
    mentions = $mentions,
    rejects = $rejects
WHERE run_id = $run_id;
