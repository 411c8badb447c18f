"""OpenAI-compatible API: `POST /v1/chat/completions` and `GET /v1/models`, for RAGFlow, MaxKB, Open WebUI,
AnythingLLM, the `openai` package, llama-index's OpenAILike …

- The last `user` message is the question; the user/assistant turns before it are the history (a follow-up
  such as 「由誰牽頭？」 is resolved with them). System and tool messages are accepted and not used: the assistant
  keeps its own instructions. Sampling parameters (temperature, max_tokens …) are accepted and ignored.
- `choices[0].message.content` is the answer text with its 〔第N項〕 markers (and, when there is one, the
  notice in parentheses on a last line). Extra fields carry the rest: `citations` [{item, title, section,
  quote}], `refused` (a refusal is an ordinary answer with refused: true), `notice` and `used_llm`.
- `stream: true` sends server-sent events in OpenAI's chunk format, ending with `data: [DONE]`; the last
  chunk (finish_reason "stop") carries the same fields and `answer` (the whole final text).
  Text is only ever appended: a partial text is sent once a later part extends it; if the checked final
  answer does not extend what was sent (the model's answer was replaced), a marked line and the final text
  follow, as in the command line.
- Errors: OpenAI's error object (web/errors.py).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Literal

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.answer import Answer
from assistant.pipeline import Assistant, History

from .errors import APIError, ErrorBody, ErrorDetail, documented_errors
from .gate import ModelGate, gated_answer_async, gated_stream
from .schemas import CitationModel

log = logging.getLogger("gdpa.openai")

MODEL_ID = "gd-policy-assistant"
MODEL_CREATED = 1715299200  # 2024-05-10, the notice's date: a fixed `created` for the one model
MAX_MESSAGES = 256
CHECKED = "\n\n(以下為核對後的答案 / checked answer:)\n"


# -- request ------------------------------------------------------------------------------------------

class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(p.text for p in self.content if p.type == "text" and p.text)
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"model": MODEL_ID, "messages": [{"role": "user", "content": "第七項由哪些單位牽頭？"}]}]})

    model: str = Field(MODEL_ID, description=f"any name is answered by the one assistant, '{MODEL_ID}'")
    messages: list[Message] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False
    n: int | None = Field(None, ge=1, le=1, description="only 1 choice is produced")


def conversation(messages: list[Message]) -> tuple[str, History]:
    """The question (the last user message) and the (question, answer) turns before it."""
    turns = [(m.role, m.text()) for m in messages if m.role in ("user", "assistant")]
    users = [i for i, (role, _) in enumerate(turns) if role == "user"]
    if not users:
        raise APIError(400, "The conversation has no user message: the last user message is the question.",
                       "missing_user_message", "messages")
    last = users[-1]
    history: History = []
    asked: str | None = None
    for role, text in turns[:last]:
        if role == "user":
            if asked is not None:
                history.append((asked, ""))
            asked = text
        elif asked is not None:
            history.append((asked, text))
            asked = None
    if asked is not None:
        history.append((asked, ""))
    return turns[last][1], history


# -- response -----------------------------------------------------------------------------------------

class ResponseMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: ResponseMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL_ID
    choices: list[Choice]
    citations: list[CitationModel] = Field(description="the tasks the answer rests on (extra field)")
    refused: bool = Field(description="true when the question is out of scope or not a question (extra field)")
    notice: str = Field("", description="a note for the reader, '' if none (extra field)")
    used_llm: bool = Field(False, description="true when the model wrote part of the answer (extra field)")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


def content(answer: Answer) -> str:
    """The message text: the answer, and the notice (if any) in parentheses on a last line."""
    return f"{answer.answer}\n\n({answer.notice})" if answer.notice else answer.answer


def extras(answer: Answer) -> dict:
    return {"citations": [dataclasses.asdict(c) for c in answer.citations], "refused": answer.refused,
            "notice": answer.notice, "used_llm": answer.used_llm}


def completion(answer: Answer, cid: str, created: int) -> ChatCompletion:
    return ChatCompletion(id=cid, created=created, choices=[Choice(message=ResponseMessage(content=content(answer)))],
                          **extras(answer))


def text_deltas(parts: Iterator[Answer]) -> Iterator[str | Answer]:
    """Append-only text from answers whose text may be rewritten, then the final Answer itself.

    A partial's text is passed on once a later part extends it (so a partial the next one rewrites — the
    evidence before the model's text, say — is never sent); the final answer's remainder at the end, or, if
    it does not extend what was sent, the CHECKED line and the whole final text."""
    sent, held = "", None
    for part in parts:
        if part.done:
            final_text = content(part)
            if final_text.startswith(sent):
                tail = final_text[len(sent):]
            else:
                tail = CHECKED + final_text
            if tail:
                yield tail
            yield part
            return
        if held is not None and part.answer.startswith(held) and held.startswith(sent) and len(held) > len(sent):
            yield held[len(sent):]
            sent = held
        held = part.answer


def _event(body: dict) -> str:
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def sse_events(parts: Iterator[Answer], cid: str, created: int) -> Iterator[str]:
    """The chat.completion.chunk events for one answer, then [DONE]; a failure becomes an error event."""

    def chunk(delta: dict, finish: str | None = None, **more: object) -> str:
        return _event({"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                       "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **more})

    yield chunk({"role": "assistant", "content": ""})
    try:
        for item in text_deltas(parts):
            if isinstance(item, str):
                yield chunk({"content": item})
            else:
                yield chunk({}, "stop", **extras(item), answer=content(item))
    except Exception:
        log.exception("streamed answer failed")
        yield _event(ErrorBody(error=ErrorDetail(message="The server failed while answering; please try again.",
                                                 type="server_error", code="server_error")).model_dump())
    yield "data: [DONE]\n\n"


async def _in_threads(events: Iterator[str]) -> AsyncIterator[str]:
    """Each step of a blocking generator in a worker thread; closed (which frees its model turn) however the
    response ends, the client hanging up included."""
    try:
        while (event := await anyio.to_thread.run_sync(next, events, None)) is not None:
            yield event
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(events.close)


ERRORS = documented_errors("malformed JSON, no user message, or an invalid field")


def router(assistant: Assistant, gate: ModelGate | None, require_key: Callable) -> APIRouter:
    r = APIRouter(prefix="/v1", tags=["OpenAI-compatible API"], dependencies=[Depends(require_key)])

    @r.get("/models", response_model=ModelList, responses=ERRORS)
    async def models() -> ModelList:
        """The one model this server answers as."""
        return ModelList(data=[ModelCard(id=MODEL_ID, created=MODEL_CREATED, owned_by="gd-policy-assistant")])

    @r.post("/chat/completions", response_model=ChatCompletion, responses=ERRORS)
    async def chat_completions(request: ChatRequest) -> Response:
        """Answer the last user message, with the earlier turns as history. With `stream: true`, server-sent
        chat.completion.chunk events ending with `data: [DONE]`."""
        question, history = conversation(request.messages)
        cid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        if request.stream:
            events = sse_events(gated_stream(assistant, gate, question, history), cid, created)
            return StreamingResponse(_in_threads(events), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        answer = await gated_answer_async(assistant, gate, question, history)
        return JSONResponse(completion(answer, cid, created).model_dump())

    @r.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def unknown(path: str, request: Request) -> None:
        raise APIError(404, f"No route {request.method} /v1/{path}; this server has POST /v1/chat/completions "
                            "and GET /v1/models.", "unknown_route")

    return r
