"""Start the real app (`python app.py`) in a subprocess on a free port, for the API and browser tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "test-output"  # screenshots and server logs; gitignored


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`python app.py --port <free> --llm <llm>`, its output in a log file; stop() ends it (and only it)."""

    def __init__(self, workdir: Path, llm: str = "none") -> None:
        self.llm = llm
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.feedback = workdir / "feedback.jsonl"
        self.log_path = workdir / f"app-{llm}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 180.0) -> AppServer:
        env = {k: v for k, v in os.environ.items() if k not in {"GDPA_HOST", "GDPA_PORT", "GDPA_LLM"}}
        env["GDPA_FEEDBACK"] = str(self.feedback)
        env["PYTHONUNBUFFERED"] = "1"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "app.py", "--port", str(self.port), "--llm", self.llm],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stop() ends the app and nothing else
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app.py exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "gradio_api/info", timeout=5) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"app.py did not answer on {self.url} within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)
        except ProcessLookupError:
            pass

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def feedback_records(self) -> list[dict]:
        import json

        if not self.feedback.exists():
            return []
        return [json.loads(line) for line in self.feedback.read_text(encoding="utf-8").splitlines() if line.strip()]
