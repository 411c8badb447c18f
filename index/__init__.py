"""Stage 2: records → a persistent Chroma collection (dense) + BM25 (sparse), and the hybrid retriever."""

from __future__ import annotations

from typing import Any

from config import Config
from corpus import Notice

from .embeddings import make_embedder
from .retriever import Hit, HybridRetriever, Mode
from .store import IndexUnavailable, Manifest, build, open_collection, read_manifest

__all__ = [
    "Hit",
    "HybridRetriever",
    "IndexUnavailable",
    "Manifest",
    "Mode",
    "build",
    "open_collection",
    "open_retriever",
    "read_manifest",
]


def open_retriever(
    cfg: Config, notice: Notice, embed_model: Any = None, auto_build: bool = True, mode: Mode = "hybrid"
) -> HybridRetriever:
    """The hybrid retriever over the current index; builds it first when missing or stale
    (and `auto_build`), so a fresh clone answers on its first run."""
    from llama_index.core import Settings

    embed_model = embed_model or make_embedder(cfg)
    Settings.embed_model = embed_model  # nothing in llama-index may fall back to a hosted model
    try:
        collection, _ = open_collection(cfg)
    except IndexUnavailable:
        if not auto_build:
            raise
        build(cfg, notice, embed_model, progress=False)
        collection, _ = open_collection(cfg)
    return HybridRetriever(notice, collection, embed_model, top_k=cfg.top_k, rrf_k=cfg.rrf_k, mode=mode, fusion=cfg.fusion)
