-- The four conflict checks of scheduling/conflicts over the task snapshot, one row a task, rule
-- and other task (quota rows name each other post counted in the window; account_status has
-- none). The same rules as the online check: see docs/scheduling.md.
-- @range similarity 0 1
-- @range local_hour 0 23
WITH posts AS (
    SELECT
        s.task_id, s.workspace_id, s.account_id, s.series_id, s.platform, s.account_status, s.content,
        s.scheduled_at,
        s.scheduled_epoch, s.local_hour,
        r.min_gap_seconds, r.media_gap_seconds, r.hourly_quota, r.daily_quota,
        r.duplicate_window_seconds, r.refuses_identical,
        FLOOR(s.scheduled_epoch / 3600) AS hour_bucket,
        FLOOR((s.scheduled_epoch + 28800) / 86400) AS day_bucket,
        LAG(s.task_id) OVER (PARTITION BY s.account_id ORDER BY s.scheduled_epoch, s.task_id) AS prev_id,
        LAG(s.content) OVER (PARTITION BY s.account_id ORDER BY s.scheduled_epoch, s.task_id) AS prev_content,
        LEAD(s.task_id) OVER (PARTITION BY s.account_id ORDER BY s.scheduled_epoch, s.task_id) AS next_id,
        LEAD(s.content) OVER (PARTITION BY s.account_id ORDER BY s.scheduled_epoch, s.task_id) AS next_content
    FROM task_snapshot AS s
    JOIN conflict_rules AS r ON r.platform = s.platform
    WHERE s.status IN (
        'scheduled', 'claimed', 'publishing', 'submitted', 'published', 'retrying',
        'needs_attention'
    )
),
hour_counts AS (
    SELECT account_id, hour_bucket, COUNT(*) AS posts FROM posts GROUP BY account_id, hour_bucket
),
day_counts AS (
    SELECT account_id, day_bucket, COUNT(*) AS posts FROM posts GROUP BY account_id, day_bucket
),
found AS (
    SELECT a.task_id, 'time_overlap' AS conflict_type, 'min_gap' AS rule, 'error' AS severity,
        b.task_id AS other_task_id, CAST(NULL AS DOUBLE) AS similarity
    FROM posts AS a
    JOIN posts AS b ON b.account_id = a.account_id AND b.task_id <> a.task_id
    WHERE ABS(a.scheduled_epoch - b.scheduled_epoch) < a.min_gap_seconds
    UNION ALL
    SELECT task_id, 'resource', 'account_status', 'error', CAST(NULL AS BIGINT), CAST(NULL AS DOUBLE)
    FROM posts
    WHERE account_status <> 'active'
    UNION ALL
    SELECT DISTINCT a.task_id, 'resource', 'media_reuse', 'error', b.task_id, CAST(NULL AS DOUBLE)
    FROM task_media AS ma
    JOIN task_media AS mb ON mb.media = ma.media AND mb.task_id <> ma.task_id
    JOIN posts AS a ON a.task_id = ma.task_id
    JOIN posts AS b ON b.task_id = mb.task_id AND b.account_id = a.account_id
    WHERE ABS(a.scheduled_epoch - b.scheduled_epoch) < a.media_gap_seconds
        -- occurrences of one series share their media by design
        AND (a.series_id IS NULL OR b.series_id IS NULL OR a.series_id <> b.series_id)
    UNION ALL
    SELECT a.task_id, 'platform_limit', 'hourly_quota', 'error', b.task_id, CAST(NULL AS DOUBLE)
    FROM posts AS a
    JOIN hour_counts AS c ON c.account_id = a.account_id AND c.hour_bucket = a.hour_bucket
    JOIN posts AS b
        ON b.account_id = a.account_id AND b.hour_bucket = a.hour_bucket AND b.task_id <> a.task_id
    WHERE c.posts > a.hourly_quota
    UNION ALL
    SELECT a.task_id, 'platform_limit', 'daily_quota', 'error', b.task_id, CAST(NULL AS DOUBLE)
    FROM posts AS a
    JOIN day_counts AS c ON c.account_id = a.account_id AND c.day_bucket = a.day_bucket
    JOIN posts AS b
        ON b.account_id = a.account_id AND b.day_bucket = a.day_bucket AND b.task_id <> a.task_id
    WHERE c.posts > a.daily_quota
    UNION ALL
    SELECT task_id, 'duplicate_content', 'identical_consecutive', 'error', prev_id, 1.0
    FROM posts
    WHERE refuses_identical AND prev_content = content
    UNION ALL
    SELECT task_id, 'duplicate_content', 'identical_consecutive', 'error', next_id, 1.0
    FROM posts
    WHERE refuses_identical AND next_content = content
    UNION ALL
    SELECT a.task_id, 'duplicate_content', 'near_duplicate', 'warning', b.task_id, d.similarity
    FROM content_similarity AS d
    JOIN posts AS a ON a.task_id = d.task_id
    JOIN posts AS b ON b.task_id = d.other_task_id AND b.account_id = a.account_id
    WHERE ABS(a.scheduled_epoch - b.scheduled_epoch) <= a.duplicate_window_seconds
        AND NOT (
            a.refuses_identical AND a.content = b.content
            AND (a.prev_id = b.task_id OR a.next_id = b.task_id)
        )
)
SELECT
    f.task_id, p.workspace_id, p.account_id, p.platform, f.conflict_type, f.rule, f.severity, f.other_task_id,
    f.similarity, p.scheduled_at, p.local_hour
FROM found AS f
JOIN posts AS p ON p.task_id = f.task_id
