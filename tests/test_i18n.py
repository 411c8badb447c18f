"""The interface language: the browser-language mapping, the string tables, and what the server renders in each
language (no browser; tests/test_browser.py drives the page)."""

from __future__ import annotations

import re
import string

import pytest

import assistant.explain as explain
from corpus import load
from corpus.script import to_simplified, to_traditional
from web import i18n, ui
from web.gate import BUSY_FULL, BUSY_TIMEOUT

NOTICE = load()
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# a Chinese label and an English one joined by a slash: "出處 / Sources", "全部單位 / All units", "Sources / 出處"
BILINGUAL = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]\s*/\s*[A-Za-z]|[A-Za-z.)]\s*/\s*[\u3400-\u9fff]")
PIPELINE_NOTICE = "模型未載入,只顯示原文證據。/ Model unavailable: evidence only."  # assistant/pipeline.py
NOTICES = [BUSY_FULL, BUSY_TIMEOUT.format(s=30), explain.BUSY, explain.WITHDRAWN, PIPELINE_NOTICE]


# -- which language for which browser ---------------------------------------------------------------

@pytest.mark.parametrize("tag, lang", [
    ("zh-HK", "zh-Hant"), ("zh-TW", "zh-Hant"), ("zh-MO", "zh-Hant"), ("zh-Hant", "zh-Hant"),
    ("zh-Hant-HK", "zh-Hant"), ("zh-Hant-CN", "zh-Hant"), ("zh_TW", "zh-Hant"), ("ZH-hk", "zh-Hant"),
    ("yue", "zh-Hant"), ("yue-HK", "zh-Hant"), ("yue-Hans", "zh-Hans"),
    ("zh-CN", "zh-Hans"), ("zh-SG", "zh-Hans"), ("zh-Hans", "zh-Hans"), ("zh-Hans-HK", "zh-Hans"), ("zh", "zh-Hans"),
    ("en", "en"), ("en-US", "en"), ("en-GB", "en"),
    ("fr-FR", None), ("de", None), ("", None), (None, None),
])
def test_lang_of_tag(tag, lang):
    assert i18n.lang_of_tag(tag) == lang


def test_browser_lang_takes_the_first_language_we_have():
    assert i18n.browser_lang("zh-HK") == "zh-Hant"
    assert i18n.browser_lang(["fr-FR", "zh-HK", "en"]) == "zh-Hant"  # a French reader who also reads 繁體
    assert i18n.browser_lang(["de-DE", "en-US", "zh-CN"]) == "en"
    assert i18n.browser_lang(["fr-FR", "de"]) == "en"  # none of ours: English
    assert i18n.browser_lang([]) == "en" and i18n.browser_lang(None) == "en"


def test_gradio_locales_follow_the_same_mapping():
    locales = i18n.gradio_locales()
    for tag, table in locales.items():
        assert table == locales[i18n.GRADIO_LOCALE[i18n.browser_lang(tag)]], tag
    assert set(locales) >= {"zh-TW", "zh-HK", "zh-MO", "zh-CN", "zh-SG", "zh", "en"}
    assert locales["zh-HK"][i18n.KEY_PREFIX + "sources"] == "出處"
    assert locales["zh-CN"][i18n.KEY_PREFIX + "sources"] == "出处"
    assert locales["en"][i18n.KEY_PREFIX + "sources"] == "Sources"


def test_no_translation_key_looks_like_a_value():
    """Gradio's page translates any prop value equal to a key: a key must never be a radio or dropdown value
    (or anything a user would type)."""
    keys = {k for table in i18n.gradio_locales().values() for k in table}
    values = {v for _, v in ui.SCRIPT_CHOICES} | {v for _, v in i18n.LANG_CHOICES} | {ui.ALL_UNITS, *NOTICE.units}
    assert all(k.startswith(i18n.KEY_PREFIX) for k in keys)
    assert not keys & values
    with pytest.raises(KeyError):
        i18n.label("no-such-key")


def test_normalize():
    assert [i18n.normalize(x) for x in ("zh-Hant", "zh-Hans", "en")] == ["zh-Hant", "zh-Hans", "en"]
    assert i18n.normalize(None) == i18n.normalize("fr") == i18n.normalize(3) == i18n.DEFAULT


# -- the tables ----------------------------------------------------------------------------------------

