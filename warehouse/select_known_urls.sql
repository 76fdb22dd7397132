-- Archived URLs among the given ones, with what a conditional GET sends back.
SELECT url, etag, last_modified FROM raw_documents WHERE list_contains($urls, url);
