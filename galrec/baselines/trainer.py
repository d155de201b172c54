"""The baseline training loop: epochs, validation NDCG@10, early stopping, best state restored."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from galrec.baselines.base import BaselineModel
from galrec.baselines.configs import BaselineConfig
from galrec.baselines.registry import Batcher
from galrec.config import OptimConfig
from galrec.data.split import LeaveOneOut, SplitName
from galrec.eval.evaluate import SplitResult, evaluate
from galrec.eval.early_stopping import EarlyStopping
from galrec.schedules import make_scheduler


@dataclass
class TrainLog:
    epochs: int = 0
    best_epoch: int = 0
    best_valid_ndcg10: float = float("nan")
    stopped: str = "max_epochs"  # or "early_stopping", "max_minutes"
    train_seconds: float = 0.0  # optimisation only, validation excluded
    valid_seconds: float = 0.0
    epoch_seconds: list[float] = field(default_factory=list)


def evaluate_split(model: BaselineModel, loo: LeaveOneOut, cfg: BaselineConfig, split: SplitName,
                   progress: bool = False) -> SplitResult:
    """``galrec.eval.evaluate`` over the split's users (``evaluated_users``), in user-id order."""
    model.eval()
    return evaluate(model.score, loo, split, cfg.eval, cfg.data.max_len, cfg.data.mask_repeats, cfg.seed,
                    cfg.device, progress=progress)


def run_epoch(
    model: BaselineModel, batcher: Batcher, optimizer: torch.optim.Optimizer, rng: np.random.Generator,
    device: str, desc: str, progress: bool, scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
) -> float:
    """One pass over the training batches (``scheduler`` stepped after each batch).

    Returns the sample-weighted mean loss.
    """
    model.train()
    total, seen = 0.0, 0
    with tqdm(total=batcher.n_samples, desc=desc, unit=batcher.unit, unit_scale=True, disable=not progress,
              mininterval=1.0, leave=False) as bar:
        for batch, size in batcher.epoch(rng):
            loss = model.calculate_loss({k: v.to(device) for k, v in batch.items()})
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            total, seen = total + loss.item() * size, seen + size
            bar.update(size)  # the bar's rate is samples/s
            bar.set_postfix(loss=f"{total / seen:.4f}", refresh=False)
    return total / max(seen, 1)


def epoch_scheduler(optimizer: torch.optim.Optimizer, opt: OptimConfig,
                    batcher: Batcher) -> torch.optim.lr_scheduler.LambdaLR | None:
    """``optim.schedule`` in optimizer steps; an epoch's steps are counted once, from a seeded pass."""
    if opt.schedule == "constant":
        return None
    steps = sum(1 for _ in batcher.epoch(np.random.default_rng(0)))  # per epoch (batching varies little)
    return make_scheduler(optimizer, round(opt.warmup_epochs * steps), opt.max_epochs * steps)


def train(
    model: BaselineModel,
    batcher: Batcher,
    loo: LeaveOneOut,
    cfg: BaselineConfig,
    log_path: Path | None = None,
    progress: bool = True,
) -> TrainLog:
    """Train with AdamW until validation NDCG@10 stops improving; leaves the best state loaded.

    ``optim.patience`` counts validation passes (one per ``optim.eval_every`` epochs). The batch
    order comes from ``numpy.random.default_rng(cfg.seed)``; the caller seeds torch.
    """
    opt = cfg.optim
    rng = np.random.default_rng(cfg.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=opt.lr, weight_decay=opt.weight_decay)
    scheduler = epoch_scheduler(optimizer, opt, batcher)
    stopper = EarlyStopping(opt.patience)
    log, best_state = TrainLog(), None
    start = time.perf_counter()
    out = open(log_path, "w", encoding="utf-8") if log_path else None
    try:
        for epoch in range(1, opt.max_epochs + 1):
            t0 = time.perf_counter()
            loss = run_epoch(model, batcher, optimizer, rng, cfg.device, f"epoch {epoch}", progress, scheduler)
            epoch_s = time.perf_counter() - t0
            log.epochs, log.train_seconds = epoch, log.train_seconds + epoch_s
            log.epoch_seconds.append(epoch_s)

            out_of_time = opt.max_minutes > 0 and time.perf_counter() - start >= 60 * opt.max_minutes
            ndcg, valid_s = None, 0.0
            if epoch % opt.eval_every == 0 or out_of_time or epoch == opt.max_epochs:
                t1 = time.perf_counter()
                ndcg = evaluate_split(model, loo, cfg, "valid").metrics["ndcg@10"]
                valid_s = time.perf_counter() - t1
                log.valid_seconds += valid_s
                if stopper.step(ndcg, epoch):
                    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            record = {"epoch": epoch, "loss": loss, "valid_ndcg@10": ndcg, "seconds": round(epoch_s, 3),
                      "valid_seconds": round(valid_s, 3)}
            if out:
                out.write(json.dumps(record) + "\n")
                out.flush()
            if progress:
                shown = "-" if ndcg is None else f"{ndcg:.4f}"
                tqdm.write(f"epoch {epoch}: loss {loss:.4f}, valid ndcg@10 {shown}, {epoch_s:.1f}s, "
                           f"best {stopper.best:.4f} @ {stopper.best_epoch}")
            if stopper.should_stop or out_of_time:
                log.stopped = "early_stopping" if stopper.should_stop else "max_minutes"
                break
    finally:
        if out:
            out.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    log.best_epoch, log.best_valid_ndcg10 = stopper.best_epoch, stopper.best
    return log
