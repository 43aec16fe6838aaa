"""How a post's time is chosen: immediate, optimal_time, user_preference, load_balance and
conflict_avoidance (and fixed: the asked time). See docs/scheduling.md#strategies."""
