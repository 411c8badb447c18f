"""Records → llama-index nodes: one per task (`task-07`) and one for the header/preamble."""

from __future__ import annotations

from llama_index.core.schema import TextNode

from corpus import Notice, Task
from corpus.english import load_gloss

HEADER_ID = "notice-header"
# Stored with each node for display and filtering, but not embedded: unit lists are answered
# exactly from the records, and would only pull every query towards the busiest units.
_NOT_EMBEDDED = ["task", "numeral", "section_number", "leads", "co", "responsibility", "kind"]


def task_node_id(number: int) -> str:
    return f"task-{number:02d}"


def task_passage(task: Task) -> str:
    """What is embedded and BM25-indexed for a task: its section title for context, the task text
    without the responsibility parenthesis, and its English gloss (for English questions)."""
    gloss = load_gloss().get(task.number)
    english = f"\n{gloss.text}" if gloss else ""
    return f"{task.section.title}\n{task.label}{task.body}{english}"


def header_passage(notice: Notice) -> str:
    return (
        f"{notice.title}\n{notice.addressees}:{notice.cover_note}\n{notice.issuer} {notice.date}\n"
        f"{notice.preamble}"
    )


def build_nodes(notice: Notice) -> list[TextNode]:
    nodes = [
        TextNode(
            id_=HEADER_ID,
            text=header_passage(notice),
            metadata={"kind": "header", "task": 0},
            excluded_embed_metadata_keys=_NOT_EMBEDDED,
            excluded_llm_metadata_keys=_NOT_EMBEDDED,
        )
    ]
    for t in notice.tasks:
        nodes.append(
            TextNode(
                id_=task_node_id(t.number),
                text=task_passage(t),
                metadata={
                    "kind": "task",
                    "task": t.number,
                    "numeral": t.numeral,
                    "title": t.title,
                    "section": f"{t.section.numeral}、{t.section.title}",
                    "section_number": t.section.number,
                    "leads": "、".join(t.leads),
                    "co": "、".join(t.co),
                    "responsibility": t.responsibility,
                },
                excluded_embed_metadata_keys=_NOT_EMBEDDED + ["title", "section"],
                excluded_llm_metadata_keys=_NOT_EMBEDDED,
            )
        )
    return nodes
