-- Archived responses with a body, for `depeche reprocess`.
SELECT url, final_url, status, headers, fetched_at, body
FROM raw_documents
WHERE body IS NOT NULL AND list_contains($urls, url)
ORDER BY url;
