"""The model writes the answer from a short context; the answer is then checked against it.

The context is the few notice sentences the extractive answer would quote (prompt length is the
main cost on a CPU: ~60 prompt tokens/s), with each task's number and lead units from the records.
After generation, the answer must cite only tasks in the context, name only units those tasks
name, and use only figures the context contains; otherwise the extractive answer is shown instead.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from itertools import pairwise
from typing import TYPE_CHECKING

from llama_index.core.llms import ChatMessage, MessageRole

from corpus import Task
from corpus.numerals import from_chinese
from corpus.script import Script, detect, fold, render, to_traditional

from . import extractive
from .answer import Answer
from .prompts import language_rule, prompt

if TYPE_CHECKING:
    from .pipeline import Assistant

log = logging.getLogger(__name__)

_CITATION = re.compile(r"[〔\[【(（]\s*(?:第\s*([零一二两三四五六七八九十百\d]{1,4})\s*[項项条條]|(?:task|item)\s*(\d{1,3}))\s*[〕\]】)）]",
                       re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_ECHO = re.compile(r"任務原文|任务原文|Task text:|第[零一二两三四五六七八九十]+[項项]\s*\(Task \d+\)")
_ORG_ZH = re.compile(r"[\u4e00-\u9fff]{1,8}?(?:委员会|办公室|总站|分行|厅|局|部)(?![署门分件位长])")
# Everyday words with those endings (布局 layout, 全部 all, 东部 the east …) are not organisations.
_NOT_ORG = ("布局", "格局", "结局", "大局", "全局", "开局", "全部", "内部", "外部", "局部", "东部", "南部", "西部",
            "北部", "中部", "干部", "总部", "底部", "顶部", "头部")
_ORG_EN = re.compile(r"\b(?:Ministry|Department|Bureau|Commission|Administration|Office|Agency|Committee)\s+(?:of|for)\s+[A-Z][a-z]+",
                     re.IGNORECASE)


CONTEXT_CHARS = 220  # ≈ 170 prompt tokens: the context is what the CPU pays for before the first token


def build_messages(question: str, script: Script, tasks: list[Task],
                   scorer: extractive.Scorer | None = None) -> tuple[list[ChatMessage], list[Task]]:
    """System prompt (constant per language, so llama.cpp reuses its cached prefix) + a short user
    prompt; also the tasks that fitted in the context budget."""
    blocks: list[str] = []
    used = 0
    for rank, task in enumerate(tasks):
        quote = "".join(extractive.best_sentences(task, question, limit=2 if rank == 0 else 1, scorer=scorer))
        lead = "、".join(task.leads) + "牽頭" if task.leads else "未指定牽頭單位"
        label = f"第{task.numeral}項 (Task {task.number})" if script == "en" else f"第{task.numeral}項"
        block = f"{label} {task.title}({lead}):{quote}"
        if blocks and used + len(block) > CONTEXT_CHARS:
            break
        blocks.append(block)
        used += len(block)
    user = prompt("answer").format(context="\n".join(blocks), question=question, language_rule=language_rule(script))
    # One system prompt for every language: llama.cpp reuses the evaluated prefix of the previous
    # prompt, so a constant system prompt is paid for once per process, not once per question.
    return [ChatMessage(role=MessageRole.SYSTEM, content=prompt("system")),
            ChatMessage(role=MessageRole.USER, content=user)], tasks[: len(blocks)]


def warm_up(llm: object) -> None:
    """Evaluate the system prompt once (one generated token) so the first question starts fast."""
    messages = [ChatMessage(role=MessageRole.SYSTEM, content=prompt("system")),
                ChatMessage(role=MessageRole.USER, content="任務原文:")]
    for _ in llm.stream_chat(messages, max_tokens=1):
        pass


def cited_items(text: str) -> list[int]:
    """Task numbers cited in a model answer, in order: 〔第七項〕〔第7项〕[Task 7] (Item 7)."""
    found = []
    for m in _CITATION.finditer(text):
        n = from_chinese(m.group(1)) if m.group(1) else int(m.group(2))
        if n is not None and n not in found:
            found.append(n)
    return found


def check(answer: str, question: str, tasks: list[Task], notice_units: tuple[str, ...]) -> str:
    """'' when the answer keeps to its context; otherwise why it does not."""
    if len(answer.strip()) < 4:
        return "empty answer"
    if _ECHO.search(answer):
        return "repeats the prompt instead of answering"
    allowed = {t.number for t in tasks}
    outside = [n for n in cited_items(answer) if n not in allowed]
    if outside:
        return f"cites tasks outside its context: {outside}"
    context_units = {u for t in tasks for u in t.units}
    folded = fold(answer)
    invented = [u for u in notice_units if u not in context_units and fold(u) in folded]
    if invented:
        return f"names units its context does not: {invented}"
    context_text = fold(" ".join(t.text for t in tasks))
    # An organisation the context does not name (「魔法部」, "the Ministry of Magic") was made up or
    # taken from the question: the answer may only name the units its tasks name.
    for org in _ORG_ZH.findall(folded):
        if org.endswith(_NOT_ORG):
            continue
        if org not in context_text and not any(org in fold(u) or fold(u) in org for u in context_units):
            return f"names an organisation its context does not: {org}"
    if _ORG_EN.search(answer):
        return f"names an organisation in English: {_ORG_EN.search(answer).group(0)}"
    support = grounded_share(folded, context_text + fold(question))
    if support < MIN_GROUNDED:
        return f"only {support:.0%} of its wording is found in its context"
    source = fold(" ".join(t.text for t in tasks) + " " + question)
    stray = [n for n in _NUMBER.findall(folded) if n not in source and not _is_citation_number(n, allowed)]
    if stray:
        return f"uses figures its context does not: {stray}"
    return ""


MIN_GROUNDED = 0.5
_GLUE = set("的了是在和与及并等为对将把从向以于其或也都要又这那个中上下可以能会")


def grounded_share(folded_answer: str, folded_source: str) -> float:
    """Share of the answer's Chinese character pairs (citations and glue words aside) that occur in
    its sources. A small model that drifts off its context (「…北上廣東的高速公路」) scores low;
    English answers have no Chinese pairs to check and score 1."""
    text = _CITATION.sub(" ", folded_answer)
    pairs = [a + b for run in re.findall(r"[\u4e00-\u9fff]+", text) for a, b in pairwise(run)
             if not (a in _GLUE or b in _GLUE)]
    if not pairs:
        return 1.0
    return sum(p in folded_source for p in pairs) / len(pairs)


def _trim_unfinished(text: str) -> str:
    """Drop a last sentence cut off by the token limit."""
    ends = [text.rfind(c) for c in "。！？!?〕]"] + [text.rfind(". ")]
    end = max(ends)
    return text[: end + 1] if 0 < end < len(text) - 1 and end >= len(text) // 3 else text


def _is_citation_number(n: str, allowed: set[int]) -> bool:
    return n.isdigit() and int(n) in allowed


EXPLANATION_LABEL = {"zh-Hant": "解釋(模型生成,已核對原文):", "zh-Hans": "解释(模型生成,已核对原文):",
                     "en": "Explanation (written by the model, checked against the notice):"}


def explain(assistant: Assistant, answer: Answer) -> Iterator[Answer]:
    """Stream the model's explanation below the evidence, then the final answer: the evidence plus
    the explanation when it passed its checks, the evidence alone (with a note) when it did not."""
    from .llm import LLMUnavailable

    question, script, tasks, evidence, _plan = answer.pending
    base = {**answer.__dict__, "pending": None}
    messages, tasks = build_messages(question, script, tasks, None)
    label = EXPLANATION_LABEL[script]
    text = ""
    try:
        for delta in assistant.llm.stream_chat(messages, max_tokens=assistant.cfg.llm_max_tokens):
            text += delta
            yield Answer(**{**base, "answer": f"{evidence}\n\n{label}{render(text, script)}", "done": False,
                            "used_llm": True})
    except LLMUnavailable as e:
        log.warning("model failed: %s", e)
        yield Answer(**{**base, "notice": "模型暫時無法使用,只顯示原文證據。/ The model failed: evidence only."})
        return
    text = _trim_unfinished(text.strip())
    if script == "zh-Hant" and detect(text) == "zh-Hans":
        text = to_traditional(text)
    problem = check(text, question, tasks, assistant.notice.units)
    if problem:
        log.info("explanation withdrawn (%s): %r", problem, text[:200])
        yield Answer(**{**base, "notice": "模型的解釋未通過核對,已撤回。/ The model's explanation failed its checks and was withdrawn."})
        return
    text = render(text, script)
    yield Answer(**{**base, "answer": f"{evidence}\n\n{label}{text}", "explanation": text, "used_llm": True})
