"""Start the real app (`python app.py`) in a subprocess on a free port, for the API and browser tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scripts.appproc import AppNotReady, app_env, free_port, log_tail, stop_group, wait_ready

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "test-output"  # screenshots and server logs; gitignored

__all__ = ["OUTPUT", "AppServer", "free_port", "started_app"]


class AppServer:
    """`python app.py --port <free> --llm <llm> [args]` with `settings` (GDPA_* variables) in its environment,
    its output in a log file; stop() ends it (and only it)."""

    def __init__(self, workdir: Path, llm: str = "none", settings: dict[str, str] | None = None,
                 args: tuple[str, ...] = ()) -> None:
        self.llm = llm
        self.settings = dict(settings or {})
        self.args = args
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.feedback = workdir / "feedback.jsonl"
        self.log_path = workdir / f"app-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 180.0) -> AppServer:
        env = app_env(GDPA_FEEDBACK=str(self.feedback), **self.settings)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "app.py", "--port", str(self.port), "--llm", self.llm, *self.args],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stop() ends the app and nothing else
            )
        try:
            wait_ready(self.proc, self.url, timeout)
        except AppNotReady as e:
            self.stop()
            raise RuntimeError(f"{e}:\n{self.log_tail()}") from None
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_group(self.proc)

    def log_tail(self, chars: int = 4000) -> str:
        return log_tail(self.log_path, chars)

    def feedback_records(self) -> list[dict]:
        import json

        if not self.feedback.exists():
            return []
        return [json.loads(line) for line in self.feedback.read_text(encoding="utf-8").splitlines() if line.strip()]


def started_app(request, workdir: Path, llm: str = "none", timeout: float = 180.0,
                settings: dict[str, str] | None = None) -> AppServer:
    """For a fixture: the app started in `workdir`, stopped when the fixture's scope ends."""
    srv = AppServer(workdir, llm=llm, settings=settings)
    request.addfinalizer(srv.stop)
    return srv.start(timeout=timeout)
