-- Record the state of the batch's sources (staged as batch_sources), replacing older rows.
DELETE FROM sources WHERE article_id IN (SELECT article_id FROM batch_sources);
INSERT INTO sources BY NAME
SELECT *, $pipeline_version AS pipeline_version, $run_id AS run_id, $seen_at AS seen_at
FROM batch_sources;
