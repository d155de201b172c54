"""One real ``galrec serve`` process on 127.0.0.1: start, wait for /health, recommend, stop."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_over_http(sasrec_run: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "galrec",
            "serve",
            str(sasrec_run),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, f"galrec serve exited early:\n{proc.stdout.read()}"  # type: ignore[union-attr]
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "galrec serve did not answer /health within 30 s"
            time.sleep(0.2)
        r = httpx.post(f"{base}/recommend", json={"history": [101, "102"], "k": 3}, timeout=10)
        assert r.status_code == 200
        body = r.json()
        assert body["model"] == "sasrec" and len(body["items"]) == 3
        assert not {"101", "102"} & {it["item_id"] for it in body["items"]}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
