"""The answer as the JSON APIs describe it (OpenAPI): `Answer.to_json()`, field by field."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CitationModel(BaseModel):
    item: int = Field(description="task number, 1..55: the 〔第N項〕 marker in the answer text")
    title: str = Field(description="the task's title")
    section: str = Field(description="the part of the notice the task belongs to, e.g. 「一、…」")
    quote: str = Field("", description="the sentence(s) of the task the answer rests on, in the notice's wording")


class AnswerModel(BaseModel):
    """The same object as `python -m assistant ask --json`."""

    model_config = ConfigDict(extra="allow")  # fields the assistant adds later pass through

    answer: str = Field(description="what a reader sees: the evidence, then the model's explanation if any; "
                                    "carries 〔第N項〕 markers")
    citations: list[CitationModel] = Field(description="the tasks the answer rests on; empty when refused")
    refused: bool = Field(description="true when the notice does not cover the question, or it is not a question")
    kind: str = Field(description="how it was answered: lead | unit_tasks | section | task | document | retrieval "
                                  "| out_of_scope | invalid | …")
    script: str = Field(description="zh-Hant | zh-Hans | en: the script the answer is written in")
    used_llm: bool = Field(description="true when the local model wrote part of the answer")
    notice: str = Field(description="a note for the reader, e.g. why there is no model explanation ('' if none)")
    question: str = Field(description="the standalone question that was answered (a follow-up resolved)")
    evidence: str = Field("", description="the verified part of the answer, ready before any model token")
    explanation: str = Field("", description="the model's verified explanation ('' when none)")
    not_stated: bool = Field(False, description="the notice does not state what was asked; the evidence says what "
                                                "it does say")
    suggestions: list[str] = Field(default_factory=list, description="next questions, in the asker's script")
    plan: dict[str, Any] = Field(default_factory=dict, description="the query plan, for debugging")
