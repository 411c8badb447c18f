"""Load test for the app's answering APIs: concurrent clients on this machine only.

    python scripts/load_test.py --llm none  [--users 20 --questions 10] [--concurrency N]
    python scripts/load_test.py --llm local --users 4 --questions 4
    python scripts/load_test.py --api openai --llm local --users 20 --questions 10 --max-seconds 600 [--ramp-up 5]
    python scripts/load_test.py --url http://127.0.0.1:7860/          # an app already running (loopback only)

`--api gradio` (default): each user is its own gradio_client Client calling /ask. `--api openai`: each user
is its own official `openai` client calling /v1/chat/completions (no retries; GDPA_API_KEY, or --api-key,
for an app that has a key). Without --url it starts its own `python app.py` on a free loopback port
(GDPA_CONCURRENCY=--concurrency if given, a temporary feedback file, no API key, and no rate limit: every
simulated client comes from the same loopback address) and stops it afterwards. Each user asks its
questions one after another; the users run at the same time, all starting at the same instant unless
--ramp-up spreads their starts over that many seconds. Questions mix structured ones (who leads task
N, which tasks a unit leads: exact answers from the records, ~1 ms of work) with general ones (paraphrases
of task content: retrieval, then the model if there is one, ~10 s each on 2 cores).

Reports errors (exceptions, time-outs, the apology), whether every answer carries valid citations
(items 1..55, non-empty unless refused, the right task for structured questions), p50/p95 latency overall
and per kind, wall time, how many answers the model wrote and how many got the evidence only because the
model was busy (web/gate.py), and, through Gradio, queue behaviour: the wait before the server started each
job (from the queue's process_starts message) and the largest queue position seen. Exit status 0 only with
no errors and only valid citations. Bounded: at most 50 users × 50 questions, and --max-seconds overall.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import config  # noqa: E402  (pins the offline switches before gradio_client is imported)
from corpus import load  # noqa: E402
from corpus.numerals import to_chinese  # noqa: E402
from corpus.script import fold  # noqa: E402
from scripts.appproc import AppNotReady, app_env, free_port, log_tail, stop_group, wait_ready  # noqa: E402

N_TASKS = 55
MAX_USERS = 50
MAX_QUESTIONS = 50
BUSY_WORDS = "The model is busy"  # in both notices of web/gate.py for an evidence-only answer


# -- questions ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Question:
    text: str
    kind: str  # "structured" | "general"
    task: int | None = None  # structured: exactly this task; general: the task it paraphrases (reported only)
    unit: str | None = None  # structured: the unit whose led tasks must all be cited


def question_pool(seed: int) -> tuple[list[Question], list[Question]]:
    notice = load()
    structured: list[Question] = []
    for t in notice.tasks:
        structured.append(Question(f"第{to_chinese(t.number)}項由哪些單位牽頭？", "structured", task=t.number))
        structured.append(Question(f"Who leads task {t.number}?", "structured", task=t.number))
    for unit in sorted({u for t in notice.tasks for u in t.leads}):
        structured.append(Question(f"{unit}牽頭哪些工作？", "structured", unit=unit))
    general = []
    for line in (ROOT / "tests" / "data" / "paraphrases.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            general.append(Question(row["question"], "general", task=row["task"]))
    rng = random.Random(seed)
    rng.shuffle(structured)
    rng.shuffle(general)
    return structured, general


def plan(users: int, questions: int, general_share: float, seed: int) -> list[list[Question]]:
    """Each user's questions: a deterministic mix, `general_share` of them general, interleaved."""
    structured, general = question_pool(seed)
    out, s, g = [], 0, 0
    for u in range(users):
        mine = []
        for q in range(questions):
            # spread the general questions evenly over each user's list, offset per user
            if int((q + 1 + u) * general_share) > int((q + u) * general_share):
                mine.append(general[g % len(general)])
                g += 1
            else:
                mine.append(structured[s % len(structured)])
                s += 1
        out.append(mine)
    return out


