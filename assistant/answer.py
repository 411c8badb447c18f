"""The answer record every front end (CLI, Gradio, eval) consumes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Citation:
    item: int  # task number 1..55
    title: str
    section: str  # e.g. 「一、圍繞“一點兩地”全新定位,推動“數字灣區”建設」


@dataclass
class Answer:
    answer: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    kind: str = "retrieval"  # lead | unit_tasks | task | section | document | retrieval | out_of_scope | invalid
    script: str = "zh-Hant"  # zh-Hant | zh-Hans | en: the script the answer is written in
    used_llm: bool = False
    notice: str = ""  # a note for the user, e.g. why the model was not used
    done: bool = True  # False on the partial answers a stream yields before the last one
    question: str = ""  # the standalone question that was answered (after condensing a follow-up)

    def to_json(self) -> dict:
        d = asdict(self)
        d.pop("done")
        return d
