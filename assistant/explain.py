"""The model's part: a short explanation of evidence the pipeline already verified.

It runs only where it adds something — content answers whose evidence, in the asker's language, is
too long to read at a glance — and never for record answers. The model can only copy: a per-answer
grammar (in-process llama.cpp) lets it write an opener and then one or two clauses of one task's
evidence (English: of its shipped English rendering), word for word, most relevant first, closed by
that task's own citation. Every sentence is still verified (`verify`) and the explanation is kept up
to its last verified sentence, or withdrawn. Explanations are cached per (question, evidence).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from llama_index.core.llms import ChatMessage, MessageRole

from corpus.numerals import to_chinese
from corpus.script import Script, detect, fold, render, to_traditional

from .answer import Answer
from .prompts import language_rule, prompt
from .verify import Evidence, verify

if TYPE_CHECKING:
    from .pipeline import Assistant

log = logging.getLogger(__name__)

LABEL = {"zh-Hant": "解釋(模型生成,已逐句核對原文):", "zh-Hans": "解释(模型生成,已逐句核对原文):",
         "en": "Explanation (written by the model, checked sentence by sentence against the notice): "}
WITHDRAWN = "模型的解釋未通過核對,已撤回;以上原文證據不受影響。/ The model's explanation failed verification and was withdrawn; the evidence above stands."
BUSY = "模型暫時無法使用,只顯示原文證據。/ The model is unavailable: evidence only."
CHINESE_EVIDENCE_CHARS = 140  # Chinese evidence shorter than this already answers a Chinese question
ENGLISH_EVIDENCE_CHARS = 350  # the same for its English rendering
EVIDENCE_CHARS = {"zh": 150, "en": 360}  # prompt budget: prompt length is the main cost on this CPU


def worth_explaining(script: Script, evidence: list[Evidence]) -> bool:
    """The model adds something when the evidence, in the asker's language, is too long to read at a
    glance. English needs the shipped English rendering of the evidence: the model copies from it."""
    if script == "en":
        return all(e.rendering for e in evidence) and sum(len(e.rendering) for e in evidence) >= ENGLISH_EVIDENCE_CHARS
    return sum(len(e.sentence) for e in evidence) >= CHINESE_EVIDENCE_CHARS


def _cite(n: int, english: bool) -> str:
    return f"[Task {n}]" if english else f"〔第{to_chinese(n)}項〕"


def build_messages(question: str, script: Script, evidence: list[Evidence]) -> tuple[list[ChatMessage], list[Evidence]]:
    english = script == "en"
    lines, used, kept = [], 0, []
    for e in evidence:
        line = f"{_cite(e.task, english)} {e.rendering}" if english else f"{_cite(e.task, english)}{e.sentence}"
        if lines and used + len(line) > EVIDENCE_CHARS["en" if english else "zh"]:
            break
        lines.append(line)
        kept.append(e)
        used += len(line)
    user = prompt("explain").format(evidence="\n".join(lines), question=question, language_rule=language_rule(script))
    return [ChatMessage(role=MessageRole.SYSTEM, content=prompt("system")),
            ChatMessage(role=MessageRole.USER, content=user)], kept


def by_relevance(units: dict[int, list[str]], question: str,
                 similarity: Callable[[str, list[str]], list[float]]) -> dict[int, list[str]]:
    """The clauses most like the question first (tasks too): a small model copies from the top, and
    clause order carries no meaning once short time phrases are glued to their clause."""
    scored = {n: sorted(zip(similarity(question, parts), parts, strict=True), key=lambda x: -x[0])
              for n, parts in units.items()}
    order = sorted(scored, key=lambda n: -scored[n][0][0])
    return {n: [p for _, p in scored[n]] for n in order}


def copy_units(evidence: list[Evidence], english: bool) -> dict[int, list[str]]:
    """Per task, in the evidence's order, the clauses an explanation may copy."""
    units: dict[int, list[str]] = {}
    for e in evidence:
        units.setdefault(e.task, []).extend(clauses(e.rendering if english else e.sentence, english))
    return units


_CLAUSE_ZH = re.compile(r"[^,，;；。]+")
SHORT_CLAUSE_ZH = 6  # 「到2024年底」「同時」: too short to stand alone, copied only with the clause after it
SHORT_CLAUSE_EN = 4  # words
# 「按照…」「圍繞…目標」「結合…優勢」: a leading adverbial clause says how or why, never what is done, so
# it is copied only together with the clause it governs
LEADING_ADVERBIAL_ZH = ("按照", "圍繞", "結合", "依托", "依託", "根據", "通過", "針對", "聚焦", "對標", "立足", "以", "在", "到",
                        "為", "按", "圍繞著", "隨著", "基於", "面向")


