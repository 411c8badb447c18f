"""The app as a user meets it: Debian chromium driven by Playwright against `python app.py`.

Screenshots go to test-output/ (gitignored). The default test runs the app with `--llm none`
(~30 s); the `llm` one starts the local model and watches an answer stream in (~1-2 min).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus import load
from tests.apphelpers import OUTPUT, AppServer

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium (/usr/bin/chromium) is not installed: "
                       "apt-get install chromium (scripts/install.sh dev does this)"),
]

NOTICE = load()
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    OUTPUT.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-US", accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    pg.dialogs = []  # an alert() would mean injected HTML ran
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.outside = []  # the page must not reach past this machine
    pg.on("request", lambda r: pg.outside.append(r.url)
          if not re.match(r"^(https?://127\.0\.0\.1[:/]|data:|blob:|about:)", r.url) else None)
    yield pg
    context.close()


@contextlib.contextmanager
def _screenshot_on_failure(page, name: str, server: AppServer | None = None) -> Iterator[None]:
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            page.screenshot(path=str(OUTPUT / f"FAILED-{name}.png"), full_page=True)
        if server is not None:
            print(f"--- app log ---\n{server.log_tail()}")
        raise


@pytest.fixture(scope="module")
def server(request, tmp_path_factory) -> AppServer:
    OUTPUT.mkdir(exist_ok=True)
    srv = AppServer(tmp_path_factory.mktemp("browser-none"), llm="none")
    request.addfinalizer(srv.stop)
    return srv.start(timeout=180)


def _ask(page, question: str, answers_before: int) -> None:
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        """n => { const bots = document.querySelectorAll('#chat [data-testid="bot"]');
                  if (bots.length <= n) return false;
                  const last = bots[bots.length - 1];
                  return !last.querySelector('.gdpa-pending') && !last.innerText.includes('▌'); }""",
        arg=answers_before, timeout=60_000)


def _bot_texts(page) -> list[str]:
    return page.locator('#chat [data-testid="bot"]').all_inner_texts()


def test_ask_sources_script_feedback_export_browse(server, page):
    with _screenshot_on_failure(page, "ask-sources-script", server):
        _chat_journey(server, page)


def _chat_journey(server: AppServer, page) -> None:
    task = NOTICE.task(7)
    page.goto(server.url)
    page.wait_for_selector("#question textarea")

    # 1. a civil servant's question: the answer names the three lead units, the source panel shows item 7
    _ask(page, "第七項由哪些單位牽頭？", 0)
    page.wait_for_selector("#chat .gdpa-sources")
    answer = _bot_texts(page)[-1]
    for unit in task.leads:
        assert unit in answer, f"{unit} missing from the answer: {answer[:300]}"
    summary = page.locator("#chat details.gdpa-src summary").last
    assert "〔第七項〕" in summary.inner_text() and task.title in summary.inner_text()
    summary.click()
    body = page.locator("#chat details.gdpa-src .gdpa-src-body").last
    body.wait_for(state="visible")
    assert task.co[0] in body.inner_text() and task.section.title[:8] in body.inner_text()
    page.screenshot(path=str(OUTPUT / "browser-1-answer-and-source.png"), full_page=True)

    # 2. 简体: the answer and the source are converted
    page.get_by_text("简体", exact=True).click()
    page.wait_for_function("document.querySelector('#chat').innerText.includes('牵头')")
    converted = _bot_texts(page)[-1]
    assert "牵头" in converted and "牽頭" not in converted
    assert "〔第七项〕" in page.locator("#chat details.gdpa-src summary").last.inner_text()
    page.screenshot(path=str(OUTPUT / "browser-2-simplified.png"), full_page=True)
    page.locator("#script-choice").get_by_text("Follow question", exact=True).click()  # the page is in English
    page.wait_for_function("document.querySelector('#chat').innerText.includes('牽頭')")

    # 3. thumbs up → one JSON line in the feedback file
    page.locator('#chat button[aria-label="Like"]').last.click()
    deadline = time.monotonic() + 10
    while not server.feedback_records() and time.monotonic() < deadline:
        time.sleep(0.2)
    records = server.feedback_records()
    assert len(records) == 1, server.log_tail()
    assert records[0]["vote"] == "up" and records[0]["question"] == "第七項由哪些單位牽頭？"
    assert [c["item"] for c in records[0]["citations"]] == [7]

    # 4. pasted HTML is shown as text and runs nothing
    _ask(page, "<img src=x onerror=alert(1)>第七項由誰牽頭", 1)
    assert "<img src=x onerror=alert(1)>" in page.locator("#chat").inner_text()
    assert page.locator("#chat img[src='x']").count() == 0
    # 5. a follow-up keeps the conversation
    _ask(page, "第十八項是什麼？", 2)
    _ask(page, "由誰牽頭？", 3)
    last = _bot_texts(page)[-1]
    assert NOTICE.task(18).leads[0] in last and "〔第十八項〕" in last
    page.screenshot(path=str(OUTPUT / "browser-3-conversation.png"), full_page=True)

    # 6. export the conversation as Markdown
    with page.expect_download() as download:
        page.click("#export")
    md = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename.endswith(".md")
    assert "第七項由哪些單位牽頭？" in md and "由誰牽頭？" in md and "〔第十八項〕" in md
    assert "<img" not in md

    # 7. browse: everything a unit leads or shares
    unit = "省教育廳"
    page.get_by_role("tab", name="Browse tasks").click()  # the page in English: the browser's locale
    page.wait_for_selector("#browse table")
    assert page.locator("#browse tbody tr").count() == len(NOTICE.tasks)
    page.click("#unit-filter input")
    page.get_by_role("option", name=unit, exact=True).click()
    expected = [t for t in NOTICE.tasks if unit in t.units]
    page.wait_for_function(f"document.querySelectorAll('#browse tbody tr').length === {len(expected)}")
    text = page.locator("#browse").inner_text()
    for t in expected:
        assert f"〔第{t.numeral}項〕" in text and t.title in text
    page.screenshot(path=str(OUTPUT / "browser-4-browse-by-unit.png"), full_page=True)

    # 8. clear
    page.get_by_role("tab", name="Ask", exact=True).click()
    page.click("#clear")
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=\"bot\"]').length === 0")

    assert not page.dialogs, page.dialogs
    assert not page.outside, f"requests left the machine: {page.outside[:5]}"


@pytest.mark.llm
def test_answer_streams_with_local_model(page, request, tmp_path_factory):
    srv = AppServer(tmp_path_factory.mktemp("browser-local"), llm="local")
    request.addfinalizer(srv.stop)
    srv.start(timeout=300)
    with _screenshot_on_failure(page, "llm-stream", srv):
        page.goto(srv.url)
        page.wait_for_selector("#question textarea")
        # an English question over Chinese evidence: the evidence shows first, the explanation streams below
        page.fill("#question textarea", "What do Hong Kong and Macao residence permits make easier in the Greater Bay Area?")
        page.keyboard.press("Enter")
        partials: list[str] = []
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not page.locator("#chat .gdpa-sources").count():
            bots = _bot_texts(page)
            if bots and "▌" in bots[-1] and (not partials or partials[-1] != bots[-1]):
                partials.append(bots[-1])
                if len(partials) == 2:
                    page.screenshot(path=str(OUTPUT / "browser-llm-1-streaming.png"))
            time.sleep(0.1)
        page.wait_for_selector("#chat .gdpa-sources", timeout=5_000)
        page.screenshot(path=str(OUTPUT / "browser-llm-2-final.png"), full_page=True)
        final = _bot_texts(page)[-1]
        assert final.strip()
        assert "▌" not in final
        assert partials, "no partial answer was shown while the model wrote"
        assert all(p.startswith(partials[0][:40]) for p in partials)  # the evidence stays on top
        # the evidence was on the page before the model's first token: the first state seen has no explanation
        assert partials[0].startswith("According to") and "Explanation (written by the model" not in partials[0]
        assert final.startswith("According to"), final  # evidence first, in English framing
        cited = page.locator("#chat details.gdpa-src summary").all_inner_texts()
        assert cited
        assert not page.outside, f"requests left the machine: {page.outside[:5]}"


TABLE = json.loads((Path(__file__).parent / "data" / "responsibility_table.json").read_text(encoding="utf-8"))
ZSJ = "省政務服務和數據管理局"  # 政數局


def _table_roles(unit: str) -> tuple[int, int]:
    return sum(unit in v["leads"] for v in TABLE.values()), sum(unit in v["co"] for v in TABLE.values())


def test_matrix_downloads_and_unit_report(server, page):
    from openpyxl import load_workbook

    with _screenshot_on_failure(page, "matrix", server):
        page.goto(server.url)
        page.get_by_role("tab", name=re.compile("Browse|瀏覽|浏览")).click()
        page.wait_for_selector("#browse table")
        assert _table_roles(ZSJ) == (21, 13)

        with page.expect_download() as d:
            page.click("#matrix-csv")
        assert d.value.suggested_filename.endswith(".csv")
        rows = list(csv.reader(io.StringIO(Path(d.value.path()).read_text(encoding="utf-8-sig"))))
        col = rows[0].index(ZSJ)
        assert len(rows) == 56
        assert (sum(r[col] == "牽頭" for r in rows[1:]), sum(r[col] == "配合" for r in rows[1:])) == _table_roles(ZSJ)

        with page.expect_download() as d:
            page.click("#matrix-xlsx")
        assert d.value.suggested_filename.endswith(".xlsx")
        sheet = load_workbook(io.BytesIO(Path(d.value.path()).read_bytes())).worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        col = list(values[0]).index(ZSJ)
        assert len(values) == 56
        assert (sum(r[col] == "牽頭" for r in values[1:]), sum(r[col] == "配合" for r in values[1:])) == _table_roles(ZSJ)

        page.click("#unit-filter input")
        page.get_by_role("option", name=ZSJ, exact=True).click()
        page.wait_for_function("!document.querySelector('#unit-report').disabled")
        with page.expect_download() as d:
            page.click("#unit-report")
        md = Path(d.value.path()).read_text(encoding="utf-8")
        mine = [int(n) for n, v in TABLE.items() if ZSJ in v["leads"] + v["co"]]
        assert md.count("\n### ") == len(mine) == 34
        for n in mine:
            assert NOTICE.task(n).text in md
        page.screenshot(path=str(OUTPUT / "browser-5-matrix-downloads.png"), full_page=True)
        assert not page.outside, f"requests left the machine: {page.outside[:5]}"


def _in_view(page, selector: str) -> bool:
    return page.evaluate("""s => { const el = document.querySelector(s); if (!el) return false;
        const r = el.getBoundingClientRect();
        return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""", selector)


def test_citation_click_opens_and_scrolls_to_the_highlighted_sentence(server, page):
    with _screenshot_on_failure(page, "citation", server):
        page.set_viewport_size({"width": 1280, "height": 700})
        page.goto(server.url)
        page.wait_for_selector("#question textarea")
        _ask(page, "港澳居民居住證在大灣區有什麼便利？", 0)
        link = page.locator("#chat a.gdpa-cite").last
        assert link.inner_text() == "〔第一項〕"
        src = page.locator("#chat details.gdpa-src").last
        assert src.get_attribute("open") is None  # closed until the citation is clicked
        mark = src.locator("mark.gdpa-quote")
        assert mark.count() == 1 and "港澳居民居住證" in mark.text_content()  # hidden while closed
        quote = mark.text_content()
        assert quote in NOTICE.task(1).text and quote != NOTICE.task(1).text  # a sentence, inside the full text
        assert link.get_attribute("href") == "#" + src.get_attribute("id")
        link.click()
        page.wait_for_function("document.querySelector('#chat details.gdpa-src').open")
        page.wait_for_function("""() => { const m = document.querySelector('#chat mark.gdpa-quote');
            const r = m.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }""")
        assert mark.is_visible()
        body = src.locator(".gdpa-src-body").inner_text()
        for unit in NOTICE.task(1).leads + NOTICE.task(1).co:
            assert unit in body
        page.screenshot(path=str(OUTPUT / "browser-6-citation-click.png"))
        assert not page.dialogs and not page.outside


def test_suggestion_click_asks_the_follow_up(server, page):
    with _screenshot_on_failure(page, "suggestions", server):
        page.goto(server.url)
        page.wait_for_selector("#question textarea")
        _ask(page, "第七項由哪些單位牽頭？", 0)
        page.wait_for_selector("#suggest-0", state="visible")
        shown = [page.locator(f"#suggest-{i}").inner_text() for i in range(3) if page.locator(f"#suggest-{i}").is_visible()]
        assert shown == ["第七項屬於哪一部分？", "第七項的內容是什麼？", "省委網信辦牽頭哪些工作？"], shown
        page.screenshot(path=str(OUTPUT / "browser-7-suggestions.png"), full_page=True)
        page.click("#suggest-0")
        page.wait_for_function("""() => { const bots = document.querySelectorAll('#chat [data-testid="bot"]');
            return bots.length === 2 && !bots[1].querySelector('.gdpa-pending'); }""")
        users = page.locator('#chat [data-testid="user"]').all_inner_texts()
        assert users[-1].strip() == "第七項屬於哪一部分？"
        last = _bot_texts(page)[-1]
        task = NOTICE.task(7)
        assert task.section.title in last and "〔第七項〕" in last
        assert page.locator("#chat details.gdpa-src").last.get_attribute("id") == "gdpa-src-1-7"
        # the unit suggestion lists exactly what the table says that unit leads
        page.wait_for_selector("#suggest-0", state="visible")
        unit_btn = [i for i in range(3) if page.locator(f"#suggest-{i}").is_visible()
                    and "牽頭哪些工作" in page.locator(f"#suggest-{i}").inner_text()]
        assert unit_btn
        unit = page.locator(f"#suggest-{unit_btn[0]}").inner_text().replace("牽頭哪些工作？", "")
        page.click(f"#suggest-{unit_btn[0]}")
        page.wait_for_function("""() => { const bots = document.querySelectorAll('#chat [data-testid="bot"]');
            return bots.length === 3 && !bots[2].querySelector('.gdpa-pending'); }""")
        cited = page.locator("#chat details.gdpa-src").evaluate_all("els => els.map(e => e.id)")
        expected = sorted(int(n) for n, v in TABLE.items() if unit in v["leads"])
        assert sorted(int(c.split("-")[-1]) for c in cited if c.startswith("gdpa-src-2-")) == expected
        page.screenshot(path=str(OUTPUT / "browser-8-suggestion-answered.png"), full_page=True)
        assert not page.dialogs and not page.outside


def _phone(browser, locale: str = "zh-TW"):
    return browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                               has_touch=True, locale=locale, accept_downloads=True)


def _no_horizontal_scroll(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1] == 390, widths


def test_phone_layout(server, browser):
    context = _phone(browser)
    page = context.new_page()
    try:
        with _screenshot_on_failure(page, "phone", server):
            page.goto(server.url)
            page.wait_for_selector("#question textarea")
            _no_horizontal_scroll(page)
            # the question box and the send button are in the first screen, above the examples
            assert _in_view(page, "#question textarea") and _in_view(page, "#send")
            examples_top = page.evaluate("document.querySelector('#send').getBoundingClientRect().bottom")
            assert examples_top < page.get_by_text("範例問題").bounding_box()["y"]
            page.screenshot(path=str(OUTPUT / "phone-1-start.png"))
            _ask(page, "港澳居民居住證在大灣區有什麼便利？", 0)
            page.locator("#chat a.gdpa-cite").last.click()
            page.wait_for_function("document.querySelector('#chat details.gdpa-src').open")
            _no_horizontal_scroll(page)
            box = page.locator("#chat .gdpa-src-text").last.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
            page.screenshot(path=str(OUTPUT / "phone-2-answer-source.png"))
            page.get_by_role("tab", name="瀏覽任務").click()
            page.wait_for_selector("#browse table")
            _no_horizontal_scroll(page)
            for sel in ("#browse tbody tr", "#matrix-csv", "#matrix-xlsx"):
                box = page.locator(sel).first.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (sel, box)
            assert page.locator("#browse .gdpa-cell-label").first.is_visible()  # stacked rows say which column
            page.screenshot(path=str(OUTPUT / "phone-3-browse.png"))
    finally:
        context.close()


@pytest.mark.parametrize("locale, ask, browse, send, export", [
    ("zh-TW", "問答", "瀏覽任務", "送出", "責任矩陣 CSV"),
    ("zh-CN", "问答", "浏览任务", "送出", "责任矩阵 CSV"),
    ("en-US", "Ask", "Browse tasks", "Ask", "Matrix CSV"),
])
def test_interface_language_follows_the_viewer(server, browser, locale, ask, browse, send, export):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    page = context.new_page()
    try:
        with _screenshot_on_failure(page, f"i18n-{locale}", server):
            page.goto(server.url)
            page.wait_for_selector("#question textarea")
            tabs = page.get_by_role("tab").all_inner_texts()
            assert [t.strip() for t in tabs][:2] == [ask, browse], tabs
            assert page.locator("#send").inner_text().strip() == send
            other = {"zh-TW": "Browse tasks", "zh-CN": "瀏覽任務", "en-US": "浏览任务"}[locale]
            assert other not in page.locator("body").inner_text()  # one language, not two at once
            # answers keep the asker's script whatever the interface language
            _ask(page, "第七项由哪些单位牵头？", 0)
            assert "牵头" in _bot_texts(page)[-1]
            page.get_by_role("tab", name=browse).click()
            assert page.locator("#matrix-csv").inner_text().strip() == export
            page.screenshot(path=str(OUTPUT / f"i18n-{locale}.png"))
    finally:
        context.close()


# -- the interface language: labels and what the server writes, in one language ----------------------------

from corpus.script import to_simplified, to_traditional  # noqa: E402
from web import i18n  # noqa: E402
from web.ui import SCRIPT_CHOICES  # noqa: E402

S = i18n.STRINGS
# a Chinese label and an English one joined by a slash: "出處 / Sources", "全部單位 / All units", "Sources / 出處"
BILINGUAL = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]\s*/\s*[A-Za-z]|[A-Za-z.)]\s*/\s*[\u3400-\u9fff]")
CJK = re.compile(r"[\u3400-\u9fff]")
# Shown in every language: the script and language choices name themselves; acronyms and a key name.
ENDONYMS = {"繁體", "简体", "繁體中文", "简体中文", "English"}
LATIN_OK = {"API", "CSV", "XLSX", "Markdown", "Enter"}
# Where the notice's or the asker's own words are (any script): left out of the one-language check.
CONTENT = ("#chat [data-testid='user'], #chat [data-testid='bot'], #suggestions, .gdpa-browse, pre, code, "
           "[data-testid='examples'], .examples, table.gallery, button.gallery-item, #unit-filter ul")

VISIBLE_STRINGS_JS = """content => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const n = walker.currentNode, el = n.parentElement, text = n.textContent.trim();
        // .sr-only: Gradio's screen-reader status line, not on screen (it may name a raw key such as
        // "common.complete" for a moment while a locale's messages load)
        if (!el || !text || el.closest('script, style, .sr-only')) continue;
        if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
        if (parseFloat(getComputedStyle(el).fontSize) === 0) continue;
        out.push({text, content: !!(content && el.closest(content))});
    }
    for (const e of document.querySelectorAll('.toast-title')) {  // its text comes from CSS (web/i18n.toast_css)
        const before = getComputedStyle(e, '::before').content;
        if (before && before !== 'none') out.push({text: JSON.parse(before), content: false});
    }
    for (const e of document.querySelectorAll('[placeholder]'))
        if (e.checkVisibility()) out.push({text: e.getAttribute('placeholder'), content: false});
    for (const e of document.querySelectorAll('input[type=text], input:not([type])'))
        if (e.value && e.checkVisibility()) out.push({text: e.value, content: false});
    out.push({text: document.title, content: false});
    return out;
}"""


def _visible_strings(page) -> list[dict]:
    return page.evaluate(VISIBLE_STRINGS_JS, CONTENT)


def _assert_one_language(page, lang: str) -> list[str]:
    """No visible string joins Chinese and English with a slash; outside the notice's and the asker's words,
    every string is in `lang` only. Returns the interface strings it looked at."""
    # settled: no event still running (Gradio's "loading" overlay is transient)
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=status-tracker]')]"
                           ".every(e => e.classList.contains('hide') || !e.checkVisibility())")
    strings = _visible_strings(page)
    mixed = [s["text"] for s in strings if BILINGUAL.search(s["text"])]
    assert not mixed, mixed
    ui = [s["text"] for s in strings if not s["content"]]
    for text in ui:
        if text in ENDONYMS or text in NOTICE.units:  # a unit picked in the filter is the notice's name for it
            continue
        if lang == "en":
            assert not CJK.search(re.sub(r"《[^》]*》", "", text)), text
        else:
            latin = set(re.findall(r"[A-Za-z]{3,}", text)) - LATIN_OK
            assert not latin, (text, latin)
            # nothing of the other script: 繁體 text is its own Traditional form, 简体 text its own Simplified form
            assert (to_simplified(text) if lang == "zh-Hans" else to_traditional(text)) == text, text
    return ui


def _wait_for_lang(page, lang: str) -> None:
    """The page's part (Gradio's locale) and the server's part (the tab labels it writes) both applied."""
    page.wait_for_function("l => document.documentElement.dataset.gdpaLang === l", arg=lang)
    page.wait_for_function("t => [...document.querySelectorAll('[role=tab]')].map(e => e.innerText.trim()).includes(t)",
                           arg=S[lang]["tab_browse"])


