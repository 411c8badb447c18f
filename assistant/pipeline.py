"""Question → answer with citations. The one place that decides how a question is answered:

1. clean the input; make a follow-up standalone from the history;
2. exact lookups from the records (task numbers, units, sections, the document) — no model;
3. otherwise hybrid retrieval; out of scope → a plain refusal citing nothing;
4. in scope → the model writes the answer from ≤3 tasks (`generate`), or, with no model or when its
   answer fails the checks, the extractive answer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from config import Config
from corpus import Notice, Task
from corpus.script import Script, detect, render
from index import Hit, HybridRetriever, open_retriever

from . import extractive, lookup
from .answer import Answer, Citation
from .followup import needs_context, standalone, without_referents
from .intent import Intent, parse_intent
from .prompts import refusal_text
from .scope import assess, content_words, foreign_terms
from .validate import InvalidQuestion, clean_history, clean_question

log = logging.getLogger(__name__)

History = list[tuple[str, str]]  # (user, assistant) pairs, oldest first


@dataclass
class Route:
    """What the pipeline decided, before any text is written."""

    kind: str
    text: str = ""  # the exact (record-based) answer, Traditional or English
    cited: tuple[int, ...] = ()
    context: tuple[int, ...] = ()  # tasks handed to the model for general questions
    refused: bool = False


class Assistant:
    def __init__(self, cfg: Config, notice: Notice, retriever: HybridRetriever, llm: object | None = None) -> None:
        self.cfg = cfg
        self.notice = notice
        self.retriever = retriever
        self.llm = llm  # an assistant.llm runtime, or None for extractive answers only
        self.llm_error = ""
        self._repair_lock = threading.Lock()

    @classmethod
    def create(cls, cfg: Config, with_llm: bool = True, warm: bool = False) -> Assistant:
        """Load the notice, open (or build) the index and, if configured, the model — once."""
        from corpus import load

        notice = load(cfg.corpus_path)
        retriever = open_retriever(cfg, notice)
        assistant = cls(cfg, notice, retriever)
        if with_llm and cfg.llm != "none":
            assistant.attach_llm(warm=warm)
        return assistant

    def attach_llm(self, warm: bool = False) -> None:
        """Load the configured model; on failure keep answering extractively and remember why.
        `warm` evaluates the system prompt in a background thread (long-running front ends)."""
        from .llm import LLMUnavailable, make_runtime

        try:
            self.llm = make_runtime(self.cfg)
            self.llm_error = ""
        except (LLMUnavailable, ValueError, OSError) as e:
            self.llm, self.llm_error = None, str(e)
            log.warning("model unavailable, answering extractively: %s", e)
            return
        if warm and self.llm is not None:
            threading.Thread(target=self._warm_up, name="llm-warm-up", daemon=True).start()

    def _warm_up(self) -> None:
        from .generate import warm_up
        from .llm import LLMUnavailable

        try:
            warm_up(self.llm)
        except LLMUnavailable as e:  # the first real question will report it
            log.warning("model warm-up failed: %s", e)

    # -- public API -------------------------------------------------------------------------

    def ask(self, question: object, history: History | None = None) -> Answer:
        final = Answer("")
        for final in self.stream(question, history):  # noqa: B007 - the last yield is the answer
            pass
        return final

    def stream(self, question: object, history: History | None = None) -> Iterator[Answer]:
        """The evidence at once (done=False when an explanation follows), then the final answer."""
        first = self.evidence(question, history)
        if not first.wants_explanation:
            yield first
            return
        yield Answer(**{**first.__dict__, "done": False})
        yield from self.explain(first)

    def evidence(self, question: object, history: History | None = None) -> Answer:
        """The verified answer without the model: record facts or the notice's sentences, cited.
        When the model could add an explanation, the answer's `wants_explanation` is true and
        `explain(answer)` continues it. Never waits on the model."""
        try:
            text = clean_question(question, self.cfg.max_question_chars)
        except InvalidQuestion as e:
            return Answer(str(e), refused=True, kind="invalid", script="zh-Hant")
        turns = clean_history(history, self.cfg.max_question_chars)
        script = self._script(text, [u for u, _ in turns])
        query, route = self._resolve(text, turns)
        english = script == "en"
        if route.kind == "out_of_scope":
            return self._final(refusal_text(script), route, script, query)
        if route.text or not route.context:
            return self._final(route.text, route, script, query)
        tasks = [self.notice.tasks[n - 1] for n in route.context]
        scorer = self.retriever.similarities if english and self.retriever.mode != "bm25" else None
        fallback = extractive.answer(tasks, query, english, scorer)
        notice = "" if self.llm is not None or self.cfg.llm == "none" else \
            "模型未載入,以下為原文摘錄。/ Model unavailable: extractive answer."
        answer = self._final(fallback, route, script, query, notice=notice, cited=route.context)
        if self.llm is not None:
            answer.pending = (query, script, tasks, fallback, route, scorer)
        return answer

    def explain(self, answer: Answer) -> Iterator[Answer]:
        """Continue an answer from `evidence()` with the model: partial answers, then the final one.
        Yields the answer unchanged when there is nothing to explain or no model."""
        if answer.pending is None or self.llm is None:
            yield answer
            return
        from .generate import generate

        query, script, tasks, fallback, route, scorer = answer.pending
        yield from generate(self, query, script, tasks, fallback, route, scorer)

    # -- routing ----------------------------------------------------------------------------

    def _resolve(self, text: str, turns: History) -> tuple[str, Route]:
        """The question to answer and its route. A follow-up is condensed with the history when it
        points back or names nothing, and also when, asked alone, it would be out of scope."""
        if not turns:
            return text, self.route(text)
        condensed = standalone(self.notice, text, turns)
        if condensed == text:
            return text, self.route(text)
        if needs_context(self.notice, text):
            return condensed, self.route(condensed)
        alone = self.route(text)
        return (condensed, self.route(condensed)) if alone.kind == "out_of_scope" else (text, alone)

    def route(self, query: str) -> Route:
        english = detect(query) == "en"
        intent = parse_intent(self.notice, query)
        if not (intent.tasks or intent.units or intent.sections) and foreign_terms(self.notice, query):
            # 「浙江省…」「2025年…」: the same kind of plan, for a place or year this notice is not about.
            # (A question that names a task or unit of this notice is answered from its records.)
            return Route("out_of_scope", refused=True)
        n_tasks, n_sections = len(self.notice.tasks), len(self.notice.sections)
        bad = [n for n in intent.tasks if not 1 <= n <= n_tasks]
        if bad:
            return Route("invalid", lookup.out_of_range(self.notice, bad, english), refused=True)
        if intent.tasks:
            return self._task_route(intent, query, english)
        bad = [n for n in intent.sections if not 1 <= n <= n_sections]
        if bad:
            return Route("invalid", lookup.out_of_range(self.notice, bad, english, "section"), refused=True)
        sections = [self.notice.sections[n - 1] for n in intent.sections]
        if intent.wants_no_lead:
            text, cited = lookup.tasks_without_lead(self.notice, english, sections)
            return Route("no_lead", text, tuple(cited))
        if intent.wants_unit_tasks and intent.joint:
            text, cited = lookup.joint_tasks(self.notice, intent.units, english,
                                             leads_only=intent.wants_lead and not intent.wants_co)
            return Route("unit_tasks", text, tuple(cited))
        if intent.wants_unit_tasks:
            texts, cited = [], []
            leads_only = intent.wants_lead and not intent.wants_co
            co_only = intent.wants_co and not intent.wants_lead and not intent.wants_count
            for unit in intent.units:
                t, c = lookup.unit_tasks(self.notice, unit, english, leads_only, intent.wants_count, co_only)
                texts.append(t)
                cited += c
            return Route("unit_tasks", "\n\n".join(texts), tuple(dict.fromkeys(cited)))
        if intent.mention:
            text, cited = lookup.tasks_mentioning(self.notice, intent.mention, english)
            if cited:
                return Route("mentions", text, tuple(cited))
        if sections:
            texts, cited = [], []
            for section in sections:
                t, c = lookup.section_tasks(self.notice, section, english)
                texts.append(t)
                cited += c
            return Route("section", "\n\n".join(texts), tuple(cited))
        if intent.wants_issuer or intent.wants_date or intent.wants_addressees or intent.wants_totals:
            return Route("document", lookup.document_facts(
                self.notice, english, intent.wants_issuer, intent.wants_date, intent.wants_addressees,
                intent.wants_totals))
        if intent.title_tasks and (intent.wants_lead or intent.wants_co):
            return self._responsibility_route(intent.title_tasks, english, query, intent)
        return self._retrieval_route(intent, query, english)

    def _task_route(self, intent: Intent, query: str, english: bool) -> Route:
        if intent.wants_lead or intent.wants_co:
            return self._responsibility_route(intent.tasks, english, query, intent)
        if not intent.wants_section_of and content_words(without_referents(self.notice, query)):
            # 「第二十一項對中文語料有什麼安排？」: a question about part of a task → its best sentences.
            return Route("retrieval", context=tuple(intent.tasks[:3]))
        tasks = [self.notice.tasks[n - 1] for n in intent.tasks]
        text = "\n\n".join(lookup.describe_task(t, english) for t in tasks)
        return Route("task", text, tuple(intent.tasks))

    def _responsibility_route(self, numbers: list[int], english: bool, query: str, intent: Intent) -> Route:
        """Who leads; and when the question also asks what the task is (「智慧全運是什麼？由誰牽頭？」)
        or asks about a detail of it, the matching sentences too."""
        tasks = [self.notice.tasks[n - 1] for n in numbers]
        if intent.wants_description or intent.wants_section_of:
            return Route("lead", "\n\n".join(lookup.describe_task(t, english) for t in tasks), tuple(numbers))
        parts = []
        detail = content_words(without_referents(self.notice, query))
        for t in tasks:
            quote = "".join(extractive.best_sentences(t, query, limit=1)) if detail else ""
            parts.append(lookup.responsibility(t, english) + (f"\n「{quote}」" if quote else ""))
        return Route("lead", "\n\n".join(parts), tuple(numbers))

    def _search(self, query: str) -> list[Hit]:
        """Hybrid search; if the index broke under us (folder deleted, corrupt), rebuild it once,
        and if even that fails keep answering from BM25 alone rather than not at all."""
        try:
            return self.retriever.search(query)
        except Exception as e:  # chromadb raises many types for a vanished or damaged store
            log.warning("index unreadable (%s: %s); rebuilding", type(e).__name__, e)
        with self._repair_lock:
            try:
                self.retriever = open_retriever(self.cfg, self.notice, embed_model=self.retriever.embed_model,
                                                mode=self.retriever.mode)
                return self.retriever.search(query)
            except Exception as e:
                log.error("index rebuild failed (%s: %s); answering from BM25 only", type(e).__name__, e)
                self.retriever = HybridRetriever(self.notice, None, self.retriever.embed_model, mode="bm25")
                return self.retriever.search(query)

    def _retrieval_route(self, intent: Intent, query: str, english: bool) -> Route:
        hits = self._search(query)
        evidence = assess(self.notice, query, hits)
        if not evidence.in_scope:
            log.info("out of scope: %s", evidence)
            return Route("out_of_scope", refused=True)
        task_hits = [h for h in hits if h.task > 0]
        if hits[0].task == 0:
            return Route("document", extractive.header_answer(self.notice, query, english))
        if intent.wants_lead or intent.wants_co:
            return self._responsibility_route(intent.title_tasks or [task_hits[0].task], english, query, intent)
        if intent.wants_section_of:
            # 「數據要素相關的任務集中在第幾部分？」: the section of the best-matching task, listed.
            text, cited = lookup.section_tasks(self.notice, self.notice.tasks[task_hits[0].task - 1].section, english)
            return Route("section", text, tuple(cited))
        return Route("retrieval", context=tuple(h.task for h in _context_hits(task_hits)))

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _script(text: str, previous: list[str]) -> Script:
        """The asker's script; a follow-up with no Chinese or Latin letters keeps the earlier one."""
        script = detect(text)
        if script == "zh-Hant" and previous and not any(c.isalpha() for c in text):
            return detect(previous[-1])
        return script

    def citations(self, numbers: tuple[int, ...] | list[int]) -> list[Citation]:
        out = []
        for n in dict.fromkeys(numbers):
            t: Task = self.notice.tasks[n - 1]
            out.append(Citation(item=n, title=t.title, section=f"{t.section.numeral}、{t.section.title}"))
        return out

    def _final(self, text: str, route: Route, script: Script, query: str, notice: str = "",
               cited: tuple[int, ...] | None = None, used_llm: bool = False) -> Answer:
        return Answer(
            answer=render(text, script),
            citations=self.citations(route.cited if cited is None else cited),
            refused=route.refused,
            kind=route.kind,
            script=script,
            used_llm=used_llm,
            notice=notice,
            question=query,
        )


def _context_hits(task_hits: list[Hit], limit: int = 3) -> list[Hit]:
    """The top task, plus the next ones only while both signals rate them close to it: every
    extra task costs the model seconds of prompt processing on this CPU."""
    top = task_hits[0]
    chosen = [top]
    for h in task_hits[1:limit]:
        if h.bm25 >= 0.6 * top.bm25 and h.dense >= top.dense - 0.015:
            chosen.append(h)
    return chosen

