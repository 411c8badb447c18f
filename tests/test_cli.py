"""`python -m assistant`: options work before or after the subcommand."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import config
from assistant.__main__ import _parser


@pytest.mark.parametrize("argv", [
    ["--llm", "none", "--index-dir", "/x", "ask", "第七項由誰牽頭？", "--json"],
    ["ask", "第七項由誰牽頭？", "--llm", "none", "--json", "--index-dir", "/x"],
    ["--llm", "none", "ask", "--json", "第七項由誰牽頭？", "--index-dir", "/x"],
])
def test_options_before_or_after_the_subcommand(argv):
    args = _parser().parse_args(argv)
    assert (args.command, args.question, args.json, args.llm, args.index_dir) == (
        "ask", ["第七項由誰牽頭？"], True, "none", "/x")


def test_an_option_before_the_subcommand_is_not_reset_by_it():
    args = _parser().parse_args(["-v", "--llm", "none", "chat"])
    assert args.verbose is True and args.llm == "none" and args.command == "chat"
    assert _parser().parse_args(["chat"]).llm is None


def test_ask_json_with_options_after_the_question(index_cfg, retriever):
    env = {**os.environ, "GDPA_INDEX_DIR": str(index_cfg.index_dir)}
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "第七項由哪些單位牽頭？", "--llm", "none", "--json"],
                         cwd=config.ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert [c["item"] for c in data["citations"]] == [7] and data["refused"] is False and data["used_llm"] is False
