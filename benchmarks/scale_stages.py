"""One stage of the scale benchmark, run alone in its own process (``benchmarks/scale.py`` drives it).

A fresh process per stage keeps one stage's memory peak from hiding another's: the peak reported
is this process's maximum resident set (``ru_maxrss``), read when the timed part ends, so it
includes the interpreter, the imported libraries and the stage's inputs (``inputs_gb`` says how
much of it was there before the timed part started). Stages hand their outputs to later ones as
``.npz`` files in the size's work folder; writing them is not timed.

Usage: ``python benchmarks/scale_stages.py STAGE --size small --workdir runs/scale/small``;
the last line printed is the stage's JSON record.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch

from galrec.baselines.batches import SequenceBatches
from galrec.baselines.configs import SASRecRunConfig
from galrec.baselines.sasrec import SASRec
from galrec.data.load import load_dataset
from galrec.data.sequences import Sequences
from galrec.data.split import LeaveOneOut
from galrec.eval.ranking import full_ranks
from galrec.graph.bipartite import BipartiteGraph
from galrec.graph.sampling import sample_hop2_users
from synthetic import SIZES, generate, write_csv  # benchmarks/, this script's folder

HOP2_K = 20  # 2-hop users drawn for every user


def peak_gb() -> float:
    """Peak resident memory of this process so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**30 if sys.platform == "darwin" else rss / 2**20


class Timer:
    """Wall time of the timed part, and the memory peak before it and at its end."""

    def __enter__(self) -> Timer:
        self.inputs_gb = peak_gb()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.t0
        self.peak_gb = peak_gb()

    def record(self, **extra: object) -> dict:
        return {"seconds": round(self.seconds, 3), "peak_gb": round(self.peak_gb, 3),
                "inputs_gb": round(self.inputs_gb, 3), **extra}


# -- hand-offs between stages -----------------------------------------------------------------

def save_split(loo: LeaveOneOut, folder: Path) -> None:
    np.savez(
        folder / "split.npz",
        train_indptr=loo.train.indptr, train_items=loo.train.items,
        test_indptr=loo.test_input.indptr, test_items=loo.test_input.items,
        test_target=loo.test_target, n_items=loo.data.n_items,
    )


def load_split(folder: Path, part: str) -> tuple[Sequences, np.ndarray, int]:
    """``part`` "train" or "test": (input sequences, test targets, n_items)."""
    z = np.load(folder / "split.npz")
    return Sequences(z[f"{part}_indptr"], z[f"{part}_items"]), z["test_target"], int(z["n_items"])


# -- stages -------------------------------------------------------------------------------------

def stage_load(args: argparse.Namespace) -> dict:
    """Generate the log, build ``Interactions`` (id maps included), split leave-one-out."""
    with Timer() as t:
        t0 = time.perf_counter()
        data = generate(SIZES[args.size], f"synthetic-{args.size}")
        generate_s = time.perf_counter() - t0
        loo = LeaveOneOut.from_interactions(data)
    save_split(loo, args.workdir)
    return t.record(generate_s=round(generate_s, 3), split_s=round(t.seconds - generate_s, 3),
                    users=data.n_users, items=data.n_items, interactions=data.n_interactions)


def stage_write_csv(args: argparse.Namespace) -> dict:
    """Write the same log as a CSV for ``read_csv`` (set-up, not galrec code)."""
    data = generate(SIZES[args.size], f"synthetic-{args.size}")
    path = args.workdir / f"synthetic-{args.size}.csv"
    with Timer() as t:
        write_csv(data, path)
    return t.record(csv_mb=round(path.stat().st_size / 2**20, 1))


def stage_read_csv(args: argparse.Namespace) -> dict:
    """``load_dataset`` on the written CSV, then the leave-one-out split."""
    path = args.workdir / f"synthetic-{args.size}.csv"
    with Timer() as t:
        data = load_dataset(str(path))
        LeaveOneOut.from_interactions(data)
    spec = SIZES[args.size]
    if (data.n_users, data.n_interactions) != (spec.n_users, spec.n_interactions):
        raise RuntimeError(
            f"read {data.n_users} users / {data.n_interactions} interactions from {path}, "
            f"generated {spec.n_users} / {spec.n_interactions}"
        )
    return t.record()


def stage_graph(args: argparse.Namespace) -> dict:
    """``BipartiteGraph.from_sequences`` on the training part."""
    train, _, n_items = load_split(args.workdir, "train")
    with Timer() as t:
        graph = BipartiteGraph.from_sequences(train, n_items)
    sp.save_npz(args.workdir / "user_item.npz", graph.user_item, compressed=False)
    sp.save_npz(args.workdir / "item_user.npz", graph.item_user, compressed=False)
    return t.record(edges=int(graph.n_edges))


