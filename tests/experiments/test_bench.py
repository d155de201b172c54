"""`galrec bench` on the tiny catalogue: two cheap rows run, a second call reuses them, stale runs are refused."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

from galrec.cli import main
from galrec.errors import GalrecError
from galrec.experiments import bench as bench_module
from galrec.experiments.bench import make_plans, run_bench, stored_config_diff
from galrec.experiments.spec import BenchSpec
from galrec.experiments.rows import select_rows


@pytest.fixture(scope="module")
def bench(config_file: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """One bench of pop and the E4SRec-style row (the external SASRec run is given)."""
    root = tmp_path_factory.mktemp("bench")
    out, runs = root / "results", root / "runs"
    argv = ["bench", "--config", str(config_file), "--rows", "pop,e4srec", "--out", str(out), "--runs", str(runs)]
    code = main(argv)
    assert code == 0
    return out, runs, " ".join(argv)


def test_bench_writes_the_table_and_its_json(bench, sasrec_run: Path) -> None:
    out, runs, _ = bench
    table = json.loads((out / "table.json").read_text())
    by = {r["name"]: r for r in table["rows"]}
    assert list(by) == ["pop", "sasrec", "e4srec"]  # table order (the external SASRec row ran first)
    assert by["sasrec"]["status"] == "given" and by["sasrec"]["run_dir"] == str(sasrec_run.resolve())
    assert by["pop"]["status"] == by["e4srec"]["status"] == "trained"
    for r in by.values():
        assert r["protocol"] == "full" and r["users_evaluated"] == 40
        assert set(r["test"]) >= {"hr@5", "hr@10", "hr@20", "ndcg@5", "ndcg@10", "ndcg@20"}
    e4 = by["e4srec"]
    assert e4["command"].startswith("galrec train --config") and "loss.l2=0" in e4["command"]
    assert f"external.run_dir={sasrec_run.resolve()}" in e4["command"]
    assert e4["timing"]["samples_per_s"] > 0 and e4["timing"]["tokens_per_user_prompt"] > 0
    assert e4["timing"]["peak_rss_mb"] > 0 and e4["valid_users_evaluated"] == 12
    assert table["header"]["command"].startswith("galrec bench --config") and table["header"]["date"]
    md = (out / "table.md").read_text()
    assert "E4SRec-style" in md and "| Pop (most popular) `pop` |" in md and "galrec bench" in md
    assert (runs / "e4srec" / "metrics.json").is_file() and not (out / "e4srec").exists()  # weights stay out
    for name in ("probe.json", "geometry.json", "item-map.png", "training-curves.png"):
        assert (out / name).is_file(), name
    probe = json.loads((out / "probe.json").read_text())
    reps = [r["representation"] for r in probe["results"]]
    assert reps == ["text (MiniLM titles)", "sasrec (item embeddings)", "e4srec"]
    assert probe["results"][2]["item_view"] == "mapped ID embedding"  # E4SRec never encodes item prompts


def test_second_call_reuses_every_row(bench, monkeypatch, capsys) -> None:
    out, _, argv = bench
    before = json.loads((out / "table.json").read_text())

    def no_process(*args, **kwargs):
        raise AssertionError(f"a finished row ran again: {args}")

    monkeypatch.setattr(bench_module, "_galrec", no_process)
    assert main(argv.split()) == 0
    assert "analysis: reusing" in capsys.readouterr().out
    after = json.loads((out / "table.json").read_text())
    assert [r["status"] for r in after["rows"]] == ["reused", "given", "reused"]
    assert [r["test"] for r in after["rows"]] == [r["test"] for r in before["rows"]]


def test_a_run_of_another_config_is_refused(bench, config_file: Path) -> None:
    out, runs, _ = bench
    spec = BenchSpec(str(config_file), ["train.lr=0.5"], ["e4srec"], [], out, runs)
    with pytest.raises(GalrecError, match="holds a run of another config.*train.lr"):
        run_bench(spec, echo=lambda s: None)


def test_a_baseline_run_on_another_thread_count_is_the_same_run(bench, config_file: Path, tmp_path: Path) -> None:
    _, runs, _ = bench
    shutil.copytree(runs / "pop", tmp_path / "pop")
    stored = tmp_path / "pop" / "config.yaml"
    stored.write_text(stored.read_text().replace("threads: 0", "threads: 1"))
    assert "threads: 1" in stored.read_text()
    spec = BenchSpec(str(config_file), [], select_rows("pop"), [], tmp_path / "out", tmp_path)
    pop = next(p for p in make_plans(spec) if p.name == "pop")
    assert stored_config_diff(pop) == []


def test_plans_share_runs_of_identical_configs(config_file: Path, tmp_path: Path) -> None:
    spec = BenchSpec(str(config_file), [], select_rows("galrec,listed,compact,no-l1"),
                     [("loss.l1", ["0", "0.1", "0.3"])], tmp_path / "out", tmp_path / "runs")
    plans = {p.name: p for p in make_plans(spec)}
    assert plans["listed"].same_as == "galrec"  # the config lists neighbours already
    assert plans["compact"].same_as == "" and plans["compact"].config.prompt.neighbours == "compact"
    assert plans["sweep_loss.l1=0"].same_as == "no-l1"
    assert plans["sweep_loss.l1=0.1"].same_as == "galrec"  # 0.1 is the default λ1
    assert plans["sweep_loss.l1=0.3"].config.loss.l1 == 0.3
    assert plans["sweep_loss.l1=0.3"].argv.count("loss.l1=0.3") == 1


def test_unknown_row_and_bad_sweep_are_one_line_errors(config_file: Path, capsys) -> None:
    assert main(["bench", "--config", str(config_file), "--rows", "pop,gnn", "--dry-run"]) == 2
    assert "unknown row 'gnn'" in capsys.readouterr().err
    assert main(["bench", "--config", str(config_file), "--sweep", "loss.l1", "--dry-run"]) == 2
    assert "--sweep" in capsys.readouterr().err


def test_probe_command_writes_probe_json_into_the_run(bench, capsys) -> None:
    _, runs, _ = bench
    run = runs / "e4srec"
    assert main(["probe", str(run), "--threshold", "0.9", "--max-pairs", "5"]) == 0
    probe = json.loads((run / "probe.json").read_text())
    assert probe["twins"]["threshold"] == 0.9 and probe["runs"] == {"e4srec": str(run)}
    used = probe["twins"]["pairs_used"]
    assert used["overlap"] == min(5, probe["twins"]["pairs_found"]["overlap"]) and used["disjoint"] <= 5
    assert len(probe["results"]) == 3 and "AUC" in capsys.readouterr().out
    assert main(["probe", str(runs / "pop")]) == 2  # a baseline run is not a GAL-Rec one
    assert "not a GAL-Rec one" in capsys.readouterr().err


def test_an_unfinished_galrec_row_resumes_and_a_fresh_one_starts(tmp_path: Path, config_file: Path, monkeypatch) -> None:
    spec = BenchSpec(str(config_file), [], ["e4srec", "galrec"], [], tmp_path / "out", tmp_path / "runs")
    plans = {p.name: p for p in make_plans(spec)}
    calls: list[list[str]] = []
    monkeypatch.setattr(bench_module, "_galrec", lambda argv, log: calls.append(argv) or 0)
    (plans["e4srec"].run_dir).mkdir(parents=True)
    (plans["e4srec"].run_dir / "checkpoint.pt").write_bytes(b"")  # killed mid-run: no timing.json
    assert bench_module.execute(plans["e4srec"], tmp_path / "e4srec.log") == "resumed"
    assert bench_module.execute(plans["galrec"], tmp_path / "galrec.log") == "trained"
    assert calls == [["train", "--resume", str(plans["e4srec"].run_dir), "--quiet"], plans["galrec"].argv]


def test_a_row_another_bench_is_running_is_waited_for_then_reused(tmp_path: Path, config_file: Path,
                                                                  monkeypatch) -> None:
    spec = BenchSpec(str(config_file), [], ["e4srec"], [], tmp_path / "out", tmp_path / "runs")
    plan = next(p for p in make_plans(spec) if p.name == "e4srec")
    monkeypatch.setattr(bench_module, "_galrec", lambda argv, log: pytest.fail("the row ran twice"))
    holding, waiting, said = threading.Event(), threading.Event(), []

    def other_bench() -> None:  # holds the row's lock, finishes the run, lets go
        with bench_module.row_lock(plan.run_dir):
            holding.set()
            waiting.wait(timeout=10)
            plan.run_dir.mkdir(parents=True)
            (plan.run_dir / "timing.json").write_text("{}")

    thread = threading.Thread(target=other_bench)
    thread.start()
    holding.wait(timeout=10)

    def echo(line: str) -> None:
        said.append(line)
        waiting.set()

    assert bench_module.execute(plan, tmp_path / "e4srec.log", echo) == "reused"
    thread.join()
    assert said == ["  e4srec: another bench is running it; waiting"]


def test_budget_caps_every_row_but_the_external_baseline_keeps_its_own(config_file: Path, tmp_path: Path) -> None:
    spec = BenchSpec(str(config_file), ["external.run_dir=", "external.baseline_overrides=[\"optim.max_minutes=8\"]"],
                     ["lightgcn", "e4srec"], [], tmp_path / "out", tmp_path / "runs", budget=3.5)
    plans = {p.name: p for p in make_plans(spec)}
    assert plans["sasrec"].config.optim.max_minutes == 8  # external.baseline_overrides win
    assert plans["lightgcn"].config.optim.max_minutes == 3.5
    assert plans["e4srec"].config.train.max_minutes == 3.5


def test_default_rows_follow_the_training_mode() -> None:
    prefix, sequence = select_rows(None, "prefix"), select_rows(None, "sequence")
    assert {"listed", "compact"} <= set(prefix) and "token" not in prefix
    assert "token" in sequence and not {"listed", "compact"} & set(sequence)
    assert {"galrec", "e4srec", "no-losses", "sasrec"} <= set(prefix) & set(sequence)
    assert select_rows("token,listed", "prefix") == ["token", "listed"]  # asked for by name: kept


def test_baseline_budget_caps_the_baseline_rows_apart(config_file: Path, tmp_path: Path) -> None:
    def plans(**budgets):
        spec = BenchSpec(str(config_file), ["external.run_dir=", "external.baseline_overrides=[]"],
                         ["lightgcn", "e4srec"], [], tmp_path / "out", tmp_path / "runs", **budgets)
        return {p.name: p.config for p in make_plans(spec)}

    apart = plans(budget=3.0, baseline_budget=12.0)
    assert apart["lightgcn"].optim.max_minutes == 12 and apart["e4srec"].train.max_minutes == 3
    own = plans(budget=3.0, baseline_budget=0.0)  # 0: the tuned configs' own limits
    assert own["lightgcn"].optim.max_minutes == plans()["lightgcn"].optim.max_minutes


def test_the_fused_in_baseline_runs_second_and_every_language_model_row_reads_it(config_file: Path, tmp_path: Path) -> None:
    overrides = ["external.run_dir=", "external.source=lightgcn", "external.fusion=true",
                 "external.fusion_source=sasrec", 'external.fusion_overrides=["optim.max_minutes=4"]']
    spec = BenchSpec(str(config_file), overrides, ["pop", "e4srec", "galrec"], [], tmp_path / "out", tmp_path / "runs")
    plans = make_plans(spec)
    assert [p.name for p in plans] == ["lightgcn", "sasrec", "pop", "e4srec", "galrec"]
    assert plans[1].config.optim.max_minutes == 4  # external.fusion_overrides win, as the external's do
    for lm in plans[3:]:
        assert lm.config.external.run_dir == str((tmp_path / "runs" / "lightgcn").resolve())
        assert lm.config.external.fusion_run_dir == str((tmp_path / "runs" / "sasrec").resolve())


def test_each_fused_language_model_row_gets_a_row_of_its_own(config_file: Path, tmp_path: Path) -> None:
    out, runs = tmp_path / "results", tmp_path / "runs"
    argv = ["bench", "--config", str(config_file), "--rows", "sasrec,e4srec,galrec", "--out", str(out),
            "--runs", str(runs), "--no-analysis", "external.fusion=true", "train.mode=sequence"]
    assert main(argv) == 0
    table = json.loads((out / "table.json").read_text())
    by = {r["name"]: r for r in table["rows"]}
    assert list(by) == ["sasrec", "e4srec", "e4srec+fused", "galrec", "galrec+fused"]
    fused = by["galrec+fused"]
    assert fused["label"] == "GAL-Rec + SASRec, fused" and fused["run_dir"] == str(runs / "galrec" / "fused")
    assert fused["test"] == json.loads((runs / "galrec" / "fused" / "metrics.json").read_text())["test"]
    md = (out / "table.md").read_text()
    assert "| GAL-Rec + SASRec, fused `galrec+fused` |" in md
    assert "- SASRec (`sasrec`):" in md.split("GAL-Rec + SASRec, fused (`galrec+fused`) test NDCG@10")[1]
    assert "the fusion minus it, paired by user" in md
