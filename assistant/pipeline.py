"""Question → plan → results → answer with citations. The one place that runs a question:

1. clean the input; replay the earlier turns' plans to know what the conversation is about (`Focus`);
2. read the question into a typed `Plan` (`plan.make_plan`: lexicon signals + linking);
3. execute each step (`execute`): record operations from the parsed records, content from the
   notice's own sentences found by hybrid retrieval; nothing here calls the model;
4. compose the evidence answer; a content answer may then be explained by the model (`explain`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

from config import Config
from corpus import Notice, Task
from corpus.english import english_rendering
from corpus.script import Script, detect, render
from index import Hit, HybridRetriever, open_retriever

from .answer import Answer, Citation
from .execute import Context, Result, execute
from .explain import ExplanationCache, worth_explaining
from .link import everyday_topics, named_by_everyday_word
from .plan import Focus, Op, Plan, advance, make_plan, step_sections
from .prompts import refusal_text
from .scope import assess
from .validate import InvalidQuestion, clean_history, clean_question
from .verify import Evidence
from .verify import sentences as verify_sentences

log = logging.getLogger(__name__)

History = list[tuple[str, str]]  # (user, assistant) pairs, oldest first


class Assistant:
    def __init__(self, cfg: Config, notice: Notice, retriever: HybridRetriever, llm: object | None = None) -> None:
        self.cfg = cfg
        self.notice = notice
        self.retriever = retriever
        self.llm = llm  # an assistant.llm runtime, or None for extractive answers only
        self.llm_error = ""
        self._repair_lock = threading.Lock()
        self.explanations = ExplanationCache()

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
        from .explain import warm_up
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
        focus = self.replay([u for u, _ in turns])
        plan = self.plan(text, focus)
        results = self.run(plan, focus, script)
        answer = self.compose(plan, results, script)
        english = script == "en"
        evidence = [Evidence(n, s, (english_rendering(s) or "") if english else "") for r in results
                    for n in r.explainable for s in verify_sentences(r.quotes.get(n, ""))]
        if evidence and not answer.refused and worth_explaining(script, evidence):
            if self.llm is not None:
                answer.pending = (text, script, evidence)
            elif self.cfg.llm != "none":
                answer.notice = "模型未載入,只顯示原文證據。/ Model unavailable: evidence only."
        return answer

    # -- plan, execute, compose -------------------------------------------------------------

    def plan(self, question: str, focus: Focus | None = None) -> Plan:
        return make_plan(self.notice, question, focus, topic=self._topic)

    def replay(self, earlier: list[str]) -> Focus:
        """The conversation's focus after the earlier user turns, re-planned and re-run in order
        (records and retrieval only: cheap, and the same whether a UI or an API sent the history)."""
        focus = Focus()
        for question in earlier[-6:]:
            plan = self.plan(question, focus)
            self.run(plan, focus, plan.script)
        return focus

    def run(self, plan: Plan, focus: Focus, script: Script) -> list[Result]:
        english = script == "en"
        scorer = self.retriever.similarities if english and self.retriever.mode != "bm25" else None
        ctx = Context(self.notice, english, self._search, scorer)
        results = []
        for step in plan.steps:
            result = execute(step, ctx)
            results.append(result)
            if not result.refused:
                advance(focus, step, result.tasks, step_sections(self.notice, step), result.units)
        return results

    def compose(self, plan: Plan, results: list[Result], script: Script) -> Answer:
        answered = [r for r in results if not r.refused or r.step.op == Op.INVALID]
        if not answered:
            text = refusal_text(script)
            return Answer(text, refused=True, kind=Op.OUT_OF_SCOPE.value, script=script, question=plan.question,
                          evidence=text, plan=plan.to_json())
        text = render("\n\n".join(r.text for r in answered), script)
        cited: dict[int, str] = {}
        for r in answered:
            for n in r.cited:
                if r.quotes.get(n) or n not in cited:
                    cited[n] = r.quotes.get(n, "")
        refused = all(r.refused for r in answered)
        return Answer(
            answer=text,
            citations=self.citations(cited),
            refused=refused,
            kind=answered[0].step.op.value if len(answered) == 1 else "multi",
            script=script,
            question=plan.question,
            evidence=text,
            not_stated=any(r.not_stated for r in answered),
            plan=plan.to_json(),
        )

    def explain(self, answer: Answer) -> Iterator[Answer]:
        """Continue an answer from `evidence()` with the model: partial answers, then the final one.
        Yields the answer unchanged when there is nothing to explain or no model."""
        if answer.pending is None or self.llm is None:
            yield answer
            return
        from .explain import explain

        yield from explain(self, answer)

    def _topic(self, text: str, lenient: bool = False, among: tuple[int, ...] = (),
               by_section: bool = False) -> tuple[list[int], float]:
        """The task(s) a piece of text is about when it names no title: hybrid retrieval, in scope.
        `lenient` (「那 X 呢？」 "and healthcare?" inside a conversation): any word match will do.
        `among`: the best of these tasks (the list just answered), whatever its score.
        `by_section` ("which section is about the digital ecological civilisation?"): the best task of the
        section whose tasks match best together, when that section clearly beats the top task's own."""
        all_hits = self._search(text)
        hits = [h for h in all_hits if h.task > 0]
        if among:
            ranked = [h.task for h in hits if h.task in among]
            return ranked[:1], 1.0 if ranked else 0.0
        if not hits:
            return [], 0.0
        if not assess(self.notice, text, all_hits).in_scope and not (lenient and hits[0].bm25 > 0):
            return [], 0.0
        # 「出入境邊檢總站…做邊項？」: an everyday name of a thing one or two tasks write names those tasks
        specific = named_by_everyday_word(self.notice, text, [h.task for h in hits])
        if specific and not by_section:
            return specific[:1], 0.8
        margin = hits[0].score - hits[1].score if len(hits) > 1 else 1.0
        if by_section:
            sums: dict[int, float] = {}
            for h in hits[:5]:
                section = self.notice.tasks[h.task - 1].section.number
                sums[section] = sums.get(section, 0.0) + max(h.score, 0.0)
            best = max(sums, key=sums.get)
            top = self.notice.tasks[hits[0].task - 1].section.number
            if best != top and sums[best] >= 1.5 * sums[top]:
                return [next(h.task for h in hits if self.notice.tasks[h.task - 1].section.number == best)], 0.6
        return [hits[0].task], min(1.0, 0.5 + margin)

    def _search(self, query: str) -> list[Hit]:
        """Hybrid search; if the index broke under us (folder deleted, corrupt), rebuild it once,
        and if even that fails keep answering from BM25 alone rather than not at all."""
        # everyday words bring the notice's own words along (看病 → 醫療, "smes" → 中小企業)
        query = " ".join([query, *(word for word, _tasks in everyday_topics(self.notice, query))])
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

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _script(text: str, previous: list[str]) -> Script:
        """The asker's script; a follow-up with no Chinese or Latin letters keeps the earlier one."""
        script = detect(text)
        if script == "zh-Hant" and previous and not any(c.isalpha() for c in text):
            return detect(previous[-1])
        return script

    def citations(self, numbers: dict[int, str] | tuple[int, ...] | list[int]) -> list[Citation]:
        quotes = numbers if isinstance(numbers, dict) else dict.fromkeys(numbers, "")
        out = []
        for n, quote in quotes.items():
            t: Task = self.notice.tasks[n - 1]
            out.append(Citation(item=n, title=t.title, section=f"{t.section.numeral}、{t.section.title}",
                                quote=quote))
        return out
