"""web/gate.py: the model queue (one turn at a time, bounded FIFO line, start deadline) and the gated answer
stream every front end uses, with a stand-in assistant whose explanation is controlled by the test."""

from __future__ import annotations

import os
import threading
import time

import pytest

from assistant.answer import Answer, Citation
from scripts.load_test import BUSY_WORDS
from web.gate import BUSY_FULL, BUSY_TIMEOUT, ModelGate, evidence_only, gated_answer, gated_stream


def _wait_until(condition, what: str, limit: float = 10.0) -> None:
    """Poll `condition` (a precondition of the test, not a timing claim) until it holds."""
    end = time.monotonic() + limit
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.005)


def _acquire_in_thread(gate: ModelGate, results: dict, name: str) -> threading.Thread:
    def run() -> None:
        results[name] = gate.acquire()
        results.setdefault("order", []).append(name)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def _held_with_waiters(max_waiting: int, *names: str) -> tuple[ModelGate, dict, list[threading.Thread]]:
    """A gate the test holds, with a waiter per name lined up in that order."""
    gate = ModelGate(max_waiting=max_waiting, start_timeout_s=30)
    assert gate.acquire() == ""
    results: dict = {}
    threads = []
    for n, name in enumerate(names, 1):
        threads.append(_acquire_in_thread(gate, results, name))
        _wait_until(lambda n=n: gate.waiting == n, f"{name} in line")
    return gate, results, threads


def test_a_free_gate_is_taken_at_once_and_released():
    gate = ModelGate(max_waiting=2, start_timeout_s=5)
    assert gate.acquire() == ""
    assert gate.busy
    gate.release()
    assert not gate.busy
    with gate.turn() as refusal:
        assert refusal == "" and gate.busy
    assert not gate.busy


def test_waiters_are_served_first_come_first_served():
    gate, results, (first, second) = _held_with_waiters(3, "first", "second")
    gate.release()
    first.join(10)
    assert results["order"] == ["first"] and results["first"] == ""
    assert gate.waiting == 1  # the second still waits: the first holds the model
    gate.release()
    second.join(10)
    assert results["order"] == ["first", "second"] and results["second"] == ""
    gate.release()
    assert not gate.busy and gate.waiting == 0


def test_a_full_line_is_refused_at_once():
    gate, results, (waiter,) = _held_with_waiters(1, "waiter")
    assert gate.acquire() == BUSY_FULL  # nothing held: no release owed
    assert gate.waiting == 1
    gate.release()
    waiter.join(10)
    assert results["waiter"] == ""
    gate.release()


def test_no_line_at_all_with_max_waiting_zero():
    gate = ModelGate(max_waiting=0, start_timeout_s=30)
    with gate.turn() as refusal:
        assert refusal == ""
        with gate.turn() as second:
            assert second == BUSY_FULL
    assert not gate.busy


def test_a_waiter_past_its_deadline_gives_up_and_leaves_the_line():
    gate = ModelGate(max_waiting=2, start_timeout_s=0.05)
    assert gate.acquire() == ""
    refusal = gate.acquire()  # the holder never releases within the deadline
    assert "0.05" in refusal and "busy" in refusal
    assert gate.waiting == 0 and gate.busy
    gate.release()
    assert gate.acquire() == ""  # the gate still works
    gate.release()


# -- gated_stream with a stand-in assistant ---------------------------------------------------------------

class _Assistant:
    """evidence() at once; explain() yields partial answers one by one, each when the test allows it."""

    def __init__(self, wants_explanation: bool = True) -> None:
        self.wants = wants_explanation
        self.step = threading.Semaphore(0)
        self.explained = 0

    def evidence(self, question, history=None) -> Answer:
        cite = [Citation(7, "推進數字鄉村建設", "二、…", "quote")]
        return Answer("evidence", cite, kind="retrieval", pending=object() if self.wants else None)

    def explain(self, answer: Answer):
        self.explained += 1
        for text in ("model", "model text"):
            self.step.acquire()
            yield Answer(text, used_llm=True, done=False)
        self.step.acquire()
        yield Answer("model text.", answer.citations, used_llm=True)


def test_record_answers_never_touch_the_gate():
    gate = ModelGate(max_waiting=0, start_timeout_s=0)
    assert gate.acquire() == ""  # the model is busy and nobody may wait
    parts = list(gated_stream(_Assistant(wants_explanation=False), gate, "第七項由誰牽頭？"))
    assert [p.answer for p in parts] == ["evidence"] and parts[0].done
    gate.release()


def test_evidence_first_then_the_explanation_inside_a_model_turn():
    assistant, gate = _Assistant(), ModelGate(max_waiting=1, start_timeout_s=30)
    stream = gated_stream(assistant, gate, "q")
    first = next(stream)
    assert first.answer == "evidence" and not first.done and first.citations
    assert not gate.busy  # the evidence is out before the model is even asked for
    assistant.step.release(3)
    rest = list(stream)
    assert [p.answer for p in rest] == ["model", "model text", "model text."] and rest[-1].done
    assert not gate.busy


def test_a_busy_model_gives_the_evidence_with_a_notice():
    assistant, gate = _Assistant(), ModelGate(max_waiting=0, start_timeout_s=30)
    assert gate.acquire() == ""
    final = gated_answer(assistant, gate, "q")
    assert final.done and final.answer == "evidence" and final.citations
    assert final.notice == BUSY_FULL and not final.wants_explanation
    assert assistant.explained == 0
    gate.release()


def test_closing_a_stream_mid_explanation_frees_the_model():
    assistant, gate = _Assistant(), ModelGate(max_waiting=1, start_timeout_s=30)
    stream = gated_stream(assistant, gate, "q")
    next(stream)
    assistant.step.release()
    assert next(stream).answer == "model" and gate.busy
    stream.close()  # the client went away
    assert not gate.busy


def test_evidence_only_keeps_an_earlier_notice():
    answer = Answer("e", notice="模型未載入。", pending=object(), done=False)
    out = evidence_only(answer, "busy")
    assert out.notice == "模型未載入。 busy" and out.done and out.pending is None


@pytest.mark.parametrize("gate", [None, ModelGate(1, 1)])
def test_without_a_model_step_the_answer_is_the_evidence(gate):
    assert gated_answer(_Assistant(wants_explanation=False), gate, "q").answer == "evidence"


def test_the_load_test_recognises_both_busy_notices():
    assert BUSY_WORDS in BUSY_FULL and BUSY_WORDS in BUSY_TIMEOUT.format(s=30)


def test_model_steps_run_in_one_lower_priority_thread():
    gate = ModelGate(max_waiting=1, start_timeout_s=1, nice=5)
    here = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def work():
        for _ in range(3):
            tid = threading.get_native_id()
            yield threading.current_thread().name, tid, os.getpriority(os.PRIO_PROCESS, tid)

    steps = list(gate.steps(work))
    assert len({tid for _, tid, _ in steps}) == 1  # one thread for every step
    assert all(name.startswith("gdpa-model") and nice == min(19, here + 5) for name, _, nice in steps)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == here  # the caller is untouched
