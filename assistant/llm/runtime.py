"""LLM runtimes behind one small interface, chosen by `config.llm`:

    "none"              -> no model (make_runtime returns None)
    "local"             -> LocalLlamaRuntime: llama.cpp in this process, the bundled Qwen GGUF
    "http(s)://host/v1" -> OpenAICompatibleRuntime: llama.cpp server, Ollama, vLLM, …

Every failure surfaces as LLMUnavailable with a one-line message, so callers can fall
back to a retrieval-only answer. Nothing here ever talks to OpenAI's cloud: the global
llama-index Settings.llm is always pinned to the runtime in use (or to a stub that
refuses), never left to resolve to its OpenAI default.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Self, runtime_checkable
from urllib.parse import urlsplit, urlunsplit

import httpx
from llama_index.core import Settings
from llama_index.core.base.llms.types import (
    ChatMessage,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.llms.callbacks import llm_completion_callback
from llama_index.core.llms.custom import CustomLLM
from llama_index.core.llms.llm import LLM

import config
from assistant.llm.model_file import LLMUnavailable, ensure_model, is_default_path

TEMPERATURE = 0.1
DEFAULT_SYSTEM = "You are a helpful assistant."
IM_START, IM_END = "<|im_start|>", "<|im_end|>"
STOP = [IM_END, "<|endoftext|>"]
_MSG_LIMIT = 300  # characters of a server's error text kept in our one-line messages


class PromptTooLong(LLMUnavailable):
    """The prompt leaves no room for an answer in the context window: send less context."""


@dataclass
class LLMUsage:
    """What the last call cost. Token counts are None where the backend does not say."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    first_token_s: float | None = None  # from the call to the first non-empty delta
    total_s: float | None = None


@runtime_checkable
class LLMRuntime(Protocol):
    name: str
    last_usage: LLMUsage | None

    def stream_chat(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None,
                    grammar: str | None = None) -> Iterator[str]:
        """Yield text deltas as they are generated; raise LLMUnavailable (while iterating).
        `grammar` (GBNF) constrains decoding where the runtime supports it (in-process llama.cpp);
        elsewhere it is ignored and the verifier alone guards the output."""
        ...

    def complete_chat(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None) -> str: ...

    def close(self) -> None: ...


def _one_line(text: object, limit: int = _MSG_LIMIT) -> str:
    s = re.sub(r"\s+", " ", str(text)).strip()
    return s if len(s) <= limit else s[: limit - 1] + "…"


class _Base:
    name: str = ""
    last_usage: LLMUsage | None = None

    def stream_chat(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None,
                    grammar: str | None = None) -> Iterator[str]:
        raise NotImplementedError

    def complete_chat(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None) -> str:
        return "".join(self.stream_chat(messages, max_tokens=max_tokens))

    def close(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------- Settings guard


class DisabledLLM(CustomLLM):
    """Stand-in for Settings.llm while no model is in use: refuses instead of calling OpenAI."""

    reason: str = "no language model configured (GDPA_LLM=none)"

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="disabled")

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        raise LLMUnavailable(self.reason)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        raise LLMUnavailable(self.reason)


def _pin_settings_llm(llm: LLM) -> None:
    Settings.llm = llm


def _release_settings_llm(llm: LLM) -> None:
    if getattr(Settings, "_llm", None) is llm:
        Settings.llm = DisabledLLM()


# Until a runtime is made, anything in llama-index asking for Settings.llm gets a refusal,
# not `OpenAI()`.
if getattr(Settings, "_llm", None) is None:
    Settings.llm = DisabledLLM()


# ---------------------------------------------------------------- local llama.cpp


def messages_to_prompt(messages: Sequence[ChatMessage]) -> str:
    """Qwen2.5 ChatML. A default system turn is added, as Qwen's own template does."""
    parts = []
    for m in messages:
        role = m.role.value if isinstance(m.role, MessageRole) else str(m.role)
        if role == "developer":
            role = "system"
        elif role not in ("system", "user", "assistant"):
            role = "user"
        parts.append(f"{IM_START}{role}\n{m.content or ''}{IM_END}\n")
    if not messages or _role(messages[0]) != "system":
        parts.insert(0, f"{IM_START}system\n{DEFAULT_SYSTEM}{IM_END}\n")
    parts.append(f"{IM_START}assistant\n")
    return "".join(parts)


