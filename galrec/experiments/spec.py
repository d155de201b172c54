"""What a bench is asked to run (``BenchSpec``) and one row's plan (``Plan``).

Below ``bench.py`` (which runs the plans) and ``table.py`` (which writes them up), so that both
import it and neither imports the other's caller.
"""

from __future__ import annotations

import dataclasses
import shlex
from pathlib import Path
from typing import Any

from galrec.config import GalRecConfig
from galrec.typed_config import load_config
from galrec.experiments import rows as R


@dataclasses.dataclass
class BenchSpec:
    config: str | None  # the GAL-Rec YAML every language-model row starts from
    overrides: list[str]  # key=value on top of it (``--dataset`` becomes data.dataset=...)
    rows: list[str]
    sweeps: list[tuple[str, list[str]]]
    out: Path
    runs: Path
    budget: float = 0.0  # minutes per row (0: the configs' own limits)
    baseline_budget: float | None = None  # minutes per baseline row (None: ``budget``; 0: their configs' limits)

    @property
    def baseline_minutes(self) -> float:
        return self.budget if self.baseline_budget is None else self.baseline_budget
    analysis: bool = True  # probe, geometry and item map over ``rows.ANALYSIS_ROWS`` afterwards
    redo_analysis: bool = False  # even when the stored analysis used the same runs


@dataclasses.dataclass
class Plan:
    name: str
    row: R.Row
    run_dir: Path
    config: Any  # GalRecConfig, or the row's BaselineConfig
    argv: list[str] | None  # the galrec command; None: a given run (external.run_dir)
    same_as: str = ""  # an earlier row of the identical config: its run serves both

    @property
    def kind(self) -> str:
        return "baseline" if self.row.baseline else "galrec"

    @property
    def command(self) -> str | None:
        return None if self.argv is None else "galrec " + shlex.join(self.argv)


def base_config(spec: BenchSpec) -> GalRecConfig:
    return load_config(GalRecConfig, spec.config, spec.overrides)