def _watch_pending(page) -> None:
    page.evaluate("""() => { window.gdpaPending = [];
        new MutationObserver(() => document.querySelectorAll('#chat .gdpa-pending')
            .forEach(e => window.gdpaPending.push(e.innerText.trim())))
          .observe(document.body, {subtree: true, childList: true, characterData: true}); }""")


def _radio(page, elem_id: str) -> tuple[str, list[str], str | None]:
    """(label, choice labels, checked value) of a gr.Radio."""
    box = page.locator(f"#{elem_id}")
    label = box.locator("[data-testid='block-info']").first.inner_text().strip()
    choices = [t.strip() for t in box.locator("label").all_inner_texts() if t.strip()]
    checked = box.locator("input:checked").evaluate_all("els => els.map(e => e.value)")
    return label, choices, (checked[0] if checked else None)


def _assert_labels(page, lang: str) -> None:
    s = S[lang]
    assert page.title() == s["page_title"]
    assert page.locator("#title").inner_text().strip() == s["title_md"].removeprefix("## ")
    assert page.locator("#intro").inner_text().strip() == s["intro"]
    assert page.locator("#mode").inner_text().strip() == s["mode_none"]
    assert [t.strip() for t in page.get_by_role("tab").all_inner_texts()][:2] == [s["tab_ask"], s["tab_browse"]]
    assert _radio(page, "script-choice")[:2] == (s["script"], ["繁體", "简体", s["follow"]])
    assert _radio(page, "ui-lang") == (s["ui_lang"], ["繁體中文", "简体中文", "English"], lang)
    assert page.locator("#send").inner_text().strip() == s["send"]
    assert page.locator("#question textarea").get_attribute("placeholder") == s["question"]
    assert page.locator("#clear").inner_text().strip() == s["clear"]
    assert page.locator("#export").inner_text().strip() == s["export"]
    assert page.get_by_text(s["examples"], exact=True).is_visible()


