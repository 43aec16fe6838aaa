-- One row a published task: its account and platform, reach (reads) and engagement, the rate
-- and engagement per follower, how late it left, and what the model expected when it chose
-- the time against what came back. Posts whose metrics are not collected yet have NULLs there.
-- @keys task_id
-- @range engagement_rate 0 1
-- @range lateness_seconds 0
-- @range reach 0
-- @rows SELECT COUNT(*) FROM raw_tasks WHERE status = 'published'
SELECT
    t.task_id,
    t.workspace_id,
    t.account_id,
    t.platform,
    t.scheduled_at,
    t.published_at,
    t.local_weekday,
    t.local_hour,
    CASE
        WHEN t.model_version IS NULL THEN 'fixed'
        WHEN t.explored = 1 THEN 'explored'
        ELSE 'model'
    END AS choice,
    t.model_version,
    CAST(t.sent_epoch - t.scheduled_epoch AS DOUBLE) AS lateness_seconds,
    e.reads AS reach,
    e.likes + e.shares + e.comments AS interactions,
    e.engagement,
    CAST(e.likes + e.shares + e.comments AS DOUBLE) / NULLIF(e.reads, 0) AS engagement_rate,
    a.followers,
    CAST(e.engagement AS DOUBLE) / NULLIF(a.followers, 0) AS engagement_per_follower,
    t.predicted_engagement,
    t.prediction_uncertainty,
    CAST(e.engagement AS DOUBLE) - t.predicted_engagement AS prediction_error,
    CASE
        WHEN e.engagement IS NULL OR t.predicted_engagement IS NULL THEN NULL
        WHEN ABS(CAST(e.engagement AS DOUBLE) - t.predicted_engagement)
            <= t.prediction_uncertainty THEN 1
        ELSE 0
    END AS within_uncertainty
FROM raw_tasks AS t
JOIN raw_accounts AS a ON a.account_id = t.account_id
LEFT JOIN raw_engagement AS e ON e.post_key = t.platform || ':' || t.platform_post_id
WHERE t.status = 'published'