def test_tables_have_the_same_keys_and_placeholders():
    keys = set(i18n.STRINGS["zh-Hant"])
    for lang in i18n.LANGS:
        assert set(i18n.STRINGS[lang]) == keys, lang
    for key in keys:
        fields = {lang: {f for _, f, _, _ in string.Formatter().parse(i18n.STRINGS[lang][key]) if f}
                  for lang in i18n.LANGS}
        assert fields["zh-Hant"] == fields["zh-Hans"] == fields["en"], key


def test_each_table_is_in_one_language():
    for key, hant in i18n.STRINGS["zh-Hant"].items():
        hans, en = i18n.STRINGS["zh-Hans"][key], i18n.STRINGS["en"][key]
        assert to_traditional(hant) == hant, key  # nothing Simplified-only in 繁體
        assert to_simplified(hans) == hans, key  # nothing Traditional-only in 简体
        assert (CJK.search(hant) and CJK.search(hans)) or not re.search(r"\w", hant + hans + en), key  # or punctuation
        # English: Chinese only inside the notice's name 《…》
        assert not CJK.search(re.sub(r"《[^》]*》", "", en)), key
    for lang in i18n.LANGS:
        for key, value in i18n.STRINGS[lang].items():
            assert not BILINGUAL.search(value), (lang, key, value)


def test_interface_labels_are_translated_per_language():
    assert [i18n.text("follow", lang) for lang in i18n.LANGS] == ["跟隨提問", "跟随提问", "Follow question"]
    assert [i18n.text("all_units", lang) for lang in i18n.LANGS] == ["全部單位", "全部单位", "All units"]
    assert [i18n.text("pending", lang) for lang in i18n.LANGS] == ["正在查找原文…", "正在查找原文…", "Looking it up…"]
    assert i18n.text("sources", None) == "出處"  # before the page has said: the default


# -- notices (the assistant's and the model queue's) -----------------------------------------------

@pytest.mark.parametrize("notice", NOTICES)
def test_a_bilingual_notice_is_shown_in_one_language(notice):
    zh, en = (part.strip() for part in notice.split("/", 1))
    assert i18n.localize_notice(notice, "zh-Hant") == zh
    assert i18n.localize_notice(notice, "zh-Hans") == to_simplified(zh)
    assert i18n.localize_notice(notice, "en") == en
    combined = f"{PIPELINE_NOTICE} {notice}"  # gate.evidence_only appends its reason to a notice
    assert not CJK.search(i18n.localize_notice(combined, "en"))
    assert not re.search(r"[A-Za-z]{3}", i18n.localize_notice(combined, "zh-Hant"))


def test_a_notice_without_a_translation_is_left_alone():
    assert i18n.localize_notice("只有中文的說明。", "en") == "只有中文的說明。"
    assert i18n.localize_notice("English only.", "zh-Hant") == "English only."


# -- what the server renders ----------------------------------------------------------------------

ANSWER = {"answer": "第七項由省委網信辦等牽頭。〔第七項〕", "script": "zh-Hant", "kind": "who_leads",
          "citations": [{"item": 7, "title": "t", "section": "s", "quote": ""}], "notice": BUSY_FULL}


def _others(lang: str, key: str) -> list[str]:
    return [i18n.STRINGS[o][key] for o in i18n.LANGS if i18n.STRINGS[o][key] != i18n.STRINGS[lang][key]]


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_answer_message_words_follow_the_viewer_and_the_answer_the_asker(lang):
    out = ui.answer_html(NOTICE, ANSWER, "follow", lang=lang)
    for key in ("sources", "section", "lead_units", "co_units"):
        assert i18n.text(key, lang) in out, key
        assert not any(f">{o}<" in out for o in _others(lang, key)), key
    assert "第七項由省委網信辦等牽頭。" in out  # the answer stays in the asker's script
    assert i18n.localize_notice(BUSY_FULL, lang) in out and "/" not in out.split('gdpa-note">')[1].split("<")[0]
    assert not BILINGUAL.search(re.sub(r"<[^>]+>", " ", out))


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_pending_empty_question_apology_and_export_follow_the_viewer(lang):
    assert ui.pending_html(lang) == f'<span class="gdpa-pending">{i18n.text("pending", lang)}</span>'
    assert ui.question_html("   ", lang) == i18n.text("empty_question", lang)
    apology = {"question": "第七項?", "answer": ui._apology().to_json()}
    shown = ui.chat_messages(NOTICE, [apology], "follow", lang)[1]["content"]
    assert shown == ui._plain(i18n.text("apology", lang))
    md = ui.conversation_markdown(NOTICE, [apology, {"question": "第七項?", "answer": ANSWER}], "follow", lang)
    assert f"· {i18n.text('conversation', lang)}" in md and f"{i18n.text('exported', lang)}: " in md
    assert f"\n{i18n.text('sources', lang)}:\n" in md and i18n.text("apology", lang) in md
    assert not BILINGUAL.search(md)


