"""Prompt cost on a dataset: build speed, tokens per prompt, and one forward+backward timing.

    .venv/bin/python benchmarks/llm_prompts.py --dataset beauty [--steps 4] [--keep-layers 4]

For each neighbour mode (listed, compact) with the default PromptConfig otherwise: user
prompts built per second (batches of ``--batch`` random users, histories from the training
split), tokens per user and per item prompt over the whole dataset, and samples/s of a
forward+backward pass of the backbone on batches of those prompts (random vectors spliced into
the placeholders: the mapping layers cost nothing next to the language model). Prints JSON.
Short on purpose; run it on an idle machine, it reports the load average it saw.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

from galrec.config import BackboneConfig, PromptConfig
from galrec.data.load import load_dataset
from galrec.data.split import LeaveOneOut
from galrec.graph.bipartite import BipartiteGraph
from galrec.llm.backbone import load_backbone
from galrec.llm.prompts import SLOT_TEXT, PromptBuilder
from galrec.llm.splice import splice


def token_stats(counts: np.ndarray) -> dict[str, float]:
    return {
        "mean": round(float(counts.mean()), 1),
        "p50": float(np.percentile(counts, 50)),
        "p90": float(np.percentile(counts, 90)),
        "max": int(counts.max()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="beauty")
    parser.add_argument("--backbone", default="smollm2-135m")
    parser.add_argument("--keep-layers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--build-batches", type=int, default=200)
    parser.add_argument("--steps", type=int, default=4, help="timed forward+backward steps per mode")
    args = parser.parse_args()

    data = load_dataset(args.dataset)
    loo = LeaveOneOut.from_interactions(data)
    graph = BipartiteGraph.from_sequences(loo.train, data.n_items)
    start = time.perf_counter()
    backbone = load_backbone(BackboneConfig(name=args.backbone, keep_layers=args.keep_layers))
    report: dict[str, object] = {
        "dataset": args.dataset,
        "backbone": backbone.summary(),
        "backbone_load_s": round(time.perf_counter() - start, 2),
        "torch_threads": torch.get_num_threads(),
        "load_average_at_start": os.getloadavg()[0],
    }
    rng = np.random.default_rng(0)
    all_users = loo.eval_users()
    for mode in ("listed", "compact"):
        builder = PromptBuilder(PromptConfig(neighbours=mode), backbone.tokenizer, data, graph)
        batches = [rng.choice(all_users, args.batch) for _ in range(args.build_batches)]
        start = time.perf_counter()
        for users in batches:
            builder.user_prompts(users, loo.train.padded(users, 50), rng)
        built = args.build_batches * args.batch / (time.perf_counter() - start)
        user_tokens = np.concatenate(
            [
                builder.user_prompts(chunk, loo.train.padded(chunk, 50), rng).n_tokens.numpy()
                for chunk in np.array_split(all_users, 32)
            ]
        )
        items = np.arange(1, data.n_items + 1)
        item_tokens = np.concatenate(
            [builder.item_prompts(chunk, rng).n_tokens.numpy() for chunk in np.array_split(items, 16)]
        )
        backbone.train()
        times = []
        for step in range(args.steps + 1):  # the first step warms up
            users = batches[step]
            batch = builder.user_prompts(users, loo.train.padded(users, 50), rng)
            t0 = time.perf_counter()
            embeds = backbone.embed_tokens(batch.input_ids)  # [B, T, H]
            slots = batch.slot_kind != SLOT_TEXT  # [B, T]
            vectors = torch.randn(int(slots.sum()), backbone.hidden_size, requires_grad=True)  # [N, H]
            pooled = backbone(splice(embeds, slots, vectors), batch.attention_mask)  # [B, H]
            pooled.pow(2).mean().backward()
            backbone.zero_grad(set_to_none=True)
            times.append(time.perf_counter() - t0)
        report[mode] = {
            "user_prompts_per_s": round(built),
            "user_tokens": token_stats(user_tokens),
            "item_tokens": token_stats(item_tokens),
            "fwd_bwd_samples_per_s": round(args.batch * args.steps / sum(times[1:]), 1),
        }
    report["load_average_at_end"] = os.getloadavg()[0]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