LIKE = {"zh-Hant": "讚", "zh-Hans": "赞", "en": "Like"}  # Gradio's own label of the chat's like button

LOCALES = [  # browser locale, interface language, a question (not always in the interface's script), a word of its answer
    ("zh-HK", "zh-Hant", "第七项由哪些单位牵头？", "牵头"),
    ("zh-CN", "zh-Hans", "第七項由哪些單位牽頭？", "牽頭"),
    ("en-US", "en", "第七項由哪些單位牽頭？", "牽頭"),
]


@pytest.mark.parametrize("locale, lang, question, answer_word", LOCALES, ids=[x[0] for x in LOCALES])
def test_labels_and_server_strings_are_in_the_viewer_language_only(server, browser, locale, lang, question, answer_word):
    s = S[lang]
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale=locale)
    page = context.new_page()
    page.outside = []
    page.on("request", lambda r: page.outside.append(r.url)
            if not re.match(r"^(https?://127\.0\.0\.1[:/]|data:|blob:|about:)", r.url) else None)
    try:
        with _screenshot_on_failure(page, f"lang-{locale}", server):
            page.goto(server.url)
            page.wait_for_selector("#question textarea")
            _wait_for_lang(page, lang)
            _assert_labels(page, lang)
            _assert_one_language(page, lang)

            # an answer: the pending line, the sources' heading and field names are the viewer's; the answer the asker's
            _watch_pending(page)
            _ask(page, question, 0)
            assert set(page.evaluate("window.gdpaPending")) == {s["pending"]}
            assert answer_word in _bot_texts(page)[-1]
            assert page.locator("#chat .gdpa-sources-head").inner_text().strip() == s["sources"]
            page.locator("#chat details.gdpa-src summary").last.click()
            fields = page.locator("#chat .gdpa-src-body b").all_inner_texts()
            assert fields == [s["section"], s["lead_units"], s["co_units"]]

            # a toast (Gradio's own like button is in the viewer's language too)
            page.locator(f'#chat button[aria-label="{LIKE[lang]}"]').last.click()
            toast = page.locator(".toast-body").last
            toast.wait_for(state="visible")
            page.wait_for_function("() => [...document.querySelectorAll('.toast-body')].some(e => "
                                   "e.checkVisibility({checkOpacity: true}) && getComputedStyle(e).opacity === '1')")
            assert s["thanks"] in toast.inner_text()
            # its title is Gradio's "Info", hidden, with the viewer's word put before it by CSS
            title = toast.locator(".toast-title")
            assert title.evaluate("e => getComputedStyle(e).fontSize") == "0px"
            assert json.loads(title.evaluate("e => getComputedStyle(e, '::before').content")) == s["toast_info"]
            _assert_one_language(page, lang)
            page.screenshot(path=str(OUTPUT / f"lang-{locale}-1-ask.png"), full_page=True)
            # an empty question: shown as "(empty)", and the assistant's reply to it, in the viewer's language
            _ask(page, "   ", 1)
            assert page.locator('#chat [data-testid="user"]').last.inner_text().strip() == s["empty_question"]
            reply = _bot_texts(page)[-1]
            assert not BILINGUAL.search(reply) and (CJK.search(reply) is None) == (lang == "en"), reply

            # browse: the all-units choice, the table's words
            page.get_by_role("tab", name=s["tab_browse"], exact=True).click()
            page.wait_for_selector("#browse table")
            assert page.locator("#unit-filter input").input_value() == s["all_units"]
            assert page.locator("#browse thead th").first.inner_text().strip() == s["item"]
            assert [t.strip() for t in page.locator("#browse thead").first.locator("th").all_inner_texts()] == \
                [s["item"], s["task"], s["lead_units"], s["co_units"]]
            assert page.locator("#browse p").first.inner_text().strip() == \
                s["browse_all"].format(sections=len(NOTICE.sections), tasks=len(NOTICE.tasks))
            assert page.locator("#matrix-csv").inner_text().strip() == s["matrix_csv"]
            page.click("#unit-filter input")
            options = page.get_by_role("option")
            options.first.wait_for()
            assert options.first.inner_text().replace("✓", "").strip() == s["all_units"]
            page.keyboard.press("Escape")
            _assert_one_language(page, lang)
            page.screenshot(path=str(OUTPUT / f"lang-{locale}-2-browse.png"), full_page=True)
            assert not page.outside, f"requests left the machine: {page.outside[:5]}"
    finally:
        context.close()


