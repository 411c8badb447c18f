"""The assistant without a model: exact answers from the records, retrieval answers, refusals,
scripts, follow-ups and bad input — on the real index. Expected units come from the table a person
wrote by reading the notice (tests/data/responsibility_table.json), not from the parser."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import config
from corpus.numerals import to_chinese
from corpus.script import fold


def items(answer) -> list[int]:
    return [c.item for c in answer.citations]


@pytest.mark.parametrize("number", range(1, 56))
def test_who_leads_every_task(assistant, truth, number):
    a = assistant.ask(f"第{to_chinese(number)}項由哪些單位牽頭？")
    assert items(a) == [number] and not a.refused and a.kind == "who_leads"
    expected = truth[number]
    for unit in expected["leads"] + expected["co"]:
        assert unit in a.answer
    if not expected["leads"]:
        assert "沒有指定牽頭單位" in a.answer  # never an invented lead
        assert "牽頭;" not in a.answer


@pytest.mark.parametrize(
    ("question", "number"),
    [("第7条谁负责？", 7), ("任務(十八)由誰牽頭", 18), ("Who leads task 32?", 32), ("第三十二项的牵头单位是哪个？", 32),
     ("數字鄉村建設由誰牽頭？", 7), ("谁负责推进医疗数字化转型？", 32), ("Who is in charge of the digital low-altitude work?", 18)],
)
def test_who_leads_by_number_title_or_topic(assistant, truth, question, number):
    a = assistant.ask(question)
    assert items(a)[0] == number
    for unit in truth[number]["leads"]:
        assert fold(unit) in fold(a.answer)


def test_simplified_question_gets_simplified_answer(assistant):
    a = assistant.ask("第七项由哪些单位牵头？")
    assert a.script == "zh-Hans" and "牵头" in a.answer and "牽頭" not in a.answer
    assert "省农业农村厅" in a.answer


def test_english_question_gets_english_answer(assistant):
    a = assistant.ask("Who leads task 7?")
    assert a.script == "en" and "led by" in a.answer and "省委網信辦" in a.answer and items(a) == [7]


@pytest.mark.parametrize(("alias", "unit"), [("政數局", "省政務服務和數據管理局"), ("工信厅", "省工業和信息化廳"),
                                             ("省教育廳", "省教育廳"), ("Department of Education", "省教育廳")])
def test_which_tasks_a_unit_leads_is_complete(assistant, truth, alias, unit):
    a = assistant.ask(f"{alias}牽頭哪些任務？" if not alias.isascii() else f"Which tasks does the {alias} lead?")
    led = [n for n, v in truth.items() if unit in v["leads"]]
    assert items(a)[: len(led)] == led
    assert str(len(led)) in a.answer


def test_unit_involvement_lists_leads_and_shares(assistant, truth):
    a = assistant.ask("省公安廳參與了哪些任務？")
    involved = [n for n, v in truth.items() if "省公安廳" in v["leads"] + v["co"]]
    assert sorted(items(a)) == involved


def test_count_of_tasks_led(assistant):
    a = assistant.ask("政數局牽頭多少項任務？")
    assert "21" in a.answer and len(items(a)) == 21


def test_tasks_without_lead(assistant, truth):
    a = assistant.ask("哪些任務沒有牽頭單位？")
    assert items(a) == [n for n, v in truth.items() if not v["leads"]] and "19" in a.answer


def test_section_tasks(assistant, notice):
    a = assistant.ask("第三部分有哪些任務？")
    assert items(a) == [9, 10, 11, 12] and notice.sections[2].title in a.answer


def test_document_facts(assistant):
    a = assistant.ask("這份通知是誰發布的？什麼時候？")
    assert "廣東省政務服務和數據管理局" in a.answer and "2024年5月10日" in a.answer and not a.citations
    a = assistant.ask("How many tasks does the notice have?")
    assert "55" in a.answer


@pytest.mark.parametrize(
    ("question", "gold"),
    [("港澳居民居住证在大湾区有什么便利？", {1}), ("What is planned for Hong Kong and Macao vehicles going north?", {3}),
     ("培育多少家數據要素型企業？", {22}), ("12345熱線要怎麼升級？", {29}), ("林分优化提升多少亩？", {37})],
)
def test_general_questions_cite_the_right_task(assistant, question, gold):
    a = assistant.ask(question)
    assert not a.refused and set(items(a)[:1]) <= gold and a.kind == "content"


def test_numeric_fact_is_quoted(assistant):
    assert "50家" in assistant.ask("要培育多少家數據要素型企業？").answer
    assert "4萬家" in assistant.ask("累計推動多少規模以上工業企業數字化轉型？").answer


@pytest.mark.parametrize(
    "question",
    ["明天广州天气怎么样？", "浙江省2024年數字化改革有哪些任務？", "數字廣東建設2025年工作要點有什麼新任務？",
     "How do I cook fried rice?", "What are Shanghai's smart city plans?", "推薦幾隻股票"],
)
def test_out_of_scope_is_refused_citing_nothing(assistant, question):
    a = assistant.ask(question)
    assert a.refused and not a.citations and a.kind == "out_of_scope"


def test_follow_up_with_intent_only(assistant, notice):
    first = assistant.ask("第十八項是什麼？")
    a = assistant.ask("由誰牽頭？", history=[("第十八項是什麼？", first.answer)])
    assert items(a) == [18] and notice.task(18).leads[0] in a.answer


def test_follow_up_with_new_topic(assistant):
    q1 = "數字鄉村建設由誰牽頭？"
    first = assistant.ask(q1)
    a = assistant.ask("那醫療數字化轉型呢？", history=[(q1, first.answer)])
    assert items(a) == [32] and "省衛生健康委" in a.answer


@pytest.mark.parametrize(
    "bad",
    ["", "   \n\t ", "x" * 100_000, "\x00\x01\x02", "🙂🙂🙂", None, 42],
)
def test_bad_input_gets_a_message(assistant, bad):
    a = assistant.ask(bad)
    assert a.refused and a.kind == "invalid" and a.answer and not a.citations


def test_task_that_does_not_exist(assistant):
    a = assistant.ask("第九十項由誰牽頭？")
    assert a.refused and not a.citations and "55" in a.answer


def test_control_characters_are_cleaned_not_fatal(assistant):
    a = assistant.ask("第七項\x00由誰\x07牽頭？")
    assert items(a) == [7]


def test_cli_json(index_cfg, retriever):
    env = {"GDPA_INDEX_DIR": str(index_cfg.index_dir)}
    out = subprocess.run([sys.executable, "-m", "assistant", "--llm", "none", "ask", "第七項由哪些單位牽頭？", "--json"],
                         cwd=config.ROOT, capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, **env})
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) >= {"answer", "citations", "refused"}
    cited = data["citations"][0]
    assert {k: cited[k] for k in ("item", "title", "section")} == {
        "item": 7, "title": "推進數字鄉村建設", "section": "二、深化數字賦能“百千萬工程”,促進城鄉融合和區域協調發展"}
    assert isinstance(cited["quote"], str)  # citations carry the quoted sentence since the evidence/explain split
    assert data["refused"] is False


def test_cli_bad_input_no_traceback(index_cfg, retriever):
    env = {**os.environ, "GDPA_INDEX_DIR": str(index_cfg.index_dir)}
    out = subprocess.run([sys.executable, "-m", "assistant", "--llm", "none", "ask", "   ", "--json"],
                         cwd=config.ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0 and "Traceback" not in out.stderr
    assert json.loads(out.stdout)["refused"] is True
