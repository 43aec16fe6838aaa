"""Thompson sampling over the model's uncertainty, for the share of decisions that explore.

The model's uncertainty about an hour of the week is its holdout log residual spread,
narrowed by the posts it learned from there: sigma / sqrt(1 + n). One draw per local hour
(the same draw for its 5-minute slots, which interpolate), and the best draw wins: hours
with few posts are tried more often than their prediction alone would allow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scheduling_platform.intelligence.artifact import ModelArtifact

if TYPE_CHECKING:
    from scheduling_platform.intelligence.scoring import PostDraft


def sample_levels(
    artifact: ModelArtifact,
    draft: PostDraft,
    anchors: pd.DatetimeIndex,
    levels: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """One posterior draw of log1p(engagement) at each anchor (a local half hour)."""
    local = anchors.tz_convert(draft.timezone)
    week_hour = (local.day_of_week * 24 + local.hour).to_numpy()
    counts = np.asarray(
        getattr(artifact, "cell_counts", {}).get(draft.platform, [0] * 168), dtype=float
    )
    spread = artifact.residual_sigma / np.sqrt(1.0 + counts[week_hour])
    return levels + rng.normal(0.0, 1.0, size=len(levels)) * spread


def explores(share: float, rng: np.random.Generator) -> bool:
    """Whether this decision is one of the `share` that explore."""
    return share > 0 and float(rng.random()) < share