@pytest.mark.parametrize("question", ["", "   ", "!!!", 123, "長" * 2100])
def test_the_reply_to_a_question_that_cannot_be_taken_is_in_the_viewer_language(assistant, question):
    answer = assistant.evidence(question).to_json()
    assert answer["kind"] == "invalid" and "/" in answer["answer"]  # the assistant writes both languages
    zh, en = (part.strip() for part in answer["answer"].split("/", 1))
    for lang, expected in (("zh-Hant", zh), ("zh-Hans", to_simplified(zh)), ("en", en)):
        turn = {"question": question if isinstance(question, str) else "", "answer": answer}
        assert ui.chat_messages(NOTICE, [turn], "follow", lang)[1]["content"] == ui._plain(expected)
        assert ui._plain(expected) == ui._plain(ui._answer_text(answer, "follow", lang))


def test_the_api_apology_stays_for_clients_without_an_interface():
    assert ui._apology().to_json()["answer"] == ui.APOLOGY


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_browse_table_words_follow_the_viewer(lang):
    everything = ui.browse_html(NOTICE, ui.ALL_UNITS, "follow", lang)
    assert i18n.text("browse_all", lang).format(sections=len(NOTICE.sections), tasks=len(NOTICE.tasks)) in everything
    head = f"<th>{i18n.text('item', lang)}</th><th>{i18n.text('task', lang)}</th><th>{i18n.text('lead_units', lang)}</th>"
    assert head in everything
    one = ui.browse_html(NOTICE, "省教育廳", "follow", lang)
    assert f"<th>{i18n.text('role', lang)}</th>" in one
    assert (f'<span class="gdpa-cell-label">{i18n.text("role", lang)}{i18n.text("colon", lang)}</span>'
            f'{i18n.text("role_lead", lang)}') in one
    assert "〔第" in one  # the notice's own words stay Chinese
    assert not BILINGUAL.search(re.sub(r"<[^>]+>", " ", everything + one))


def test_without_a_viewer_language_the_words_follow_the_shown_script():
    """answer_html / browse_html called without `lang` (as before this change): the notice's script."""
    assert "出處" in ui.answer_html(NOTICE, ANSWER, "follow")
    assert "出处" in ui.answer_html(NOTICE, ANSWER, "zh-Hans") and "牵头单位" in ui.answer_html(NOTICE, ANSWER, "zh-Hans")
    assert "<th>任务</th>" in ui.browse_html(NOTICE, ui.ALL_UNITS, "zh-Hans")


def test_escaping_holds_in_every_language():
    hostile = {**ANSWER, "answer": '<img src=x onerror=alert(1)> **b**', "notice": "<b>n</b> / <i>x</i>"}
    for lang in i18n.LANGS:
        out = ui.answer_html(NOTICE, hostile, "follow", lang=lang)
        assert "<img" not in out and "<b>n" not in out and "<i>" not in out
        assert "&lt;img src=x onerror=alert(1)&gt;" in out
        assert "<script" not in ui.browse_html(NOTICE, "<script>alert(1)</script>", "follow", lang)
        assert "<" not in ui.question_html("<script>alert(1)</script>", lang).replace("&lt;", "")


def test_the_chat_handler_answers_in_the_viewer_language(tmp_path):
    """respond(): the pending line, then the final messages, with the viewer's words (no server needed)."""
    import config
    from tests.test_app_api import _BrokenAssistant, _handler

    cfg = config.load(feedback_path=tmp_path / "fb.jsonl", llm="none")
    demo = ui.build_app(_BrokenAssistant(), cfg)
    for lang in i18n.LANGS:
        first, *_, last = list(_handler(demo, "respond")("第七項由誰牽頭？", [], "follow", lang))
        assert first[0][-1]["content"] == ui.pending_html(lang)
        assert last[0][-1]["content"] == ui._plain(i18n.text("apology", lang))
