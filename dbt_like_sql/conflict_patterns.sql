-- Where conflicts gather, per workspace: by type, rule and severity, account, platform and
-- local hour, with the tasks that have them and the pairs found.
-- @keys workspace_id conflict_type rule severity account_id platform local_hour
-- @range tasks 1
-- @range local_hour 0 23
-- @rows SELECT COUNT(*) FROM (SELECT DISTINCT workspace_id, conflict_type, rule, severity, account_id, platform, local_hour FROM conflicts) AS groups
SELECT
    workspace_id,
    conflict_type,
    rule,
    severity,
    account_id,
    platform,
    local_hour,
    COUNT(DISTINCT task_id) AS tasks,
    COUNT(*) AS pairs
FROM conflicts
GROUP BY workspace_id, conflict_type, rule, severity, account_id, platform, local_hour
