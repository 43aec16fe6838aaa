"""The forest that tunes itself by out-of-bag R², for nested CV on external data."""

import numpy as np

from scheduling_platform.intelligence.tuned_forest import TunedForest


def test_picks_the_grid_point_with_the_best_out_of_bag_score() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4))
    noise = rng.normal(size=300)  # nothing to learn: the smoothest forest predicts best
    forest = TunedForest(leaf_sizes=(1, 20), feature_shares=(0.5,), n_estimators=30).fit(x, noise)
    assert set(forest.oob_scores_) == {(1, 0.5), (20, 0.5)}
    assert forest.chosen_ == max(forest.oob_scores_, key=forest.oob_scores_.get) == (20, 0.5)

    signal = 3 * x[:, 0] + 0.01 * noise  # a clean signal: the deepest trees follow it best
    forest = TunedForest(leaf_sizes=(1, 20), feature_shares=(0.5,), n_estimators=30).fit(x, signal)
    assert forest.chosen_ == (1, 0.5)
    assert np.corrcoef(forest.predict(x), signal)[0, 1] > 0.95
