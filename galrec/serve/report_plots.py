"""The report's figures, drawn with matplotlib and returned as base64 PNG data URIs."""

from __future__ import annotations

import base64
import io
import math

import matplotlib

matplotlib.use("Agg")  # no display on servers; must precede pyplot

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563"]


def _data_uri(fig: plt.Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _style(ax: plt.Axes) -> None:
    ax.grid(True, color="#e5e7eb", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def training_curves(series: dict[str, tuple[np.ndarray, np.ndarray]], x_label: str) -> str:
    """One small panel per logged column: ``{name: (x [N], y [N])}``."""
    cols = min(3, len(series))
    rows = math.ceil(len(series) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.7 * cols, 2.6 * rows), squeeze=False)
    for ax, (name, (x, y)) in zip(axes.flat, series.items()):
        ax.plot(x, y, color=PALETTE[0], linewidth=1.4, marker="o" if len(x) <= 30 else None, markersize=3)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel(x_label, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps and epochs are counts
        _style(ax)
    for ax in list(axes.flat)[len(series) :]:
        ax.set_visible(False)
    fig.tight_layout()
    return _data_uri(fig)


def hit_rate_curves(ranks: dict[str, np.ndarray], max_k: int = 50) -> str:
    """HR@K for K = 1..max_k of every run, from its ``ranks.tsv``."""
    ks = np.arange(1, max_k + 1)
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    for j, (label, r) in enumerate(ranks.items()):
        hr = (r[:, None] <= ks[None, :]).mean(axis=0)  # [max_k]
        ax.plot(ks, hr, label=label, color=PALETTE[j % len(PALETTE)], linewidth=1.8 if j == 0 else 1.2)
    ax.set_xlabel("K (items recommended)")
    ax.set_ylabel("HR@K (test)")
    ax.legend(fontsize=8, frameon=False)
    _style(ax)
    fig.tight_layout()
    return _data_uri(fig)
