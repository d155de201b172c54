"""Approximate top-10 (galrec.serve.index, faiss IVF) against exact scoring on large synthetic catalogues.

Item vectors are what a trained SASRec or LightGCN table looks like at this size, not i.i.d.
noise: ``d = 64`` (SASRec's default width), items grouped around ``--clusters`` centres (a
catalogue's categories), and norms that grow with log popularity (popular items score higher
for every user). Histories come from ``benchmarks/synthetic.py`` (Zipf-Mandelbrot popularity,
log-normal lengths); a query is the mean of its history's last 20 item vectors plus noise, the
shape of SASRec's state after a history. Exact scoring is the serving path's brute force
(``q @ items.T``, history masked, ``torch.topk``); recall@10 is the share of the exact top 10
(history excluded from both) that the index returns.

    OMP_NUM_THREADS=1 taskset -c 1 .venv/bin/python benchmarks/ann.py --items 200000 1000000
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time

import faiss
import numpy as np
import torch
from synthetic import SyntheticSpec, generate_sequences

from galrec.serve.index import ItemIndex, default_nlist

D = 64


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        line = next(x for x in fh if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def catalogue(n_items: int, clusters: int, seed: int) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """(item vectors [n_items + 1, D] with padding row 0, histories of internal ids, queries [U, D])."""
    spec = SyntheticSpec(n_users=args.queries, n_items=n_items, n_interactions=args.queries * 12, seed=seed)
    seqs = generate_sequences(spec)
    rng = np.random.default_rng(seed)
    popularity = np.bincount(generate_sequences(
        SyntheticSpec(n_users=50_000, n_items=n_items, n_interactions=2_000_000, seed=seed)).items,
        minlength=n_items + 1)  # [n_items + 1], the same popularity law (same seed: same ranks)
    centres = rng.normal(size=(clusters, D)).astype(np.float32)  # [C, D]
    items = centres[rng.integers(0, clusters, n_items)] + 0.5 * rng.normal(size=(n_items, D)).astype(np.float32)
    items /= np.linalg.norm(items, axis=1, keepdims=True)
    items *= (1.0 + 0.1 * np.log1p(popularity[1:]))[:, None]  # [N, D]
    vectors = np.vstack([np.zeros((1, D), np.float32), items]).astype(np.float32)
    histories = [seqs.row(u) for u in range(1, seqs.n_rows)]
    queries = np.stack([vectors[h[-20:]].mean(0) for h in histories])  # [U, D]
    queries += 0.05 * rng.normal(size=queries.shape).astype(np.float32)
    return vectors, histories, queries


def exact_topk(items: torch.Tensor, queries: np.ndarray, histories: list[np.ndarray], k: int) -> np.ndarray:
    s = torch.from_numpy(queries) @ items.T  # [B, n_items + 1]
    s[:, 0] = float("-inf")
    rows = np.concatenate([np.full(len(h), j) for j, h in enumerate(histories)])
    s[torch.from_numpy(rows), torch.from_numpy(np.concatenate(histories))] = float("-inf")
    return torch.topk(s, k, dim=1).indices.numpy()  # [B, k]


def timed(fn, batches: list[slice]) -> tuple[list, float]:
    """Results of ``fn`` on each batch, and the median milliseconds per call."""
    out, ms = [], []
    for b in batches:
        t0 = time.perf_counter()
        out.append(fn(b))
        ms.append((time.perf_counter() - t0) * 1000)
    return out, float(np.median(ms))


def recall(approx: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(e)) / len(e) for a, e in zip(approx, exact)]))


def run(n_items: int) -> None:
    rss0 = rss_mb()
    vectors, histories, queries = catalogue(n_items, args.clusters, args.seed)
    items = torch.from_numpy(vectors)
    table_mb = vectors.nbytes / 2**20
    k = 10
    singles = [slice(j, j + 1) for j in range(len(queries))]
    batch = args.batch
    batches = [slice(j, j + batch) for j in range(0, len(queries), batch)]

    exact, exact_ms1 = timed(lambda b: exact_topk(items, queries[b], histories[b], k), singles)
    exact = np.concatenate(exact)
    _, exact_msb = timed(lambda b: exact_topk(items, queries[b], histories[b], k), batches)
    score_mb = batch * (n_items + 1) * 4 / 2**20  # the [B, n_items + 1] float32 score matrix

    t0 = time.perf_counter()
    index = ItemIndex.build(vectors, seed=args.seed)
    build_s = time.perf_counter() - t0
    index_mb = faiss.serialize_index(index.index).nbytes / 2**20  # vectors, ids, centroids
    print(f"\n{n_items:,} items, d {D}, {len(queries)} queries (history 3-{max(map(len, histories))} items), "
          f"nlist {default_nlist(n_items)}, index built in {build_s:.1f} s ({index_mb:.0f} MB; "
          f"item table {table_mb:.0f} MB; process RSS {rss0:.0f} -> {rss_mb():.0f} MB)")
    print(f"| retrieval | nprobe | recall@10 | ms / query (batch 1) | ms / batch of {batch} | working memory |")
    print("|---|---|---|---|---|---|")
    print(f"| exact (torch) | - | 1.000 | {exact_ms1:.2f} | {exact_msb:.1f} | "
          f"item table {table_mb:.0f} MB + {score_mb:.0f} MB scores per batch of {batch} |")
    for nprobe in args.nprobe:
        index.index.nprobe = nprobe
        found, ms1 = timed(lambda b: index.search(queries[b], k, histories[b])[0], singles)
        _, msb = timed(lambda b: index.search(queries[b], k, histories[b])[0], batches)
        print(f"| ann (faiss IVF) | {nprobe} | {recall(np.concatenate(found), exact):.3f} | {ms1:.2f} | {msb:.1f} | "
              f"index {index_mb:.0f} MB (vectors kept exact) |")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, nargs="+", default=[200_000, 1_000_000])
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--clusters", type=int, default=2000)
    ap.add_argument("--nprobe", type=int, nargs="+", default=[16, 32, 64, 128, 256])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    faiss.omp_set_num_threads(torch.get_num_threads())
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {platform.machine()}, {os.cpu_count()} CPUs seen, "
          f"torch threads {torch.get_num_threads()}, faiss {faiss.__version__}; "
          f"peak RSS so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    for n in args.items:
        run(n)
