"""The persistent Chroma index: built once, reused while its fingerprint matches, swapped atomically.

Layout of `index_dir` (embedded mode):
    current -> gen-<fp>-<ns>        symlink, replaced atomically after a build completes
    gen-<fp>-<ns>/chroma/           the PersistentClient folder
    gen-<fp>-<ns>/manifest.json     what was built, from what, when, how long it took
A build writes `gen-….tmp-<pid>/` and renames it only when complete, so a build killed half-way
leaves the previous generation in use and at most a stale temp folder (removed by the next build).
With a Chroma server (`chroma_url`), the collection is named after the fingerprint instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from llama_index.core.schema import TextNode

from config import Config
from corpus import Notice
from corpus.english import GLOSS_PATH

from .embeddings import embedder_id
from .nodes import build_nodes

FORMAT_VERSION = "4"  # bump when node text or metadata changes
BATCH = 8


class IndexUnavailable(RuntimeError):
    """The index is missing, stale or unreadable; the message says how to rebuild it."""


@dataclass(frozen=True)
class Manifest:
    fingerprint: str
    embedder: str
    nodes: int
    dim: int
    collection: str
    built_at: str
    build_seconds: float

    @classmethod
    def read(cls, path: Path) -> Manifest:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def fingerprint(cfg: Config) -> str:
    h = hashlib.sha256()
    h.update(Path(cfg.corpus_path).read_bytes())
    h.update(GLOSS_PATH.read_bytes())
    for part in (embedder_id(cfg), FORMAT_VERSION, cfg.collection):
        h.update(b"\0" + part.encode())
    return h.hexdigest()[:16]


def _client(cfg: Config, path: Path | None) -> Any:
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if cfg.chroma_url:
        u = urlparse(cfg.chroma_url)
        return chromadb.HttpClient(
            host=u.hostname or "127.0.0.1", port=u.port or 8000, ssl=u.scheme == "https", settings=settings
        )
    assert path is not None
    return chromadb.PersistentClient(path=str(path), settings=settings)


def _collection_name(cfg: Config, fp: str) -> str:
    return f"{cfg.collection}-{fp}" if cfg.chroma_url else cfg.collection


def current_dir(cfg: Config) -> Path:
    return Path(cfg.index_dir) / "current"


def read_manifest(cfg: Config) -> Manifest | None:
    try:
        return Manifest.read(current_dir(cfg) / "manifest.json")
    except (OSError, ValueError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def build(cfg: Config, notice: Notice, embed_model: Any, progress: bool = True) -> Manifest:
    """Embed every node (we pass the vectors: Chroma never embeds) and swap the new index in."""
    from tqdm import tqdm

    started = time.perf_counter()
    fp = fingerprint(cfg)
    root = Path(cfg.index_dir)
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob("gen-*.tmp-*"):
        if not _alive(int(stale.name.rsplit("-", 1)[-1])):  # a killed build; a live one is left alone
            shutil.rmtree(stale, ignore_errors=True)
    # Every build gets fresh folder names: chromadb caches clients by path within a process, so
    # reusing a path after a rebuild could hand back a client of the deleted store.
    generation = f"gen-{fp}-{time.time_ns()}"
    tmp = root / f"{generation}.tmp-{os.getpid()}"
    tmp.mkdir()

    nodes: list[TextNode] = build_nodes(notice)
    texts = [n.get_content(metadata_mode="embed") for n in nodes]
    vectors: list[list[float]] = []
    for i in tqdm(range(0, len(texts), BATCH), desc="embedding notice", unit="batch", disable=not progress):
        vectors.extend(embed_model.get_text_embedding_batch(texts[i : i + BATCH]))
    for node, vec in zip(nodes, vectors, strict=True):
        node.embedding = vec

    from llama_index.vector_stores.chroma import ChromaVectorStore

    name = _collection_name(cfg, fp)
    client = _client(cfg, tmp / "chroma")
    build_name = name + "-building" if cfg.chroma_url else name
    if cfg.chroma_url:
        for existing in client.list_collections():
            ename = getattr(existing, "name", existing)
            if ename in (build_name, name):
                client.delete_collection(ename)
    collection = client.create_collection(
        build_name, embedding_function=None, metadata={"hnsw:space": "cosine", "fingerprint": fp}
    )
    ChromaVectorStore(chroma_collection=collection).add(nodes)
    if cfg.chroma_url:
        collection.modify(name=name)
    manifest = Manifest(
        fingerprint=fp,
        embedder=embedder_id(cfg),
        nodes=len(nodes),
        dim=len(vectors[0]),
        collection=name,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        build_seconds=round(time.perf_counter() - started, 2),
    )
    (tmp / "manifest.json").write_text(json.dumps(manifest.__dict__, indent=1), encoding="utf-8")
    del client, collection

    final = root / generation
    os.rename(tmp, final)
    link_tmp = root / f"current.tmp-{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    link_tmp.symlink_to(final.name)
    os.replace(link_tmp, current_dir(cfg))  # atomic: readers see the old or the new index, never half
    # Keep the generation just replaced: another process may still be reading it.
    previous = sorted((g for g in root.glob("gen-*") if g != final and ".tmp-" not in g.name),
                      key=lambda g: g.stat().st_mtime)
    for old in previous[:-1]:
        shutil.rmtree(old, ignore_errors=True)
    return manifest


def open_collection(cfg: Config) -> tuple[Any, Manifest]:
    """The current collection and its manifest; IndexUnavailable when missing, stale or unreadable."""
    manifest = read_manifest(cfg)
    if manifest is None:
        raise IndexUnavailable(f"no index at {cfg.index_dir}: run `python -m index build`")
    if manifest.fingerprint != fingerprint(cfg):
        raise IndexUnavailable("the index was built from another corpus or model: run `python -m index build`")
    try:
        client = _client(cfg, current_dir(cfg).resolve() / "chroma")
        collection = client.get_collection(manifest.collection, embedding_function=None)
        count = collection.count()
    except Exception as e:  # chromadb raises many types for a damaged folder
        raise IndexUnavailable(f"the index at {cfg.index_dir} is unreadable ({type(e).__name__}): rebuild it") from e
    if count != manifest.nodes:
        raise IndexUnavailable(f"the index holds {count} of {manifest.nodes} nodes: rebuild it")
    return collection, manifest