def test_language_selector_switches_everything_and_wins_over_the_browser(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-HK", accept_downloads=True)
    page = context.new_page()
    try:
        with _screenshot_on_failure(page, "lang-switch", server):
            page.goto(server.url)
            page.wait_for_selector("#question textarea")
            _wait_for_lang(page, "zh-Hant")
            _ask(page, "第七項由哪些單位牽頭？", 0)
            page.get_by_role("tab", name=S["zh-Hant"]["tab_browse"], exact=True).click()
            page.click("#unit-filter input")
            page.get_by_role("option", name="省教育廳", exact=True).click()
            page.wait_for_selector("#browse thead th:nth-child(5)")  # the role column of one unit's tasks
            page.get_by_role("tab", name=S["zh-Hant"]["tab_ask"], exact=True).click()
            for choice, lang in (("English", "en"), ("简体中文", "zh-Hans"), ("繁體中文", "zh-Hant"), ("English", "en")):
                s = S[lang]
                page.locator("#ui-lang").get_by_text(choice, exact=True).click()
                _wait_for_lang(page, lang)
                page.wait_for_function("t => document.querySelector('#chat .gdpa-sources-head').innerText.trim() === t",
                                       arg=s["sources"])
                _assert_labels(page, lang)
                assert "〔第七項〕" in _bot_texts(page)[-1]  # the answer itself stays as asked
                page.get_by_role("tab", name=s["tab_browse"], exact=True).click()
                page.wait_for_function("t => document.querySelector('#browse thead th:nth-child(5)').innerText.trim() === t",
                                       arg=s["role"])
                assert page.locator("#unit-filter input").input_value() == "省教育廳"  # the filter kept its value
                _assert_one_language(page, lang)
                page.screenshot(path=str(OUTPUT / f"lang-switch-{lang}.png"), full_page=True)
                page.get_by_role("tab", name=s["tab_ask"], exact=True).click()
                # the conversation export is written again in this language
                page.wait_for_function("!document.querySelector('#export').disabled")
                with page.expect_download() as download:
                    page.click("#export")
                md = Path(download.value.path()).read_text(encoding="utf-8")
                assert f"· {s['conversation']}\n" in md and f"\n{s['exported']}: " in md and f"\n{s['sources']}:\n" in md
                assert not BILINGUAL.search(md), md[:300]
            # the choice is remembered and wins over the browser's zh-HK
            page.reload()
            page.wait_for_selector("#question textarea")
            _wait_for_lang(page, "en")
            _assert_labels(page, "en")
            page.get_by_role("tab", name=S["en"]["tab_browse"], exact=True).click()
            assert page.locator("#unit-filter input").input_value() == S["en"]["all_units"]
            _assert_one_language(page, "en")
    finally:
        context.close()


def test_page_language_mapping_matches_the_server(server, browser):
    """window.gdpaLang (the page's mapping) and web/i18n.py agree on every tag."""
    tags = ["zh-HK", "zh-TW", "zh-MO", "zh-Hant", "zh-Hant-HK", "zh-Hant-CN", "zh_TW", "ZH-hk", "yue", "yue-HK",
            "yue-Hans", "zh-CN", "zh-SG", "zh-Hans", "zh-Hans-HK", "zh", "en", "en-US", "en-GB", "fr-FR", "de", ""]
    lists = [["fr-FR", "zh-HK", "en"], ["de-DE", "en-US", "zh-CN"], ["fr-FR", "de"], []]
    context = browser.new_context(locale="zh-MO")
    page = context.new_page()
    try:
        page.goto(server.url)
        page.wait_for_selector("#question textarea")
        _wait_for_lang(page, "zh-Hant")  # zh-MO → 繁體 (Gradio alone would show English)
        assert page.evaluate("ts => ts.map(t => window.gdpaLang.of(t))", tags) == [i18n.lang_of_tag(t) for t in tags]
        assert page.evaluate("ls => ls.map(l => window.gdpaLang.fromBrowser(l.length ? l : ['x']))", lists) == \
            [i18n.browser_lang(ts or ["x"]) for ts in lists]
    finally:
        context.close()


def test_script_choices_keep_their_values(server, browser):
    """The output-script radio's values are not its labels: 'follow' stays 'follow' in every language."""
    assert [v for _, v in SCRIPT_CHOICES] == ["zh-Hant", "zh-Hans", "follow"]
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(server.url)
        page.wait_for_selector("#question textarea")
        _wait_for_lang(page, "zh-Hans")
        assert _radio(page, "script-choice")[2] == "follow"
        page.locator("#script-choice").get_by_text("繁體", exact=True).click()
        page.locator("#script-choice").get_by_text(S["zh-Hans"]["follow"], exact=True).click()
        _ask(page, "第七项由哪些单位牵头？", 0)  # the handler takes the script value: no error
        assert "牵头" in _bot_texts(page)[-1]
    finally:
        context.close()
