"""LLM runtime layer: the bundled GGUF model file and the runtimes that run it.

Names are imported on first use (PEP 562), so `python -m assistant.llm.model_file` runs
without a runpy warning and without importing llama-index first.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "LLMUnavailable": "model_file",
    "ModelFileError": "model_file",
    "ensure_model": "model_file",
    "DisabledLLM": "runtime",
    "LLMRuntime": "runtime",
    "LLMUsage": "runtime",
    "LocalLlamaRuntime": "runtime",
    "OpenAICompatibleRuntime": "runtime",
    "PromptTooLong": "runtime",
    "make_runtime": "runtime",
    "messages_to_prompt": "runtime",
}
__all__ = [
    "DisabledLLM",
    "LLMRuntime",
    "LLMUnavailable",
    "LLMUsage",
    "LocalLlamaRuntime",
    "ModelFileError",
    "OpenAICompatibleRuntime",
    "PromptTooLong",
    "ensure_model",
    "make_runtime",
    "messages_to_prompt",
]

if TYPE_CHECKING:
    from assistant.llm.model_file import LLMUnavailable, ModelFileError, ensure_model
    from assistant.llm.runtime import (
        DisabledLLM,
        LLMRuntime,
        LLMUsage,
        LocalLlamaRuntime,
        OpenAICompatibleRuntime,
        PromptTooLong,
        make_runtime,
        messages_to_prompt,
    )


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
