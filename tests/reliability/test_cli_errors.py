"""Command misuse and bad configs: exit status 2, one line on stderr naming the problem, no
traceback, and nothing written (the --out folder absent or empty, every other file unchanged).

The readers' bad-input corpus is tests/data/test_data_bad_input.py; this is the commands' half.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
import yaml

from galrec.cli import main
from galrec.typed_config import merge
from galrec.data.load import load_dataset

from .conftest import tiny_config, write_config, write_log


@dataclass
class World:
    """Inputs of one case, all under the test's tmp folder (copies, so a case may spoil them)."""

    tmp: Path
    dataset: Path
    other: Path  # another dataset: 35 users instead of 40, other sequences
    sasrec: Path
    galrec_run: Path  # finished, never modified
    pop_run: Path  # finished, never modified

    @property
    def out(self) -> Path:
        return self.tmp / "out"

    @property
    def missing(self) -> Path:
        return self.tmp / "missing"

    def config(self, **changes: object) -> Path:
        """The tiny GAL-Rec config as a YAML file, with nested ``changes`` merged in."""
        return write_config(self.tmp / "galrec.yaml", merge(tiny_config(self.dataset, self.sasrec), changes))

    def yaml(self, raw: dict) -> Path:
        return write_config(self.tmp / "config.yaml", raw)

    def run(self, source: Path, ids_of: Path | None = None, **config: object) -> Path:
        """A copy of a finished run; ``ids_of``: with that dataset's id maps; ``config``:
        merged into its config.yaml."""
        run = self.tmp / f"copy-{source.name}"
        shutil.copytree(source, run)
        if ids_of is not None:
            data = load_dataset(str(ids_of))
            data.items.save(run / "item_ids.json")
            data.users.save(run / "user_ids.json")
        if config:
            raw = yaml.safe_load((run / "config.yaml").read_text())
            (run / "config.yaml").write_text(yaml.safe_dump(merge(raw, config)))
        return run

    # the usual command lines, with what a case varies appended
    def train(self, *extra: object, **config: object) -> list:
        return ["train", "--config", self.config(**config), "--out", self.out, *extra]

    def baseline(self, model: str, *extra: object) -> list:
        return ["baseline", model, "--dataset", self.dataset, "--out", self.out, *extra]

    def recommend(self, run: Path) -> list:
        return ["recommend", run, "--history", "1"]

    def prompt(self, *extra: object) -> list:
        return ["prompt", "show", "--config", self.config(), "--user", "1", *extra]


