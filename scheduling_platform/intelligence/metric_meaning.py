"""What reads, likes, shares and comments mean on each platform, the same in every row.

Collected rows come from the clients (each maps its platform's fields in METRIC_FIELDS);
imported rows come from CSV mappings. A metric a platform does not report (Weibo's
statuses/count.json has no reads) is 0 in both, so an imported Weibo history with a reads
column does not teach the model that old posts earned more than collected ones.
docs/platforms.md has the table.
"""

from __future__ import annotations

import pandas as pd

from scheduling_platform.intelligence.features import METRIC_COLUMNS
from scheduling_platform.platforms.registry import CLIENT_CLASSES

# platform -> the metrics its API reports, from the client's own field map.
REPORTED: dict[str, frozenset[str]] = {
    platform: frozenset(cls.METRIC_FIELDS) for platform, cls in CLIENT_CLASSES.items()
}


def unreported(platform: str) -> frozenset[str]:
    """Metrics `platform` does not report (none for platforms this project has no client for)."""
    if platform not in REPORTED:
        return frozenset()
    return frozenset(METRIC_COLUMNS) - REPORTED[platform]


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every metric its row's platform does not report set to 0."""
    frame = frame.copy()
    for platform in frame["platform"].unique():
        missing = sorted(unreported(str(platform)))
        if missing:
            frame.loc[frame["platform"] == platform, missing] = 0
    return frame
