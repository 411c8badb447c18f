"""Misbehaving stand-ins for an OpenAI-compatible model server, shared by the runtime and fault tests.

Each is a context manager yielding the server's base URL (``http://127.0.0.1:PORT/v1``).
"""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
from collections.abc import Iterator

from scripts.appproc import free_port

__all__ = ["down_url", "free_port", "garbage_server", "silent_server"]


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
