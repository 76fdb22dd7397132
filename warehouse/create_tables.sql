-- The warehouse schema. Applied at the start of every run; safe to apply again.
-- Loads replace an article's rows by deleting and inserting them in one transaction,
-- so rows are keyed by article_id rather than by declared primary keys.

CREATE TABLE IF NOT EXISTS articles (
    article_id       VARCHAR NOT NULL,   -- stable id of the source (hash of its resolved location)
    source_uri       VARCHAR NOT NULL,   -- the path or URL as given
    url              VARCHAR,            -- canonical URL stated by the page, else the file URI
    title            VARCHAR NOT NULL,
    title_source     VARCHAR,            -- html | first_line | lede | heading
    author           VARCHAR,
    published        DATE,               -- only when the source states it
    sitename         VARCHAR,
    tags             VARCHAR[],
    categories       VARCHAR[],
    language         VARCHAR NOT NULL,   -- ISO 639-1, or 'und'
    format           VARCHAR NOT NULL,   -- html | text
    encoding         VARCHAR,
    text             VARCHAR NOT NULL,   -- cleaned paragraphs, separated by blank lines
    content_hash     VARCHAR NOT NULL,   -- sha256 of title and cleaned text
    raw_hash         VARCHAR NOT NULL,   -- sha256 of the raw bytes
    source_size      BIGINT,             -- file size and modification time at load:
    source_mtime_ns  BIGINT,             --   an unchanged file is skipped without reading
    ner_status       VARCHAR NOT NULL,   -- done, or why NER was skipped
    pipeline_version VARCHAR NOT NULL,
    run_id           VARCHAR NOT NULL,   -- the run that last loaded it
    ingested_at      TIMESTAMP NOT NULL
);
-- Added with stories; ADD COLUMN IF NOT EXISTS upgrades older warehouses.
ALTER TABLE articles ADD COLUMN IF NOT EXISTS first_seen TIMESTAMP;  -- first load, kept on updates
ALTER TABLE articles ADD COLUMN IF NOT EXISTS text_hash VARCHAR;     -- sha256 of the cleaned text
UPDATE articles SET first_seen = ingested_at WHERE first_seen IS NULL;
UPDATE articles SET text_hash = sha256(text) WHERE text_hash IS NULL;

-- Every source (path or URL) of an article: several when the same cleaned text came
-- from several places (exact duplicates are one article).
CREATE TABLE IF NOT EXISTS article_sources (
    article_id VARCHAR NOT NULL,
    source_id  VARCHAR NOT NULL,         -- the id this source would have on its own
    source_uri VARCHAR NOT NULL,
    url        VARCHAR,
    first_seen TIMESTAMP NOT NULL,
    run_id     VARCHAR NOT NULL          -- the run that last saw it
);
INSERT INTO article_sources
SELECT article_id, article_id, source_uri, url, first_seen, run_id FROM articles
WHERE article_id NOT IN (SELECT source_id FROM article_sources);

