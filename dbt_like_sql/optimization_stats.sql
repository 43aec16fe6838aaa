-- Posts at the model's best time, at a time an exploring draw chose, and at a time fixed by
-- hand, per workspace and platform: mean engagement of each, and each one's uplift over fixed
-- times with its 95% interval (normal approximation; NULL until both groups have two
-- measured posts).
-- @keys workspace_id platform choice
-- @range posts 1
-- @range mean_engagement 0
-- @rows SELECT COUNT(*) FROM (SELECT DISTINCT workspace_id, platform, choice FROM performance WHERE engagement IS NOT NULL) AS chosen
WITH chosen AS (
    SELECT
        workspace_id,
        platform,
        choice,
        COUNT(*) AS posts,
        AVG(CAST(engagement AS DOUBLE)) AS mean_engagement,
        STDDEV_SAMP(CAST(engagement AS DOUBLE)) AS sd
    FROM performance
    WHERE engagement IS NOT NULL
    GROUP BY workspace_id, platform, choice
),
fixed AS (
    SELECT workspace_id, platform, posts, mean_engagement, sd FROM chosen WHERE choice = 'fixed'
)
SELECT
    c.workspace_id,
    c.platform,
    c.choice,
    c.posts,
    c.mean_engagement,
    c.sd AS stddev_engagement,
    f.mean_engagement AS fixed_mean_engagement,
    c.mean_engagement - f.mean_engagement AS uplift,
    (c.mean_engagement - f.mean_engagement) / NULLIF(f.mean_engagement, 0) AS relative_uplift,
    c.mean_engagement - f.mean_engagement
        - 1.96 * SQRT(c.sd * c.sd / c.posts + f.sd * f.sd / f.posts) AS uplift_low,
    c.mean_engagement - f.mean_engagement
        + 1.96 * SQRT(c.sd * c.sd / c.posts + f.sd * f.sd / f.posts) AS uplift_high
FROM chosen AS c
LEFT JOIN fixed AS f ON f.workspace_id = c.workspace_id AND f.platform = c.platform
