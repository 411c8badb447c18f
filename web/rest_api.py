"""`POST /api/ask`: a plain JSON endpoint, `{question, history}` → the Answer object (`ask --json`)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.pipeline import Assistant

from .errors import APIError, documented_errors
from .gate import ModelGate, gated_answer_async
from .schemas import AnswerModel

MAX_TURNS = 64


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "第七項由哪些單位牽頭？"},
        {"question": "由誰牽頭？", "history": [["第十八項是什麼？", "〔第十八項〕…"]]},
    ]})

    question: str = Field(description="the question, in Traditional or Simplified Chinese or English")
    history: list[tuple[str, str]] = Field(default_factory=list, max_length=MAX_TURNS,
                                           description="earlier [question, answer] pairs, oldest first: "
                                                       "a follow-up (「由誰牽頭？」) is resolved with them")


ERRORS = documented_errors("malformed JSON or an invalid field")


def router(assistant: Assistant, gate: ModelGate | None, require_key: Callable) -> APIRouter:
    r = APIRouter(prefix="/api", tags=["JSON API"], dependencies=[Depends(require_key)])

    @r.post("/ask", response_model=AnswerModel, responses=ERRORS, summary="Ask the notice one question")
    async def ask(request: AskRequest) -> JSONResponse:
        """The answer with its citations. Record questions (who leads, which tasks) are answered at once;
        when the model is busy, a question it would explain gets its evidence with a `notice` saying so."""
        answer = await gated_answer_async(assistant, gate, request.question, list(request.history))
        return JSONResponse(answer.to_json())

    @r.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def unknown(path: str, request: Request) -> None:
        raise APIError(404, f"No route {request.method} /api/{path}; the JSON API is POST /api/ask.", "unknown_route")

    return r
