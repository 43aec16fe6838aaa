-- Per workspace and platform: how many posts, how many went out or failed and the success
-- rate, how late they left, and the engagement they drew (in all, per post and per follower).
-- @keys workspace_id platform
-- @range success_rate 0 1
-- @range mean_lateness_seconds 0
-- @range mean_engagement_rate 0 1
-- @rows SELECT COUNT(*) FROM (SELECT DISTINCT workspace_id, platform FROM raw_tasks) AS platforms
WITH volume AS (
    SELECT
        workspace_id,
        platform,
        COUNT(*) AS tasks,
        CAST(SUM(CASE WHEN status = 'published' THEN 1 ELSE 0 END) AS BIGINT) AS published,
        CAST(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS BIGINT) AS failed,
        AVG(CAST(sent_epoch - scheduled_epoch AS DOUBLE)) AS mean_lateness_seconds,
        MAX(sent_epoch - scheduled_epoch) AS max_lateness_seconds
    FROM raw_tasks
    GROUP BY workspace_id, platform
),
reach AS (
    SELECT
        workspace_id,
        platform,
        COUNT(engagement) AS measured_posts,
        CAST(SUM(engagement) AS BIGINT) AS engagement,
        AVG(CAST(engagement AS DOUBLE)) AS mean_engagement,
        AVG(engagement_rate) AS mean_engagement_rate,
        AVG(engagement_per_follower) AS mean_engagement_per_follower
    FROM performance
    GROUP BY workspace_id, platform
)
SELECT
    v.workspace_id,
    v.platform,
    v.tasks,
    v.published,
    v.failed,
    CAST(v.published AS DOUBLE) / NULLIF(v.published + v.failed, 0) AS success_rate,
    v.mean_lateness_seconds,
    v.max_lateness_seconds,
    COALESCE(r.measured_posts, 0) AS measured_posts,
    r.engagement,
    r.mean_engagement,
    r.mean_engagement_rate,
    r.mean_engagement_per_follower
FROM volume AS v
LEFT JOIN reach AS r ON r.workspace_id = v.workspace_id AND r.platform = v.platform