def stage_hop2(args: argparse.Namespace) -> dict:
    """``sample_hop2_users``: ``HOP2_K`` users for every user, in one call."""
    graph = BipartiteGraph(
        sp.load_npz(args.workdir / "user_item.npz").tocsr(), sp.load_npz(args.workdir / "item_user.npz").tocsr()
    )
    users = np.arange(1, graph.n_users + 1)
    with Timer() as t:
        hop2 = sample_hop2_users(graph, users, HOP2_K, np.random.default_rng(args.seed))  # [U, k]
    return t.record(k=HOP2_K, padded_rows=int((hop2 == 0).all(axis=1).sum()))


def _sasrec(n_items: int, loss: str) -> tuple[SASRec, SASRecRunConfig]:
    cfg = SASRecRunConfig()  # the baseline's defaults: hidden 64, 2 layers, max_len 50, batch 128
    cfg.sasrec.loss = loss
    torch.manual_seed(0)
    return SASRec(n_items, cfg.data.max_len, cfg.sasrec), cfg


def _step(model: SASRec, optimizer: torch.optim.Optimizer, batch: dict[str, torch.Tensor]) -> float:
    """``galrec.baselines.trainer.train``'s step; that function also validates and early-stops,
    so the loop is repeated here to time training alone."""
    loss = model.calculate_loss(batch)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.item()


def sasrec_epoch(args: argparse.Namespace, loss: str) -> dict:
    """One SASRec epoch, cut at ``--budget-s`` of training and extrapolated to the whole epoch.

    Time per batch follows its number of target positions, so a cut epoch is extrapolated by
    positions (all of the epoch's / those trained), not by batch count. A full cross-entropy step
    holds [positions, n_items] logits, so its memory follows the batch with the most positions:
    that batch is stepped once after the timed loop, so the peak is the epoch's even when the
    epoch is cut short.
    """
    train, _, n_items = load_split(args.workdir, "train")
    model, cfg = _sasrec(n_items, loss)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay)
    with Timer() as t:
        t0 = time.perf_counter()
        batches = SequenceBatches(train, cfg.data.max_len, cfg.optim.batch_size, cfg.data.train_examples)
        batches_s = time.perf_counter() - t0
        counts, largest = [], None  # target positions of every batch of the epoch; the largest batch
        for batch, _ in batches.epoch(np.random.default_rng(args.seed)):
            counts.append(int((batch["target"] > 0).sum()))
            if largest is None or counts[-1] > int((largest["target"] > 0).sum()):
                largest = batch
        done, t1 = 0, time.perf_counter()
        for batch, _ in batches.epoch(np.random.default_rng(args.seed)):  # the same order again
            last_loss = _step(model, optimizer, batch)
            done += 1
            if time.perf_counter() - t1 > args.budget_s:
                break
        train_s = time.perf_counter() - t1
        _step(model, optimizer, largest)
    counts = np.array(counts)  # [n_batches]
    return t.record(
        seconds=round(batches_s + train_s * counts.sum() / counts[:done].sum(), 3),
        measured_s=round(batches_s + train_s, 3), extrapolated=done < len(counts), batches_done=done,
        batches=len(counts), windows=batches.n_samples, batches_s=round(batches_s, 3),
        positions_mean=round(float(counts.mean()), 1), positions_max=int(counts.max()), loss=loss,
        batch_size=cfg.optim.batch_size, hidden=cfg.sasrec.hidden, max_len=cfg.data.max_len,
        last_loss=round(last_loss, 4), torch_threads=torch.get_num_threads(), torch=torch.__version__,
    )


def stage_eval(args: argparse.Namespace) -> dict:
    """``full_ranks`` of ``--eval-users`` users (all users when fewer) with a SASRec scorer.

    The weights are untrained: the cost of scoring and ranking does not depend on them.
    """
    test_input, test_target, n_items = load_split(args.workdir, "test")
    model, cfg = _sasrec(n_items, "ce")
    model.eval()
    n_users = test_input.n_rows - 1
    rng = np.random.default_rng(args.seed)
    users = np.sort(rng.choice(n_users, size=min(args.eval_users, n_users), replace=False)) + 1
    with Timer() as t:
        ranks = full_ranks(model.score, test_input, test_target, users, cfg.data.max_len, cfg.eval.batch_size)
    return t.record(users=len(users), batch_size=cfg.eval.batch_size, median_rank=int(np.median(ranks)),
                    torch_threads=torch.get_num_threads(), torch=torch.__version__)


STAGES: dict[str, Callable[[argparse.Namespace], dict]] = {
    "load": stage_load,
    "write_csv": stage_write_csv,
    "read_csv": stage_read_csv,
    "graph": stage_graph,
    "hop2": stage_hop2,
    "sasrec_ce": lambda args: sasrec_epoch(args, "ce"),
    "sasrec_bce": lambda args: sasrec_epoch(args, "bce"),
    "sasrec_sampled": lambda args: sasrec_epoch(args, "sampled"),
    "eval": stage_eval,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=list(STAGES))
    parser.add_argument("--size", choices=sorted(SIZES), required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget-s", type=float, default=300.0, help="SASRec: stop timing after this")
    parser.add_argument("--eval-users", type=int, default=100_000)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    record = {"stage": args.stage, "size": args.size, **STAGES[args.stage](args)}
    print(json.dumps(record))


if __name__ == "__main__":
    main()
