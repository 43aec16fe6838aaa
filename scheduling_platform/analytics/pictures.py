"""Pictures of the analytics models as PNG bytes (matplotlib, headless): where a picture says
more than the preview table."""

from __future__ import annotations

import io
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@cache
def _pyplot() -> ModuleType:
    # Imported when a picture is drawn: every process that loads the definitions (each publish
    # run among them) would otherwise pay matplotlib's import with the definitions' own.
    import matplotlib

    matplotlib.use("Agg")  # no display: rendered to bytes in a worker
    import matplotlib.pyplot as plt

    return plt


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=64)
    _pyplot().close(figure)
    return buffer.getvalue()


def weekday_hour_heatmap(time_patterns: pd.DataFrame) -> bytes:
    """Mean engagement by local weekday × hour, one panel a platform, each relative to its
    platform's best slot (1.0); blank: no measured posts then. One shared scale keeps the
    picture cheap to draw (a colour bar a panel costs seconds)."""
    measured = time_patterns[time_patterns["measured_posts"] > 0]
    platforms = sorted(measured["platform"].unique()) or ["(no measured posts yet)"]
    figure, axes = _pyplot().subplots(
        len(platforms), 1, figsize=(8, 1.9 * len(platforms) + 0.6), squeeze=False
    )
    figure.subplots_adjust(left=0.08, right=0.86, top=0.95, bottom=0.06, hspace=0.55)
    image = None
    for ax, platform in zip(axes[:, 0], platforms, strict=True):
        rows = measured[measured["platform"] == platform]
        grid = np.full((7, 24), np.nan)
        if not rows.empty:
            weighted = rows.assign(total=rows["mean_engagement"] * rows["measured_posts"])
            cells = weighted.groupby(["weekday", "hour"])[["total", "measured_posts"]].sum()
            means = cells["total"] / cells["measured_posts"]
            days, hours = zip(*means.index, strict=True)
            grid[np.array(days, dtype=int), np.array(hours, dtype=int)] = means.to_numpy()
            best = np.nanmax(grid)
            grid = grid / best if best > 0 else grid
        image = ax.imshow(grid, aspect="auto", cmap="viridis", vmin=0, vmax=1)
        ax.set_title(f"{platform}: engagement by local weekday and hour", fontsize=9)
        ax.set_yticks([0, 3, 6], [WEEKDAYS[0], WEEKDAYS[3], WEEKDAYS[6]], fontsize=7)
        ax.set_xticks(range(0, 24, 3), [str(h) for h in range(0, 24, 3)], fontsize=7)
    if image is not None:
        bar = figure.add_axes((0.89, 0.06, 0.025, 0.89))
        figure.colorbar(image, cax=bar, label="relative to the best slot")
    return _png(figure)


LATENESS_BIN_SECONDS = 10
LATENESS_LAST_BIN = 600  # the last bar holds every post this late or later


def lateness_sql(table: str) -> str:
    """Published posts per platform and 10-second lateness bin, counted in the warehouse (a
    million rows are not fetched to draw 61 bars)."""
    width, last = LATENESS_BIN_SECONDS, LATENESS_LAST_BIN
    bin_start = f"LEAST(CAST(FLOOR(lateness_seconds / {width}) AS BIGINT) * {width}, {last})"
    return (
        f"SELECT platform, {bin_start} AS late_from, COUNT(*) AS posts FROM {table}"
        f" WHERE lateness_seconds IS NOT NULL GROUP BY platform, {bin_start}"
    )


def lateness_histogram(bins: pd.DataFrame) -> bytes:
    """How late published posts left, per platform (`lateness_sql`'s counts)."""
    figure, ax = _pyplot().subplots(figsize=(8, 3.5))
    for platform, rows in bins.groupby("platform"):
        ax.bar(
            rows["late_from"],
            rows["posts"],
            width=LATENESS_BIN_SECONDS,
            align="edge",
            alpha=0.6,
            label=str(platform),
        )
    ax.set_xlabel(f"seconds after the scheduled time (last bar: {LATENESS_LAST_BIN} or more)")
    ax.set_ylabel("published posts")
    ax.set_title("Lateness of published posts")
    if not bins.empty:
        ax.legend()
    return _png(figure)


def optimisation_uplift(stats: pd.DataFrame) -> bytes:
    """The model's uplift in mean engagement over fixed times, with its 95% interval."""
    figure, ax = _pyplot().subplots(figsize=(8, 3.5))
    model = stats[(stats["choice"] == "model") & stats["uplift"].notna()]
    labels = [f"{w}/{p}" for w, p in zip(model["workspace_id"], model["platform"], strict=True)]
    low = (model["uplift"] - model["uplift_low"]).fillna(0)
    high = (model["uplift_high"] - model["uplift"]).fillna(0)
    ax.bar(labels, model["uplift"], yerr=[low, high], capsize=4, color="tab:green")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("engagement over fixed times")
    ax.set_title("Model-chosen times: uplift with 95% interval (workspace/platform)")
    return _png(figure)
