"""2-D maps of item representations (t-SNE), coloured by category.

Categories come from ``items.tsv``. A ``>`` path is a hierarchy: its first level that is not
the same for (nearly) every item is the colour ("Beauty > Makeup > Nails" -> "Makeup", since
every item is "Beauty"). A ``,`` list (Yelp) is an unordered tag set: an item takes its most
common tag among those that fewer than half of the items carry ("Restaurants" says little).
The most frequent ``MAX_COLOURS`` labels get colours, the rest are "other".
"""

from __future__ import annotations

from collections import Counter

import numpy as np

MAX_COLOURS = 8
CONSTANT = 0.9  # a level shared by this share of the items is not a useful colour
OTHER, UNKNOWN = "other", "unknown"


def category_labels(categories: list[str]) -> list[str]:
    """One label per entry of ``categories`` (index 0, padding, included: "unknown")."""
    hier = [c for c in categories if ">" in c]
    if len(hier) >= len([c for c in categories if c.strip()]) / 2:
        paths = [[p.strip() for p in c.split(">") if p.strip()] for c in categories]
        level = 0
        while True:
            at = Counter(p[level] for p in paths if len(p) > level)
            total = sum(at.values())
            if total == 0 or at.most_common(1)[0][1] < CONSTANT * total:
                break
            level += 1
        labels = [p[level] if len(p) > level else (p[-1] if p else UNKNOWN) for p in paths]
    else:
        tags = [[t.strip() for t in c.split(",") if t.strip()] for c in categories]
        freq = Counter(t for ts in tags for t in set(ts))
        n = max(1, sum(1 for ts in tags if ts))
        labels = []
        for ts in tags:
            useful = [t for t in ts if freq[t] < n / 2] or ts
            labels.append(max(useful, key=lambda t: (freq[t], t)) if useful else UNKNOWN)
    top = {lab for lab, _ in Counter(x for x in labels if x != UNKNOWN).most_common(MAX_COLOURS)}
    return [x if x in top or x == UNKNOWN else OTHER for x in labels]


def tsne_2d(vectors: np.ndarray, seed: int = 0) -> np.ndarray:
    """t-SNE of L2-normalised ``vectors`` [N, d] with cosine geometry -> [N, 2]."""
    from sklearn.manifold import TSNE

    x = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    perplexity = float(min(30, max(2, (len(x) - 1) // 3)))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(x)


def map_items(n_items: int, labels: list[str], n: int, seed: int = 0) -> np.ndarray:
    """A seeded sample of at most ``n`` items that have a known category. [m], sorted"""
    known = np.array([i for i in range(1, n_items + 1) if labels[i] != UNKNOWN], dtype=np.int64)
    if len(known) > n:
        known = np.random.default_rng([seed, 6]).choice(known, n, replace=False)
    return np.sort(known)
