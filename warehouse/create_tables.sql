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
    name      VARCHAR NOT NULL,
    label     VARCHAR NOT NULL           -- PER | ORG | LOC | MISC
);

CREATE TABLE IF NOT EXISTS mentions (
    article_id VARCHAR NOT NULL,
    position   INTEGER NOT NULL,         -- paragraphs.position
    start      INTEGER NOT NULL,         -- character offsets into paragraphs.text
    "end"      INTEGER NOT NULL,
    surface    VARCHAR NOT NULL,
    entity_id  VARCHAR NOT NULL
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
