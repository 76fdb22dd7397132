"""depeche: a news-ingestion pipeline (fetch, extract, clean, validate, load into DuckDB)."""

__version__ = "0.1.0"
