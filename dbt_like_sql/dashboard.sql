-- One row a workspace: its accounts, posts by status, success rate and lateness, its series
-- and the occurrences they could not place, and the engagement its posts drew.
-- @keys workspace_id
-- @range success_rate 0 1
-- @range mean_lateness_seconds 0
-- @range mean_engagement_rate 0 1
-- @rows SELECT COUNT(DISTINCT workspace_id) FROM raw_accounts
WITH accounts AS (
    SELECT
        workspace_id,
        COUNT(*) AS accounts,
        CAST(SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END) AS BIGINT) AS active_accounts
    FROM raw_accounts
    GROUP BY workspace_id
),
posts AS (
    SELECT
        workspace_id,
        COUNT(*) AS tasks,
        CAST(SUM(CASE WHEN status IN ('scheduled', 'claimed', 'publishing', 'submitted', 'retrying')
            THEN 1 ELSE 0 END) AS BIGINT) AS upcoming,
        CAST(SUM(CASE WHEN status = 'published' THEN 1 ELSE 0 END) AS BIGINT) AS published,
        CAST(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS BIGINT) AS failed,
        CAST(SUM(CASE WHEN status = 'needs_attention' THEN 1 ELSE 0 END) AS BIGINT) AS needs_attention,
        CAST(SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS BIGINT) AS cancelled,
        AVG(CAST(sent_epoch - scheduled_epoch AS DOUBLE)) AS mean_lateness_seconds
    FROM raw_tasks
    GROUP BY workspace_id
),
recurring AS (
    SELECT
        s.workspace_id,
        COUNT(DISTINCT s.series_id) AS series,
        COUNT(c.series_id) AS unplaced_occurrences
    FROM raw_series AS s
    LEFT JOIN raw_series_conflicts AS c ON c.series_id = s.series_id
    GROUP BY s.workspace_id
),
reach AS (
    SELECT
        workspace_id,
        COUNT(engagement) AS measured_posts,
        AVG(CAST(engagement AS DOUBLE)) AS mean_engagement,
        AVG(engagement_rate) AS mean_engagement_rate
    FROM performance
    GROUP BY workspace_id
)
SELECT
    a.workspace_id,
    a.accounts,
    a.active_accounts,
    COALESCE(p.tasks, 0) AS tasks,
    COALESCE(p.upcoming, 0) AS upcoming,
    COALESCE(p.published, 0) AS published,
    COALESCE(p.failed, 0) AS failed,
    COALESCE(p.needs_attention, 0) AS needs_attention,
    COALESCE(p.cancelled, 0) AS cancelled,
    CAST(p.published AS DOUBLE) / NULLIF(p.published + p.failed, 0) AS success_rate,
    p.mean_lateness_seconds,
    COALESCE(r.series, 0) AS series,
    COALESCE(r.unplaced_occurrences, 0) AS unplaced_occurrences,
    COALESCE(e.measured_posts, 0) AS measured_posts,
    e.mean_engagement,
    e.mean_engagement_rate
FROM accounts AS a
LEFT JOIN posts AS p ON p.workspace_id = a.workspace_id
LEFT JOIN recurring AS r ON r.workspace_id = a.workspace_id
LEFT JOIN reach AS e ON e.workspace_id = a.workspace_id