def clauses(sentence: str, english: bool) -> list[str]:
    """A sentence's clauses, the units an explanation may copy: comma parts for Chinese, "; " parts
    for the shipped English rendering. A short clause (a time, a connective) is glued to the next
    one, so "by the end of 2024" can never be copied onto a clause it does not govern."""
    parts = ([p.strip() for p in sentence.rstrip(" .").split("; ")] if english
             else [p.strip() for p in _CLAUSE_ZH.findall(sentence)])
    parts = [p for p in parts if p]
    out: list[str] = []
    carry = ""
    joiner = "; " if english else "，"
    for piece in parts:
        short = len(piece.split()) <= SHORT_CLAUSE_EN if english else (
            len(re.findall(r"[\u4e00-\u9fff]", piece)) <= SHORT_CLAUSE_ZH or piece.startswith(LEADING_ADVERBIAL_ZH))
        glued = carry + joiner + piece if carry else piece
        carry = glued if short else ""
        if not short:
            out.append(glued)
    if carry:
        out = out[:-1] + [out[-1] + joiner + carry] if out else [carry]
    return out


def _lower_first(clause: str) -> str:
    """"Improve the mechanism" → "improve the mechanism" after "The notice plans to"; names stay."""
    word = clause.split(" ", 1)[0]
    return clause if word.isupper() or word in _KEEP_CAPITAL else clause[:1].lower() + clause[1:]


_KEEP_CAPITAL = {"Guangdong", "Hong", "Macao", "Macau", "China", "Greater", "Shenzhen", "Guangzhou", "Zhuhai"}


# A sentence starts with one of the clauses most like the question (units come relevance-sorted):
# left free, a small model starts copying at the top of the evidence whatever was asked.
FIRST_WITHIN = 2
MAX_CLAUSES = {"zh": 2, "en": 2}  # per sentence: what fits the token budget (English takes more tokens)


def copy_grammar(units: dict[int, list[str]], english: bool) -> str:
    """GBNF in which every sentence is an opener, then one or two clauses copied verbatim from one
    task's evidence in the given (relevance) order, the first among the top FIRST_WITHIN, then that
    task's citation. The model chooses what answers
    the question; it cannot reword, negate, re-date, mix figures or cite another item."""
    q = lambda s: json.dumps(s, ensure_ascii=False)  # noqa: E731
    joiner = q("; " if english else "，")
    rules: dict[str, str] = {}

    def pick(n: int, i: int, j: int, first: bool) -> str:
        """Rule for an ordered selection among clauses i.. of task n, at most j more of them
        (first: at least one, with no joiner before it)."""
        name = f"{'t' if first else 'r'}{n}x{i}x{j}"
        if name in rules:
            return name
        k = len(units[n])
        take = f"c{n}x{i}" if first else f"{joiner} c{n}x{i}"
        if j > 1 and i + 1 < k:
            take += " " + pick(n, i + 1, j - 1, False)
        alts = [take]
        if i + 1 < k and (not first or i + 1 < FIRST_WITHIN):
            alts.append(pick(n, i + 1, j, first))
        rules[name] = " | ".join(f"({a})" for a in alts) if first else f"({' | '.join(f'({a})' for a in alts)})?"
        return name

    sentence_rules = []
    most = MAX_CLAUSES["en" if english else "zh"]
    for n, parts in units.items():
        for i, part in enumerate(parts):
            rules[f"c{n}x{i}"] = q(_lower_first(part) if english else part)
        cite = q((" " if english else "") + _cite(n, english) + ("." if english else "。"))
        rules[f"s{n}"] = f"opener {pick(n, 0, most, True)} {cite}"
        sentence_rules.append(f"s{n}")
    openers = OPENERS_EN if english else OPENERS_ZH
    # a second sentence only where it can come from another task (one task: one sentence says it)
    second = "" if len(units) < 2 else (' (" " sentence)?' if english else " sentence?")
    head = [f"root ::= sentence{second}", f"sentence ::= {' | '.join(sentence_rules)}",
            f"opener ::= {' | '.join(q(o) for o in openers)}"]
    return "\n".join(head + [f"{k} ::= {v}" for k, v in rules.items()]) + "\n"


OPENERS_ZH = ("通知提出：", "重點是：")
OPENERS_EN = ("The notice plans to ",)


class ExplanationCache:
    """Recent explanations by (normalised question, evidence, script): a repeat costs no model call."""

    def __init__(self, size: int = 256) -> None:
        self._items: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    @staticmethod
    def key(question: str, evidence: list[Evidence], script: str) -> tuple[str, str, str]:
        q = re.sub(r"[\s?？!！。.,，]+", "", fold(question))
        return q, "|".join(f"{e.task}:{e.sentence}" for e in evidence), script

    def get(self, key: tuple[str, str, str]) -> str | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: tuple[str, str, str], text: str) -> None:
        with self._lock:
            self._items[key] = text
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def warm_up(llm: object) -> None:
    """Evaluate the system prompt once (one generated token) so the first question starts fast."""
    messages = [ChatMessage(role=MessageRole.SYSTEM, content=prompt("system")),
                ChatMessage(role=MessageRole.USER, content="證據 / Evidence:")]
    for _ in llm.stream_chat(messages, max_tokens=1):
        pass


