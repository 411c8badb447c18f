"""The index against a real Chroma server (`chroma run`, started on loopback by the test) instead of
the embedded store: the configuration a larger deployment uses (GDPA_CHROMA_URL)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import config
from index import open_collection, open_retriever


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory):
    # the environment's own script first: .venv/bin/python runs the tests without .venv/bin on PATH
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if exe is None:
        pytest.skip("the chromadb package's `chroma` command is neither beside Python nor on PATH")
    port = _free_port()
    proc = subprocess.Popen([exe, "run", "--path", str(tmp_path_factory.mktemp("chroma-server")),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma server did not start within 60 s")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_index_on_a_chroma_server(tmp_path, chroma_url, notice):
    cfg = config.load(index_dir=tmp_path / "idx", chroma_url=chroma_url)
    retriever = open_retriever(cfg, notice)  # builds into the server, named after the fingerprint
    collection, manifest = open_collection(cfg)
    assert collection.count() == manifest.nodes == 56
    assert manifest.collection.startswith("notice_tasks-") and manifest.fingerprint in manifest.collection
    assert retriever.search("港車北上")[0].task == 3
    # a second open reuses the server's collection instead of rebuilding
    open_retriever(cfg, notice)
    assert open_collection(cfg)[1].built_at == manifest.built_at
