"""Misbehaving stand-ins for an OpenAI-compatible model server, shared by the runtime and fault tests.

Each is a context manager yielding the server's base URL (``http://127.0.0.1:PORT/v1``).
"""

from __future__ import annotations

import contextlib
import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator

from scripts.appproc import free_port

__all__ = ["HeldModel", "down_url", "free_port", "garbage_server", "held_model_server", "silent_server"]


@contextlib.contextmanager
def down_url() -> Iterator[str]:
    """A URL where nothing listens."""
    yield f"http://127.0.0.1:{free_port()}/v1"


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    srv.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):  # the accept timeout: look at `stop` again
                held.append(srv.accept()[0])

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.getsockname()[1]}/v1"
    finally:
        stop.set()
        t.join(2)
        for c in held:
            c.close()
        srv.close()


@contextlib.contextmanager
def garbage_server(body: bytes, content_type: str) -> Iterator[str]:
    """Answers every GET and POST with 200 and ``body`` (which is not what an OpenAI API sends)."""

    class _Garbage(http.server.BaseHTTPRequestHandler):
        def _reply(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _reply

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/v1"
    finally:
        srv.shutdown()
        srv.server_close()


class HeldModel:
    """What a test controls of `held_model_server`: `started` is set when a completion request arrives,
    and the server answers only once `release` is set."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.url = ""


@contextlib.contextmanager
def held_model_server(answer: str = "模型的解說。") -> Iterator[HeldModel]:
    """An OpenAI-compatible model server that lists one model and streams `answer` to each chat completion,
    but only once the test sets `release` (a one-token warm-up request is answered at once)."""
    held = HeldModel()

    class _Held(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _json(self, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._json({"object": "list", "data": [{"id": "held", "object": "model", "created": 0, "owned_by": "t"}]})

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            if request.get("max_tokens") != 1:
                held.started.set()
                held.release.wait(120)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            for text in (answer, None):
                delta = {"content": text} if text else {}
                chunk = {"id": "c", "object": "chat.completion.chunk", "created": int(time.time()), "model": "held",
                         "choices": [{"index": 0, "delta": delta, "finish_reason": None if text else "stop"}]}
                self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Held)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    held.url = f"http://127.0.0.1:{srv.server_address[1]}/v1"
    try:
        yield held
    finally:
        held.release.set()
        srv.shutdown()
        srv.server_close()