# -- checking one answer ------------------------------------------------------------------------------

def citation_problem(q: Question, answer: dict, leads_of: dict[int, tuple[str, ...]],
                     led_by: dict[str, set[int]]) -> str:
    """'' when the answer's citations are valid for its question; else what is wrong."""
    if not isinstance(answer, dict) or not isinstance(answer.get("answer"), str) or not answer["answer"].strip():
        return f"not an answer: {str(answer)[:120]}"
    items = [c.get("item") for c in answer.get("citations", [])]
    if any(not isinstance(n, int) or not 1 <= n <= N_TASKS for n in items):
        return f"cites outside 1..{N_TASKS}: {items}"
    if answer.get("refused"):
        return f"refused a {q.kind} question it should answer" if q.kind == "structured" else (
            f"refused but cites {items}" if items else "")
    if not items:
        return "answered without citations"
    if q.task is not None and q.kind == "structured":
        missing = [u for u in leads_of[q.task] if fold(u) not in fold(answer["answer"])]
        if items != [q.task] or missing:
            return f"task {q.task}: cites {items}, missing leads {missing}"
    if q.unit is not None and not led_by[q.unit] <= set(items):
        return f"{q.unit}: cites {items}, expected at least {sorted(led_by[q.unit])}"
    return ""


# -- one user ---------------------------------------------------------------------------------------

@dataclass
class Result:
    user: int
    kind: str
    question: str
    latency_s: float | None = None
    wait_s: float | None = None  # submit → the server started the job (process_starts)
    max_rank: int | None = None  # largest queue position reported while waiting (0 = next)
    answer_kind: str = ""
    refused: bool = False
    used_llm: bool = False
    model_busy: bool = False  # evidence only: the model's queue was full or its turn did not come in time
    gold_cited: bool | None = None
    error: str = ""
    citation_problem: str = ""


def _timed_client_class():
    """A gradio_client Client whose jobs keep every status update with its arrival time."""
    from gradio_client import Client
    from gradio_client.utils import JobStatus

    class RecordingStatus(JobStatus):
        def __init__(self) -> None:
            object.__setattr__(self, "history", [])
            super().__init__()

        def __setattr__(self, name: str, value: object) -> None:
            if name == "latest_status":
                self.history.append((time.perf_counter(), value))
            super().__setattr__(name, value)

    class TimedClient(Client):
        def new_helper(self, fn_index: int, headers: dict[str, str] | None = None):  # gradio_client 1.x/2.x
            helper = super().new_helper(fn_index, headers=headers)
            helper.job = RecordingStatus()
            return helper

    return TimedClient


Reply = tuple[dict, float | None, int | None]  # the answer object, queue wait (s), largest queue position


def gradio_asker(url: str, timeout: float) -> tuple[Callable[[str, float], Reply], Callable[[], None]]:
    """Questions through Gradio's /ask (gradio_client), with the queue's own timings."""
    from gradio_client.utils import Status

    client = _timed_client_class()(url, verbose=False)

    def ask(question: str, limit: float) -> Reply:
        t0 = time.perf_counter()
        job = client.submit(question, None, api_name="/ask")
        answer = job.result(timeout=min(timeout, limit))
        history = getattr(getattr(job.communicator, "job", None), "history", [])
        starts = [t for t, s in history if s.code == Status.PROCESSING]
        ranks = [s.rank for _, s in history if s.code == Status.IN_QUEUE and s.rank is not None]
        return answer, (starts[0] - t0) if starts else None, max(ranks) if ranks else None

    return ask, client.close


