"""The GAL-Rec training loop on Hugging Face Accelerate.

One process by default; under ``torchrun`` / ``accelerate launch`` every process trains on its
share of each epoch, DDP averages the gradients, and the rows for the queues and the bank are
gathered first so every process applies the same update. Validation, checkpoints and logs are
the main process's job; the validation metric is broadcast so all processes stop together.

A step is ``train.grad_accum`` micro-batches of ``train.batch_size`` examples. Checkpoints fall
on step boundaries and hold everything a resume needs (weights, optimizer, scheduler, queues,
bank, RNG states, position), so a resumed run takes the same next step as an uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import defaultdict
from contextlib import nullcontext
from pathlib import Path
from typing import TextIO

import numpy as np
from accelerate import Accelerator
from accelerate.utils import broadcast_object_list
from torch.utils.tensorboard import SummaryWriter
from tqdm.auto import tqdm

from galrec.data.grouping import length_batches
from galrec.errors import GalrecError
from galrec.eval.evaluate import SplitResult
from galrec.model.batch import GalRecBatch, SequenceBatch
from galrec.model.sequence import tokens_per_item
from galrec.training import rundir
from galrec.training.batches import Collator, SequenceCollator
from galrec.training.build import Parts
from galrec.training.checkpoint import load_checkpoint, save_atomic
from galrec.eval.early_stopping import EarlyStopping
from galrec.training.evaluation import evaluate_split, validation_users
from galrec.training.examples import PrefixExamples
from galrec.training.precision import autocast
from galrec.training.rng import capture_rng, restore_rng, step_rng
from galrec.schedules import make_scheduler
from galrec.training.schedule import make_optimizer


@dataclasses.dataclass
class Position:
    """Where training stands; saved in every checkpoint."""

    epoch: int = 0  # current epoch, 0-based
    step_in_epoch: int = 0  # optimizer steps done in it
    global_step: int = 0
    samples: int = 0  # training examples seen, all processes together
    targets: int = 0  # next-item targets supervised (this process): one per prefix, all positions per sequence
    train_seconds: float = 0.0  # optimisation only
    valid_seconds: float = 0.0
    user_tokens: int = 0  # real tokens of the user prompts trained on (this process)
    user_prompts: int = 0
    item_tokens: int = 0
    item_prompts: int = 0
    stopped: str = ""  # "", then "max_epochs", "early_stopping" or "max_minutes"
    log_records: int = 0  # lines of train_log.jsonl that belong to this position


class Trainer:
    def __init__(self, parts: Parts, run: Path, accelerator: Accelerator, progress: bool = True) -> None:
        cfg = parts.cfg
        self.parts, self.cfg, self.run, self.acc = parts, cfg, run, accelerator
        self.main = accelerator.is_main_process
        self.progress = progress and self.main
        sequence = cfg.train.mode == "sequence"  # one window per user, a target at every position
        self.examples = PrefixExamples(parts.loo.train, "last" if sequence else cfg.data.train_examples)
        if len(self.examples) == 0:
            raise GalrecError(
                f"dataset {cfg.data.dataset!r} has no training examples (no training part of 2+ items)"
            )
        self.collate: Collator | SequenceCollator = (
            SequenceCollator(self.examples, parts.sequence_builder_for(None), parts.graph, cfg)
            if sequence
            else Collator(self.examples, parts.builder, parts.graph, cfg)
        )
        self.valid_users = validation_users(parts.loo.data.n_users, cfg.train.valid_users, cfg.seed)
        optimizer = make_optimizer(*parts.model.parameter_groups(), cfg.train)
        total = self.steps_per_epoch() * cfg.train.max_epochs
        self.scheduler = make_scheduler(optimizer, cfg.train.warmup_steps, total)
        self.model, self.optimizer = accelerator.prepare(parts.model, optimizer)
        self.net = accelerator.unwrap_model(self.model)  # the GalRec module itself
        self.pos = Position()
        self.stopper = EarlyStopping(cfg.train.patience)
        self.best_valid: dict[str, float] = {}

    # --- the epoch plan -------------------------------------------------------------------------
    def epoch_steps(self, epoch: int) -> list[list[np.ndarray]]:
        """This process's steps of ``epoch``: lists of micro-batches of example indices."""
        t = self.cfg.train
        if t.mode == "sequence":
            micro = self.sequence_batches(epoch)
        else:
            share = self.examples.epoch_share(
                self.cfg.seed, epoch, t.samples_per_epoch, self.acc.process_index, self.acc.num_processes
            )
            micro = [share[i : i + t.batch_size] for i in range(0, len(share), t.batch_size)]
        return [micro[i : i + t.grad_accum] for i in range(0, len(micro), t.grad_accum)]

    def sequence_batches(self, epoch: int) -> list[np.ndarray]:
        """Sequence mode: the epoch's users in batches of about one length (``galrec.data.grouping``),
        shuffled, then dealt round-robin (padded by repetition) so every process gets as many."""
        t = self.cfg.train
        order = self.examples.epoch_share(self.cfg.seed, epoch, t.samples_per_epoch)  # every process alike
        lengths = np.minimum(self.examples.ends, self.cfg.data.max_len)  # [E] inputs per user
        batches = length_batches(order, lengths, t.batch_size, t.length_grouping)
        batches = [batches[b] for b in np.random.default_rng([self.cfg.seed, epoch, 1]).permutation(len(batches))]
        world = self.acc.num_processes
        batches += batches[: -len(batches) % world]
        return batches[self.acc.process_index :: world]

    def steps_per_epoch(self) -> int:
        return len(self.epoch_steps(0))

    # --- one optimizer step ---------------------------------------------------------------------
    def train_step(self, micro_batches: list[np.ndarray], epoch: int, step: int) -> dict[str, float]:
        self.model.train()
        terms: dict[str, float] = defaultdict(float)
        n = len(micro_batches)
        for m, idx in enumerate(micro_batches):
            batch = self.collate(idx, step_rng(self.cfg.seed, epoch, step, m, self.acc.process_index))
            batch = batch.to(self.acc.device)
            with nullcontext() if m == n - 1 else self.acc.no_sync(self.model):
                with autocast(self.cfg.train.mixed_precision, self.acc.device):
                    out = self.model(batch)
                self.acc.backward(out.loss / n)
            # after backward: the loss read the queues, which must not change under autograd
            self.net.remember(**{k: self.acc.gather(v) for k, v in out.memory.items()})
            terms["loss"] += out.loss.item() / n
            for k, v in out.terms.items():
                terms[k] += v.item() / n
            self.count_tokens(batch)
        if self.cfg.train.max_grad_norm:
            self.acc.clip_grad_norm_(self.model.parameters(), self.cfg.train.max_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        return dict(terms)

    def count_tokens(self, batch: GalRecBatch | SequenceBatch) -> None:
        if isinstance(batch, SequenceBatch):
            self.pos.targets += int((batch.targets > 0).sum())
            inputs = batch.inputs  # the prefix, then the item positions
            per_item = tokens_per_item(inputs, self.net.separate_audience)
            self.pos.user_tokens += len(batch) * len(inputs.prefix_ids) + per_item * int(inputs.lengths.sum())
            self.pos.user_prompts += len(batch)
            return
        self.pos.targets += len(batch)
        self.pos.user_tokens += int(batch.user_prompts.attention_mask.sum())
        self.pos.user_prompts += len(batch)
        if batch.item_prompts is not None:
            self.pos.item_tokens += int(batch.item_prompts.attention_mask.sum())
            self.pos.item_prompts += len(batch)

    # --- validation and checkpoints -------------------------------------------------------------
    def validate(self) -> float:
        t0 = time.perf_counter()
        result = None
        if self.main:
            result = evaluate_split(
                self.parts, self.net, "valid", self.acc.device, users=self.valid_users, progress=self.progress
            )
        result = broadcast_object_list([result])[0]
        self.pos.valid_seconds += time.perf_counter() - t0
        if self.stopper.step(result.metrics["ndcg@10"], self.pos.epoch + 1):
            self.best_valid = result.metrics
            if self.main:
                save_atomic(
                    {
                        "model": self.net.training_state(),
                        "epoch": self.pos.epoch + 1,
                        "valid": result.metrics,
                    },
                    self.run / rundir.BEST,
                )
        return result.metrics["ndcg@10"]

    def save(self) -> None:
        if not self.main:
            return
        save_atomic(
            {
                "model": self.net.training_state(),
                "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(),
                "position": dataclasses.asdict(self.pos),
                "stopper": self.stopper.state_dict(),
                "best_valid": self.best_valid,
                "rng": capture_rng(),
            },
            self.run / rundir.CHECKPOINT,
        )

    def restore(self) -> None:
        ckpt = load_checkpoint(self.run / rundir.CHECKPOINT)
        try:
            self.net.load_training_state(ckpt["model"])
        except ValueError as exc:
            raise GalrecError(f"{self.run / rundir.CHECKPOINT}: {exc}") from None
        self.optimizer.load_state_dict(ckpt["optimizer"])
        self.scheduler.load_state_dict(ckpt["scheduler"])
        self.pos = Position(**ckpt["position"])
        self.stopper.load_state_dict(ckpt["stopper"])
        self.best_valid = ckpt["best_valid"]
        restore_rng(ckpt["rng"])  # a stopped position trains no further: only the test pass is left

    def out_of_time(self) -> bool:
        cap = self.cfg.train.max_minutes
        return cap > 0 and self.pos.train_seconds + self.pos.valid_seconds >= 60 * cap

    # --- the loop -------------------------------------------------------------------------------
    def fit(self, resume: bool = False) -> Position:
        """Train until max_epochs, early stopping or max_minutes; leaves the best weights loaded."""
        if resume:
            self.restore()
        log_path = self.run / rundir.LOG
        if self.main:
            rundir.truncate_log(log_path, self.pos.log_records)
        writer = SummaryWriter(str(self.run / "tb"), purge_step=self.pos.global_step) if self.main else None
        log = open(log_path, "a", encoding="utf-8") if self.main else None
        try:
            self.loop(log, writer)
        finally:
            if log:
                log.close()
            if writer:
                writer.close()
        if (self.run / rundir.BEST).is_file():
            self.net.load_training_state(load_checkpoint(self.run / rundir.BEST)["model"])
        return self.pos

    def loop(self, log: TextIO | None, writer: SummaryWriter | None) -> None:
        t, pos = self.cfg.train, self.pos
        while pos.epoch < t.max_epochs and not pos.stopped:
            steps = self.epoch_steps(pos.epoch)
            bar = tqdm(
                total=len(steps),
                initial=pos.step_in_epoch,
                desc=f"epoch {pos.epoch + 1}",
                unit="step",
                disable=not self.progress,
                leave=False,
                mininterval=1.0,
            )
            while pos.step_in_epoch < len(steps) and not self.out_of_time():
                micro = steps[pos.step_in_epoch]
                lr = self.scheduler.get_last_lr()[0]  # the rate this step uses
                t0 = time.perf_counter()
                terms = self.train_step(micro, pos.epoch, pos.step_in_epoch)
                pos.train_seconds += time.perf_counter() - t0
                pos.samples += sum(len(m) for m in micro) * self.acc.num_processes
                pos.step_in_epoch += 1
                pos.global_step += 1
                rate = pos.samples / max(pos.train_seconds, 1e-9)
                target_rate = pos.targets * self.acc.num_processes / max(pos.train_seconds, 1e-9)
                record = {
                    "step": pos.global_step,
                    "epoch": pos.epoch + 1,
                    **terms,
                    "lr": lr,
                    "samples_per_s": round(rate, 2),
                    "targets_per_s": round(target_rate, 2),
                }
                self.write_log(log, writer, record)
                bar.update(1)
                bar.set_postfix(loss=f"{terms['loss']:.4f}", targets_s=f"{target_rate:.1f}", refresh=False)
                if pos.global_step % t.checkpoint_every == 0:
                    self.save()
            bar.close()
            ndcg = self.validate()
            if self.progress:
                tqdm.write(
                    f"epoch {pos.epoch + 1}: valid ndcg@10 {ndcg:.4f} "
                    f"(best {self.stopper.best:.4f} @ {self.stopper.best_epoch})"
                )
            self.write_log(
                log, writer, {"step": pos.global_step, "epoch": pos.epoch + 1, "valid_ndcg@10": ndcg}
            )
            if self.out_of_time():
                pos.stopped = "max_minutes"
            elif self.stopper.should_stop:
                pos.stopped = "early_stopping"
            elif pos.epoch + 1 == t.max_epochs:
                pos.stopped = "max_epochs"
            pos.epoch, pos.step_in_epoch = pos.epoch + 1, 0
            self.save()

    def write_log(self, log: TextIO | None, writer: SummaryWriter | None, record: dict) -> None:
        self.pos.log_records += 1
        if log is None:
            return
        log.write(json.dumps(record) + "\n")
        log.flush()
        for key, value in record.items():
            if key not in ("step", "epoch"):
                group = "valid" if key.startswith("valid") else "train"
                writer.add_scalar(f"{group}/{key.removeprefix('valid_')}", value, record["step"])

    def best_valid_result(self) -> SplitResult:
        """The best validation pass (the users ``train.valid_users`` picked), for metrics.json."""
        users = self.valid_users if self.valid_users is not None else self.parts.loo.eval_users()
        return SplitResult("valid", self.cfg.eval.protocol, users, np.zeros(0, np.int64), self.best_valid)
