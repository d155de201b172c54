"""A few GAL-Rec steps on two CPU processes (gloo), checked against the same steps in one process.

    torchrun --nproc_per_node 2 --master_port PORT two_proc_script.py OUT.json

Run by tests/reliability/test_two_processes.py, with no GPU visible, so ``make_accelerator``
gives ``Accelerator(cpu=True)`` and a gloo group. Each process trains the tiny model of
tests/model/conftest.py with the real ``Trainer.train_step`` on its share of each step
(``train.batch_size`` examples, so the global batch is twice that). Process 0 then replays the
same global batches in one process, without DDP, and writes OUT.json:

- ``full``: every loss on (L0 + L1-L3, listed neighbours, a queue). InfoNCE's in-batch negatives
  are each process's own batch (the queue is shared), and each process samples prompts from its
  own stream, so the one-process replay forwards the two halves separately, with the same
  streams, averages their losses and enqueues both halves' keys: the same global batch and the
  same objective.
- ``l0_only``: the E4SRec-like path (L0, no neighbours): nothing is sampled and the loss is a
  plain mean, so the replay is one forward of the whole global batch, as a one-process run with
  twice the batch size would do it.
- ``queue``: node ids in the shared queues and which process saw them; ``copies_equal``: queues,
  bank and parameters bit-identical on both processes.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from accelerate.utils import gather_object

from galrec.config import GalRecConfig
from galrec.typed_config import from_dict
from galrec.llm.backbone import load_backbone
from galrec.training.build import Parts
from galrec.training.loop import Trainer
from galrec.training.rng import step_rng
from galrec.training.run import make_accelerator
from galrec.schedules import make_scheduler
from galrec.training.schedule import make_optimizer

STEPS = 3
TRAIN = {"batch_size": 4, "warmup_steps": 0, "lr": 1e-3, "head_lr": 1e-2, "max_epochs": 1}
FULL = {"train": TRAIN, "queue": {"size": 64}}  # room for every key of the three steps
L0_ONLY = {"train": TRAIN, "loss": {"l1": 0.0, "l2": 0.0, "l3": 0.0}, "prompt": {"neighbours": "none"}}


def load_model_conftest():
    path = Path(__file__).resolve().parents[1] / "model" / "conftest.py"
    spec = importlib.util.spec_from_file_location("galrec_tests_model_conftest", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


tiny = load_model_conftest()
BACKBONE = load_backbone(from_dict(GalRecConfig, tiny.TINY).backbone).state_dict()  # one start for all models


def parts_of(t) -> Parts:
    return Parts(t.cfg, t.loo, t.graph, t.builder, t.model)


def two_processes(acc, sections: dict) -> tuple[Trainer, list[float], list[list[np.ndarray]]]:
    """STEPS real training steps on this process's share; the global losses and every share."""
    t = tiny.build_tiny(BACKBONE, **sections)
    trainer = Trainer(parts_of(t), Path(tempfile.mkdtemp()), acc, progress=False)
    mine = [micro for micro, in trainer.epoch_steps(0)[:STEPS]]  # grad_accum 1: one micro-batch a step
    local = [trainer.train_step([idx], 0, s)["loss"] for s, idx in enumerate(mine)]
    losses = acc.gather(torch.tensor(local)).view(acc.num_processes, STEPS).mean(0)  # [STEPS]
    shares = gather_object([mine])  # [world][STEPS] example indices
    return trainer, losses.tolist(), shares


def one_process(sections: dict, halves: list[list[np.ndarray]], total: int, merge: bool) -> list[float]:
    """The same global batches in one process: each half forwarded apart (``merge`` False) or
    all in one forward; the loss of a step is the mean over the halves, as DDP averages."""
    t = tiny.build_tiny(BACKBONE, **sections)
    model, cfg = t.model, t.cfg
    optimizer = make_optimizer(*model.parameter_groups(), cfg.train)
    scheduler = make_scheduler(optimizer, cfg.train.warmup_steps, total)
    losses = []
    for s in range(STEPS):
        model.train()
        parts = [np.concatenate([h[s] for h in halves])] if merge else [h[s] for h in halves]
        outs = [model(t.collate(idx, step_rng(cfg.seed, 0, s, 0, r))) for r, idx in enumerate(parts)]
        loss = sum(o.loss for o in outs) / len(outs)
        loss.backward()
        model.remember(**{k: torch.cat([o.memory[k] for o in outs]) for k in outs[0].memory})
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.train.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
    return losses


def same_on_every_process(acc, tensor: torch.Tensor) -> bool:
    copies = acc.gather(tensor.detach()[None].float())  # [world, ...]
    return bool((copies == copies[0]).all())


def main(out: Path) -> None:
    torch.set_num_threads(1)
    acc = make_accelerator()
    assert acc.num_processes == 2 and acc.device.type == "cpu", (acc.num_processes, acc.device)
    backend = torch.distributed.get_backend()

    full, full_two, shares = two_processes(acc, FULL)
    net = full.net
    total = full.steps_per_epoch() * full.cfg.train.max_epochs
    users = [[set(full.examples.users[idx].tolist()) for idx in share] for share in shares]
    items = [[set(full.examples.targets(idx).tolist()) for idx in share] for share in shares]
    # lists, not short-circuits: every process must take part in every gather
    copies = {
        "user_queue": [net.user_queue.keys, net.user_queue.ids],
        "item_queue": [net.item_queue.keys, net.item_queue.ids],
        "bank": [net.bank.vectors, net.bank.seen],
        "params": [p for p in net.parameters() if p.requires_grad],
    }
    copies_equal = {
        name: all([same_on_every_process(acc, t) for t in tensors])  # noqa: C419
        for name, tensors in copies.items()
    }
    l0, l0_two, l0_shares = two_processes(acc, L0_ONLY)
    l0_total = l0.steps_per_epoch() * l0.cfg.train.max_epochs
    if not acc.is_main_process:
        return

    seen_users = [set().union(*per_step) for per_step in users]  # [world] users each process trained on
    seen_items = [set().union(*per_step) for per_step in items]
    queue_users, queue_items = set(net.user_queue.ids.tolist()) - {0}, set(net.item_queue.ids.tolist()) - {0}
    full_one = one_process(FULL, shares, total, merge=False)
    l0_one = one_process(L0_ONLY, l0_shares, l0_total, merge=True)
    result = {
        "backend": backend,
        "processes": acc.num_processes,
        "global_batch": TRAIN["batch_size"] * acc.num_processes,
        "full": {"two": full_two, "one": full_one},
        "l0_only": {"two": l0_two, "one": l0_one},
        "queue": {
            "user_ids": sorted(queue_users),
            "item_ids": sorted(queue_items),
            # ids in the queues that only the other process encoded
            "users_only_from": [sorted(queue_users & (seen_users[r] - seen_users[1 - r])) for r in (0, 1)],
            "items_only_from": [sorted(queue_items & (seen_items[r] - seen_items[1 - r])) for r in (0, 1)],
        },
        "copies_equal": copies_equal,
    }
    out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
