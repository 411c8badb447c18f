"""Fair queueing: every request gets its evidence at once; only the model's explanation waits its turn.

`Assistant.evidence()` never touches the model (record answers, the notice's sentences), so every front end
computes it straight away. Only `Assistant.explain()` goes through a `ModelGate`: one explanation at a time,
at most `max_waiting` requests waiting, first come first served. A request that finds the queue full, or whose
turn has not come within `start_timeout_s`, gets its evidence-only answer at once with a notice saying why.

The explanation itself runs step by step in the gate's one model thread, at a lower CPU priority (`nice`):
llama.cpp's compute threads are an OpenMP team that belongs to the thread calling it and inherits its
priority, so on a busy CPU the evidence work (record answers, retrieval) is scheduled first and the model
takes what is left; on an idle machine it still gets every core.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import anyio

from assistant.answer import Answer
from assistant.pipeline import Assistant, History

log = logging.getLogger("gdpa.gate")
T = TypeVar("T")
_END = object()

BUSY_FULL = "模型忙碌(排隊已滿),以下為原文依據,未附模型解說。/ The model is busy (its queue is full): evidence only."
BUSY_TIMEOUT = ("模型忙碌(等候超過 {s:g} 秒),以下為原文依據,未附模型解說。/ "
                "The model is busy (no turn within {s:g} s): evidence only.")


class ModelGate:
    """One model turn at a time; a bounded, FIFO waiting line with a start deadline.

    `turn()` is a context manager yielding "" when the caller holds the model (released on exit), or the
    reason it does not (queue full, or no turn within the deadline) — then there is nothing to release.
    `steps()` runs an iterator of model work in the gate's model thread, whose priority is lowered by `nice`.
    """

    def __init__(self, max_waiting: int, start_timeout_s: float, nice: int = 0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_waiting = max(0, max_waiting)
        self.start_timeout_s = max(0.0, start_timeout_s)
        self.nice = max(0, nice)
        self._clock = clock
        self._model_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gdpa-model",
                                                initializer=self._lower_priority)
        self._cond = threading.Condition()
        self._busy = False
        self._line: deque[object] = deque()

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._line)

    @property
    def busy(self) -> bool:
        with self._cond:
            return self._busy

    def acquire(self) -> str:
        """'' once the caller holds the model; otherwise the reason it will not (and holds nothing)."""
        with self._cond:
            if not self._busy and not self._line:
                self._busy = True
                return ""
            if len(self._line) >= self.max_waiting:
                return BUSY_FULL
            ticket = object()
            self._line.append(ticket)
            deadline = self._clock() + self.start_timeout_s
            try:
                while self._busy or self._line[0] is not ticket:
                    left = deadline - self._clock()
                    if left <= 0:
                        return BUSY_TIMEOUT.format(s=self.start_timeout_s)
                    self._cond.wait(left)
                self._busy = True
                return ""
            finally:
                self._line.remove(ticket)
                self._cond.notify_all()  # the next in line may now be first

    def release(self) -> None:
        with self._cond:
            self._busy = False
            self._cond.notify_all()

    def _lower_priority(self) -> None:
        """Raise this thread's nice value by `nice` (Linux: per thread). Threads it starts inherit it."""
        if not self.nice or not hasattr(os, "setpriority"):
            return
        tid = threading.get_native_id()
        try:
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + self.nice))
        except OSError as e:
            log.warning("could not lower the model thread's priority: %s", e)

    def steps(self, make: Callable[[], Iterator[T]]) -> Iterator[T]:
        """The items of `make()`, each computed in the model thread; closing this closes it there too."""
        parts = self._model_thread.submit(make).result()
        try:
            while (item := self._model_thread.submit(next, parts, _END).result()) is not _END:
                yield item
        finally:
            close = getattr(parts, "close", None)
            if close is not None:
                self._model_thread.submit(close).result()

    @contextlib.contextmanager
    def turn(self) -> Iterator[str]:
        refusal = self.acquire()
        try:
            yield refusal
        finally:
            if not refusal:
                self.release()


def evidence_only(answer: Answer, reason: str) -> Answer:
    """The evidence as the final answer, with `reason` added to its notice."""
    notice = f"{answer.notice} {reason}".strip()
    return dataclasses.replace(answer, notice=notice, done=True, pending=None)


def gated_stream(assistant: Assistant, gate: ModelGate | None, question: object,
                 history: History | None = None) -> Iterator[Answer]:
    """Like `Assistant.stream()`, with the model step behind `gate`: the evidence at once (done=False when an
    explanation follows), then the explanation's partial answers and the final one — or, when the model is
    busy, the evidence as the final answer with a notice. With no gate the model is not queued."""
    first = assistant.evidence(question, history)
    if not first.wants_explanation:
        yield first
        return
    yield dataclasses.replace(first, done=False)
    with gate.turn() if gate is not None else contextlib.nullcontext("") as refusal:
        if refusal:
            yield evidence_only(first, refusal)
            return
        if gate is None:
            yield from assistant.explain(first)
        else:
            yield from gate.steps(lambda: assistant.explain(first))  # closing this closes explain() (PEP 380)


def gated_answer(assistant: Assistant, gate: ModelGate | None, question: object,
                 history: History | None = None) -> Answer:
    """The final answer of `gated_stream`."""
    final = Answer("")
    for final in gated_stream(assistant, gate, question, history):  # noqa: B007 - the last one is the answer
        pass
    return final


async def gated_answer_async(assistant: Assistant, gate: ModelGate | None, question: object,
                             history: History | None = None) -> Answer:
    """`gated_answer` in a worker thread, for async routes: one hand-off per request, not one per step."""
    return await anyio.to_thread.run_sync(gated_answer, assistant, gate, question, history)
