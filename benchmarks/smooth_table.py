"""Copy a text (or LightGCN) run folder with each item vector replaced by itself plus its audience.

    z_i = unit(x̂_i + unit(a_i - ā) - m̄),   x̂_i = unit(x_i - x̄),   a_i = mean over i's training users v of unit(u_v - ū)

(galrec.model.item_graph; ā and m̄ are table-wide means.)

One propagation step of a GNN over the user-item graph, folded into the table a language model
reads (as ``external.source: text`` / ``external.run_dir``), so that its item tokens and its tied
head both see each item's audience. A proxy, not a GAL-Rec mode: a user's own vector is part of
the audience of every item in their history, so in training a position sees a 1/degree share of
the user's later training items through it (validation and test see no target:
results/text-fed.md). Only training edges enter the graph. The leak-free form is the GAL-Rec mode
``prompt.sequence_neighbours: table`` (galrec.model.item_graph), whose ``table`` this writes. (The
runs of results/text-fed.md were made before that module: items without a training user then got
unit(-ā) for their audience term, 33 of 12,101 on Beauty; now they keep their own vector.)

    python benchmarks/smooth_table.py runs/text_beauty --dataset beauty --out runs/text_beauty_smooth
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from safetensors.torch import load_file, save_file

from galrec.data.load import load_dataset
from galrec.data.split import LeaveOneOut
from galrec.graph.bipartite import BipartiteGraph
from galrec.model.item_graph import ItemGraphTable


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
    z = ItemGraphTable(tables["item"], tables["user"], graph).table  # the full audiences, u included
    shutil.copytree(args.run, args.out)
    save_file({"item": z.float().contiguous(), "user": tables["user"].contiguous()},
              str(args.out / "embeddings.safetensors"))
    print(f"{args.out}: {z.shape[0] - 1} items smoothed over {graph.n_edges} training edges")


if __name__ == "__main__":
    main()