def completion_to_prompt(completion: str) -> str:
    return messages_to_prompt([ChatMessage(role=MessageRole.USER, content=completion)])


def _role(m: ChatMessage) -> str:
    return m.role.value if isinstance(m.role, MessageRole) else str(m.role)


# One loaded model per (file, context, threads) per process: loading maps 1 GB and
# allocates the KV cache, so every runtime object made for the same settings shares it.
# Each entry carries its generation lock: a llama.cpp context runs one generation at a time.
_MODELS: dict[tuple[str, int, int], tuple[Any, threading.Lock]] = {}
_MODELS_LOCK = threading.Lock()


def _load_llamacpp(path: Path, cfg: config.Config) -> tuple[Any, threading.Lock]:
    # Imported here: only the local runtime needs llama.cpp.
    from llama_index.llms.llama_cpp import LlamaCPP

    key = (str(path.resolve()), cfg.llm_ctx, cfg.llm_threads)
    with _MODELS_LOCK:
        entry = _MODELS.get(key)
        if entry is None:
            try:
                # model_path is given, so LlamaCPP loads it as is (its download branch only
                # runs when model_path is None) and uses our ChatML functions.
                llm = LlamaCPP(
                    model_path=str(path),
                    temperature=TEMPERATURE,
                    max_new_tokens=cfg.llm_max_tokens,
                    context_window=cfg.llm_ctx,
                    generate_kwargs={"stop": STOP},
                    model_kwargs={
                        "n_ctx": cfg.llm_ctx,
                        "n_threads": cfg.llm_threads,
                        "n_threads_batch": cfg.llm_threads,
                        "n_gpu_layers": 0,
                        "verbose": False,
                    },
                    verbose=False,
                    messages_to_prompt=messages_to_prompt,
                    completion_to_prompt=completion_to_prompt,
                )
            except Exception as e:  # llama.cpp says only "Failed to load model from file"
                fix = "delete it to re-assemble" if is_default_path(path) else "check GDPA_MODEL_PATH"
                raise LLMUnavailable(f"llama.cpp could not load {path}: {_one_line(e)}; {fix}") from e
            entry = _MODELS[key] = (llm, threading.Lock())
        return entry


def unload_models() -> None:
    """Drop the process-wide model cache (frees memory once no runtime holds a model)."""
    with _MODELS_LOCK:
        _MODELS.clear()


