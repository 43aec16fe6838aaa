"""The tables the `conflicts` SQL model joins besides the snapshot: the rules a platform, and
the near-duplicate pairs (candidates from datasketch's MinHashLSH, compared exactly, as the
online check does), so the SQL finds what `checker.py` finds."""

from __future__ import annotations

import pandas as pd

from scheduling_platform.fingerprints import minhash, new_lsh, shingles, similarity
from scheduling_platform.lifecycle import OCCUPYING
from scheduling_platform.scheduling.conflicts.rules import (
    REFUSE_IDENTICAL_CONSECUTIVE,
    ConflictRules,
)
from scheduling_platform.settings import PLATFORM_NAMES


def conflict_rules_frame(rules: ConflictRules) -> pd.DataFrame:
    """The limits per platform as the SQL joins them (a missing quota is NULL: no limit)."""
    return pd.DataFrame(
        [
            {
                "platform": platform,
                "min_gap_seconds": int(rules.gap(platform).total_seconds()),
                "media_gap_seconds": int(rules.media_gap.total_seconds()),
                "hourly_quota": rules.hourly_quotas.get(platform),
                "daily_quota": rules.daily_quotas.get(platform),
                "duplicate_window_seconds": int(rules.duplicate_window.total_seconds()),
                "refuses_identical": platform in REFUSE_IDENTICAL_CONSECUTIVE,
            }
            for platform in PLATFORM_NAMES
        ]
    ).astype({"hourly_quota": "Int64", "daily_quota": "Int64"})


def content_similarity_frame(snapshot: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Pairs (both ways) of occupying posts of one account whose texts are at least
    `threshold` similar, with the similarity; candidates from one LSH index per account."""
    occupying = snapshot[snapshot["status"].isin([s.value for s in OCCUPYING])]
    rows = []
    for _, group in occupying.groupby("account_id"):
        lsh = new_lsh()
        parts = {}
        for task_id, content in zip(group["task_id"], group["content"], strict=True):
            parts[int(task_id)] = shingles(content)
            signature = minhash(parts[int(task_id)])
            if signature is not None:
                lsh.insert(int(task_id), signature)
        for task_id, mine in parts.items():
            signature = minhash(mine)
            if signature is None:
                continue
            for other in lsh.query(signature):
                if other != task_id:
                    score = similarity(mine, parts[other])
                    if score >= threshold:
                        rows.append((task_id, int(other), round(score, 4)))
    return pd.DataFrame(rows, columns=["task_id", "other_task_id", "similarity"]).astype(
        {"task_id": "int64", "other_task_id": "int64", "similarity": "float64"}
    )
