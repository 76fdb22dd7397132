-- A batch's rejects. Deleting the same run's rows for these sources first makes a
-- retried or merged-again batch idempotent.
DELETE FROM rejects
WHERE run_id IN (SELECT DISTINCT run_id FROM batch_rejects)
  AND source_uri IN (SELECT source_uri FROM batch_rejects);
INSERT INTO rejects SELECT run_id, source_uri, stage, reason, detail, $rejected_at FROM batch_rejects;
