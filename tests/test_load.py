"""scripts/load_test.py at a small size: the real app (--llm none), concurrent gradio_client or openai users.

The full-size runs (20 users × 10 questions; --llm local with fewer users) are measurements, not tests:
see the script's docstring and the issue 6 report for the figures.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import config

SCRIPT = config.ROOT / "scripts" / "load_test.py"


def _run(tmp_path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    out_json = tmp_path / "summary.json"
    proc = subprocess.run([sys.executable, str(SCRIPT), *args, "--json", str(out_json)], cwd=config.ROOT,
                          capture_output=True, text=True, timeout=420)
    summary = json.loads(out_json.read_text(encoding="utf-8")) if out_json.exists() else {}
    return proc, summary


def test_small_load_no_errors_and_valid_citations(tmp_path):
    proc, s = _run(tmp_path, "--llm", "none", "--users", "5", "--questions", "4", "--max-seconds", "180")
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert s["requests"] == s["answered"] == 20
    assert s["errors"] == 0 and s["invalid_citations"] == 0 and s["all_citations_valid"] is True
    assert s["latency"]["structured"]["n"] > 0 and s["latency"]["general"]["n"] > 0
    assert s["latency"]["all"]["p95_s"] is not None and s["wait"]["observed"] > 0
    assert "p50" in proc.stdout and "queue wait" in proc.stdout


def test_small_load_through_the_openai_endpoint(tmp_path):
    proc, s = _run(tmp_path, "--api", "openai", "--llm", "none", "--users", "4", "--questions", "3",
                   "--max-seconds", "180")
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert s["api"] == "openai" and s["requests"] == s["answered"] == 12
    assert s["errors"] == 0 and s["all_citations_valid"] is True and s["model_busy"] == 0 and s["used_llm"] == 0
    assert s["latency"]["structured"]["n"] > 0 and s["latency"]["general"]["n"] > 0
    assert "through openai" in proc.stdout


@pytest.mark.parametrize("url", ["http://192.0.2.10:7860/", "http://example.com/"])
def test_refuses_a_non_loopback_url(tmp_path, url):
    proc, _ = _run(tmp_path, "--url", url, "--users", "1", "--questions", "1")
    assert proc.returncode != 0 and "loopback" in proc.stderr


def test_bounds_are_enforced(tmp_path):
    proc, _ = _run(tmp_path, "--users", "500", "--questions", "1")
    assert proc.returncode == 2 and "--users must be" in proc.stderr
