"""A chart of pain across the days after a workout, against the usual soreness course.

Drawn with matplotlib's Agg canvas directly (no pyplot, no display needed),
so it works on a headless Raspberry Pi and never touches global state.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from datetime import tzinfo
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .messages import messages, text
from .store import LEVELS, HistoryError, StoredCheckIn

__all__ = ["plot_history", "LEVEL_STYLE"]

LEVEL_STYLE: dict[str, tuple[str, str]] = {
    "emergency": ("#b2182b", "X"),
    "urgent": ("#e66101", "^"),
    "doctor": ("#5e3c99", "s"),
    "normal": ("#1a9641", "o"),
}
"""Level -> (colour, marker). Colour and shape differ, so it reads in grey print and for colour-blind eyes."""

_WORKOUT_COLOURS = ("#4d4d4d", "#2166ac", "#8c510a", "#01665e", "#762a83", "#b35806")


def plot_history(
    checkins: Sequence[StoredCheckIn],
    path: Path,
    tz: tzinfo | None = None,
    dpi: int = 100,
) -> Path:
    """Draw pain score (0-10) against hours since the workout and save it as a PNG.

    Behind the points: the usual soreness window (starts 6-8 h, peaks 24-48 h,
    gone by ~72 h) and a shaded zone from 72 h where it should have eased.
    Each point shows its triage level; lines join check-ins of one workout.
    Times in the title and legend are shown in `tz` (local time when None).
    Raises HistoryError when the file cannot be written.
    """
    path = Path(path)
    shown = [c for c in checkins if c.hours_since_workout is not None and c.pain_score is not None]
    hidden = len(checkins) - len(shown)

    fig = Figure(figsize=(12, 6.5), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()

    max_h = max((c.hours_since_workout or 0.0 for c in shown), default=0.0)
    x_max = float(min(max(108.0, max_h * 1.08 + 6), 360.0))
    _draw_window(ax, x_max)

    workouts: dict[object, list[StoredCheckIn]] = defaultdict(list)
    for c in shown:
        workouts[c.workout_id if c.workout_id is not None else ("single", c.id)].append(c)
    ordered = sorted(workouts.values(), key=lambda group: min(c.at for c in group))
    workout_handles = []
    for i, group in enumerate(ordered):
        group.sort(key=lambda c: c.at)
        colour = _WORKOUT_COLOURS[i % len(_WORKOUT_COLOURS)]
        xs = [c.hours_since_workout for c in group]
        ys = [c.pain_score for c in group]
        ax.plot(xs, ys, color=colour, linewidth=1.8, alpha=0.85, zorder=3)
        workout_handles.append(Line2D([], [], color=colour, linewidth=1.8, label=_workout_label(group[0], tz)))
        for c in group:
            colour_l, marker = LEVEL_STYLE.get(c.level, ("#000000", "o"))
            ax.scatter(
                [c.hours_since_workout],
                [c.pain_score],
                s=120,
                marker=marker,
                c=[colour_l] if c.finished else ["white"],
                edgecolors=colour_l,
                linewidths=2.0,
                zorder=4,
            )

    ax.set_xlim(0, x_max)
    ax.set_ylim(-0.4, 10.4)
    ax.set_yticks(range(0, 11))
    step = 12 if x_max <= 160 else 24
    ax.set_xticks(np.arange(0, x_max + 0.1, step))
    ax.set_xlabel(text("plot.xlabel"), fontsize=12)
    ax.set_ylabel(text("plot.ylabel"), fontsize=12)
    ax.grid(axis="y", color="#dddddd", linewidth=0.8, zorder=0)
    ax.tick_params(labelsize=10)
    days = ax.secondary_xaxis("top", functions=(lambda h: h / 24.0, lambda d: d * 24.0))
    days.set_xticks(np.arange(0, x_max / 24.0 + 0.01, 1))
    days.set_xticklabels([f"day {d}" for d in range(int(x_max // 24) + 1)])
    days.tick_params(labelsize=9, colors="#555555")

    if len(ordered) == 1:
        title = text("plot.title_one", workout=_when(ordered[0][0], tz))
    else:
        title = text("plot.title")
    ax.set_title(title, fontsize=15, pad=12)
    if not shown:
        ax.text(x_max / 2, 5, text("plot.no_checkins"), ha="center", va="center", fontsize=16, color="#555555")

    level_names = messages()["plot"]["levels"]
    level_handles = [
        Line2D(
            [],
            [],
            linestyle="",
            marker=LEVEL_STYLE[lvl][1],
            markersize=10,
            markerfacecolor=LEVEL_STYLE[lvl][0],
            markeredgecolor=LEVEL_STYLE[lvl][0],
            label=level_names.get(lvl, lvl),
        )
        for lvl in LEVELS
    ]
    zone_handles = [
        Patch(facecolor="#a6dba0", alpha=0.55, label=text("plot.peak").replace("\n", " ")),
        Patch(facecolor="#fdae61", alpha=0.45, label=text("plot.should_ease").replace("\n", " ")),
        Line2D([], [], color="#7f7f7f", linestyle="--", label=text("plot.typical")),
        Line2D(
            [],
            [],
            linestyle="",
            marker="o",
            markersize=10,
            markerfacecolor="white",
            markeredgecolor="#555555",
            markeredgewidth=2.0,
            label=text("plot.stopped"),
        ),
    ]
    legend = ax.legend(
        handles=level_handles + workout_handles[-6:] + zone_handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=10,
        frameon=False,
        borderaxespad=0.0,
    )
    legend.set_zorder(5)
    if hidden:
        ax.text(
            1.01,
            0.0,
            text("plot.not_shown", count=hidden),
            transform=ax.transAxes,
            fontsize=9,
            color="#555555",
            va="bottom",
            ha="left",
            wrap=True,
        )

    try:
        # Health data: the chart is private to the user, like the history itself.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            fig.savefig(handle, format="png", dpi=dpi)
    except OSError as exc:
        raise HistoryError(text("command.write_failed", path=path, detail=exc.strerror or exc)) from None
    return path


def _draw_window(ax, x_max: float) -> None:  # type: ignore[no-untyped-def]
    """The usual course of post-workout soreness, drawn behind the check-ins."""
    ax.axvspan(6, 8, color="#d9f0d3", alpha=0.9, zorder=1, linewidth=0)
    ax.axvspan(8, 24, color="#edf8e9", alpha=0.9, zorder=1, linewidth=0)
    ax.axvspan(24, 48, color="#a6dba0", alpha=0.55, zorder=1, linewidth=0)
    ax.axvspan(48, 72, color="#edf8e9", alpha=0.9, zorder=1, linewidth=0)
    ax.axvspan(72, 96, color="#fee0b6", alpha=0.75, zorder=1, linewidth=0)
    ax.axvspan(96, max(x_max, 96), color="#fdae61", alpha=0.45, zorder=1, linewidth=0)
    ax.axvline(72, color="#b35806", linestyle=":", linewidth=1.4, zorder=2)

    # The typical shape: nothing for 6 h, builds to a plateau at 24-48 h, gone by 72 h.
    hx = [0, 6, 8, 24, 48, 72, x_max]
    hy = [0, 0, 0.8, 4.0, 4.0, 0, 0]
    ax.plot(hx, hy, color="#7f7f7f", linestyle="--", linewidth=1.3, zorder=2)

    label = {"fontsize": 9.5, "color": "#333333", "ha": "center", "va": "top", "zorder": 2}
    ax.text(7, 10.25, text("plot.onset"), **label)
    ax.text(36, 10.25, text("plot.peak"), **label)
    ax.text(70.5, 10.25, text("plot.gone"), **{**label, "ha": "right"})
    ax.text(min((72 + max(x_max, 96)) / 2, 96 + 20), 10.25, text("plot.should_ease"), **label)


def _when(checkin: StoredCheckIn, tz: tzinfo | None) -> str:
    if checkin.workout_at is None:
        return text("plot.unknown_workout")
    return checkin.workout_at.astimezone(tz).strftime("%a %d %b, %H:%M")


def _workout_label(first: StoredCheckIn, tz: tzinfo | None) -> str:
    if first.workout_at is None:
        return text("plot.unknown_workout")
    return text("plot.workout", workout=_when(first, tz))
