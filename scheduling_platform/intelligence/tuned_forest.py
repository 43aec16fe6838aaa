"""A RandomForest that picks its own leaf size and features per split by out-of-bag R².

For `model evaluate` on small external data sets: the reference figure there is a *tuned*
forest, and tuning honestly means choosing on the training folds only. Every forest of the
grid is fitted on the rows `fit` is given and scored on its out-of-bag rows (the rows each
tree did not draw), so the folds it is later scored on never take part in the choice: the
repeated k-fold CV around it is a nested CV. Too slow for the 10,000-row retraining (a grid
of forests per fit), so the platform's own candidates keep fixed hyper-parameters.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.ensemble import RandomForestRegressor

LEAF_SIZES = (1, 3, 8, 20)
FEATURE_SHARES = (0.33, 0.66)


class TunedForest(BaseEstimator, RegressorMixin):
    """The forest of the grid (min_samples_leaf x max_features) with the best OOB R²."""

    def __init__(
        self,
        leaf_sizes: tuple[int, ...] = LEAF_SIZES,
        feature_shares: tuple[float, ...] = FEATURE_SHARES,
        n_estimators: int = 60,
        random_state: int = 0,
    ) -> None:
        self.leaf_sizes = leaf_sizes
        self.feature_shares = feature_shares
        self.n_estimators = n_estimators
        self.random_state = random_state

    def fit(self, x: np.ndarray, y: np.ndarray) -> TunedForest:
        self.oob_scores_: dict[tuple[int, float], float] = {}
        best: Any = None
        for leaf in self.leaf_sizes:
            for share in self.feature_shares:
                forest = RandomForestRegressor(
                    n_estimators=self.n_estimators,
                    min_samples_leaf=leaf,
                    max_features=share,
                    oob_score=True,
                    n_jobs=2,
                    random_state=self.random_state,
                ).fit(x, y)
                self.oob_scores_[(leaf, share)] = float(forest.oob_score_)
                if best is None or forest.oob_score_ > best.oob_score_:
                    best = forest
        self.forest_ = best
        self.chosen_ = (best.min_samples_leaf, best.max_features)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.forest_.predict(x)