class LocalLlamaRuntime(_Base):
    """llama.cpp in this process via llama-index's LlamaCPP, the model loaded once per process."""

    def __init__(self, cfg: config.Config) -> None:
        self.cfg = cfg
        self.path = ensure_model(cfg)
        # concurrent callers queue on _lock; a plain Lock because Gradio may step one
        # generator from different worker threads (an RLock would refuse the release)
        self.llm, self._lock = _load_llamacpp(self.path, cfg)
        self.name = f"local:{self.path.name}"
        self.last_usage = None
        _pin_settings_llm(self.llm)

    @property
    def n_ctx(self) -> int:
        return int(self.llm._model.n_ctx())

    def count_tokens(self, text: str) -> int:
        return len(self.llm._model.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream_chat(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None,
                    grammar: str | None = None) -> Iterator[str]:
        prompt = messages_to_prompt(messages)
        t0 = time.perf_counter()
        usage = self.last_usage = LLMUsage()
        if not self._lock.acquire(timeout=self.cfg.llm_timeout_s):
            raise LLMUnavailable(f"local model busy for over {self.cfg.llm_timeout_s:.0f} s with another request")
        try:
            n_prompt = usage.prompt_tokens = self.count_tokens(prompt)
            if n_prompt >= self.n_ctx - 16:
                raise PromptTooLong(
                    f"prompt is {n_prompt} tokens but the context window is {self.n_ctx} "
                    f"(GDPA_LLM_CTX); send less context"
                )
            # LlamaCPP reads its generation settings from this dict on every call.
            self.llm.generate_kwargs["max_tokens"] = max_tokens or self.cfg.llm_max_tokens
            self.llm.generate_kwargs.pop("grammar", None)
            if grammar:
                from llama_cpp import LlamaGrammar

                self.llm.generate_kwargs["grammar"] = LlamaGrammar.from_string(grammar, verbose=False)
            text = ""
            try:
                for r in self.llm.stream_complete(prompt, formatted=True):
                    if r.delta:
                        if usage.first_token_s is None:
                            usage.first_token_s = time.perf_counter() - t0
                        text += r.delta
                        yield r.delta
            except LLMUnavailable:
                raise
            except Exception as e:
                raise LLMUnavailable(f"local model failed: {type(e).__name__}: {_one_line(e)}") from e
            usage.completion_tokens = self.count_tokens(text) if text else 0
        finally:
            usage.total_s = time.perf_counter() - t0
            self._lock.release()

    def close(self) -> None:
        # The model stays cached for the next runtime of this process (see unload_models).
        _release_settings_llm(self.llm)


# ---------------------------------------------------------------- OpenAI-compatible server


def normalize_base_url(url: str) -> str:
    """'http://host:8080' -> 'http://host:8080/v1'; a given path (e.g. '/v1') is kept."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class OpenAICompatibleRuntime(_Base):
    """Any OpenAI-compatible chat server through llama-index's OpenAILike.

    The model name is `model` if given, else the first id the server lists at /v1/models,
    asked once, on first use, so the app can start before the server does.
    """

    def __init__(self, url: str, cfg: config.Config | None = None, *, model: str | None = None) -> None:
        import openai
        from llama_index.llms.openai_like import OpenAILike

        self.cfg = cfg or config.load()
        self.url = normalize_base_url(url)
        self.name = f"openai-compatible:{self.url}"
        self.last_usage = None
        self._model = model or None
        self._model_lock = threading.Lock()
        # OpenAILike's own `timeout` is one float for every phase; our own client gets a
        # short connect timeout (a down server fails fast) and the long one for reading.
        self._client = openai.OpenAI(
            base_url=self.url,
            api_key="none",
            max_retries=0,
            timeout=httpx.Timeout(self.cfg.llm_timeout_s, connect=self.cfg.llm_connect_timeout_s),
        )
        self.llm = OpenAILike(
            model=self._model or "default",
            api_base=self.url,
            api_key="none",
            is_chat_model=True,
            is_function_calling_model=False,
            context_window=self.cfg.llm_ctx,
            temperature=TEMPERATURE,
            max_tokens=self.cfg.llm_max_tokens,
            max_retries=0,
            timeout=self.cfg.llm_timeout_s,
            openai_client=self._client,
        )
        _pin_settings_llm(self.llm)

    def _fail(self, what: str) -> LLMUnavailable:
        return LLMUnavailable(f"LLM server {self.url}: {what}")

    def model_name(self) -> str:
        """The model to ask for; asks the server's /models once (raises LLMUnavailable)."""
        with self._model_lock:
            if self._model is None:
                self._model = self._list_models()
                self.llm.model = self._model
                self.name = f"openai-compatible:{self.url} ({self._model})"
            return self._model

    def _list_models(self) -> str:
        timeout = httpx.Timeout(min(self.cfg.llm_timeout_s, 5.0), connect=self.cfg.llm_connect_timeout_s)
        try:
            r = httpx.get(f"{self.url}/models", timeout=timeout, headers={"Authorization": "Bearer none"})
        except httpx.ConnectError as e:
            raise self._fail(f"cannot connect ({_one_line(e)}); is the server running?") from e
        except httpx.TimeoutException as e:
            raise self._fail(f"no answer to GET /models within {timeout.read:.0f} s") from e
        except httpx.HTTPError as e:
            raise self._fail(f"{type(e).__name__}: {_one_line(e)}") from e
        if r.status_code != 200:
            raise self._fail(f"GET /models returned HTTP {r.status_code}: {_one_line(r.text, 120)}")
        try:
            ids = [m["id"] for m in r.json()["data"]]
        except (ValueError, KeyError, TypeError) as e:
            raise self._fail(f"GET /models did not return an OpenAI model list: {_one_line(r.text, 120)!r}") from e
        if not ids:
            raise self._fail("GET /models lists no model")
        return str(ids[0])

    def stream_chat(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None,
                    grammar: str | None = None) -> Iterator[str]:
        import openai

        t0 = time.perf_counter()
        usage = self.last_usage = LLMUsage()
        self.model_name()
        deadline = t0 + self.cfg.llm_timeout_s
        llm = self.llm
        if max_tokens and max_tokens != llm.max_tokens:
            # OpenAI's request builder lets the instance's max_tokens win over a call's,
            # so a one-off limit needs a shallow copy (it shares the HTTP client)
            llm = llm.model_copy(update={"max_tokens": max_tokens})
        chunks = 0
        gen = None
        try:
            gen = llm.stream_chat(list(messages))
            for r in gen:
                chunks += 1
                u = r.additional_kwargs or {}
                if u.get("prompt_tokens"):
                    usage.prompt_tokens = u["prompt_tokens"]
                    usage.completion_tokens = u.get("completion_tokens")
                if r.delta:
                    if usage.first_token_s is None:
                        usage.first_token_s = time.perf_counter() - t0
                    yield r.delta
                if time.perf_counter() > deadline:  # the read timeout alone only bounds gaps
                    raise self._fail(f"answer not finished within {self.cfg.llm_timeout_s:.0f} s (GDPA_LLM_TIMEOUT)")
        except LLMUnavailable:
            raise
        except openai.APITimeoutError as e:
            raise self._fail(f"no answer within {self.cfg.llm_timeout_s:.0f} s (GDPA_LLM_TIMEOUT)") from e
        except openai.APIConnectionError as e:
            cause = e.__cause__ or e
            raise self._fail(f"cannot connect ({_one_line(cause)}); is the server running?") from e
        except openai.APIStatusError as e:
            raise self._fail(f"HTTP {e.status_code}: {_one_line(e.message, 160)}") from e
        except (json.JSONDecodeError, ValueError, KeyError, TypeError, AttributeError) as e:
            raise self._fail(f"unexpected reply ({type(e).__name__}: {_one_line(e, 160)})") from e
        except Exception as e:
            raise self._fail(f"{type(e).__name__}: {_one_line(e)}") from e
        finally:
            if gen is not None:
                gen.close()  # closes the HTTP stream if we stopped early
            usage.total_s = time.perf_counter() - t0
        if chunks == 0:  # a 200 reply that is not an SSE stream parses as zero events
            raise self._fail(
                "the reply to /chat/completions contained no stream data (not an OpenAI-compatible server?)"
            )

    def close(self) -> None:
        _release_settings_llm(self.llm)
        self._client.close()


# ---------------------------------------------------------------- factory


def make_runtime(cfg: config.Config, *, model: str | None = None) -> LLMRuntime | None:
    """The runtime `cfg.llm` asks for; None for "none". Raises LLMUnavailable if the local
    model cannot be prepared, ValueError for an unknown setting. A remote server is only
    contacted on first use."""
    choice = cfg.llm.strip()
    if choice.lower() == "none":
        Settings.llm = DisabledLLM()
        return None
    if choice.lower() == "local":
        return LocalLlamaRuntime(cfg)
    if choice.lower().startswith(("http://", "https://")):
        return OpenAICompatibleRuntime(choice, cfg, model=model or getattr(cfg, "llm_model", None) or None)
    raise ValueError(
        f"unknown LLM setting {cfg.llm!r} (GDPA_LLM): use 'local', 'none' or the URL of an "
        f"OpenAI-compatible server such as http://127.0.0.1:8080/v1"
    )
