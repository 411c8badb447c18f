"""Start-up and shut-down of `python app.py` in a subprocess: shared by scripts/load_test.py and the tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

# Settings the caller decides for the app it starts, never inherited from the calling shell.
_NOT_INHERITED = {"GDPA_HOST", "GDPA_PORT", "GDPA_LLM", "GDPA_API_KEY", "GDPA_RATE_LIMIT", "GDPA_MODEL_QUEUE",
                  "GDPA_MODEL_QUEUE_TIMEOUT"}


def app_env(**settings: str) -> dict[str, str]:
    """The environment for a child `python app.py`: this one without the address, model and access settings,
    plus `settings` and unbuffered output."""
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    env.update(settings, PYTHONUNBUFFERED="1")
    return env


class AppNotReady(RuntimeError):
    """app.py exited, or did not answer in time (the message says which)."""


def free_port() -> int:
    """A loopback TCP port nothing listens on (at the moment of asking)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(proc: subprocess.Popen, url: str, timeout: float) -> None:
    """Poll `url`healthz until it answers 200; AppNotReady if `proc` exits or `timeout` s pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AppNotReady(f"app.py exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "healthz", timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):  # ConnectionError and TimeoutError are OSErrors
            pass
        time.sleep(0.5)
    raise AppNotReady(f"app.py did not answer on {url} within {timeout:.0f} s")


def stop_group(proc: subprocess.Popen) -> None:
    """End `proc`'s own process group (started with start_new_session=True): SIGTERM, then SIGKILL after 15 s."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)
    except ProcessLookupError:
        pass


def log_tail(path: Path, chars: int) -> str:
    """The last `chars` characters of the app's log file, or "(no log)"."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return "(no log)"
