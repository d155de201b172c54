"""Copy a text (or LightGCN) run folder with each item vector replaced by itself plus its audience.

    z_i = unit(unit(x_i - x̄) + unit(a_i)),   a_i = mean over the training users v of item i of unit(u_v - ū)

One propagation step of a GNN over the user-item graph, folded into the table a language model
reads (as ``external.source: text`` / ``external.run_dir``), so that its item tokens and its tied
head both see each item's audience. A proxy, not a GAL-Rec mode: a user's own vector is part of
the audience of every item in their history, so in training a position sees a 1/degree share of
the user's later training items through it (validation and test see no target:
results/text-fed.md). Only training edges enter the graph.

    python benchmarks/smooth_table.py runs/text_beauty --dataset beauty --out runs/text_beauty_smooth
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from galrec.data.load import load_dataset
from galrec.data.split import LeaveOneOut
from galrec.graph.bipartite import BipartiteGraph
from galrec.model.external import centred


def unit_centred(table: torch.Tensor) -> torch.Tensor:
    """``centred`` rows, each scaled to unit length; row 0 (padding) stays zero. [n + 1, d]"""
    return F.normalize(centred(table), dim=1, eps=1e-9)


def smoothed_items(items: torch.Tensor, users: torch.Tensor, graph: BipartiteGraph) -> torch.Tensor:
    """items [n_items + 1, d], users [n_users + 1, d] -> z [n_items + 1, d] (formula above)."""
    degree = torch.from_numpy(np.asarray(graph.item_user.sum(axis=1)).ravel())  # [n_items + 1]
    audience = torch.from_numpy(graph.item_user @ unit_centred(users).numpy())  # [n_items + 1, d] sums
    audience = audience / degree.clamp(min=1)[:, None]
    return unit_centred(unit_centred(items) + unit_centred(audience))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run", type=Path, help="a text or lightgcn run folder (embeddings.safetensors)")
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--out", type=Path, required=True, help="the new run folder (must not exist)")
    args = ap.parse_args()
    if args.out.exists():
        raise SystemExit(f"{args.out} exists")
    loo = LeaveOneOut.from_interactions(load_dataset(args.dataset))
    graph = BipartiteGraph.from_split(loo, "valid")  # training edges only
    tables = load_file(str(args.run / "embeddings.safetensors"))
    z = smoothed_items(tables["item"].double(), tables["user"].double(), graph)
    shutil.copytree(args.run, args.out)
    save_file({"item": z.float().contiguous(), "user": tables["user"].contiguous()},
              str(args.out / "embeddings.safetensors"))
    print(f"{args.out}: {z.shape[0] - 1} items smoothed over {graph.n_edges} training edges")


if __name__ == "__main__":
    main()