CREATE TABLE IF NOT EXISTS paragraphs (
    article_id VARCHAR NOT NULL,
    position   INTEGER NOT NULL,         -- 0-based order among kept paragraphs
    kind       VARCHAR NOT NULL,         -- heading | body
    text       VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS boilerplate (
    article_id VARCHAR NOT NULL,
    position   INTEGER NOT NULL,         -- 0-based index of the line in the extracted input
    text       VARCHAR NOT NULL,
    rule       VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS entities (
    entity_id VARCHAR PRIMARY KEY,
    name      VARCHAR NOT NULL,          -- the most complete, most frequent surface form
    label     VARCHAR NOT NULL           -- PER | ORG | LOC | MISC
);
-- Added with entity linking; ADD COLUMN IF NOT EXISTS upgrades older warehouses.
ALTER TABLE entities ADD COLUMN IF NOT EXISTS key VARCHAR;            -- what variants merge on
ALTER TABLE entities ADD COLUMN IF NOT EXISTS country_code VARCHAR;   -- places: ISO 3166 code
ALTER TABLE entities ADD COLUMN IF NOT EXISTS latitude DOUBLE;
ALTER TABLE entities ADD COLUMN IF NOT EXISTS longitude DOUBLE;
ALTER TABLE entities ADD COLUMN IF NOT EXISTS geonameid BIGINT;       -- GeoNames id

-- Every surface form joined to an entity, and the rule that joined it.
CREATE TABLE IF NOT EXISTS entity_aliases (
    entity_id VARCHAR NOT NULL,
    alias     VARCHAR NOT NULL,
    method    VARCHAR NOT NULL,          -- exact | variant | short_form | honorific | acronym | typo | gazetteer | gazetteer_typo
    score     DOUBLE NOT NULL,           -- 1 for exact rules; similarity for typos
    PRIMARY KEY (entity_id, alias)
);

CREATE TABLE IF NOT EXISTS mentions (
    article_id VARCHAR NOT NULL,
    position   INTEGER NOT NULL,         -- paragraphs.position
    start      INTEGER NOT NULL,         -- character offsets into paragraphs.text
    "end"      INTEGER NOT NULL,
    surface    VARCHAR NOT NULL,
    entity_id  VARCHAR NOT NULL
);

-- Figures in the text: what each source reports.
CREATE TABLE IF NOT EXISTS quantities (
    article_id VARCHAR NOT NULL,
    position   INTEGER NOT NULL,
    start      INTEGER NOT NULL,
    "end"      INTEGER NOT NULL,
    surface    VARCHAR NOT NULL,         -- as written: '10 000', '10.000', '1,5 million'
    value      DOUBLE NOT NULL,
    unit       VARCHAR,                  -- unit or counted noun as written: 'soldats', 'mm'
    unit_key   VARCHAR,                  -- lower-cased singular: 'soldat'
    qualifier  VARCHAR,                  -- more than | about | at least | up to | additional | total ...
    sentence   VARCHAR NOT NULL
);

-- Near-duplicate paragraphs across articles (syndicated wire copy): one row per member.
CREATE TABLE IF NOT EXISTS paragraph_clusters (
    cluster_id VARCHAR NOT NULL,         -- stable: derived from the origin paragraph
    article_id VARCHAR NOT NULL,
    position   INTEGER NOT NULL,
    similarity DOUBLE NOT NULL,          -- word-bigram containment against the origin
    is_origin  BOOLEAN NOT NULL          -- the earliest-seen paragraph of the cluster
);

-- LSH band keys of paragraphs and articles (tasks/lsh.py): new texts find their
-- near-duplicate candidates by a join on these, without rereading the warehouse.
CREATE TABLE IF NOT EXISTS paragraph_bands (
    article_id VARCHAR NOT NULL,
    position   INTEGER NOT NULL,
    band       UTINYINT NOT NULL,
    bucket     BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS article_bands (
    article_id VARCHAR NOT NULL,
    band       UTINYINT NOT NULL,
    bucket     BIGINT NOT NULL
);

-- Near-duplicate articles (the same text lightly edited): one row per pair.
CREATE TABLE IF NOT EXISTS near_duplicates (
    article_id VARCHAR NOT NULL,         -- the later-seen article
    similar_to VARCHAR NOT NULL,         -- the earlier-seen one
    similarity DOUBLE NOT NULL           -- Jaccard of word 3-shingles
);

-- Stories: articles about one event, grouped incrementally (tasks/stories.py).
CREATE TABLE IF NOT EXISTS stories (
    story_id   VARCHAR PRIMARY KEY,      -- stable: derived from the story's first article
    label      VARCHAR NOT NULL,         -- most central entities: first headline
    headline   VARCHAR NOT NULL,         -- the first article's title
    entities   VARCHAR[] NOT NULL,       -- up to three most central entities
    first_seen TIMESTAMP NOT NULL,       -- earliest article (publication date, else first load)
    last_seen  TIMESTAMP NOT NULL,       -- latest article
    articles   INTEGER NOT NULL,
    sources    INTEGER NOT NULL,         -- distinct sites or files
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS story_articles (
    story_id     VARCHAR NOT NULL,
    article_id   VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,       -- the article version grouped (a new one regroups)
    score        DOUBLE NOT NULL,        -- closeness to the story when it joined
    reason       VARCHAR NOT NULL,       -- first | syndicated paragraphs | near duplicate | entities | merged
    joined_at    TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS rejects (
    run_id      VARCHAR NOT NULL,
    source_uri  VARCHAR NOT NULL,
    stage       VARCHAR NOT NULL,        -- read | extract | validate | ...
    reason      VARCHAR NOT NULL,
    detail      VARCHAR,
    rejected_at TIMESTAMP NOT NULL
);

-- One row per source ever seen, whatever became of it: an unchanged source (same size and
-- modification time, or same bytes) is skipped at the next run, article or reject alike.
CREATE TABLE IF NOT EXISTS sources (
    article_id       VARCHAR NOT NULL,
    source_uri       VARCHAR NOT NULL,
    raw_hash         VARCHAR,
    source_size      BIGINT,
    source_mtime_ns  BIGINT,
    pipeline_version VARCHAR NOT NULL,
    outcome          VARCHAR NOT NULL,   -- article | rejected
    run_id           VARCHAR NOT NULL,
    seen_at          TIMESTAMP NOT NULL
);

-- Raw HTTP responses, so that `depeche reprocess` can re-extract without the network.
CREATE TABLE IF NOT EXISTS raw_documents (
    url           VARCHAR NOT NULL,      -- the requested URL, normalised (one row per URL)
    final_url     VARCHAR,               -- after redirects
    status        INTEGER NOT NULL,      -- 200, or 304 when a conditional GET found no change
    headers       VARCHAR,               -- response headers, as JSON
    fetched_at    TIMESTAMP NOT NULL,
    body          BLOB,                  -- gzip-compressed body (kept from the last 200)
    raw_hash      VARCHAR,               -- sha256 of the uncompressed body
    etag          VARCHAR,
    last_modified VARCHAR,
    run_id        VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS runs (
    run_id             VARCHAR PRIMARY KEY,
    flow_run_id        VARCHAR,
    started_at         TIMESTAMP NOT NULL,
    finished_at        TIMESTAMP,
    status             VARCHAR NOT NULL,  -- running | completed | completed_with_rejects | failed
    sources            INTEGER,           -- files found
    articles_new       INTEGER,
    articles_updated   INTEGER,
    articles_unchanged INTEGER,
    paragraphs         INTEGER,
    boilerplate_lines  INTEGER,
    entities           INTEGER,           -- distinct entities mentioned by this run's articles
    mentions           INTEGER,
    rejects            INTEGER,
    pipeline_version   VARCHAR
);
ALTER TABLE runs ADD COLUMN IF NOT EXISTS articles_duplicate INTEGER;  -- same text as another
ALTER TABLE runs ADD COLUMN IF NOT EXISTS stories INTEGER;             -- stories touched
ALTER TABLE runs ADD COLUMN IF NOT EXISTS articles_staged INTEGER;     -- staged: warehouse locked
