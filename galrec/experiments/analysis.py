"""Probe, geometry and item maps over finished runs of one dataset, written as JSON and PNG.

The representations compared: item titles through MiniLM (text only), the external baseline's
embedding tables (SASRec), and each named GAL-Rec-family run (``represent.RunEncoder``).
"""

from __future__ import annotations

import datetime
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path

from galrec.data.dataset import Interactions
from galrec.errors import GalrecError
from galrec.eval.results import atomic_write_text
from galrec.experiments import geometry, maps, plots, probe
from galrec.experiments.represent import Encoder, RunEncoder, TableEncoder, TitleEncoder
from galrec.experiments.table import format_geometry, format_probe
from galrec.graph.bipartite import BipartiteGraph

PROBE_FILE, GEOMETRY_FILE, MAP_FILE = "probe.json", "geometry.json", "item-map.png"
MIN_MAP_ITEMS = 10
MAP_RUNS = ("text-only", "galrec")  # the map's panels besides the titles (all runs when neither is named)


def _write(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(payload, indent=2) + "\n")


def load_encoders(runs: dict[str, Path], external: Path | None = None) -> tuple[list[RunEncoder], TableEncoder]:
    """The runs' encoders (one dataset, checked) and the external baseline's tables (default:
    the first run's ``external.run_dir``)."""
    if not runs:
        raise GalrecError("the analysis needs at least one GAL-Rec run folder")
    encoders = [RunEncoder(name, Path(run)) for name, run in runs.items()]
    first = encoders[0].data
    for enc in encoders[1:]:
        if enc.data.items != first.items or enc.data.users != first.users:
            raise GalrecError(f"run {enc.name} is on another dataset than {encoders[0].name}")
    external = Path(external or encoders[0].parts.cfg.external.run_dir)
    source = encoders[0].parts.cfg.external.source
    return encoders, TableEncoder.from_baseline_run(f"{source} (item embeddings)", external)


def run_probe(
    runs: list[RunEncoder],
    table: TableEncoder,
    text: TitleEncoder,
    threshold: float = probe.TWIN_THRESHOLD,
    max_pairs: int = probe.MAX_PAIRS,
    seed: int = 0,
) -> dict:
    loo = runs[0].parts.loo
    twins = probe.find_twins(loo, threshold, max_pairs, seed)
    return {
        "dataset": loo.data.name,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "runs": {enc.name: str(enc.run) for enc in runs},
        "twins": probe.twins_summary(twins, threshold, max_pairs),
        "examples": probe.examples(twins, loo.data.titles, seed=seed),
        "results": probe.probe(twins, [text, table, *runs]),
    }


def run_geometry(encoders: list[Encoder], graph: BipartiteGraph, n_pairs: int, k: int, seed: int) -> dict:
    return {
        "definition": "Wang & Isola (2020) on L2-normalised vectors: alignment over training interactions "
        "(u, i); uniformity (t=2) over users and items separately; hop h = mean E0 over h-hop neighbours",
        "results": [geometry.hop_geometry(enc, graph, n_pairs, k, seed) for enc in encoders],
    }


def run_map(encoders: list[Encoder], data: Interactions, out: Path, n_items: int = 2000, seed: int = 0) -> Path:
    """t-SNE maps of the same seeded items under each encoder, coloured by category."""
    labels = maps.category_labels(data.categories)
    items = maps.map_items(data.n_items, labels, n_items, seed)
    if len(items) < MIN_MAP_ITEMS:
        raise GalrecError(f"{data.name}: {len(items)} items have a category; a map needs {MIN_MAP_ITEMS}")
    panels = {f"{enc.name}\n({enc.item_view})": maps.tsne_2d(enc.items(items), seed) for enc in encoders}
    return plots.item_maps(panels, [labels[i] for i in items], out)


def analyse(
    runs: dict[str, Path],
    out: Path,
    external: Path | None = None,
    *,
    threshold: float = probe.TWIN_THRESHOLD,
    max_pairs: int = probe.MAX_PAIRS,
    with_geometry: bool = True,
    geometry_pairs: int = 1000,
    geometry_k: int = 3,
    map_items: int = 2000,
    seed: int = 0,
    inputs: dict | None = None,
    echo: Callable[[str], None] = print,
) -> dict[str, Path]:
    """Probe (always), geometry and the item map (``with_geometry``) into ``out``; returns the files."""
    if importlib.util.find_spec("sklearn") is None:
        raise GalrecError("the probe and the maps need scikit-learn: pip install scikit-learn")
    encoders, table = load_encoders(runs, external)
    text = TitleEncoder(encoders[0].data)
    written: dict[str, Path] = {}
    echo(f"probe: text twins of {encoders[0].data.name} at title cosine >= {threshold}")
    result = run_probe(encoders, table, text, threshold, max_pairs, seed)
    if inputs is not None:
        result["inputs"] = inputs
    _write(out / PROBE_FILE, result)
    written["probe"] = out / PROBE_FILE
    echo(format_probe(result))
    if with_geometry:
        echo("geometry: alignment and uniformity at hops 0-2")
        graph = BipartiteGraph.from_split(encoders[0].parts.loo, "valid")
        geo = run_geometry([table, *encoders], graph, geometry_pairs, geometry_k, seed)
        _write(out / GEOMETRY_FILE, geo)
        written["geometry"] = out / GEOMETRY_FILE
        echo(format_geometry(geo))
        echo("item map: t-SNE of item representations")
        mapped = [e for e in encoders if e.name in MAP_RUNS] or encoders
        try:
            written["map"] = run_map([text, *mapped], text.data, out / MAP_FILE, map_items, seed)
        except GalrecError as exc:
            echo(f"item map skipped: {exc}")
    return written
