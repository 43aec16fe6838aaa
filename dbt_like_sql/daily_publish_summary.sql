-- Posts per workspace, platform and day (UTC): how many were due, published, failed or need
-- attention, and how late the published ones went out.
-- @keys workspace_id platform day
-- @range tasks 1
-- @rows SELECT COUNT(*) FROM (SELECT DISTINCT workspace_id, platform, CAST(scheduled_at AS DATE) FROM publish_log) AS days
SELECT
    workspace_id,
    platform,
    CAST(scheduled_at AS DATE) AS day,
    COUNT(*) AS tasks,
    SUM(CASE WHEN status = 'published' THEN 1 ELSE 0 END) AS published,
    SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed,
    SUM(CASE WHEN status = 'needs_attention' THEN 1 ELSE 0 END) AS needs_attention,
    AVG(lateness_seconds) AS mean_lateness_seconds,
    MAX(lateness_seconds) AS max_lateness_seconds
FROM publish_log
GROUP BY workspace_id, platform, CAST(scheduled_at AS DATE)
