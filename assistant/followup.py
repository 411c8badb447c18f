"""Follow-ups → standalone questions, from the previous question's referents and intent.

「第十八項是什麼？」 then 「由誰牽頭？」 → 「第十八項 由誰牽頭？」 (the follow-up has an intent but no referent);
「數字鄉村建設由誰牽頭？」 then 「那醫療數字化轉型呢？」 → 「醫療數字化轉型 由誰牽頭？」 (a referent but no intent).
Rule-based on purpose: deterministic, instant, and exact about task numbers — no model call.
"""

from __future__ import annotations

import re

from corpus import Notice
from corpus.numerals import to_chinese
from corpus.script import fold

from .intent import _SECTION_NUM, _TASK_NUM, _title_cores, parse_intent, unit_aliases
from .scope import content_words

_FOLLOW = re.compile(r"^(?:那|那么|那麼|还有|還有|另外|以及|and|what about|how about)|(?:呢|嗎|吗)[?？]?$|^(?:它|这|這|该|該|其|it\b|this\b|that\b|they\b)")
_PRONOUN = re.compile(r"它|这项|這項|该项|該項|这个|這個|此项|此項|上述|其中|當中|当中|\bit\b|\bthis\b|\bthat\b|\bthey\b|\bthem\b|\bits\b")
_FILLER = re.compile(r"^(?:那么|那麼|那|还有|還有|另外|and|what about|how about)\s*|\s*(?:呢|嗎|吗)?\s*[?？。.!！]*\s*$",
                     re.IGNORECASE)


def _referent_spans(notice: Notice, folded: str) -> list[tuple[int, int]]:
    spans = [m.span() for pat in _TASK_NUM + _SECTION_NUM for m in pat.finditer(folded)]
    for text, _ in _title_cores(notice) + [(a, u) for a, u in unit_aliases(notice)]:
        start = folded.find(text)
        if start != -1:
            spans.append((start, start + len(text)))
    return spans


def _has_referent(notice: Notice, question: str) -> bool:
    i = parse_intent(notice, question)
    return bool(i.tasks or i.sections or i.units or i.title_tasks)


def _has_intent(notice: Notice, question: str) -> bool:
    i = parse_intent(notice, question)
    return any((i.wants_lead, i.wants_co, i.wants_count, i.wants_unit_tasks, i.wants_issuer, i.wants_date))


def referent_text(notice: Notice, question: str) -> str:
    """The parts of a question that name what it is about (task numbers, titles, units, sections)."""
    folded = fold(question)
    spans = sorted(_referent_spans(notice, folded))
    return " ".join(dict.fromkeys(folded[a:b] for a, b in spans))


def without_referents(notice: Notice, question: str) -> str:
    folded = fold(question)
    chars = list(folded)
    for a, b in _referent_spans(notice, folded):
        for k in range(a, b):
            chars[k] = ""
    return "".join(chars).strip()


_CITED = re.compile(r"〔第([零一二两兩三四五六七八九十]{1,3})[項项]〕|\[Task (\d{1,2})\]")


def _answer_referent(answer: str) -> str:
    """「第N項」 for the first task an earlier answer cited (its citations are what it was about)."""
    m = _CITED.search(answer or "")
    if not m:
        return ""
    return f"第{m.group(1)}項" if m.group(1) else f"第{to_chinese(int(m.group(2)))}項"


def needs_context(notice: Notice, question: str) -> bool:
    """A question that cannot stand alone: it points back (它, this, 那…呢), or it only asks
    (「由誰牽頭？」) without naming any task, unit or topic."""
    if _PRONOUN.search(question) or _FOLLOW.search(question):
        return True
    return not _has_referent(notice, question) and not content_words(question)


def standalone(notice: Notice, question: str, history: list[tuple[str, str]]) -> str:
    """The question made self-contained using the earlier (user, assistant) turns, oldest first."""
    if not history:
        return question
    prev_q, prev_a = history[-1]
    for q, a in reversed(history):
        if _has_referent(notice, q) or _answer_referent(a):
            prev_q, prev_a = q, a
            break
    has_ref = _has_referent(notice, question)
    if has_ref and not _PRONOUN.search(question) and (_has_intent(notice, question) or not _FOLLOW.search(question)):
        return question  # already self-contained
    if not has_ref or _PRONOUN.search(question):
        ref = referent_text(notice, prev_q) or _answer_referent(prev_a)
        # Nothing to point at (「這份通知是誰發的？」→「哪天發的？」): the previous question is the context.
        return f"{ref or prev_q} {question}"
    # A new referent with the previous question's intent: 「那醫療數字化轉型呢？」.
    intent = without_referents(notice, prev_q)
    core = _FILLER.sub("", question).strip()
    return f"{core} {intent}" if intent else question
