"""Whether this CPU multiplies bfloat16 natively: GFLOP/s of float32 and bfloat16 matrix products.

The products have the shapes galrec's CPU training spends its time in: a catalogue head
(``[positions, d] x [d, n_items]``, SASRec's and the language model's) and a square one. It
prints what ``galrec.runtime.bfloat16_is_fast`` decides for this machine, and the ratio that
decision rests on. Usage:

    python benchmarks/bf16_products.py [--threads 2] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from galrec.runtime import bfloat16_is_fast

SHAPES = {  # name -> (m, k, n)
    "catalogue head, SASRec (2048 positions x 64 -> 12,102 items)": (2048, 64, 12_102),
    "catalogue head, language model (1024 positions x 576 -> 12,102 items)": (1024, 576, 12_102),
    "square (2048 x 2048 x 2048)": (2048, 2048, 2048),
}


def gflops(m: int, k: int, n: int, dtype: torch.dtype, repeats: int) -> float:
    a, b = torch.randn(m, k).to(dtype), torch.randn(k, n).to(dtype)
    a @ b  # warm-up: oneDNN picks its kernel on the first call
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * m * k * n * repeats / (time.perf_counter() - start) / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    for name, (m, k, n) in SHAPES.items():
        f32 = gflops(m, k, n, torch.float32, args.repeats)
        b16 = gflops(m, k, n, torch.bfloat16, args.repeats)
        rows.append({"product": name, "float32 GFLOP/s": round(f32, 1), "bfloat16 GFLOP/s": round(b16, 1),
                     "bfloat16 / float32": round(b16 / f32, 2)})
    print(json.dumps({
        "torch": torch.__version__,
        "cpu capability": torch.backends.cpu.get_cpu_capability(),
        "threads": args.threads,
        "bfloat16_is_fast(cpu)": bfloat16_is_fast("cpu"),
        "products": rows,
    }, indent=2))


if __name__ == "__main__":
    main()
