INSERT INTO rejects SELECT run_id, source_uri, stage, reason, detail, $rejected_at FROM batch_rejects;
