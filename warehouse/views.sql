-- Analysis views, created with the schema (CREATE OR REPLACE: always the current definition).

-- Every figure with where it comes from: "which figure does each source give for …?"
CREATE OR REPLACE VIEW claims AS
SELECT
    q.unit_key,
    q.value,
    q.qualifier,
    q.surface,
    q.unit,
    coalesce(a.sitename, a.source_uri) AS source,
    a.title,
    a.published,
    q.sentence,
    q.article_id,
    q.position
FROM quantities q
JOIN articles a USING (article_id);

-- One row per counted noun and source: the figures that source gives.
CREATE OR REPLACE VIEW figures_by_source AS
SELECT
    unit_key,
    source,
    list(DISTINCT value ORDER BY value) AS figures,
    list(DISTINCT qualifier ORDER BY qualifier) FILTER (WHERE qualifier IS NOT NULL) AS qualifiers,
    count(*) AS mentions
FROM claims
WHERE unit_key IS NOT NULL
GROUP BY unit_key, source;

-- Entities with their mention counts, aliases and the articles naming them.
CREATE OR REPLACE VIEW entity_summary AS
SELECT
    e.entity_id,
    e.label,
    e.name,
    e.country_code,
    count(*) AS mentions,
    count(DISTINCT m.article_id) AS articles,
    list(DISTINCT m.surface ORDER BY m.surface) AS surfaces
FROM entities e
JOIN mentions m USING (entity_id)
GROUP BY ALL;
