"""The HTTP APIs of the running app (`python app.py` on a free loopback port) through real clients: the official
`openai` package, llama-index's OpenAILike, httpx for what a client library would hide, gradio_client for /ask.

Most tests run the app with `--llm none` and an API key; a second app with a small rate limit takes the flood;
a third, in front of a model server the test holds, shows the fair queue; the `llm` test uses the local model.
"""

from __future__ import annotations

import json
import threading

import httpx
import openai
import pytest
from gradio_client import Client

import app
import config
from assistant.answer import Answer
from corpus import load
from tests.apphelpers import AppServer, started_app
from tests.fakeservers import held_model_server
from web.gate import BUSY_FULL
from web.openai_api import MODEL_ID

NOTICE = load()
KEY = "test-key-3f9c2a"
ANSWER_KEYS = set(Answer("").to_json())
CROSS_BORDER = {1, 2, 3, 4, 45, 55}
GENERAL = "港澳居民居住證在大灣區有什麼便利？"  # retrieval; short Chinese evidence needs no model
EXPLAINED = "What conveniences do Hong Kong and Macao residence permits bring in the Greater Bay Area?"  # the model explains


def _items(citations: list[dict]) -> list[int]:
    return [c["item"] for c in citations]


def _client(server: AppServer, key: str = KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "v1", api_key=key, max_retries=0, timeout=120)


def _ask(client: openai.OpenAI, *messages: tuple[str, str], **kw):
    return client.chat.completions.create(model=MODEL_ID, messages=[{"role": r, "content": c} for r, c in messages],
                                          **kw)


@pytest.fixture(scope="module")
def server(request, tmp_path_factory) -> AppServer:
    return started_app(request, tmp_path_factory.mktemp("web-none"), llm="none",
                       settings={"GDPA_API_KEY": KEY, "GDPA_RATE_LIMIT": "6000"})


@pytest.fixture(scope="module")
def client(server) -> openai.OpenAI:
    return _client(server)


def _post(server: AppServer, path: str, body: bytes | dict, key: str | None = KEY) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return httpx.post(server.url + path.lstrip("/"), content=content, headers=headers, timeout=120)


def _error(r: httpx.Response, status: int) -> dict:
    """The OpenAI error object of a failed request, checked for shape and for leaks."""
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error"} and {"message", "type", "param", "code"} <= set(body["error"]), body
    assert body["error"]["message"].strip()
    assert "Traceback" not in r.text and str(config.ROOT) not in r.text and KEY not in r.text
    return body["error"]


# -- the openai package ---------------------------------------------------------------------------------

def test_models_lists_the_assistant(client):
    assert [m.id for m in client.models.list()] == [MODEL_ID]


def test_answer_with_markers_and_citations(client):
    r = _ask(client, ("user", "第七項由哪些單位牽頭？"))
    text = r.choices[0].message.content
    assert r.choices[0].finish_reason == "stop" and r.model == MODEL_ID
    assert "〔第七項〕" in text
    assert all(unit in text for unit in NOTICE.task(7).leads)
    extra = r.model_extra
    assert _items(extra["citations"]) == [7] and extra["refused"] is False
    assert extra["notice"] == "" and extra["used_llm"] is False
    cited = extra["citations"][0]
    assert set(cited) == {"item", "title", "section", "quote"}
    assert cited["title"] == NOTICE.task(7).title and cited["section"].startswith("二、")