def openai_asker(url: str, timeout: float, key: str) -> tuple[Callable[[str, float], Reply], Callable[[], None]]:
    """Questions through /v1/chat/completions with the official openai client (no retries: a failure counts)."""
    import openai

    client = openai.OpenAI(base_url=url + "v1", api_key=key or "none", max_retries=0, timeout=timeout)
    client.models.list()  # before the clock starts: the client's first call pays its own lazy imports and connection

    def ask(question: str, limit: float) -> Reply:
        r = client.with_options(timeout=min(timeout, limit)).chat.completions.create(
            model="gd-policy-assistant", messages=[{"role": "user", "content": question}])
        extra = r.model_extra or {}
        answer = {"answer": r.choices[0].message.content, "citations": extra.get("citations", []),
                  "refused": extra.get("refused"), "used_llm": extra.get("used_llm"), "notice": extra.get("notice", "")}
        return answer, None, None

    return ask, client.close


def run_user(ask: Callable[[str, float], Reply], user: int, questions: list[Question], deadline: float,
             leads_of: dict[int, tuple[str, ...]], led_by: dict[str, set[int]], results: list[Result],
             lock: threading.Lock) -> None:
    for q in questions:
        r = Result(user, q.kind, q.text)
        if time.monotonic() > deadline:
            r.error = "not asked: --max-seconds reached"
            with lock:
                results.append(r)
            continue
        t0 = time.perf_counter()
        try:
            answer, r.wait_s, r.max_rank = ask(q.text, max(1.0, deadline - time.monotonic()))
            r.latency_s = time.perf_counter() - t0
            r.answer_kind = str(answer.get("kind", "")) if isinstance(answer, dict) else ""
            r.refused = bool(answer.get("refused")) if isinstance(answer, dict) else False
            r.used_llm = bool(answer.get("used_llm")) if isinstance(answer, dict) else False
            r.model_busy = isinstance(answer, dict) and BUSY_WORDS in str(answer.get("notice", ""))
            if r.answer_kind == "error":
                r.error = "the apology: the server's handler failed"
            r.citation_problem = citation_problem(q, answer, leads_of, led_by)
            if q.kind == "general" and q.task is not None and isinstance(answer, dict):
                r.gold_cited = q.task in [c.get("item") for c in answer.get("citations", [])]
        except Exception as e:  # a failed request is a result, not the end of the run
            r.latency_s = time.perf_counter() - t0
            r.error = f"{type(e).__name__}: {str(e)[:200]}"
        with lock:
            results.append(r)


# -- the app under test -------------------------------------------------------------------------------

def _require_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    try:
        ok = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise SystemExit(f"error: {url} is not a loopback address; this load test only runs against this machine")


class OwnApp:
    """`python app.py` on a free loopback port, in its own process group (stop() ends it and only it)."""

    def __init__(self, llm: str, concurrency: int | None, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = workdir / "app.log"
        env = app_env(GDPA_FEEDBACK=str(workdir / "feedback.jsonl"), GDPA_RATE_LIMIT="0")
        if concurrency is not None:
            env["GDPA_CONCURRENCY"] = str(concurrency)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(self.port), "--llm", llm],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)

    def wait_ready(self, timeout: float) -> None:
        try:
            wait_ready(self.proc, self.url, timeout)
        except AppNotReady as e:
            self.stop()
            raise SystemExit(f"error: {e}:\n{self.log_tail()}") from None

    def stop(self) -> None:
        stop_group(self.proc)

    def log_tail(self, chars: int = 3000) -> str:
        return log_tail(self.log_path, chars)


# -- report ---------------------------------------------------------------------------------------------

def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


@dataclass
class Summary:
    api: str
    url: str
    llm: str
    concurrency: str
    ramp_up_s: float
    users: int
    questions_per_user: int
    requests: int
    answered: int
    errors: int
    invalid_citations: int
    all_citations_valid: bool
    wall_s: float
    throughput_rps: float
    latency: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    wait: dict[str, float | None] = field(default_factory=dict)
    max_queue_rank: int | None = None
    used_llm: int = 0
    model_busy: int = 0
    refused: int = 0
    general_gold_cited: str = ""
    error_samples: list[str] = field(default_factory=list)
    citation_samples: list[str] = field(default_factory=list)


