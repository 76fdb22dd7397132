-- Close a run with its figures; entities left without any mention are dropped first.
DELETE FROM entities WHERE entity_id NOT IN (SELECT DISTINCT entity_id FROM mentions);

UPDATE runs SET
    finished_at = $finished_at,
    status = $status,
    sources = $sources,
    articles_new = $articles_new,
    articles_updated = $articles_updated,
    articles_unchanged = $articles_unchanged,
    paragraphs = $paragraphs,
    boilerplate_lines = $boilerplate_lines,
    entities = (SELECT count(DISTINCT m.entity_id) FROM mentions m
                JOIN articles a USING (article_id) WHERE a.run_id = $run_id),
    mentions = $mentions,
    rejects = $rejects
WHERE run_id = $run_id;
