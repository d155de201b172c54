"""Wall time of ``galrec`` commands that should answer at once: help, small stats, refusals.

Each command runs ``--repeat`` times as a fresh process (``python -m galrec``, so the timing
includes the interpreter's start); the script prints the median and the slowest run, and whether
the command exited as expected (0, or 2 for a refusal).

    OMP_NUM_THREADS=1 taskset -c 1 .venv/bin/python benchmarks/startup.py
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def cases(tmp: Path) -> list[tuple[str, list[str], int]]:
    small = tmp / "small.txt"  # 10 users of the S3-Rec format: "user item item ..."
    small.write_text("".join(f"{u} {' '.join(str(i) for i in range(u, u + 5))}\n" for u in range(1, 11)))
    (tmp / "empty.txt").write_text("")
    (tmp / "typo.yaml").write_text("train:\n  epochs: 3\n")
    return [
        ("galrec --help", ["--help"], 0),
        ("galrec data stats (10-line file)", ["data", "stats", str(small)], 0),
        ("refuse: data stats on an empty file", ["data", "stats", str(tmp / "empty.txt")], 2),
        ("refuse: train --config missing.yaml", ["train", "--config", str(tmp / "missing.yaml")], 2),
        ("refuse: train with an unknown config key", ["train", "--config", str(tmp / "typo.yaml")], 2),
        ("refuse: recommend on a folder that is no run", ["recommend", str(tmp), "--history", "1"], 2),
        ("refuse: baseline with an unknown key", ["baseline", "sasrec", "--out", str(tmp / "o"), "optim.epochs=3"], 2),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(f"{'command':<48} {'median s':>9} {'max s':>7}  exit")
        for name, argv, expected in cases(Path(folder)):
            times, codes = [], set()
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                proc = subprocess.run([sys.executable, "-m", "galrec", *argv], capture_output=True)
                times.append(time.perf_counter() - t0)
                codes.add(proc.returncode)
            ok = "ok" if codes == {expected} else f"UNEXPECTED {sorted(codes)}"
            print(f"{name:<48} {statistics.median(times):>9.2f} {max(times):>7.2f}  {ok}")


if __name__ == "__main__":
    main()
