"""``galrec prompt show``: print one user's (or item's) prompt and its token count."""

from __future__ import annotations

import argparse

from galrec.config import GalRecConfig
from galrec.typed_config import load_config


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prompt", help="inspect GAL-Rec prompts")
    psub = p.add_subparsers(dest="prompt_command", required=True, metavar="ACTION")
    show = psub.add_parser(
        "show",
        help="print a prompt with dataset ids in its placeholders, and its token count",
        description="Quoted titles inside <item:ID \"title\"> are shown for the reader; they are "
        "part of the prompt only with prompt.titles=true, and then follow the placeholder.",
    )
    show.add_argument("--dataset", help="dataset name or path (default: data.dataset of the config)")
    who = show.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="a user id as written in the dataset")
    who.add_argument("--item", help="an item id as written in the dataset")
    show.add_argument(
        "--split",
        choices=["valid", "test"],
        default="test",
        help="whose inputs: the history and graph used to predict this split's target",
    )
    show.add_argument("--config", help="YAML config (GAL-Rec); key=value pairs override it")
    show.add_argument("overrides", nargs="*", metavar="key=value")
    show.set_defaults(func=cmd_show)


def cmd_show(args: argparse.Namespace) -> int:
    import numpy as np

    from galrec.data.load import load_dataset
    from galrec.data.split import LeaveOneOut
    from galrec.graph.bipartite import BipartiteGraph
    from galrec.llm.backbone import load_tokenizer  # transformers: only this command needs it
    from galrec.llm.prompts import SLOT_TEXT, PromptBuilder
    from galrec.llm.render import render_prompt

    cfg = load_config(GalRecConfig, args.config, args.overrides)
    data = load_dataset(args.dataset or cfg.data.dataset)
    loo = LeaveOneOut.from_interactions(data)
    graph = BipartiteGraph.from_split(loo, args.split)  # never the split's own target
    tokenizer = load_tokenizer(cfg.backbone.name)
    builder = PromptBuilder(cfg.prompt, tokenizer, data, graph)
    rng = np.random.default_rng(cfg.seed)
    own_user = 0
    if args.user is not None:
        own_user = int(data.users.index([args.user])[0])
        users = np.array([own_user])
        batch = builder.user_prompts(users, loo.inputs(args.split).padded(users, cfg.data.max_len), rng)
    else:
        batch = builder.item_prompts(data.items.index([args.item]), rng)
    n_tokens = int(batch.n_tokens[0])
    n_slots = int((batch.slot_kind[0, :n_tokens] != SLOT_TEXT).sum())
    print(render_prompt(batch, 0, tokenizer, data, own_user, annotate_titles=not cfg.prompt.titles))
    print(f"tokens: {n_tokens} ({n_slots} placeholders, {n_tokens - n_slots} text)")
    return 0