def summarise(results: list[Result], wall: float, url: str, llm: str, concurrency: str, users: int,
              per_user: int, api: str = "gradio", ramp_up_s: float = 0.0) -> Summary:
    done = [r for r in results if r.latency_s is not None and not r.error]
    latency = {}
    for kind in ("all", "structured", "general"):
        xs = [r.latency_s for r in done if kind == "all" or r.kind == kind]
        latency[kind] = {"n": len(xs), "p50_s": _round(_pct(xs, 50)), "p95_s": _round(_pct(xs, 95)),
                         "max_s": _round(max(xs) if xs else None)}
    waits = [r.wait_s for r in done if r.wait_s is not None]
    wait = {"p50_s": _round(_pct(waits, 50)), "p95_s": _round(_pct(waits, 95)), "max_s": _round(max(waits, default=None)),
            "max_structured_s": _round(max((r.wait_s for r in done if r.kind == "structured" and r.wait_s is not None),
                                           default=None)),
            "observed": len(waits)}
    ranks = [r.max_rank for r in results if r.max_rank is not None]
    errors = [r for r in results if r.error]
    bad = [r for r in results if r.citation_problem and not r.error]
    general = [r for r in done if r.kind == "general" and r.gold_cited is not None]
    return Summary(
        api=api, ramp_up_s=ramp_up_s, url=url, llm=llm, concurrency=concurrency, users=users, questions_per_user=per_user,
        requests=len(results), answered=len(done), errors=len(errors), invalid_citations=len(bad),
        all_citations_valid=not bad and len(done) == len(results), wall_s=round(wall, 2),
        throughput_rps=round(len(done) / wall, 2) if wall else 0.0, latency=latency, wait=wait,
        max_queue_rank=max(ranks) if ranks else None, used_llm=sum(r.used_llm for r in done),
        model_busy=sum(r.model_busy for r in done),
        refused=sum(r.refused for r in done),
        general_gold_cited=f"{sum(r.gold_cited for r in general)}/{len(general)}",
        error_samples=[f"user {r.user}: {r.question[:30]!r}: {r.error}" for r in errors[:5]],
        citation_samples=[f"user {r.user}: {r.question[:30]!r}: {r.citation_problem}" for r in bad[:5]],
    )


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def print_summary(s: Summary) -> None:
    start = f"users started over {s.ramp_up_s:g} s" if s.ramp_up_s else "all users started at once"
    print(f"load test: {s.users} users × {s.questions_per_user} questions against {s.url} through {s.api} "
          f"(llm={s.llm}, concurrency={s.concurrency}, {start})")
    print(f"  requests {s.requests}, answered {s.answered}, errors {s.errors}, invalid citations {s.invalid_citations}"
          f" -> citations {'all valid' if s.all_citations_valid else 'NOT all valid'}")
    print(f"  wall {s.wall_s:.1f} s, {s.throughput_rps:.2f} answers/s; model used in {s.used_llm}, evidence only "
          f"(model busy) {s.model_busy}, refused {s.refused}; general questions citing their source task: "
          f"{s.general_gold_cited}")
    for kind, v in s.latency.items():
        if v["n"]:
            print(f"  latency {kind:10s} n={v['n']:4d}  p50 {v['p50_s']:7.3f} s  p95 {v['p95_s']:7.3f} s  "
                  f"max {v['max_s']:7.3f} s")
    w = s.wait
    if w["observed"]:
        print(f"  queue wait (submit → job started) p50 {w['p50_s']:.3f} s  p95 {w['p95_s']:.3f} s  "
              f"max {w['max_s']:.3f} s  (max for a structured question {w['max_structured_s']} s); "
              f"largest queue position seen {s.max_queue_rank}")
    for line in s.error_samples + s.citation_samples:
        print(f"  ! {line}")


