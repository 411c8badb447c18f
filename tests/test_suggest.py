"""Next-question suggestions: every template, in every script, asked through the Assistant as a follow-up
and checked against tests/data/responsibility_table.json; and what suggest() offers after real answers."""

from __future__ import annotations

import pytest

from corpus.script import detect, to_simplified
from web.suggest import TEMPLATES, _fill, english_unit, suggest

SCRIPTS = ("zh-Hant", "zh-Hans", "en")
EARLIER = [("港澳居民居住證在大灣區有什麼便利？", "……〔第一項〕")]  # the conversation they follow


def _cited(answer) -> list[int]:
    return [c.item for c in answer.citations]


def _in(name: str, text: str, script: str) -> bool:
    return (to_simplified(name) if script == "zh-Hans" else name) in text


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("n", [7, 18, 40])
def test_task_templates_answer_about_that_task(assistant, truth, notice, script, n):
    for kind in ("who_leads", "who_shares", "section_of", "content"):
        question = _fill(kind, script, n=n)
        if not question:
            continue
        assert detect(question) == script, question
        a = assistant.ask(question, EARLIER)
        assert not a.refused, (question, a.answer)
        assert _cited(a) == [n], (question, _cited(a))
        if kind in ("who_leads", "who_shares"):
            for unit in truth[n]["leads"] + truth[n]["co"]:
                assert _in(unit, a.answer, script), (question, unit)
        if kind == "section_of":
            assert _in(notice.task(n).section.title, a.answer, script), question


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("s", [2, 5])
def test_section_template_lists_the_section(assistant, notice, script, s):
    question = _fill("section_tasks", script, s=s)
    a = assistant.ask(question, EARLIER)
    assert _cited(a) == [t.number for t in notice.tasks_in(notice.section(s))], question


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("unit", ["省教育廳", "省政務服務和數據管理局", "省科技廳", "省委網信辦"])
def test_unit_templates_list_the_units_tasks(assistant, truth, script, unit):
    for kind, roles in (("unit_lead", ("leads",)), ("unit_any", ("leads", "co"))):
        question = _fill(kind, script, u=unit)
        if script == "en" and not english_unit(unit):
            assert question == ""  # not offered: the assistant would not read the English name back
            continue
        assert detect(question) == script, question
        a = assistant.ask(question, EARLIER)
        expected = sorted(n for n, v in truth.items() if any(unit in v[r] for r in roles))
        assert sorted(_cited(a)) == expected, (question, _cited(a))


def test_every_template_has_both_languages_or_says_why():
    for kind, row in TEMPLATES.items():
        assert row["zh"], kind
        assert row["en"] or kind == "who_shares", kind


@pytest.mark.parametrize("question", [
    "第七項由哪些單位牽頭？", "省教育厅牵头哪些工作？", "港澳居民居住證在大灣區有什麼便利？",
    "第十八項屬於哪一部分？", "What does Guangdong plan for Hong Kong and Macao vehicles?", "Who leads task 7?",
])
def test_suggestions_after_real_answers(assistant, notice, question):
    a = assistant.ask(question)
    got = suggest(notice, a.to_json())
    assert 2 <= len(got) <= 3, (question, got)
    assert len(set(got)) == len(got)
    for q in got:
        assert detect(q) == a.script, (q, a.script)
        follow = assistant.ask(q, [(question, a.answer)])
        assert not follow.refused and follow.citations, (question, q, follow.answer)


def test_no_suggestions_for_refusals(assistant, notice):
    a = assistant.ask("明天廣州天氣怎麼樣？")
    assert a.refused and suggest(notice, a.to_json()) == []
