-- Sources already loaded from the same bytes by the same pipeline version: skipped as unchanged.
SELECT article_id, raw_hash
FROM articles
WHERE pipeline_version = $pipeline_version;
