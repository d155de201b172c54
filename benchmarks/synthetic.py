"""Synthetic interaction logs for the scale benchmark: seeded, vectorised, no text files needed.

Item popularity follows a Zipf-Mandelbrot law, P(rank r) ∝ 1 / (r + q)^a: ``a = 1`` gives the
power-law tail of real catalogues, and the offset ``q = 50`` flattens the head so that the most
popular item holds a few tenths of a percent of all interactions, as in MovieLens or Amazon
(a pure Zipf law would give it 5-10 %). Popularity ranks are shuffled over item ids, so popular
items are not clustered at low ids. User lengths are 3 + a log-normal share of the remaining
budget (sigma 1: a median user with about 60 % of the mean length and a tail of users with
hundreds of items), scaled so the total is exactly the requested number of interactions. Items
are drawn i.i.d. from the popularity law, so a user can repeat an item (as in Yelp) and the
sequences carry no sequential signal: this data is for timing, not for accuracy.

Run ``python benchmarks/synthetic.py --size small --write DIR`` to also write the log as a CSV
(``user_id,item_id,timestamp``) for timing the readers.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from galrec.data.dataset import Interactions
from galrec.data.idmap import IdMap
from galrec.data.sequences import Sequences

CHUNK = 1 << 22  # items drawn per step: bounds the temporaries to ~100 MB at any size


@dataclass(frozen=True)
class SyntheticSpec:
    n_users: int
    n_items: int
    n_interactions: int
    zipf_a: float = 1.0  # tail exponent of item popularity
    zipf_q: float = 50.0  # head offset: larger flattens the most popular items
    length_sigma: float = 1.0  # log-normal spread of user lengths
    seed: int = 0

    def __post_init__(self) -> None:
        if self.n_users < 1 or self.n_items < 1:
            raise ValueError(f"need at least one user and one item, got {self.n_users} and {self.n_items}")
        if self.n_interactions < 3 * self.n_users:
            raise ValueError(
                f"{self.n_interactions} interactions cannot give {self.n_users} users >= 3 each"
            )


# users / items / interactions: small -> large grows 20x in users and interactions, 20x in items
SIZES: dict[str, SyntheticSpec] = {
    "tiny": SyntheticSpec(2_000, 500, 40_000),
    "small": SyntheticSpec(50_000, 10_000, 1_000_000),
    "medium": SyntheticSpec(250_000, 50_000, 5_000_000),
    "large": SyntheticSpec(1_000_000, 200_000, 20_000_000),
}


def user_lengths(n_users: int, n_interactions: int, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Lengths >= 3 that sum to exactly ``n_interactions``. [n_users] int64"""
    budget = n_interactions - 3 * n_users
    share = rng.lognormal(0.0, sigma, size=n_users)  # [n_users]
    extra = np.floor(share * (budget / share.sum())).astype(np.int64)
    short = budget - int(extra.sum())  # 0 <= short < n_users after flooring
    extra[rng.choice(n_users, size=short, replace=False)] += 1
    return extra + 3


def item_cdf(n_items: int, a: float, q: float) -> np.ndarray:
    """Cumulative Zipf-Mandelbrot probabilities over popularity ranks 1..n_items. [n_items]"""
    weight = (np.arange(1, n_items + 1, dtype=np.float64) + q) ** -a
    cdf = np.cumsum(weight)
    return cdf / cdf[-1]


def draw_items(n: int, cdf: np.ndarray, rank_to_item: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``n`` i.i.d. internal item ids (1-based) by inverse-CDF sampling, in chunks. [n] int64"""
    out = np.empty(n, dtype=np.int64)
    for start in range(0, n, CHUNK):
        stop = min(start + CHUNK, n)
        rank = np.searchsorted(cdf, rng.random(stop - start), side="right")  # [chunk] 0-based
        out[start:stop] = rank_to_item[np.minimum(rank, len(cdf) - 1)]
    return out


def generate_sequences(spec: SyntheticSpec) -> Sequences:
    """Every user's items (row 0 is the empty padding user). n_rows = n_users + 1"""
    rng = np.random.default_rng(spec.seed)
    lengths = user_lengths(spec.n_users, spec.n_interactions, spec.length_sigma, rng)
    indptr = np.zeros(spec.n_users + 2, dtype=np.int64)
    np.cumsum(lengths, out=indptr[2:])
    rank_to_item = rng.permutation(spec.n_items) + 1  # [n_items] popularity rank -> item id
    items = draw_items(spec.n_interactions, item_cdf(spec.n_items, spec.zipf_a, spec.zipf_q), rank_to_item, rng)
    return Sequences(indptr, items)


def generate(spec: SyntheticSpec, name: str = "synthetic") -> Interactions:
    """A synthetic log as galrec ``Interactions``; raw ids are "u<k>" and "i<k>"."""
    seqs = generate_sequences(spec)
    users = IdMap(np.char.add("u", np.arange(1, spec.n_users + 1).astype(str)).tolist(), "user")
    items = IdMap(np.char.add("i", np.arange(1, spec.n_items + 1).astype(str)).tolist(), "item")
    return Interactions(name, users, items, seqs)


def write_csv(data: Interactions, path: Path, rows_per_chunk: int = 1 << 20) -> None:
    """``user_id,item_id,timestamp`` with a header; timestamps increase along each sequence."""
    seqs = data.sequences
    user_of = np.repeat(np.arange(seqs.n_rows), seqs.lengths)  # [nnz]
    stamp = 1_500_000_000 + np.arange(len(seqs.items)) - seqs.indptr[user_of]  # [nnz]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("user_id,item_id,timestamp\n")
        for start in range(0, len(seqs.items), rows_per_chunk):
            sl = slice(start, start + rows_per_chunk)
            fh.writelines(
                f"u{u},i{i},{t}\n"
                for u, i, t in zip(user_of[sl].tolist(), seqs.items[sl].tolist(), stamp[sl].tolist())
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", type=Path, metavar="DIR", help="also write DIR/synthetic-SIZE.csv")
    args = parser.parse_args()
    spec = SIZES[args.size]
    spec = SyntheticSpec(**{**spec.__dict__, "seed": args.seed})
    t0 = time.perf_counter()
    data = generate(spec, f"synthetic-{args.size}")
    pop = np.sort(data.item_popularity()[1:])[::-1]
    lengths = data.sequences.lengths[1:]
    print(
        f"{data.stats()} in {time.perf_counter() - t0:.2f} s; user length median {int(np.median(lengths))}, "
        f"max {lengths.max()}; top item {pop[0] / pop.sum():.2%} of interactions, "
        f"items never drawn {int((pop == 0).sum())}"
    )
    if args.write:
        args.write.mkdir(parents=True, exist_ok=True)
        path = args.write / f"synthetic-{args.size}.csv"
        t0 = time.perf_counter()
        write_csv(data, path)
        print(f"wrote {path} in {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
