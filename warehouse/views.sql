-- Analysis views, created with the schema (CREATE OR REPLACE: always the current definition).

-- Where an article comes from, as analysts name it: the site's stated name, else the
-- web host, else the file.
CREATE OR REPLACE MACRO source_of(sitename, url, source_uri) AS coalesce(
    sitename,
    nullif(regexp_extract(url, '^https?://(?:www\.)?([^/:?#]+)', 1), ''),
    source_uri
);

-- Every figure with where it comes from: "which figure does each source give for …?"
CREATE OR REPLACE VIEW claims AS
SELECT
    q.unit_key,
    q.value,
    q.qualifier,
    q.surface,
    q.unit,
    source_of(a.sitename, a.url, a.source_uri) AS source,
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

-- How often each article names each entity.
CREATE OR REPLACE VIEW entity_mentions_by_article AS
SELECT
    m.article_id,
    a.title,
    source_of(a.sitename, a.url, a.source_uri) AS source,
    m.entity_id,
    e.name,
    e.label,
    count(*) AS mentions
FROM mentions m
JOIN articles a USING (article_id)
JOIN entities e USING (entity_id)
GROUP BY ALL;

-- How often each source names each entity, and in how many of its articles.
CREATE OR REPLACE VIEW entity_mentions_by_source AS
SELECT
    source,
    entity_id,
    name,
    label,
    sum(mentions) AS mentions,
    count(DISTINCT article_id) AS articles
FROM entity_mentions_by_article
GROUP BY ALL;

-- Pairs of entities named in the same article of a story, with how many articles do.
CREATE OR REPLACE VIEW story_entity_pairs AS
WITH named AS (
    SELECT DISTINCT s.story_id, m.article_id, m.entity_id
    FROM story_articles s JOIN mentions m USING (article_id)
)
SELECT
    x.story_id,
    ex.name AS entity,
    ey.name AS other_entity,
    ex.label AS label,
    ey.label AS other_label,
    count(*) AS articles
FROM named x
JOIN named y ON y.story_id = x.story_id AND y.article_id = x.article_id AND x.entity_id < y.entity_id
JOIN entities ex ON ex.entity_id = x.entity_id
JOIN entities ey ON ey.entity_id = y.entity_id
GROUP BY ALL;

-- A story's articles in time order: when, where, what headline, and why it joined.
CREATE OR REPLACE VIEW story_timeline AS
SELECT
    s.story_id,
    st.label AS story,
    coalesce(CAST(a.published AS TIMESTAMP), a.first_seen) AS happened,
    a.published,
    a.first_seen,
    source_of(a.sitename, a.url, a.source_uri) AS source,
    a.title,
    s.reason,
    s.score,
    a.article_id
FROM story_articles s
JOIN stories st USING (story_id)
JOIN articles a USING (article_id);

-- Each source's figures for the same counted noun, within a story.
CREATE OR REPLACE VIEW story_claims AS
SELECT
    s.story_id,
    c.unit_key,
    c.source,
    list(DISTINCT c.value ORDER BY c.value) AS figures,
    list(DISTINCT c.qualifier ORDER BY c.qualifier) FILTER (WHERE c.qualifier IS NOT NULL) AS qualifiers,
    count(*) AS mentions
FROM claims c
JOIN story_articles s USING (article_id)
WHERE c.unit_key IS NOT NULL
GROUP BY ALL;

-- What the cleaner removed, by rule and by site.
CREATE OR REPLACE VIEW removals_by_rule_and_site AS
SELECT
    b.rule,
    source_of(a.sitename, a.url, a.source_uri) AS source,
    count(*) AS lines,
    count(DISTINCT b.article_id) AS articles,
    min(b.text) AS example
FROM boilerplate b
JOIN articles a USING (article_id)
GROUP BY ALL;
