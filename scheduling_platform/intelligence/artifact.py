"""The trained engagement model as its users see it: predictions and what an auditor reads.

Kept apart from `model.py` (training) so that loading the Dagster definitions, the publish
runs and the CLI does not import scikit-learn: a stored artifact imports it when unpickled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from scheduling_platform.intelligence.features import FEATURE_NAMES

CV_FOLDS = 5  # the cross-validation behind an artifact's cv_r2_mean and cv_r2_spread


@dataclass
class ModelArtifact:
    """A trained model with everything needed to score slots and to audit it."""

    version: str
    trained_at: datetime
    candidate: str
    target: str
    estimator: Any
    feature_names: tuple[str, ...]
    metrics: dict[str, float]
    candidates: dict[str, dict[str, float]]
    importances: dict[str, float]
    importance_groups: dict[str, float]
    rows: int
    partitions: list[str]
    residual_sigma: float  # std of holdout residuals of log1p(engagement)
    account_stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    platform_medians: dict[str, float] = field(default_factory=dict)
    # The latest posting time it learned from; the model in use when it was trained, if any.
    trained_until: datetime | None = None
    compared_with: str | None = None
    # "trained" (from engagement) or "prior" (the shipped day-one curves, `priors.py`).
    basis: str = "trained"
    # platform -> training posts per local hour of the week (Monday 00:00 first), for the
    # model's uncertainty where it has seen few posts (Thompson sampling, `exploration.py`).
    cell_counts: dict[str, list[int]] = field(default_factory=dict)

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Expected engagement (counts) for rows of `feature_frame`."""
        return self._counts(self.estimator.predict(features[list(self.feature_names)].to_numpy()))

    def predict_matrix(self, matrix: np.ndarray) -> np.ndarray:
        """`predict` for rows of `feature_matrix` (its columns in FEATURE_NAMES order)."""
        if tuple(self.feature_names) != FEATURE_NAMES:  # trained on other features
            matrix = matrix[:, [FEATURE_NAMES.index(name) for name in self.feature_names]]
        return self._counts(self.estimator.predict(matrix))

    def _counts(self, raw: Any) -> np.ndarray:
        raw = np.asarray(raw)
        return np.expm1(raw).clip(min=0) if self.target == "log1p" else raw.clip(min=0)

    def summary(self) -> dict[str, Any]:
        """What an auditor reads: no estimator internals."""
        return {
            "version": self.version,
            "trained_at": self.trained_at.isoformat(),
            "candidate": self.candidate,
            "rows": self.rows,
            "partitions": [self.partitions[0], self.partitions[-1]] if self.partitions else [],
            "partition_count": len(self.partitions),
            **{k: round(v, 4) for k, v in self.metrics.items()},
            "importance_groups": {k: round(v, 4) for k, v in self.importance_groups.items()},
            "candidates": self.candidates,
        }