# -- main -----------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python scripts/load_test.py", description=__doc__.split("\n")[0])
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--url", help="an app already running on this machine (loopback address only)")
    where.add_argument("--llm", default="none", help="start our own app with this model setting: none | local")
    ap.add_argument("--api", choices=["gradio", "openai"], default="gradio",
                    help="gradio: /ask through gradio_client; openai: /v1/chat/completions through the openai client")
    ap.add_argument("--api-key", default=os.environ.get("GDPA_API_KEY", ""),
                    help="for --api openai against an app with a key (default: GDPA_API_KEY)")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--questions", type=int, default=10, help="questions per user")
    ap.add_argument("--general-share", type=float, default=0.5, help="share of general (retrieval/LLM) questions")
    ap.add_argument("--concurrency", type=int, help="GDPA_CONCURRENCY for our own app (default: config)")
    ap.add_argument("--max-seconds", type=float, default=900, help="stop asking after this long")
    ap.add_argument("--ramp-up", type=float, default=0.0,
                    help="start the users evenly over this many seconds instead of all at the same instant")
    ap.add_argument("--timeout", type=float, default=300, help="per question")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", dest="json_out", help="also write the summary as JSON to this file")
    args = ap.parse_args(argv)
    if not 1 <= args.users <= MAX_USERS or not 1 <= args.questions <= MAX_QUESTIONS:
        ap.error(f"--users must be 1..{MAX_USERS} and --questions 1..{MAX_QUESTIONS}")
    if not 0 <= args.general_share <= 1:
        ap.error("--general-share must be within 0..1")
    if not 0 <= args.ramp_up <= args.max_seconds:
        ap.error("--ramp-up must be within 0..--max-seconds")

    notice = load()
    leads_of = {t.number: t.leads for t in notice.tasks}
    led_by: dict[str, set[int]] = {}
    for t in notice.tasks:
        for u in t.leads:
            led_by.setdefault(u, set()).add(t.number)
    plans = plan(args.users, args.questions, args.general_share, args.seed)

    own = None
    tmp = None
    if args.url:
        _require_loopback(args.url)
        url, llm = args.url if args.url.endswith("/") else args.url + "/", "(running app)"
        concurrency = "(running app)"
    else:
        tmp = tempfile.TemporaryDirectory(prefix="gdpa-load-")
        own = OwnApp(args.llm, args.concurrency, Path(tmp.name))
        url, llm = own.url, args.llm
        concurrency = str(args.concurrency if args.concurrency is not None else config.load().concurrency)
    try:
        if own is not None:
            own.wait_ready(timeout=300)
        if args.api == "openai":
            askers = [openai_asker(url, args.timeout, args.api_key) for _ in range(args.users)]
        else:
            askers = [gradio_asker(url, args.timeout) for _ in range(args.users)]
        results: list[Result] = []
        lock = threading.Lock()
        deadline = time.monotonic() + args.max_seconds
        start = threading.Barrier(args.users + 1)

        def user(i: int) -> None:
            start.wait()
            time.sleep(i * args.ramp_up / args.users)  # 0 by default: every user starts at the same instant
            run_user(askers[i][0], i, plans[i], deadline, leads_of, led_by, results, lock)

        threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(args.users)]
        for t in threads:
            t.start()
        start.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join(timeout=max(0.0, deadline - time.monotonic()) + args.timeout + 30)
        wall = time.perf_counter() - t0
        asked = len(results)
        expected = args.users * args.questions
        if asked < expected:  # users still stuck after every bound: count them as failures
            results += [Result(-1, "?", "?", error="not finished") for _ in range(expected - asked)]
        for _, close in askers:
            with contextlib.suppress(Exception):
                close()
        if own is not None and own.proc.poll() is not None:
            results.append(Result(-1, "?", "?", error=f"app.py died: {own.log_tail(500)}"))
    finally:
        if own is not None:
            own.stop()
        if tmp is not None:
            tmp.cleanup()
    summary = summarise(results, wall, url, llm, concurrency, args.users, args.questions, args.api, args.ramp_up)
    print_summary(summary)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(asdict(summary), ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if summary.errors == 0 and summary.all_citations_valid else 1


if __name__ == "__main__":
    sys.exit(main())