def test_streaming_gives_the_same_answer_in_chunks(client):
    whole = _ask(client, ("user", GENERAL))
    chunks = list(_ask(client, ("user", GENERAL), stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == whole.choices[0].message.content
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert set(_items(last.model_extra["citations"])) & CROSS_BORDER
    assert last.model_extra["refused"] is False and last.model_extra["answer"] == text
    assert all(c.id == last.id for c in chunks)


def test_stream_is_server_sent_events_ending_with_done(server):
    body = {"model": MODEL_ID, "stream": True, "messages": [{"role": "user", "content": "第七項由哪些單位牽頭？"}]}
    with httpx.stream("POST", server.url + "v1/chat/completions", json=body, timeout=120,
                      headers={"Authorization": f"Bearer {KEY}"}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = [line for line in r.iter_lines() if line]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    chunks = [json.loads(e[6:]) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert _items(chunks[-1]["citations"]) == [7] and chunks[-1]["refused"] is False


def test_a_follow_up_resolves_with_the_earlier_turns(client):
    first = _ask(client, ("user", "第十八項是什麼？"))
    assert 18 in _items(first.model_extra["citations"])
    r = _ask(client, ("system", "You are a helpful assistant."), ("user", "第十八項是什麼？"),
             ("assistant", first.choices[0].message.content), ("user", "由誰牽頭？"))
    assert _items(r.model_extra["citations"]) == [18]
    assert all(unit in r.choices[0].message.content for unit in NOTICE.task(18).leads)


def test_a_refusal_is_an_ordinary_answer(client):
    r = _ask(client, ("user", "浙江省2024年數字化改革有哪些任務？"))
    assert r.choices[0].finish_reason == "stop" and r.choices[0].message.content.strip()
    assert r.model_extra["refused"] is True and r.model_extra["citations"] == []


def test_wrong_or_missing_key_is_401(server):
    with pytest.raises(openai.AuthenticationError) as wrong:
        _ask(_client(server, key="not-the-key"), ("user", "第七項由哪些單位牽頭？"))
    assert wrong.value.status_code == 401 and wrong.value.code == "invalid_api_key"
    assert _error(_post(server, "v1/chat/completions", {"messages": [{"role": "user", "content": "x"}]}, key=None),
                  401)["code"] == "missing_api_key"
    assert _error(_post(server, "api/ask", {"question": "第七項由哪些單位牽頭？"}, key="nope"), 401)
    assert _error(httpx.get(server.url + "v1/models", timeout=30), 401)


@pytest.mark.parametrize("path", ["v1/chat/completions", "api/ask"])
def test_malformed_json_is_400(server, path):
    error = _error(_post(server, path, b'{"messages": [{"role": "user", "content": "x"'), 400)
    assert error["code"] == "invalid_json" and "JSON" in error["message"]


@pytest.mark.parametrize(("body", "param", "words"), [
    ({"model": MODEL_ID}, "messages", "Missing"),
    ({"messages": []}, "messages", "at least 1"),
    ({"messages": "第七項？"}, "messages", "list"),
    ({"messages": [{"role": "system", "content": "hi"}]}, "messages", "no user message"),
    ({"messages": [{"role": "robot", "content": "hi"}]}, "messages.0.role", "'user'"),
    ({"messages": [{"role": "user", "content": "第七項？"}], "n": 3}, "n", "less than or equal to 1"),
    ([{"role": "user", "content": "第七項？"}], None, "JSON object"),
])
def test_invalid_chat_requests_get_a_clear_400(server, body, param, words):
    error = _error(_post(server, "v1/chat/completions", json.dumps(body).encode()), 400)
    assert error["param"] == param and words in error["message"], error


def test_sampling_parameters_and_content_parts_are_accepted(client):
    r = client.chat.completions.create(
        model="gpt-4o-mini", temperature=0.3, max_tokens=50, top_p=0.9, user="someone",
        messages=[{"role": "user", "content": [{"type": "text", "text": "第七項由哪些單位牽頭？"}]}])
    assert _items(r.model_extra["citations"]) == [7] and r.model == MODEL_ID


def test_unknown_routes_and_big_bodies_get_error_objects(server):
    assert _error(httpx.get(server.url + "v1/embeddings", headers={"Authorization": f"Bearer {KEY}"}, timeout=30),
                  404)["code"] == "unknown_route"
    assert _error(httpx.get(server.url + "api/ask", headers={"Authorization": f"Bearer {KEY}"}, timeout=30), 404)
    big = {"messages": [{"role": "user", "content": "字" * (2 << 20)}]}
    assert _error(_post(server, "v1/chat/completions", big), 413)["code"] == "request_too_large"


# -- llama-index's OpenAILike ---------------------------------------------------------------------------

def _openai_like(server: AppServer):
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(model=MODEL_ID, api_base=server.url + "v1", api_key=KEY, is_chat_model=True,
                      max_retries=0, timeout=120)


def test_openai_like_chat_and_stream(server):
    from llama_index.core.llms import ChatMessage

    llm = _openai_like(server)
    r = llm.chat([ChatMessage(role="user", content="第七項由哪些單位牽頭？")])
    assert "〔第七項〕" in r.message.content
    assert _items(r.raw.model_extra["citations"]) == [7]
    streamed = list(llm.stream_chat([ChatMessage(role="user", content="第七項由哪些單位牽頭？")]))
    assert streamed[-1].message.content == r.message.content


def test_openai_like_follow_up(server):
    from llama_index.core.llms import ChatMessage

    llm = _openai_like(server)
    q1 = "數字鄉村建設由誰牽頭？"
    first = llm.chat([ChatMessage(role="user", content=q1)])
    r = llm.chat([ChatMessage(role="user", content=q1), ChatMessage(role="assistant", content=first.message.content),
                  ChatMessage(role="user", content="那醫療數字化轉型呢？")])
    assert _items(r.raw.model_extra["citations"]) == [32] and "省衛生健康委" in r.message.content


# -- /api/ask and its OpenAPI description ------------------------------------------------------------------

def test_api_ask_returns_the_cli_json_object(server):
    r = _post(server, "api/ask", {"question": "第七項由哪些單位牽頭？"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == ANSWER_KEYS
    assert _items(body["citations"]) == [7] and not body["refused"] and body["kind"] == "who_leads"


def test_api_ask_follow_up_and_refusal(server):
    first = _post(server, "api/ask", {"question": "第十八項是什麼？"}).json()
    r = _post(server, "api/ask", {"question": "由誰牽頭？", "history": [["第十八項是什麼？", first["answer"]]]}).json()
    assert _items(r["citations"]) == [18]
    refused = _post(server, "api/ask", {"question": "How do I cook fried rice?"}).json()
    assert refused["refused"] is True and refused["citations"] == []


@pytest.mark.parametrize(("body", "param"), [
    ({}, "question"), ({"question": 7}, "question"), ({"question": "x", "history": [["only one"]]}, "history.0"),
    ({"question": "x", "extra": 1}, "extra"),
])
def test_api_ask_invalid_requests(server, body, param):
    error = _error(_post(server, "api/ask", body), 400)
    assert error["param"] is not None and error["param"].startswith(param), error


def test_openapi_describes_api_ask(server):
    spec = httpx.get(server.url + "openapi.json", timeout=30).json()
    ask = spec["paths"]["/api/ask"]["post"]
    assert ask["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/AskRequest")
    assert ask["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/AnswerModel")
    props = spec["components"]["schemas"]["AnswerModel"]["properties"]
    assert set(props) >= ANSWER_KEYS
    assert {"400", "401", "429"} <= set(ask["responses"])
    assert "/v1/chat/completions" in spec["paths"] and "/v1/models" in spec["paths"]


# -- the Gradio UI and /ask behind the key -----------------------------------------------------------------

def test_gradio_asks_for_a_login_and_ask_works_with_it(server):
    config_page = httpx.get(server.url + "config", timeout=30)
    assert config_page.json().get("auth_required") is True or config_page.status_code == 401
    with pytest.raises(Exception):  # noqa: B017 - gradio_client raises several types for a refused login
        Client(server.url, verbose=False, auth=("someone", "wrong-key"))
    result = Client(server.url, verbose=False, auth=("someone", KEY)).predict("第七項由哪些單位牽頭？", api_name="/ask")
    assert set(result) == ANSWER_KEYS and _items(result["citations"]) == [7]


# -- rate limit -------------------------------------------------------------------------------------------

def test_a_flood_past_the_rate_limit_gets_429(request, tmp_path_factory):
    srv = started_app(request, tmp_path_factory.mktemp("web-limited"), llm="none",
                      settings={"GDPA_API_KEY": KEY, "GDPA_RATE_LIMIT": "5"})
    client = _client(srv)
    answered, limited = 0, []
    for _ in range(12):
        try:
            _ask(client, ("user", "第七項由哪些單位牽頭？"))
            answered += 1
        except openai.RateLimitError as e:
            limited.append(e)
    assert 1 <= answered <= 6 and limited  # the bucket holds 5 (and refills 1 every 12 s)
    assert limited[0].status_code == 429 and limited[0].code == "rate_limit_exceeded"
    assert int(limited[0].response.headers["Retry-After"]) >= 1
    assert _error(_post(srv, "api/ask", {"question": "第七項由哪些單位牽頭？"}), 429)  # same client, same bucket
    assert httpx.get(srv.url + "healthz", timeout=30).status_code == 200  # the page itself is not limited


# -- fair queueing ------------------------------------------------------------------------------------------

def test_record_answers_pass_while_the_model_is_busy(request, tmp_path_factory):
    """One request holds the model (the server answers only when the test says so) and nobody may wait:
    a second model question gets its evidence at once with the reason, a record question its exact answer,
    both while the first is still inside the model."""
    with held_model_server() as model:
        srv = started_app(request, tmp_path_factory.mktemp("web-held"), llm=model.url,
                          settings={"GDPA_MODEL_QUEUE": "0", "GDPA_MODEL_QUEUE_TIMEOUT": "60"})
        client = _client(srv, key="unused")
        first: dict = {}

        def ask_first() -> None:
            first["r"] = _ask(client, ("user", EXPLAINED))

        holder = threading.Thread(target=ask_first, daemon=True)
        holder.start()
        assert model.started.wait(120), srv.log_tail()
        busy = _ask(client, ("user", "What does Guangdong plan for Hong Kong and Macao vehicles?"))
        record = _ask(client, ("user", "第七項由哪些單位牽頭？"))
        streamed = list(_ask(client, ("user", "What is the 港車北上 arrangement?"), stream=True))
        assert holder.is_alive() and not model.release.is_set()  # all of the above while the model was held
        model.release.set()
        holder.join(120)
    assert busy.model_extra["notice"].endswith(BUSY_FULL) and busy.model_extra["citations"]
    assert BUSY_FULL in busy.choices[0].message.content
    assert _items(record.model_extra["citations"]) == [7] and record.model_extra["notice"] == ""
    assert BUSY_FULL in streamed[-1].model_extra["notice"] and streamed[-1].model_extra["citations"]
    assert BUSY_FULL not in first["r"].model_extra["notice"] and first["r"].model_extra["citations"]


# -- start-up ----------------------------------------------------------------------------------------------

def test_network_bind_without_a_key_is_refused(monkeypatch, capsys):
    monkeypatch.delenv("GDPA_API_KEY", raising=False)
    assert app.main(["--host", "0.0.0.0", "--llm", "none"]) == 2
    err = capsys.readouterr().err
    assert "GDPA_API_KEY" in err and "--insecure-no-auth" in err and "Traceback" not in err


# -- the local model ------------------------------------------------------------------------------------------

@pytest.mark.llm
def test_local_model_through_the_openai_client(request, tmp_path_factory):
    srv = started_app(request, tmp_path_factory.mktemp("web-local"), llm="local", timeout=300,
                      settings={"GDPA_API_KEY": KEY})
    client = _client(srv)
    r = _ask(client, ("user", GENERAL))
    assert set(_items(r.model_extra["citations"])) & CROSS_BORDER and not r.model_extra["refused"], srv.log_tail()
    chunks = list(_ask(client, ("user", "港车北上是什么？"), stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text.strip() and text == chunks[-1].model_extra["answer"]
    assert chunks[-1].model_extra["citations"]
