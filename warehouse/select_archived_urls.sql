SELECT url FROM raw_documents WHERE body IS NOT NULL ORDER BY url;
