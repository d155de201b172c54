"""The words of the table: GAL-Rec against each row, paired by test user."""

from __future__ import annotations

from pathlib import Path

from galrec.experiments.bench import on_common_users
from galrec.experiments.table import ablation_lines


def _row(tmp_path: Path, name: str, ranks: list[int], status: str = "trained") -> dict:
    run = tmp_path / name
    run.mkdir()
    lines = ["user_id\ttarget_item_id\trank", *(f"u{k}\t1\t{r}" for k, r in enumerate(ranks))]
    (run / "ranks.tsv").write_text("\n".join(lines) + "\n")
    return {"name": name, "label": name.upper(), "run_dir": str(run), "status": status, "test": {"ndcg@10": 0.0}}


def test_each_row_gets_a_paired_verdict(tmp_path: Path) -> None:
    n = 400
    rows = [
        _row(tmp_path, "galrec", [1] * n),
        _row(tmp_path, "e4srec", [100] * n),  # always missed: GAL-Rec is better
        _row(tmp_path, "no-l1", [1, 100] * (n // 2)),  # misses half: better too
        _row(tmp_path, "no-l2", [1] * (n - 1) + [100]),  # one user apart: within noise
        _row(tmp_path, "listed", [1] * n, status="same run as galrec"),
    ]
    lines = ablation_lines(rows)
    by = {line.split("(`")[1].split("`")[0]: line for line in lines[1:]}
    assert set(by) == {"e4srec", "no-l1", "no-l2"}  # the same run is not compared with itself
    assert by["e4srec"].endswith("+1.0000 ± 0.0000; GAL-Rec is better")
    assert "GAL-Rec is better" in by["no-l1"] and by["no-l2"].endswith("within noise")


def test_a_row_of_other_users_says_so(tmp_path: Path) -> None:
    rows = [_row(tmp_path, "galrec", [1, 2]), _row(tmp_path, "e4srec", [1, 2, 3])]
    rows[1]["run_dir"] = str(tmp_path / "nowhere")
    assert "no paired comparison" in ablation_lines(rows)[1]


def test_rows_of_different_test_users_are_compared_on_the_common_ones(tmp_path: Path) -> None:
    full = _row(tmp_path, "sasrec", [1, 100, 3, 100])  # all four users
    part = _row(tmp_path, "galrec", [1, 2])  # the first two (a test_users subset)
    full["users_evaluated"], part["users_evaluated"] = 4, 2
    results = {"sasrec": full, "galrec": part}
    assert on_common_users(results) == 2
    assert full["test"]["hr@5"] == 0.5 and full["test_own"] == {"ndcg@10": 0.0}  # u0 hit, u1 missed
    assert part["test"]["hr@5"] == 1.0 and full["test_users_compared"] == 2
    assert on_common_users(results) == 2 and full["test_own"] == {"ndcg@10": 0.0}  # idempotent
    assert on_common_users({"galrec": part}) is None