@pytest.fixture(scope="module")
def finished_runs(
    dataset: Path, sasrec_run: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    threads = torch.get_num_threads()
    runs = tmp_path_factory.mktemp("runs")
    other = write_log(runs / "other", n_users=35, seed=4)
    cfg = write_config(runs / "galrec.yaml", tiny_config(dataset, sasrec_run, max_epochs=1))
    assert main(["train", "--config", str(cfg), "--out", str(runs / "galrec"), "--quiet"]) == 0
    assert main(["baseline", "pop", "--dataset", str(dataset), "--out", str(runs / "pop"), "--quiet"]) == 0
    torch.set_num_threads(threads)  # run_baseline sets every core
    return {"other": other, "galrec": runs / "galrec", "pop": runs / "pop"}


@pytest.fixture
def world(tmp_path: Path, dataset: Path, sasrec_run: Path, finished_runs: dict[str, Path]) -> World:
    runs = finished_runs
    return World(tmp_path, dataset, runs["other"], sasrec_run, runs["galrec"], runs["pop"])


Case = Callable[[World], list]
MISSING = "config file {missing}/c.yaml does not exist"
NO_DATASET = "is neither a path nor a dataset name"

# (id, the command line, a fragment the error line must hold; {missing} is World.missing)
CASES: list[tuple[str, Case, str]] = [
    # --- galrec train -------------------------------------------------------------------------
    ("train-unknown-key-file", lambda w: w.train(loss={"lambda1": 0.3}), "unknown config key loss.lambda1"),
    ("train-unknown-key-override", lambda w: w.train("train.epochs=3"), "unknown config key train.epochs"),
    ("train-wrong-type-file", lambda w: w.train(train={"batch_size": "sixteen"}),
     "config key train.batch_size: expected an integer"),
    ("train-wrong-type-override", lambda w: w.train("prompt.titles=maybe"),
     "config key prompt.titles: expected true or false"),
    ("train-section-not-mapping", lambda w: w.train("loss=0.5"), "config key loss: expected a mapping"),
    ("train-out-of-range", lambda w: w.train("train.batch_size=0"), "train.batch_size: must be > 0, got 0"),
    ("train-negative-seed", lambda w: w.train(seed=-1), "config value seed: must be >= 0"),
    ("train-ks-without-10", lambda w: w.train("eval.ks=[5, 20]"), "eval.ks: training needs 10"),
    ("train-too-many-layers", lambda w: w.train("backbone.keep_layers=9"),
     "backbone.keep_layers=9 but the model has only 4 layers"),
    ("train-missing-config", lambda w: ["train", "--config", w.missing / "c.yaml", "--out", w.out], MISSING),
    ("train-missing-dataset", lambda w: w.train(data={"dataset": str(w.missing)}), NO_DATASET),
    ("train-embeddings-of-another-dataset", lambda w: w.train(data={"dataset": str(w.other)}),
     "item_ids.json does not match dataset"),
    ("train-out-is-a-file", lambda w: ["train", "--config", w.config(), "--out", w.yaml({})],
     "is a file, not a folder"),
    ("train-out-is-another-run", lambda w: ["train", "--config", w.config(), "--out", w.run(w.pop_run)],
     "holds a 'pop' run; choose another --out"),
    ("train-out-is-a-finished-run", lambda w: ["train", "--config", w.config(), "--out", w.run(w.galrec_run)],
     "already holds a GAL-Rec run"),
    ("resume-missing-run", lambda w: ["train", "--resume", w.missing], "run folder {missing} does not exist"),
    ("resume-with-config", lambda w: ["train", "--resume", w.run(w.galrec_run), "--config", w.config()],
     "--resume continues a run with its own config"),
    ("resume-run-of-another-dataset",
     lambda w: ["train", "--resume", _unfinished(w.run(w.galrec_run, ids_of=w.other))],
     "was trained on another dataset: item_ids.json"),
    ("resume-finished-run", lambda w: ["train", "--resume", w.run(w.galrec_run)],
     "finished training (max_epochs); use `galrec evaluate"),
    # --- galrec evaluate ----------------------------------------------------------------------
    ("evaluate-missing-run", lambda w: ["evaluate", w.missing], "run folder {missing} does not exist"),
    ("evaluate-not-a-run", lambda w: ["evaluate", w.dataset], "is not a run folder (no config.yaml)"),
    ("evaluate-baseline-run", lambda w: ["evaluate", w.run(w.pop_run)],
     "holds a 'pop' run, not a GAL-Rec one"),
    ("evaluate-run-of-another-dataset", lambda w: ["evaluate", w.run(w.galrec_run, ids_of=w.other)],
     "was trained on another dataset: item_ids.json"),
    ("evaluate-dataset-changed", lambda w: ["evaluate", w.run(w.galrec_run, data={"dataset": str(w.other)})],
     "was trained on another dataset"),
    ("evaluate-unknown-key", lambda w: ["evaluate", w.run(w.galrec_run, loss={"lambda1": 1})],
     "unknown config key loss.lambda1"),
    ("evaluate-wrong-type", lambda w: ["evaluate", w.run(w.galrec_run, eval={"batch_size": "all"})],
     "config key eval.batch_size: expected an integer"),
    ("evaluate-out-of-range", lambda w: ["evaluate", w.run(w.galrec_run, data={"max_len": 1})],
     "config value data.max_len: must be >= 2, got 1"),
    ("evaluate-unreadable-weights", lambda w: ["evaluate", _truncated(w.run(w.galrec_run), "best.pt")],
     "best.pt cannot be read"),
    # --- galrec baseline ----------------------------------------------------------------------
    ("baseline-unknown-key-file",
     lambda w: w.baseline("sasrec", "--config", w.yaml({"sasrec": {"hiden": 8}})),
     "unknown config key sasrec.hiden"),
    ("baseline-unknown-key-override", lambda w: w.baseline("lightgcn", "lightgcn.layer=2"),
     "unknown config key lightgcn.layer"),
    ("baseline-wrong-type", lambda w: w.baseline("sasrec", "optim.lr=fast"),
     "config key optim.lr: expected a number"),
    ("baseline-wrong-model", lambda w: w.baseline("pop", "model=sasrec"),
     "config key model: 'sasrec' is not one of ['pop']"),
    ("baseline-out-of-range", lambda w: w.baseline("sasrec", "sasrec.dropout=1.5"),
     "config value sasrec.dropout: must be in [0, 1)"),
    ("baseline-missing-config",
     lambda w: ["baseline", "pop", "--config", w.missing / "c.yaml", "--out", w.out], MISSING),
    ("baseline-missing-dataset",
     lambda w: ["baseline", "pop", "--dataset", w.missing, "--out", w.out], NO_DATASET),
    # --- galrec recommend ---------------------------------------------------------------------
    ("recommend-missing-run", lambda w: w.recommend(w.missing), "run folder {missing} does not exist"),
    ("recommend-run-of-another-dataset", lambda w: w.recommend(w.run(w.pop_run, ids_of=w.other)),
     "item_ids.json does not match the item ids of dataset"),
    ("recommend-dataset-changed", lambda w: w.recommend(w.run(w.pop_run, data={"dataset": str(w.other)})),
     "item_ids.json does not match the item ids of dataset"),
    ("recommend-unknown-key", lambda w: w.recommend(w.run(w.pop_run, optim={"epochs": 3})),
     "unknown config key optim.epochs"),
    ("recommend-wrong-type", lambda w: w.recommend(w.run(w.pop_run, data={"max_len": "long"})),
     "config key data.max_len: expected an integer"),
    ("recommend-out-of-range", lambda w: w.recommend(w.run(w.pop_run, eval={"batch_size": -1})),
     "config value eval.batch_size: must be > 0"),
    # --- galrec prompt show -------------------------------------------------------------------
    ("prompt-unknown-key", lambda w: w.prompt("prompt.hop2=3"), "unknown config key prompt.hop2"),
    ("prompt-wrong-type", lambda w: w.prompt("prompt.neighbours=all"),
     "config key prompt.neighbours: 'all' is not one of"),
    ("prompt-out-of-range", lambda w: w.prompt("prompt.history_items=-1"),
     "config value prompt.history_items: must be >= 0"),
    ("prompt-negative-seed", lambda w: w.prompt("seed=-3"), "config value seed: must be >= 0"),
    ("prompt-missing-config",
     lambda w: ["prompt", "show", "--config", w.missing / "c.yaml", "--user", "1"], MISSING),
    ("prompt-missing-dataset", lambda w: w.prompt("--dataset", w.missing), NO_DATASET),
    # --- galrec baseline: bad values the baselines' config now refuses ------------------------
    ("baseline-negative-seed", lambda w: w.baseline("pop", "seed=-1"), "seed"),
    ("baseline-zero-heads", lambda w: w.baseline("sasrec", "sasrec.heads=0"), "sasrec.heads"),
    ("baseline-zero-hidden", lambda w: w.baseline("sasrec", "sasrec.hidden=0"), "sasrec.hidden"),
    ("baseline-bad-device", lambda w: w.baseline("sasrec", "device=gpu7"), "device"),
    ("baseline-out-is-a-file",
     lambda w: ["baseline", "pop", "--dataset", w.dataset, "--out", w.yaml({})], "file"),
]

# Found by this corpus in galrec/baselines (work in progress of another developer): each ends
# in a traceback today. Remove the mark once they pass.


def _unfinished(run: Path) -> Path:
    """``run`` as if killed during its test pass (what ``--resume`` can still complete)."""
    for name in ("metrics.json", "ranks.tsv", "timing.json"):
        (run / name).unlink()
    return run


def _truncated(run: Path, name: str) -> Path:
    """``run`` with the first half of file ``name`` only (a copy cut short by a full disk)."""
    data = (run / name).read_bytes()
    (run / name).write_bytes(data[: len(data) // 2])
    return run


def snapshot(folder: Path, skip: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(folder.rglob("*"))
        if p != skip and skip not in p.parents
    }


def check_refused(world: World, capsys: pytest.CaptureFixture[str], case: Case, fragment: str) -> None:
    argv = [str(a) for a in case(world)]
    before = snapshot(world.tmp, world.out)
    status = main([*argv, "--quiet"] if argv[0] in ("train", "evaluate", "baseline") else argv)
    out, err = capsys.readouterr()
    assert status == 2, (argv, out, err)
    assert err.startswith("galrec: error: ") and err.count("\n") == 1, err  # one line
    assert "Traceback" not in err and out == ""
    assert fragment.format(missing=world.missing) in err, err
    assert not world.out.exists() or not any(world.out.iterdir()), sorted(world.out.iterdir())
    assert snapshot(world.tmp, world.out) == before  # nothing else written either


@pytest.mark.parametrize(("case", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_misuse_is_one_line_exit_2_and_writes_nothing(world, capsys, case, fragment) -> None:
    check_refused(world, capsys, case, fragment)
