"""``make bench``: the quick benchmarks, one after another (never two heavy jobs at once).

The long ones are run by hand, as their results files say: the scale benchmark at all sizes
(``benchmarks/scale.py --sizes small,medium,large``, ~1 h) and the serving load test, which
needs a finished run folder (``benchmarks/serve_load.py RUN_DIR``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = [
    ["graph_yelp.py"],  # Yelp graph + 20 2-hop users for everyone: target < 10 s, < 2 GB
    ["llm_prompts.py", "--dataset", "beauty"],  # prompt building speed and tokens per prompt
]


def main() -> int:
    for args in QUICK:
        print(f"== benchmarks/{' '.join(args)}", flush=True)
        done = subprocess.run([sys.executable, str(HERE / args[0]), *args[1:]], check=False)
        if done.returncode:
            return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
