"""Next questions after an answer, built from its plan and citations: who leads the task, who else is on
it, which section it is in, what it says, the section's other tasks, and the tasks of a unit it named.

`suggest(answer)` takes `Answer.to_json()` and returns up to three questions in the asker's script, each
naming its task, section or unit explicitly, so that it is answered the same as a follow-up or on its own
(tests/test_suggest.py asks every template through the Assistant and checks what it cites).
"""

from __future__ import annotations

from typing import Any

from corpus import Notice
from corpus.numerals import to_chinese
from corpus.script import to_simplified
from corpus.units import ENGLISH_ALIASES, ENGLISH_NAMES

MAX_SUGGESTIONS = 3

# One row per kind of next question: the Traditional template (Simplified is converted from it) and the
# English one. {n} a task number, {s} a section number, {u} a unit name. "" = not offered in that script.
TEMPLATES: dict[str, dict[str, str]] = {
    "who_leads": {"zh": "第{n}項由哪些單位牽頭？", "en": "Who leads task {n}?"},
    "who_shares": {"zh": "第{n}項有哪些配合單位？", "en": ""},  # English who-leads answers name them too
    "section_of": {"zh": "第{n}項屬於哪一部分？", "en": "Which section is task {n} in?"},
    "content": {"zh": "第{n}項的內容是什麼？", "en": "What does task {n} say?"},
    "section_tasks": {"zh": "第{s}部分有哪些任務？", "en": "What tasks are in section {s}?"},
    "unit_lead": {"zh": "{u}牽頭哪些工作？", "en": "Which tasks does the {u} lead?"},
    "unit_any": {"zh": "{u}參與哪些任務？", "en": "Which tasks is the {u} involved in?"},
}

# What a suggestion would repeat, by the answered operation: not offered after it.
_ANSWERED = {
    "who_leads": {"who_leads", "who_shares"},
    "who_shares": {"who_leads", "who_shares"},
    "who_involved": {"who_leads", "who_shares"},
    "does_unit_lead": {"who_leads"},
    "section_of": {"section_of"},
    "section_tasks": {"section_tasks", "section_of"},
    "content": {"content"},
    "not_stated": {"content"},
}


def english_unit(unit: str) -> str:
    """The unit's English name when the assistant also reads it back as that unit, else ''."""
    name = ENGLISH_NAMES.get(unit, "")
    if any(key in name.lower() and target == unit for key, target in ENGLISH_ALIASES.items()):
        return name
    return ""


def _fill(kind: str, script: str, **values: Any) -> str:
    row = TEMPLATES[kind]
    if script == "en":
        if not row["en"]:
            return ""
        if "u" in values:
            values["u"] = english_unit(values["u"])
            if not values["u"]:
                return ""
        return row["en"].format(**values)
    zh = {k: (to_chinese(v) if k == "n" or k == "s" else v) for k, v in values.items()}
    text = row["zh"].format(**zh)
    return to_simplified(text) if script == "zh-Hans" else text


def suggest(notice: Notice, answer: dict[str, Any]) -> list[str]:
    """Up to three next questions for an answer (Answer.to_json()); none for a refusal or an answer
    that cites nothing."""
    citations = answer.get("citations") or []
    if answer.get("refused") or not citations:
        return []
    script = answer.get("script", "zh-Hant")
    plan = answer.get("plan") or {}
    steps = plan.get("steps") or []
    ops = {s.get("op", "") for s in steps} or {answer.get("kind", "")}
    skip = set().union(*(_ANSWERED.get(op, set()) for op in ops))
    task = notice.task(int(citations[0]["item"]))
    if task is None:
        return []
    named_units = [u for s in steps for u in s.get("units", []) if u in notice.units]
    units = named_units or list(task.leads) or list(task.co)
    candidates: list[tuple[str, dict[str, Any]]] = [
        ("who_leads", {"n": task.number}),
        ("section_of", {"n": task.number}),
        ("content", {"n": task.number}),
        ("who_shares", {"n": task.number}),  # a who-leads answer names them too: offered last
    ]
    if "section_of" in ops:
        candidates.insert(0, ("section_tasks", {"s": task.section.number}))
    for unit in units[:2]:
        asked_lead = any(s.get("op") == "unit_tasks" and unit in s.get("units", []) and s.get("role") == "lead"
                         for s in steps)
        candidates.append(("unit_any" if asked_lead else "unit_lead", {"u": unit}))
    if "unit_tasks" in ops or len(citations) > 1:  # a list was answered: go into its first task
        candidates.sort(key=lambda c: c[0] != "content")
    made: list[tuple[str, str]] = []
    for kind, values in candidates:
        if kind in skip:
            continue
        text = _fill(kind, script, **values)
        if text and text != answer.get("question") and text not in (t for _, t in made):
            made.append((kind, text))
    # a mix of next steps: up to two about the task, one about a unit, then whatever is left
    about_task = [t for k, t in made if not k.startswith("unit")]
    about_unit = [t for k, t in made if k.startswith("unit")]
    picked = about_task[:2] + about_unit[:1]
    picked += [t for _, t in made if t not in picked]
    return picked[:MAX_SUGGESTIONS]
