-- Archive the batch's responses (staged as batch_raw). A 304 keeps the archived body.
UPDATE raw_documents SET fetched_at = r.fetched_at, run_id = $run_id
FROM batch_raw r
WHERE raw_documents.url = r.url AND r.status = 304;
DELETE FROM raw_documents WHERE url IN (SELECT url FROM batch_raw WHERE status <> 304);
INSERT INTO raw_documents BY NAME
SELECT *, $run_id AS run_id FROM batch_raw WHERE status <> 304;
