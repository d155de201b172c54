"""Load test of ``galrec serve`` on 127.0.0.1 (a benchmark, not a test).

Starts the server on a free loopback port, then runs two bounded phases of concurrent
``POST /recommend`` requests (at most ``--requests`` each, and at most ``--max-seconds``):

1. valid histories only: every answer must be 200;
2. a mix with ``--invalid-share`` client mistakes (unknown ids, k out of range, wrong types,
   malformed JSON, over-long histories): those must be 4xx, the valid ones 200.

It prints requests/s, p50/p99 latency, the mean number of histories per scored batch (from
``/health``), and exits 1 if any answer was wrong. Valid histories are random items of the run's
catalogue, 1-20 long.

    .venv/bin/python benchmarks/serve_load.py runs/sasrec_beauty [--requests 2000 --concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

from galrec.data.idmap import IdMap

HOST = "127.0.0.1"  # loopback only: this benchmark never listens on or calls another address


@dataclass
class Request:
    body: bytes
    valid: bool


@dataclass
class Phase:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)  # answers that broke the contract
    seconds: float = 0.0

    def summary(self) -> dict:
        lat = np.array(self.latencies_ms)
        return {
            "phase": self.name,
            "requests": len(lat),
            "requests_per_s": round(len(lat) / self.seconds, 1),
            "p50_ms": round(float(np.percentile(lat, 50)), 2),
            "p99_ms": round(float(np.percentile(lat, 99)), 2),
            "wrong_answers": len(self.wrong),
        }


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def valid_request(rng: random.Random, item_ids: list[str], k: int) -> Request:
    history = rng.sample(item_ids, rng.randint(1, 20))
    return Request(json.dumps({"history": history, "k": k}).encode(), True)


def invalid_request(rng: random.Random, item_ids: list[str]) -> Request:
    bodies = [
        {"history": [item_ids[0], "no-such-item"], "k": 10},
        {"history": [item_ids[0]], "k": 0},
        {"history": [item_ids[0]], "k": 500},
        {"history": item_ids[0], "k": 10},
        {"history": [[item_ids[0]]]},
        {"history": [item_ids[0]] * 1000},
        {"history": [True]},
        {"histroy": [item_ids[0]]},
    ]
    pick = rng.randrange(len(bodies) + 1)
    body = b'{"history": [1, 2' if pick == len(bodies) else json.dumps(bodies[pick]).encode()
    return Request(body, False)


async def run_phase(
    base: str, phase: Phase, requests: list[Request], concurrency: int, max_seconds: float
) -> Phase:
    queue = iter(requests)
    deadline = time.perf_counter() + max_seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            for req in queue:
                if time.perf_counter() > deadline:
                    return
                t0 = time.perf_counter()
                try:
                    r = await client.post(
                        "/recommend", content=req.body, headers={"content-type": "application/json"}
                    )
                    status = r.status_code
                except httpx.HTTPError as exc:
                    status, r = 0, None
                    phase.wrong.append(f"transport error: {exc!r}")
                phase.latencies_ms.append((time.perf_counter() - t0) * 1000)
                if status and (status != 200 if req.valid else not 400 <= status < 500):
                    phase.wrong.append(f"{status} for {req.body[:80]!r}: {r.text[:120] if r else ''}")

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        phase.seconds = time.perf_counter() - t0
    return phase


def wait_for_health(base: str, proc: subprocess.Popen, log: Path, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"galrec serve exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    sys.exit(f"galrec serve did not answer /health within {timeout_s} s")


def batches_so_far(base: str) -> tuple[int, int]:
    h = httpx.get(f"{base}/health", timeout=5).json()
    return h["batches_scored"], h["histories_scored"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("--requests", type=int, default=2000, help="per phase (default 2000)")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--max-seconds", type=float, default=45.0, help="time cap per phase")
    ap.add_argument("--invalid-share", type=float, default=0.2)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--precision", choices=["float32", "bfloat16"], default="float32", help="galrec serve --precision")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    item_ids = IdMap.load(args.run_dir / "item_ids.json").raw
    rng = random.Random(args.seed)
    valid = [valid_request(rng, item_ids, args.k) for _ in range(args.requests)]
    mixed = [
        invalid_request(rng, item_ids)
        if rng.random() < args.invalid_share
        else valid_request(rng, item_ids, args.k)
        for _ in range(args.requests)
    ]

    port = free_port()
    base = f"http://{HOST}:{port}"
    log = Path(tempfile.mkstemp(prefix="galrec-serve-", suffix=".log")[1])
    cmd = [sys.executable, "-m", "galrec", "serve", str(args.run_dir), "--host", HOST, "--port", str(port),
           "--precision", args.precision]
    with open(log, "w") as log_fh:
        proc = subprocess.Popen(cmd, stdout=log_fh, stderr=subprocess.STDOUT)
    try:
        t0 = time.perf_counter()
        wait_for_health(base, proc, log)
        print(f"server up in {time.perf_counter() - t0:.1f} s on {base} (log: {log})", flush=True)
        asyncio.run(run_phase(base, Phase("warm-up"), valid[:50], args.concurrency, 30))
        results = []
        for name, reqs in (("valid", valid), (f"{args.invalid_share:.0%} invalid", mixed)):
            b0, h0 = batches_so_far(base)
            phase = asyncio.run(run_phase(base, Phase(name), reqs, args.concurrency, args.max_seconds))
            b1, h1 = batches_so_far(base)
            summary = phase.summary() | {"mean_histories_per_batch": round((h1 - h0) / max(b1 - b0, 1), 2)}
            results.append(summary)
            print(json.dumps(summary), flush=True)
            for line in phase.wrong[:5]:
                print(f"  wrong: {line}", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    print(f"concurrency {args.concurrency}, k {args.k}, run {args.run_dir}")
    return 1 if any(r["wrong_answers"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
