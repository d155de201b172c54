"""``galrec data fetch`` against a file served from 127.0.0.1 (there is no internet here)."""

from __future__ import annotations

import hashlib
import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from galrec.data import fetch
from galrec.paths import data_dir

GOOD = b"1 1 2 3\n2 2 3 4 5\n"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A folder served on 127.0.0.1; yields (folder, base URL)."""
    root = tmp_path / "served"
    root.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    thread.join()


@pytest.fixture
def tiny_beauty(monkeypatch):
    """Point the registry's beauty entry at GOOD, so the test needs no real dataset."""
    monkeypatch.setitem(fetch.SOURCES, "beauty", ("Beauty.txt", hashlib.sha256(GOOD).hexdigest()))


def test_fetch_then_load_by_name(server, tiny_beauty, tmp_path, monkeypatch, cli, isolated_cache):
    root, url = server
    (root / "Beauty.txt").write_bytes(GOOD)
    monkeypatch.setenv("GALREC_FETCH_URL", url)
    monkeypatch.setenv("GALREC_DATA_DIR", str(tmp_path / "no-data-here"))

    status, out, _ = cli("data", "fetch", "beauty")

    target = isolated_cache / "datasets" / "beauty" / "interactions.txt"
    assert status == 0 and out.strip() == str(target)
    assert target.read_bytes() == GOOD
    assert sorted(p.name for p in target.parent.parent.iterdir()) == ["beauty"]  # no staging left
    status, out, _ = cli("data", "stats", "beauty")
    assert status == 0 and json.loads(out)["interactions"] == 7

    (root / "Beauty.txt").unlink()  # a verified file already in place is not downloaded again
    assert cli("data", "fetch", "beauty", "--url", url)[0] == 0


def test_corrupted_download_leaves_nothing(server, tiny_beauty, tmp_path, cli):
    root, url = server
    (root / "Beauty.txt").write_bytes(GOOD.replace(b"5", b"6"))
    dest = tmp_path / "out" / "beauty"

    status, out, err = cli("data", "fetch", "beauty", "--dest", str(dest), "--url", url)

    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "sha256 mismatch" in err and "Beauty.txt" in err
    assert list(dest.parent.iterdir()) == []


def test_missing_upstream_file_is_one_line(server, tiny_beauty, tmp_path, cli):
    _, url = server
    status, _, err = cli("data", "fetch", "beauty", "--dest", str(tmp_path / "b"), "--url", url)
    assert status == 2 and err.count("\n") == 1 and "download failed" in err and "404" in err


@pytest.mark.parametrize("name", sorted(fetch.SOURCES))
def test_registry_hashes_match_the_shared_copies(name):
    base = data_dir()
    path = base / name / "interactions.txt" if base else None
    if path is None or not path.is_file():
        pytest.skip("the shared datasets folder is not here")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == fetch.SOURCES[name][1]
