-- What was seen of the given sources by this pipeline version: a file with the same
-- size and modification time, or failing that the same bytes, is skipped as unchanged.
SELECT article_id, raw_hash, source_size, source_mtime_ns
FROM sources
WHERE pipeline_version = $pipeline_version AND list_contains($ids, article_id);
