"""LLM runtime layer: the bundled GGUF model file and the runtimes that run it."""

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
