"""End to end with the real local model (Qwen2.5-Coder-1.5B Q4_K_M, in-process llama.cpp).
Assertions are on citations and the units named, never on exact wording."""

from __future__ import annotations

import pytest

from corpus.script import fold

pytestmark = pytest.mark.llm


def items(answer) -> list[int]:
    return [c.item for c in answer.citations]


def test_who_leads_by_title_is_exact(llm_assistant, truth):
    a = llm_assistant.ask("推進醫療數字化轉型由哪個單位牽頭？")
    assert items(a) == [32] and all(u in a.answer for u in truth[32]["leads"])


def test_cross_border_in_simplified_streams_and_cites(llm_assistant):
    partials = []
    final = None
    for final in llm_assistant.stream("港澳居民居住证在大湾区有什么便利？"):
        if not final.done:
            partials.append(final.answer)
    assert final is not None and final.done and not final.refused
    assert items(final) and set(items(final)) <= {1, 3, 4}
    assert final.script == "zh-Hans" and final.answer
    if final.used_llm:
        assert len(partials) > 1  # the model's words arrived as a stream
        assert "居住证" in final.answer or "便利" in final.answer


def test_english_question(llm_assistant):
    a = llm_assistant.ask("What does the notice plan for Hong Kong and Macao vehicles going north?")
    assert not a.refused and items(a) and items(a)[0] == 3 and a.script == "en"


def test_out_of_scope_refused_without_model(llm_assistant):
    a = llm_assistant.ask("明天廣州會下雨嗎？")
    assert a.refused and not a.citations and not a.used_llm


def test_two_turn_follow_up(llm_assistant, truth):
    q1 = "第十八項是什麼？"
    first = llm_assistant.ask(q1)
    assert items(first) == [18]
    a = llm_assistant.ask("由誰牽頭？", history=[(q1, first.answer)])
    assert items(a) == [18] and all(fold(u) in fold(a.answer) for u in truth[18]["leads"])


def test_model_answers_never_cite_outside_context(llm_assistant):
    for q in ["數字低空建設要做什麼？", "智慧全運有什麼安排？", "How will Guangdong support talent training for the digital economy?"]:
        a = llm_assistant.ask(q)
        assert not a.refused and a.citations
        # whatever the model wrote, every citation is one the pipeline retrieved for this question
        top = {h.task for h in llm_assistant.retriever.search(a.question)[:3]}
        assert set(items(a)) <= top
