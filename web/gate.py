"""Fair queueing: every request gets its evidence at once; only the model's explanation waits its turn.

`Assistant.evidence()` never touches the model (record answers, the notice's sentences), so every front end
computes it straight away. Only `Assistant.explain()` goes through a `ModelGate`: one explanation at a time,
at most `max_waiting` requests waiting, first come first served. A request that finds the queue full, or whose
turn has not come within `start_timeout_s`, gets its evidence-only answer at once with a notice saying why.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

from assistant.answer import Answer
from assistant.pipeline import Assistant, History

BUSY_FULL = "模型忙碌(排隊已滿),以下為原文依據,未附模型解說。/ The model is busy (its queue is full): evidence only."
BUSY_TIMEOUT = ("模型忙碌(等候超過 {s:g} 秒),以下為原文依據,未附模型解說。/ "
                "The model is busy (no turn within {s:g} s): evidence only.")


class ModelGate:
    """One model turn at a time; a bounded, FIFO waiting line with a start deadline.

    `turn()` is a context manager yielding "" when the caller holds the model (released on exit), or the
    reason it does not (queue full, or no turn within the deadline) — then there is nothing to release.
    """

    def __init__(self, max_waiting: int, start_timeout_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_waiting = max(0, max_waiting)
        self.start_timeout_s = max(0.0, start_timeout_s)
        self._clock = clock
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
        yield from assistant.explain(first)  # closing this generator closes explain()'s too (PEP 380)


def gated_answer(assistant: Assistant, gate: ModelGate | None, question: object,
                 history: History | None = None) -> Answer:
    """The final answer of `gated_stream`."""
    final = Answer("")
    for final in gated_stream(assistant, gate, question, history):  # noqa: B007 - the last one is the answer
        pass
    return final
