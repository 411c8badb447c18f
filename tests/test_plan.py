"""Issue 9: one typed plan per question, robust linking, complete record answers.

Plan-level tests name the plan a question must produce; answer-level tests check the answers
against tests/data/responsibility_table.json (written by reading the notice, not by the parser).
"""

from __future__ import annotations

from collections import Counter

import pytest

from assistant.plan import Op, make_plan


def ops(notice, question: str) -> list[tuple]:
    return [(s.op, s.tasks, s.units, s.role, s.sections) for s in make_plan(notice, question).steps]


def items(answer) -> list[int]:
    return [c.item for c in answer.citations]


# -- plans ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("question, number", [
    ("第七項由哪些單位牽頭？", 7), ("第7条谁牵头？", 7), ("第7点由谁负责", 7), ("(七)的牽頭單位", 7),
    ("任務七由誰牽頭", 7), ("lead for no. 7?", 7), ("Who leads item 7?", 7), ("who leads #7", 7),
    ("Who leads the seventh task?", 7), ("who leads task twenty-one?", 21), ("第二十一項誰牽頭", 21),
])
def test_task_numbers_in_every_form(notice, question, number):
    (step,) = make_plan(notice, question).steps
    assert step.op == Op.WHO_LEADS and step.tasks == (number,)


@pytest.mark.parametrize("question", ["政數局一共牽頭多少項任務？", "哪些單位一起負責第七項？", "有沒有一批試點任務？",
                                      "一體化政務服務平臺由誰牽頭？"])
def test_ordinary_words_with_yi_are_not_task_one(notice, question):
    assert all(1 not in s.tasks or "第一" in question for s in make_plan(notice, question).steps)


@pytest.mark.parametrize("question, unit", [
    ("工信听牽頭哪些任務？", "省工業和信息化廳"),  # homophone
    ("省生太環境廳牽頭哪些任務？", "省生態環境廳"),  # one-character typo
    ("Which tasks does the provincial department of education lead?", "省教育廳"),
    ("發改委牵头哪些任务？", "省發展改革委"),
])
def test_units_by_alias_typo_homophone_and_english(notice, question, unit):
    (step,) = make_plan(notice, question).steps
    assert step.op == Op.UNIT_TASKS and step.units == (unit,) and step.role == "lead"


@pytest.mark.parametrize("question, op, role", [
    ("政數局邊啲任務係佢牽頭嘅？", Op.UNIT_TASKS, "lead"),  # Cantonese
    ("省科技廳只是配合哪些任務？", Op.UNIT_TASKS, "co_only"),
    ("網信辦沒有牽頭、只按職責分工負責的任務有哪些？", Op.UNIT_TASKS, "co_only"),
    ("省公安廳參與了哪些任務？", Op.UNIT_TASKS, "any"),
    ("政數局和工信廳共同參與哪些任務？", Op.SHARED_TASKS, "any"),
])
def test_unit_roles(notice, question, op, role):
    (step,) = make_plan(notice, question).steps
    assert step.op == op and step.role == role


def test_aggregations_and_sections(notice):
    assert ops(notice, "有多少項任務由多於一個單位牽頭？")[0][0] == Op.MULTI_LEAD_TASKS
    assert ops(notice, "哪個單位牽頭的任務最多？")[0][:4] == (Op.RANK_UNITS, (), (), "lead")
    assert ops(notice, "網絡安全那部分有哪些任務？")[0][0] == Op.SECTION_TASKS
    assert ops(notice, "What is in section 5?")[0][4] == (5,)
    assert ops(notice, "section 五 has which tasks")[0][4] == (5,)
    assert ops(notice, "哪幾條提到粵經濟？")[0][0] == Op.MENTIONS
    assert ops(notice, "How many tasks does the plan have?")[0][0] == Op.DOCUMENT
    assert ops(notice, "Who was the notice sent to?")[0][0] == Op.DOCUMENT


def test_a_question_with_several_parts_is_a_plan_of_several_steps(notice):
    plan = make_plan(notice, "教育廳牽頭哪項？要做甚麼？還有誰一起？")
    assert [s.op for s in plan.steps] == [Op.UNIT_TASKS, Op.CONTENT, Op.WHO_INVOLVED]
    assert plan.steps[1].tasks == (31,) and plan.steps[2].tasks == (31,)


def test_not_stated_is_its_own_operation(notice):
    (step,) = make_plan(notice, "數字鄉村建設的預算是多少？").steps
    assert step.op == Op.NOT_STATED and step.fact == "budget"


