"""The Gradio app through its public API: `python app.py` in a subprocess, called with gradio_client.

The default tests run the app with `--llm none` (exact and extractive answers, ~20 s in all);
the `llm` test starts it with the real local model and asks one question (~1-2 min on 2 cores).
A few in-process tests cover the pieces a client cannot reach: escaping, feedback lines,
the browse table, start-up flags and what a user sees when the assistant fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gradio_client import Client

import app
import config
from assistant.answer import Answer
from corpus import load
from tests.apphelpers import AppServer, free_port, started_app
from web import ui

NOTICE = load()
ANSWER_KEYS = set(Answer("").to_json())
CROSS_BORDER = {1, 2, 3, 4, 45, 55}


def _items(result: dict) -> list[int]:
    return [c["item"] for c in result["citations"]]


@pytest.fixture(scope="module")
def server(request, tmp_path_factory) -> AppServer:
    return started_app(request, tmp_path_factory.mktemp("app-none"), llm="none")


@pytest.fixture(scope="module")
def client(server) -> Client:
    return Client(server.url, verbose=False)


# -- the real app, --llm none ---------------------------------------------------------------------

def test_public_api_is_only_ask(client):
    api = client.view_api(print_info=False, return_format="dict")
    assert list(api["named_endpoints"]) == ["/ask"]
    assert not api["unnamed_endpoints"]


def test_who_leads_item_7(client):
    result = client.predict("第七項由哪些單位牽頭？", api_name="/ask")
    assert set(result) == ANSWER_KEYS
    assert _items(result) == [7]
    assert result["citations"][0]["title"] == NOTICE.task(7).title
    assert not result["refused"]
    leads = NOTICE.task(7).leads
    assert len(leads) == 3
    for unit in leads:
        assert unit in result["answer"], unit


@pytest.mark.parametrize("history", [None, []])
def test_history_may_be_none_or_empty(client, history):
    result = client.predict("第七項由哪些單位牽頭？", history, api_name="/ask")
    assert _items(result) == [7]


def test_follow_up_uses_history(client):
    first = client.predict("第十八項是什麼？", api_name="/ask")
    assert 18 in _items(first)
    result = client.predict(question="由誰牽頭？", history=[["第十八項是什麼？", first["answer"]]], api_name="/ask")
    assert _items(result) == [18]
    leads = NOTICE.task(18).leads
    assert leads
    for unit in leads:
        assert unit in result["answer"], unit


@pytest.mark.parametrize("question", [
    "<img src=x onerror=alert(1)>第七項由誰牽頭",
    "<script>alert('x')</script>",
    "<b>省教育廳</b>牽頭哪些工作？",
])
def test_html_question_gets_text_and_no_crash(client, question):
    result = client.predict(question, api_name="/ask")
    assert set(result) == ANSWER_KEYS
    assert isinstance(result["answer"], str) and result["answer"].strip()
    assert "Traceback" not in result["answer"]
    if result["refused"]:
        assert result["kind"] in {"invalid", "out_of_scope"}


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_is_refused_with_a_message(client, question):
    result = client.predict(question, api_name="/ask")
    assert result["refused"] is True
    assert result["kind"] == "invalid"
    assert result["answer"].strip()
    assert result["citations"] == []


def test_too_long_question_is_refused(client):
    limit = config.load().max_question_chars
    result = client.predict("第七項由哪些單位牽頭？" + "字" * limit, api_name="/ask")
    assert result["refused"] is True
    assert result["kind"] == "invalid"
    assert result["answer"].strip()


def test_bad_history_is_ignored(client):
    result = client.predict("第七項由哪些單位牽頭？", [["only one"], [], ["第十八項是什麼？", "x", "extra"]],
                            api_name="/ask")
    assert _items(result) == [7]


# -- the real app with the local model ------------------------------------------------------------

@pytest.mark.llm
def test_cross_border_question_with_local_model(tmp_path_factory):
    srv = AppServer(tmp_path_factory.mktemp("app-local"), llm="local")
    try:
        srv.start(timeout=300)
        result = Client(srv.url, verbose=False).predict("港澳居民居住证在大湾区有什么便利？", api_name="/ask")
    finally:
        srv.stop()
    assert set(result) == ANSWER_KEYS
    assert result["answer"].strip(), srv.log_tail()
    assert not result["refused"]
    assert set(_items(result)) & CROSS_BORDER, result


# -- in process: rendering, feedback, browse, flags, failures -------------------------------------

def test_answer_text_is_escaped_and_sources_are_complete():
    answer = {"answer": '<img src=x onerror=alert(1)> **bold** [link](http://x)', "script": "zh-Hant",
              "citations": [{"item": 7, "title": "t", "section": "s"}], "notice": "<b>n</b>"}
    out = ui.answer_html(NOTICE, answer, "follow")
    assert "<img" not in out and "<b>n" not in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out
    assert "\\[link\\](http://x)" in out and "\\*\\*bold" in out  # Markdown syntax made literal
    task = NOTICE.task(7)
    for piece in ["〔第七項〕", task.title, task.section.title, *task.leads, *task.co]:
        assert piece in out, piece
    assert ui._esc(task.text) in out
    simplified = ui.answer_html(NOTICE, answer, "zh-Hans")
    assert "〔第七项〕" in simplified and "牵头单位" in simplified


def test_citations_link_to_sources_with_the_quote_highlighted():
    task = NOTICE.task(1)
    quote = "進一步提升外國人永久居留身份證、港澳居民居住證、港澳居民往來內地通行證等證件在大灣區行、消、住、游等方面的便利化應用。"
    answer = {"answer": "見〔第一項〕,[Task 1],〔第九項〕<a class=\"gdpa-cite\">x</a>", "script": "zh-Hant",
              "citations": [{"item": 1, "title": task.title, "section": "s", "quote": quote}]}
    out = ui.answer_html(NOTICE, answer, "follow", key="4")
    assert '<a class="gdpa-cite" href="#gdpa-src-4-1">〔第一項〕</a>' in out
    assert '<a class="gdpa-cite" href="#gdpa-src-4-1">\\[Task 1\\]</a>' in out
    assert "〔第九項〕&lt;a" in out  # not cited: no link; the answer's own tag stays text
    assert out.count("<a ") == 2
    assert '<details class="gdpa-src" id="gdpa-src-4-1"' in out
    assert f'<mark class="gdpa-quote">{quote}</mark>' in out
    runs = ui.quote_spans(task.text, quote)
    assert "".join(r for r, _ in runs) == task.text and [r for r, q in runs if q] == [quote]
    # a quote given as sentences that stand apart: each is marked where it stands
    two = ui.quote_spans("甲乙丙。丁戊己。庚辛壬。", "甲乙丙。庚辛壬。")
    assert two == [("甲乙丙。", True), ("丁戊己。", False), ("庚辛壬。", True)]
    assert ui.quote_spans("甲乙丙。", "") == [("甲乙丙。", False)]
    partial = ui.answer_html(NOTICE, answer, "follow", partial=True)
    assert "<a " not in partial  # sources come with the final answer, links with them


def test_script_switch_converts_answer_both_ways():
    hant = {"answer": "由省教育廳牽頭。", "script": "zh-Hant", "citations": []}
    hans = {"answer": "由省教育厅牵头。", "script": "zh-Hans", "citations": []}
    assert "牵头" in ui.answer_html(NOTICE, hant, "zh-Hans")
    assert "牽頭" in ui.answer_html(NOTICE, hans, "zh-Hant")
    assert "牵头" in ui.answer_html(NOTICE, hans, "follow")
    assert "牽頭" in ui.answer_html(NOTICE, hant, "follow")


def test_feedback_is_appended_one_line_per_vote(tmp_path):
    path = tmp_path / "sub" / "feedback.jsonl"
    ui.append_feedback(path, {"vote": "up", "question": "第七項？"})
    before = path.read_bytes()
    ui.append_feedback(path, {"vote": "down", "question": "x\ny"})
    data = path.read_bytes()
    assert data.startswith(before)
    lines = data.decode().splitlines()
    assert [json.loads(line)["vote"] for line in lines] == ["up", "down"]


def test_browse_filters_by_unit_and_escapes():
    unit = "省教育廳"
    out = ui.browse_html(NOTICE, unit, "follow")
    expected = [t for t in NOTICE.tasks if unit in t.units]
    assert expected
    for t in NOTICE.tasks:
        assert (f"〔第{t.numeral}項〕" in out) == (t in expected), t.number
    everything = ui.browse_html(NOTICE, ui.ALL_UNITS, "follow")
    assert all(f"〔第{t.numeral}項〕" in everything for t in NOTICE.tasks)
    assert all(ui._esc(s.title) in everything for s in NOTICE.sections)
    assert "<script" not in ui.browse_html(NOTICE, "<script>alert(1)</script>", "follow")


def test_clean_history():
    assert ui._clean_history(None) == []
    assert ui._clean_history("nonsense") == []
    assert ui._clean_history([["q", "a"], ["q2", None], [1, 2], ["solo"]]) == [("q", "a"), ("q2", "")]


def test_non_loopback_host_needs_the_flag(monkeypatch, capsys):
    monkeypatch.setenv("GDPA_HOST", "0.0.0.0")
    assert app.main([]) == 2
    assert "--host" in capsys.readouterr().err


class _BrokenAssistant:
    """Fails the way an unexpected bug would, with a path and a config value in the message."""

    def __init__(self) -> None:
        self.notice = NOTICE
        self.llm = None

    def evidence(self, question, history=None):
        raise RuntimeError("boom in /secret/dir/model.gguf llm_ctx=2048")


def _handler(demo, name: str):
    return next(f.fn for f in demo.fns.values() if getattr(f.fn, "__name__", "") == name)


def test_failures_become_a_short_apology(tmp_path):
    cfg = config.load(feedback_path=tmp_path / "fb.jsonl", llm="none")
    demo = ui.build_app(_BrokenAssistant(), cfg)
    # the chat handler: its last output is an apology turn, nothing of the exception
    *_, (messages, turns, *_) = list(_handler(demo, "respond")("第七項由誰牽頭？", [], "follow"))
    shown = json.dumps(messages, ensure_ascii=False)
    assert ui._esc(ui.APOLOGY.split(",")[0]) in shown
    assert "secret" not in shown and "Traceback" not in shown and "llm_ctx" not in shown
    assert turns[-1]["answer"]["kind"] == "error"
    # the API endpoint, through a real server
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True,
                ssr_mode=False, share=False)
    try:
        result = Client(f"http://127.0.0.1:{demo.server_port}/", verbose=False).predict("第七項？", api_name="/ask")
    finally:
        demo.close()
    assert set(result) == ANSWER_KEYS
    assert result["answer"] == ui.APOLOGY and result["refused"] is True
    assert "secret" not in json.dumps(result)


def test_like_handler_writes_feedback(tmp_path):
    import gradio as gr

    cfg = config.load(feedback_path=tmp_path / "fb.jsonl", llm="none")
    demo = ui.build_app(_BrokenAssistant(), cfg)
    answer = Answer("由省教育廳牽頭。", kind="unit_tasks").to_json()
    turns = [{"question": "第一問", "answer": answer}]
    on_like = _handler(demo, "on_like")
    on_like(turns, gr.LikeData(None, {"index": 1, "value": "x", "liked": False}))
    on_like(turns, gr.LikeData(None, {"index": 0, "value": "x", "liked": True}))  # a user message: ignored
    on_like(turns, gr.LikeData(None, {"index": 7, "value": "x", "liked": True}))  # stale index: ignored
    lines = Path(cfg.feedback_path).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert set(record) == {"time", "vote", "question", "answer", "citations"}
    assert record["vote"] == "down" and record["question"] == "第一問" and record["answer"] == "由省教育廳牽頭。"
