INSERT INTO runs (run_id, flow_run_id, started_at, status, pipeline_version)
VALUES ($run_id, $flow_run_id, $started_at, 'running', $pipeline_version);
