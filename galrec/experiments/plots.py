"""The experiments' figures as PNG files (matplotlib, no display needed)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers; must precede pyplot

import matplotlib.pyplot as plt
import numpy as np

PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4b5563"]
LOSS_TERMS = ("loss", "l0", "l1", "l2", "l3")


def _style(ax: plt.Axes) -> None:
    ax.grid(True, color="#e5e7eb", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def smooth(y: np.ndarray, window: int) -> np.ndarray:
    """Trailing moving average (the first points average what there is)."""
    if window <= 1 or len(y) == 0:
        return y
    c = np.cumsum(np.insert(y, 0, 0.0))
    n = np.minimum(np.arange(1, len(y) + 1), window)
    return (c[1:] - c[np.arange(1, len(y) + 1) - n]) / n


def read_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def training_curves(logs: dict[str, Path], out: Path) -> Path:
    """One panel per loss term (smoothed, by optimizer step) and one for validation NDCG@10;
    one line per run. ``logs``: run name -> its ``train_log.jsonl``."""
    records = {name: read_log(p) for name, p in logs.items()}
    terms = [t for t in LOSS_TERMS if any(t in r for recs in records.values() for r in recs)]
    panels = [*terms, "valid_ndcg@10"]
    cols = min(3, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.0 * cols, 2.8 * rows), squeeze=False)
    for ax, key in zip(axes.flat, panels):
        for j, (name, recs) in enumerate(records.items()):
            pts = [(r["step"], r[key]) for r in recs if r.get(key) is not None]
            if not pts:
                continue
            x, y = (np.array(v, dtype=float) for v in zip(*pts))
            if key != "valid_ndcg@10":
                y = smooth(y, max(1, len(y) // 25))
            ax.plot(x, y, color=PALETTE[j % len(PALETTE)], linewidth=1.3, label=name,
                    marker="o" if key == "valid_ndcg@10" else None, markersize=3)
        ax.set_title(key if key != "loss" else "loss (weighted total)", fontsize=10)
        ax.set_xlabel("optimizer step", fontsize=8)
        ax.tick_params(labelsize=8)
        _style(ax)
    return _finish(fig, axes, len(panels), out)


def _finish(fig: plt.Figure, axes: np.ndarray, used: int, out: Path) -> Path:
    """Hide the grid's unused panels, put the legend on the first, lay out and save."""
    for ax in list(axes.flat)[used:]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return _save(fig, out)


def sensitivity(sweeps: dict[str, list[dict]], out: Path) -> Path:
    """NDCG@10 (valid and test) against each swept value; one panel per key.

    ``sweeps``: key -> [{"value": str, "valid": float | None, "test": float | None}], in the
    order given on the command line. Values sit at even spacing (0 and log-spaced sizes alike).
    """
    cols = min(3, len(sweeps))
    rows = math.ceil(len(sweeps) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.8 * cols, 2.9 * rows), squeeze=False)
    for ax, (key, points) in zip(axes.flat, sweeps.items()):
        x = np.arange(len(points))
        for j, split in enumerate(("test", "valid")):
            y = np.array([np.nan if p[split] is None else p[split] for p in points], dtype=float)
            ax.plot(x, y, color=PALETTE[j], marker="o", linewidth=1.4, label=f"{split} NDCG@10")
        ax.set_xticks(x, [p["value"] for p in points], fontsize=8)
        ax.set_title(key, fontsize=10)
        ax.tick_params(labelsize=8)
        _style(ax)
    return _finish(fig, axes, len(sweeps), out)


def item_maps(panels: dict[str, np.ndarray], labels: list[str], out: Path) -> Path:
    """Side-by-side 2-D maps [N, 2] of the same N items, coloured by ``labels`` [N]."""
    names = sorted(set(labels), key=lambda x: (x in ("other", "unknown"), -labels.count(x), x))
    colour = {name: PALETTE[j % len(PALETTE)] if name not in ("other", "unknown") else "#d1d5db"
              for j, name in enumerate(names)}
    labels_arr = np.array(labels)
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.6), squeeze=False)
    for ax, (title, xy) in zip(axes.flat, panels.items()):
        for name in reversed(names):  # the grey "other" first, underneath
            sel = labels_arr == name
            ax.scatter(xy[sel, 0], xy[sel, 1], s=4, color=colour[name], label=name, linewidths=0)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    handles, texts = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles[::-1], texts[::-1], loc="lower center", ncol=min(5, len(names)), fontsize=8,
               frameon=False, markerscale=3)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return _save(fig, out)