def explain(assistant: Assistant, answer: Answer) -> Iterator[Answer]:
    """Stream the explanation below the evidence, then the final answer: the evidence plus the
    verified part of the explanation, or the evidence alone with a note."""
    from .llm import LLMUnavailable

    question, script, evidence = answer.pending
    english = script == "en"
    base = {**answer.__dict__, "pending": None}
    label = LABEL[script]
    key = ExplanationCache.key(question, evidence, script)
    cached = assistant.explanations.get(key)
    if cached is not None:
        yield _with(base, cached, label, used_llm=True, notice="")
        return
    similarity = assistant.retriever.similarities if assistant.retriever.mode != "bm25" else None
    if similarity is not None:  # the prompt's budget keeps the sentences most like the question
        sims = similarity(question, [e.rendering or e.sentence for e in evidence])
        evidence = [e for _, e in sorted(zip(sims, evidence, strict=True), key=lambda x: -x[0])]
    messages, evidence = build_messages(question, script, evidence)
    units = sorted({u for e in evidence for u in assistant.notice.tasks[e.task - 1].units})
    units_copied = copy_units(evidence, english)
    if similarity is not None:
        units_copied = by_relevance(units_copied, question, similarity)
    grammar = copy_grammar(units_copied, english) if assistant.cfg.llm_grammar else None
    budget = assistant.cfg.explain_budget_s
    started = time.perf_counter()
    text, cut = "", False
    try:
        for delta in assistant.llm.stream_chat(messages, max_tokens=assistant.cfg.llm_max_tokens, grammar=grammar):
            text += delta
            yield Answer(**{**base, "answer": f"{answer.evidence}\n\n{label}{render(text, script)}",
                            "done": False, "used_llm": True})
            if time.perf_counter() - started > budget:
                cut = True
                break
    except LLMUnavailable as e:
        log.warning("model failed: %s", e)
        yield Answer(**{**base, "notice": BUSY})
        return
    text = text.strip()
    if grammar is not None:
        text = close_copied(text, units_copied, english)
    text = _complete_sentences(text)
    if not english and detect(text) == "zh-Hans":
        text = to_traditional(text)
    similarity = similarity if english else None  # the verifier compares English sentences by meaning
    # evidence and question in one script for the checks: the notice is Traditional
    verdict = verify(text, evidence, units, question, english, similarity)
    if cut:
        log.info("explanation cut at %.1f s (budget %.1f s)", time.perf_counter() - started, budget)
    if not verdict.kept:
        log.info("explanation withdrawn (%s): %r", "; ".join(verdict.problems), text[:200])
        yield Answer(**{**base, "notice": WITHDRAWN})
        return
    if verdict.problems:
        log.info("explanation cut after %d/%d sentences (%s)", verdict.n_kept, verdict.n_sentences,
                 "; ".join(verdict.problems))
    kept = verdict.kept
    assistant.explanations.put(key, kept)
    yield _with(base, kept, label, used_llm=True, notice="")


def close_copied(text: str, units: dict[int, list[str]], english: bool) -> str:
    """A copied explanation cut off by the token limit or the time budget: its complete clauses are
    still the evidence word for word, so the sentence is closed after the last of them with the
    citation of the task they come from (what the grammar would have written next)."""
    ends = [m.end() for m in re.finditer(r"〕。|\]\.", text)]
    done, rest = (text[: ends[-1]], text[ends[-1]:]) if ends else ("", text)
    rest = rest.strip()
    opener = next((o for o in (OPENERS_EN if english else OPENERS_ZH) if rest.startswith(o)), None)
    if opener is None:
        return done
    joiner = "; " if english else "，"
    pieces = rest[len(opener):].split(joiner)
    for n, parts in units.items():
        known = [_lower_first(p) for p in parts] if english else parts
        whole = []
        for piece in pieces:
            if piece not in known:
                break
            whole.append(piece)
        if whole:
            closing = (" " if english else "") + _cite(n, english) + ("." if english else "。")
            return (done + (" " if english and done else "") + opener + joiner.join(whole) + closing).strip()
    return done


def _complete_sentences(text: str) -> str:
    """Drop a last sentence cut off by the token limit or the time budget."""
    ends = [m.end() for m in re.finditer(r"[。！？!?]|[.](?=\s|$)|〕|\]", text)]
    return text[: ends[-1]] if ends else ""


def _with(base: dict, explanation: str, label: str, used_llm: bool, notice: str) -> Answer:
    shown = render(explanation, base["script"])
    return Answer(**{**base, "answer": f"{base['evidence']}\n\n{label}{shown}", "explanation": shown,
                     "used_llm": used_llm, "notice": notice})
