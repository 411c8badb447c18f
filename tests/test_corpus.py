"""The parser against the notice as read by a person (tests/data/responsibility_table.json)."""

from __future__ import annotations

import pytest

import config
from corpus import NoticeFormatError, alias_table, parse, parse_responsibility
from corpus.numerals import from_chinese, to_chinese
from corpus.script import detect, fold, render


def test_header(notice):
    assert notice.issuer == "廣東省政務服務和數據管理局"
    assert notice.date == "2024年5月10日"
    assert notice.title == "數字廣東建設2024年工作要點"
    assert "各地級以上市人民政府" in notice.addressees
    assert notice.preamble.startswith("為貫徹")
    assert len(notice.sections) == 13
    assert [s.number for s in notice.sections] == list(range(1, 14))
    assert notice.sections[12].numeral == "十三"


def test_tasks_numbered_and_titled(notice):
    assert len(notice.tasks) == 55
    assert [t.number for t in notice.tasks] == list(range(1, 56))
    t7 = notice.task(7)
    assert t7.numeral == "七" and t7.label == "(七)"
    assert t7.title == "推進數字鄉村建設"
    assert t7.section.number == 2
    assert notice.task(55).section.number == 13
    assert notice.task(56) is None and notice.task(0) is None
    # the web-page tail is not part of the shipped corpus nor of any task
    text = (config.ROOT / "corpus" / "guangdong-digital-2024-work-points.txt").read_text(encoding="utf-8")
    assert "點擊查看一圖讀懂" not in text
    assert all("點擊" not in t.text for t in notice.tasks)


@pytest.mark.parametrize("number", range(1, 56))
def test_responsibility_matches_reading(notice, truth, number):
    task = notice.task(number)
    expected = truth[number]
    assert list(task.leads) == expected["leads"]
    assert list(task.co) == expected["co"]
    assert task.open_ended == expected["open_ended"]


def test_counts(notice, truth):
    no_lead = [t.number for t in notice.tasks if not t.leads]
    assert len(no_lead) == 19
    assert no_lead == [n for n, v in truth.items() if not v["leads"]]
    assert sum("省政務服務和數據管理局" in t.leads for t in notice.tasks) == 21


@pytest.mark.parametrize(
    ("raw", "leads", "co", "open_ended"),
    [
        ("省發展改革委、科技廳、工業和信息化廳按職責分工負責", [], ["省發展改革委", "省科技廳", "省工業和信息化廳"], False),
        ("省委網信辦,省農業農村廳、政務服務和數據管理局牽頭", ["省委網信辦", "省農業農村廳", "省政務服務和數據管理局"], [], False),
        (
            "省政務服務和數據管理局牽頭,廣州、深圳、珠海出入境邊防檢查總站,中國人民銀行廣東省分行等有關單位按職責分工負責",
            ["省政務服務和數據管理局"],
            ["廣州出入境邊防檢查總站", "深圳出入境邊防檢查總站", "珠海出入境邊防檢查總站", "中國人民銀行廣東省分行"],
            True,
        ),
        ("國家金融監督管理總局廣東監管局牽頭", ["國家金融監督管理總局廣東監管局"], [], False),
        ("省海洋綜合執法總隊、廣東海事局按職責分工負責", [], ["省海洋綜合執法總隊", "廣東海事局"], False),
        ("省保密局、密碼管理局按職責分工負責 ", [], ["省保密局", "省密碼管理局"], False),
    ],
)
def test_unit_expansion(raw, leads, co, open_ended):
    r = parse_responsibility(raw)
    assert list(r.leads) == leads and list(r.co) == co and r.open_ended == open_ended


def test_bad_responsibility_text_is_rejected():
    with pytest.raises(ValueError):
        parse_responsibility("省教育廳負責督辦")


@pytest.mark.parametrize(
    ("alias", "unit"),
    [
        ("政數局", "省政務服務和數據管理局"),
        ("工信廳", "省工業和信息化廳"),
        ("發改委", "省發展改革委"),
        ("網信辦", "省委網信辦"),
        ("人社廳", "省人力資源社會保障廳"),
        ("住建廳", "省住房城鄉建設廳"),
        ("衛健委", "省衛生健康委"),
        ("文旅廳", "省文化和旅游廳"),
        ("市場監管局", "省市場監管局"),
        ("人民銀行廣東分行", "中國人民銀行廣東省分行"),
        ("教育廳", "省教育廳"),
        ("廣東省教育廳", "省教育廳"),
    ],
)
def test_aliases_resolve_in_both_scripts(notice, alias, unit):
    table = {fold(k): v for k, v in alias_table(notice.units).items()}
    assert table[fold(alias)] == unit
    from corpus.script import to_simplified

    assert table[fold(to_simplified(alias))] == unit


def test_numerals_round_trip():
    for n in range(1, 100):
        assert from_chinese(to_chinese(n)) == n
    assert from_chinese("五十五") == 55 and from_chinese("十") == 10 and from_chinese("7") == 7
    assert from_chinese("甲") is None


def test_script_detection_and_rendering():
    assert detect("第七項由哪些單位牽頭？") == "zh-Hant"
    assert detect("第七项由哪些单位牵头？") == "zh-Hans"
    assert detect("Who leads task 7?") == "en"
    assert render("牽頭單位", "zh-Hans") == "牵头单位"
    assert render("牽頭單位", "zh-Hant") == "牽頭單位"
    assert fold("牽頭") == fold("牵头")


def test_not_a_notice_is_a_clear_error():
    with pytest.raises(NoticeFormatError):
        parse("just some text\nwithout structure")
