-- Where conflicts gather: by type, rule and severity, account, platform and local hour, with
-- the tasks that have them and the pairs found.
SELECT
    conflict_type,
    rule,
    severity,
    account_id,
    platform,
    local_hour,
    COUNT(DISTINCT task_id) AS tasks,
    COUNT(*) AS pairs
FROM conflicts
GROUP BY conflict_type, rule, severity, account_id, platform, local_hour
