-- Engagement by local weekday (0 Monday) and hour, per workspace, platform and account: the
-- published posts of each slot, those with metrics, their mean engagement and rate.
-- @keys workspace_id platform account_id weekday hour
-- @range weekday 0 6
-- @range hour 0 23
-- @range mean_engagement_rate 0 1
-- @rows SELECT COUNT(*) FROM (SELECT DISTINCT workspace_id, platform, account_id, local_weekday, local_hour FROM performance) AS slots
SELECT
    workspace_id,
    platform,
    account_id,
    local_weekday AS weekday,
    local_hour AS hour,
    COUNT(*) AS posts,
    COUNT(engagement) AS measured_posts,
    AVG(CAST(engagement AS DOUBLE)) AS mean_engagement,
    AVG(engagement_rate) AS mean_engagement_rate
FROM performance
GROUP BY workspace_id, platform, account_id, local_weekday, local_hour
