"""The model's part: a plain-language explanation of evidence the pipeline already verified.

It runs only where it adds something — content answers whose evidence is in another language than
the question (English questions, Chinese evidence) or too long to read at a glance — and never for
record answers. The prompt holds only the evidence sentences with their item numbers; decoding is
constrained by a grammar in which figures and item citations can only be copied from the evidence
(in-process llama.cpp); every sentence is then verified (`verify`) and the explanation is kept up
to its last verified sentence, or withdrawn. Explanations are cached per (question, evidence).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
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
         "en": "Explanation (written by the model, checked sentence by sentence against the notice):"}
WITHDRAWN = "模型的解釋未通過核對,已撤回;以上原文證據不受影響。/ The model's explanation failed verification and was withdrawn; the evidence above stands."
BUSY = "模型暫時無法使用,只顯示原文證據。/ The model is unavailable: evidence only."
CHINESE_EVIDENCE_CHARS = 140  # Chinese evidence shorter than this already answers a Chinese question
EVIDENCE_CHARS = 150  # prompt budget: prompt length is the main cost on this CPU


def worth_explaining(script: Script, evidence: list[Evidence]) -> bool:
    """The model adds something when the evidence is not in the asker's language, or is long."""
    return script == "en" or sum(len(e.sentence) for e in evidence) >= CHINESE_EVIDENCE_CHARS


def _cite(n: int, english: bool) -> str:
    return f"[Task {n}]" if english else f"〔第{to_chinese(n)}項〕"


def build_messages(question: str, script: Script, evidence: list[Evidence]) -> tuple[list[ChatMessage], list[Evidence]]:
    english = script == "en"
    lines, used, kept = [], 0, []
    for e in evidence:
        line = f"{_cite(e.task, english)}{e.sentence}"
        if lines and used + len(line) > EVIDENCE_CHARS:
            break
        lines.append(line)
        kept.append(e)
        used += len(line)
    user = prompt("explain").format(evidence="\n".join(lines), question=question, language_rule=language_rule(script))
    return [ChatMessage(role=MessageRole.SYSTEM, content=prompt("system")),
            ChatMessage(role=MessageRole.USER, content=user)], kept


def grammar_for(evidence: list[Evidence], english: bool) -> str:
    """GBNF: free text without digits or brackets, plus the evidence's own figures and item
    citations — a figure or item number the evidence lacks cannot be written at all."""
    text = " ".join(e.sentence for e in evidence)
    figures = sorted(set(re.findall(r"\d+(?:\.\d+)?%?", text)), key=len, reverse=True)
    cites = sorted({_cite(e.task, english) for e in evidence})
    alts = [json.dumps(c, ensure_ascii=False) for c in cites + figures]
    return (
        "root ::= piece+\n"
        "piece ::= text | token\n"
        "text ::= [^0-9０-９〔〕\\[\\]【】\u2460-\u24ff\u2776-\u2793\u3251-\u325f\u32b1-\u32bf]\n"
        f"token ::= {' | '.join(alts)}\n"
    )


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
    messages, evidence = build_messages(question, script, evidence)
    key = ExplanationCache.key(question, evidence, script)
    cached = assistant.explanations.get(key)
    if cached is not None:
        yield _with(base, cached, label, used_llm=True, notice="")
        return
    units = sorted({u for e in evidence for u in assistant.notice.tasks[e.task - 1].units})
    grammar = grammar_for(evidence, english) if assistant.cfg.llm_grammar else None
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
    text = _complete_sentences(text.strip())
    if not english and detect(text) == "zh-Hans":
        text = to_traditional(text)
    similarity = assistant.retriever.similarities if english and assistant.retriever.mode != "bm25" else None
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


def _complete_sentences(text: str) -> str:
    """Drop a last sentence cut off by the token limit or the time budget."""
    ends = [m.end() for m in re.finditer(r"[。！？!?]|[.](?=\s|$)|〕|\]", text)]
    return text[: ends[-1]] if ends else ""


def _with(base: dict, explanation: str, label: str, used_llm: bool, notice: str) -> Answer:
    shown = render(explanation, base["script"])
    return Answer(**{**base, "answer": f"{base['evidence']}\n\n{label}{shown}", "explanation": shown,
                     "used_llm": used_llm, "notice": notice})
