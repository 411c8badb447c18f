"""The answer record every front end (CLI, Gradio, HTTP APIs, eval) consumes.

An answer is evidence first: `evidence` is the verified text (record facts, or the notice's own
sentences with their item numbers), ready before any model token; `explanation` is the model's
plain-language explanation of that evidence, added only when it passed verification. `answer` is
what a reader sees: the evidence, then the explanation (marked as such)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Citation:
    item: int  # task number 1..55
    title: str
    section: str  # e.g. 「一、圍繞“一點兩地”全新定位,推動“數字灣區”建設」
    quote: str = ""  # the sentence(s) of the task the answer rests on, in the notice's wording


@dataclass
class Answer:
    answer: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    kind: str = "retrieval"  # the plan's operation, e.g. lead | unit_tasks | content | out_of_scope | invalid
    script: str = "zh-Hant"  # zh-Hant | zh-Hans | en: the script the answer is written in
    used_llm: bool = False
    notice: str = ""  # a note for the user, e.g. why there is no explanation
    done: bool = True  # False on the partial answers a stream yields before the last one
    question: str = ""  # the standalone question that was answered (after resolving a follow-up)
    evidence: str = ""  # the verified part of `answer`, shown at once
    explanation: str = ""  # the model's verified explanation ("" when none)
    not_stated: bool = False  # the notice does not state what was asked; `evidence` says what it does say
    suggestions: list[str] = field(default_factory=list)  # next questions, in the asker's script
    plan: dict[str, Any] = field(default_factory=dict)  # the query plan, for debugging and the eval
    # what explain() needs to continue this answer (not serialised)
    pending: Any = field(default=None, repr=False, compare=False)

    @property
    def wants_explanation(self) -> bool:
        return self.pending is not None

    def to_json(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("done", "pending")}
        d["citations"] = [asdict(c) for c in self.citations]
        d["suggestions"] = list(self.suggestions)
        d["plan"] = dict(self.plan)
        return d