# -- answers against the table ----------------------------------------------------------------------


def test_tasks_two_units_share_in_any_role(assistant, truth):
    a = assistant.ask("省政務服務和數據管理局和省工業和信息化廳共同參與了哪些任務？")
    both = sorted(n for n, r in truth.items()
                  if {"省政務服務和數據管理局", "省工業和信息化廳"} <= set(r["leads"]) | set(r["co"]))
    assert sorted(items(a)) == both


def test_tasks_a_unit_only_co_owns(assistant, truth):
    a = assistant.ask("工信廳只是按職責分工負責、不牽頭的任務有哪些？")
    expected = sorted(n for n, r in truth.items() if "省工業和信息化廳" in r["co"])
    assert sorted(items(a)) == expected


def test_count_of_tasks_with_more_than_one_lead(assistant, truth):
    a = assistant.ask("有幾項任務是由一個以上單位牽頭的？")
    expected = sorted(n for n, r in truth.items() if len(r["leads"]) > 1)
    assert sorted(items(a)) == expected and f"{len(expected)}項" in a.answer


def test_unit_leading_the_most_tasks(assistant, truth):
    counts = Counter(u for r in truth.values() for u in r["leads"])
    unit, n = counts.most_common(1)[0]
    a = assistant.ask("Which unit leads the most tasks?")
    assert unit in a.answer and f"({n})" in a.answer


def test_unit_that_only_shares_is_named_with_its_tasks(assistant, truth):
    a = assistant.ask("省公安廳牽頭哪些任務？")
    shared = sorted(n for n, r in truth.items() if "省公安廳" in r["co"])
    assert "牽頭0項" in a.answer and sorted(items(a)) == shared


def test_every_mention_of_a_term_is_listed(assistant, notice):
    a = assistant.ask("哪些任務提到人工智能？")
    expected = [t.number for t in notice.tasks if "人工智能" in t.text]
    assert items(a) == expected


def test_no_lead_task_by_topic_names_who_is_responsible(assistant, truth):
    a = assistant.ask("Who is responsible for digital finance?")
    (n,) = items(a)[:1]
    assert not truth[n]["leads"] and all(u in a.answer for u in truth[n]["co"])


def test_besides_a_unit_who_else_is_on_the_task(assistant, truth):
    a = assistant.ask("Besides 政數局, who else is on task 7?")
    assert items(a) == [7] and all(u in a.answer for u in truth[7]["co"])


def test_not_stated_says_so_then_quotes(assistant):
    a = assistant.ask("數字鄉村建設的預算是多少？")
    assert a.not_stated and not a.refused and "沒有說明" in a.answer and items(a) == [7]


def test_out_of_scope_cites_nothing(assistant):
    a = assistant.ask("上海市2024年的智慧城市規劃有什麼？")
    assert a.refused and not a.citations


# -- follow-ups from plans ---------------------------------------------------------------------------


def _chat(assistant, turns: list[str]):
    history: list[tuple[str, str]] = []
    answer = None
    for q in turns:
        answer = assistant.ask(q, history=history)
        history.append((q, answer.answer))
    return answer


def test_follow_up_switches_topic(assistant, truth):
    a = _chat(assistant, ["數字鄉村建設由誰牽頭？", "那醫療數字化轉型呢？"])
    assert items(a) == [32] and all(u in a.answer for u in truth[32]["leads"])


def test_follow_up_pronoun_and_others(assistant, truth):
    a = _chat(assistant, ["第十八項是什麼？", "它由誰牽頭？"])
    assert items(a) == [18] and truth[18]["leads"][0] in a.answer
    a = _chat(assistant, ["What is task 13 about?", "and who else is involved?"])
    assert items(a) == [13] and all(u in a.answer for u in truth[13]["co"])


def test_follow_up_narrows_a_list(assistant, truth):
    a = _chat(assistant, ["省科技廳參與了哪些任務？", "其中哪些是它牽頭的？"])
    assert sorted(items(a)) == sorted(n for n, r in truth.items() if "省科技廳" in r["leads"])


def test_follow_up_returns_to_an_earlier_topic(assistant, truth):
    a = _chat(assistant, ["數字低空由誰牽頭？", "第三部分有哪些任務？", "哪個單位牽頭最多？", "回到數字低空，還有哪些單位參與？"])
    assert items(a) == [18]
