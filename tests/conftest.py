"""Shared fixtures: the real notice, a real Chroma index on disk built with the real embedder
(once per test session, in a temporary folder), and the assistant over it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import config
from corpus import Notice, load

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def notice() -> Notice:
    return load(config.ROOT / "corpus" / "guangdong-digital-2024-work-points.txt")


@pytest.fixture(scope="session")
def truth() -> dict[int, dict]:
    """Lead / co-responsible sets of all 55 tasks, written by reading the notice (not by the parser)."""
    raw = json.loads((DATA / "responsibility_table.json").read_text(encoding="utf-8"))
    return {int(k): v for k, v in raw.items()}


@pytest.fixture(scope="session")
def index_cfg(tmp_path_factory: pytest.TempPathFactory) -> config.Config:
    return config.load(index_dir=tmp_path_factory.mktemp("index"), llm="none")


@pytest.fixture(scope="session")
def retriever(index_cfg: config.Config, notice: Notice):
    from index import open_retriever

    return open_retriever(index_cfg, notice)


@pytest.fixture(scope="session")
def assistant(index_cfg: config.Config, notice: Notice, retriever):
    from assistant import Assistant

    return Assistant(index_cfg, notice, retriever)


@pytest.fixture(scope="module")
def llm_assistant(index_cfg: config.Config, notice: Notice, retriever):
    """The assistant over the session index with the real local model attached (for `llm`-marked tests)."""
    import dataclasses

    from assistant import Assistant

    # (these tests check what the model may say, not how fast: a busy CI machine must not cut an explanation
    # at the app's 10 s budget — the speed goals live in `python -m eval bench`)
    a = Assistant(dataclasses.replace(index_cfg, llm="local", explain_budget_s=120.0), notice, retriever)
    a.attach_llm()
    assert a.llm is not None, a.llm_error
    return a
