"""Repeated k-fold evaluation of the model candidates on an external data set.

Each candidate is refitted from scratch in every fold with hyper-parameters fixed in advance
(`default_candidates`, and the small-data `ensemble` of `ensemble.py`): nothing is tuned on
the folds it is scored on. When the mapping names
the `features` its source really provides, only those are used: the others would be
defaults, or guesses (the UCI set has no day of month, so its holiday features would be
computed on approximate dates).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.model_selection import RepeatedKFold

from scheduling_platform.intelligence.ensemble import small_data_ensemble
from scheduling_platform.intelligence.features import FEATURE_NAMES, feature_frame
from scheduling_platform.intelligence.importer import MappingError, load_mapping, map_rows, read_csv
from scheduling_platform.intelligence.model import Candidate, PlatformCurve, default_candidates


def evaluation_candidates(seed: int = 0) -> list[Candidate]:
    """The platform's retraining candidates and the small-data ensemble."""
    ensemble = Candidate("ensemble", lambda: PlatformCurve(small_data_ensemble(seed)), "log1p")
    return [*default_candidates(seed), ensemble]


def load_labelled_features(
    csv_path: Path, mapping_path: Path, target: str
) -> tuple[pd.DataFrame, np.ndarray, int]:
    """(the features the mapping provides, target clipped at 0, rows dropped for no target)."""
    mapping = load_mapping(mapping_path)
    raw = read_csv(csv_path, mapping)
    if target not in raw.columns:
        raise MappingError(f"no column {target!r} in {csv_path}; columns: {list(raw.columns)}")
    keep = raw[target].notna()
    raw = raw[keep].reset_index(drop=True)
    provided = list(mapping.get("features") or FEATURE_NAMES)
    unknown = set(provided) - set(FEATURE_NAMES)
    if unknown or "hour_of_day" not in provided:
        raise MappingError(
            f"mapping features must be model features including hour_of_day; "
            f"unknown: {sorted(unknown)}"
        )
    features = feature_frame(map_rows(raw, mapping))[provided]
    return features, raw[target].astype(float).clip(lower=0).to_numpy(), int((~keep).sum())


def evaluate_csv(
    csv_path: Path,
    mapping_path: Path,
    target: str,
    *,
    folds: int = 5,
    repeats: int = 3,
    seed: int = 0,
) -> dict[str, Any]:
    """R² of log1p(target) and MAE of target per candidate and for a mean baseline."""
    features, y, dropped = load_labelled_features(csv_path, mapping_path, target)
    splitter = RepeatedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    results: dict[str, dict[str, list[float]]] = {}
    for fit_idx, test_idx in splitter.split(features):
        truth = y[test_idx]
        baseline = np.full(len(test_idx), y[fit_idx].mean())
        predictions = {"mean_baseline": baseline}
        for candidate in evaluation_candidates(seed):
            model = candidate.fit(features.iloc[fit_idx], y[fit_idx])
            predictions[candidate.name] = candidate.predict_counts(model, features.iloc[test_idx])
        for name, predicted in predictions.items():
            scores = results.setdefault(name, {"r2_log1p": [], "mae": []})
            scores["r2_log1p"].append(float(r2_score(np.log1p(truth), np.log1p(predicted))))
            scores["mae"].append(float(mean_absolute_error(truth, predicted)))
    table = pd.DataFrame(
        {
            name: {
                "r2_log1p_mean": float(np.mean(s["r2_log1p"])),
                "r2_log1p_std": float(np.std(s["r2_log1p"])),
                "mae_mean": float(np.mean(s["mae"])),
                "mae_std": float(np.std(s["mae"])),
            }
            for name, s in results.items()
        }
    ).T
    return {
        "csv": str(csv_path),
        "target": target,
        "rows": len(y),
        "dropped_rows_without_target": dropped,
        "features": list(features.columns),
        "folds": folds,
        "repeats": repeats,
        "scores": {k: {m: round(v, 4) for m, v in r.items()} for k, r in table.iterrows()},
    }
