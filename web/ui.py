"""The Gradio chat: one page over the shared Assistant, mounted by app.py on the app's FastAPI app.

Answers go through web/gate.py like every other front end: the evidence at once, the model's explanation
behind the model queue. The Gradio queue runs `concurrency + model_queue + 1` events at once, more than can
wait for the model, so a record answer (~1 ms) never waits behind model answers (~10 s each).
The public API is a single named endpoint, `/ask` (question, optional history) → Answer.to_json();
every UI handler is private.

Nothing the model or the user wrote is rendered as HTML: every piece of text is passed
through html.escape before it reaches a component that renders HTML.
"""

from __future__ import annotations

import atexit
import html
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# isort: off
import config  # before gradio: pins GRADIO_ANALYTICS_ENABLED=False and the offline switches
import gradio as gr
# isort: on

from assistant.answer import Answer
from assistant.pipeline import Assistant
from assistant.validate import clean_history
from corpus import Notice, Task
from corpus.numerals import from_chinese
from corpus.script import render, to_simplified, to_traditional

from . import exports as matrix_exports
from .gate import ModelGate, gated_answer, gated_stream
from .i18n import DEFAULT, I18N, LANG_CHOICES, STRINGS, label, localize_notice, normalize, toast_css
from .i18n import js as lang_js
from .i18n import text as _t
from .suggest import MAX_SUGGESTIONS, suggest

log = logging.getLogger("gdpa.ui")

TITLE = STRINGS[DEFAULT]["page_title"]
# The /ask API's apology (an API client has no interface language); the chat shows text("apology", lang).
APOLOGY = "抱歉,處理這個問題時出了點問題,請稍後再試或換個問法。/ Sorry, something went wrong while answering; please try again."
ALL_UNITS = "__all__"  # the unit filter's value for every unit; its label is the viewer's language
SCRIPT_CHOICES = [("繁體", "zh-Hant"), ("简体", "zh-Hans"), (label("follow"), "follow")]
SHOWN_QUESTION_CHARS = 600  # the chat shows at most this much of a (possibly huge) pasted question

EXAMPLES = {
    "civil": ["第七項由哪些單位牽頭？", "省教育廳牽頭哪些工作？"],
    "public": [
        "港澳居民居住證在大灣區有什麼便利？",
        "港澳居民居住证在大湾区有什么便利？",
        "What does Guangdong plan for Hong Kong and Macao vehicles?",
    ],
}
EVALUATOR_COMMANDS = """\
```
.venv/bin/python -m eval run eval/data/notice_qa.jsonl --out results.jsonl --report report.md
.venv/bin/python -m eval bench
```
"""

CSS = """
.gdpa-sources { margin-top: 0.6em; border-top: 1px solid var(--border-color-primary); padding-top: 0.4em; }
.gdpa-sources-head { font-size: 0.85em; opacity: 0.75; margin-bottom: 0.2em; }
.gdpa-src { margin: 0.25em 0; }
.gdpa-src summary { cursor: pointer; font-weight: 600; }
.gdpa-src-body { padding: 0.3em 0 0.3em 1em; font-size: 0.92em; }
.gdpa-src-body p { margin: 0.2em 0; }
.gdpa-src-text { border-left: 3px solid var(--border-color-accent); padding-left: 0.6em; margin: 0.3em 0; }
.gdpa-note { font-size: 0.85em; opacity: 0.8; margin-top: 0.4em; }
.gdpa-browse table { width: 100%; border-collapse: collapse; font-size: 0.92em; table-layout: fixed; }
.gdpa-browse col.n { width: 7.5em; } .gdpa-browse col.t { width: 36%; } .gdpa-browse col.r { width: 4.5em; }
.gdpa-browse td:first-child { white-space: nowrap; }
.gdpa-browse th, .gdpa-browse td { border: 1px solid var(--border-color-primary); padding: 0.3em 0.5em; vertical-align: top; text-align: left; }
.gdpa-browse mark { padding: 0 0.15em; }
.gdpa-browse summary { cursor: pointer; }
"""

CSS += """
a.gdpa-cite { color: var(--link-text-color, #2563eb); text-decoration: underline; cursor: pointer; }
mark.gdpa-quote { background: #fde68a; color: inherit; padding: 0 0.1em; }
.gdpa-suggestions { gap: 0.4em !important; flex-wrap: wrap !important; }
.gdpa-suggestions button.gdpa-suggest { flex: 0 1 auto !important; min-width: 0 !important; width: auto !important;
  white-space: normal; text-align: left; border-radius: 1em; }
.gdpa-intro { gap: 0.2em 1em !important; flex-wrap: wrap !important; }
.gdpa-intro > * { flex: 1 1 20em !important; min-width: 0 !important; }
#mode { opacity: 0.75; }
.gdpa-browse .gdpa-cell-label { display: none; }
@media (max-width: 640px) {
  /* a phone: the question box and the send button in the first screen, nothing wider than the screen */
  #title h2 { font-size: 1.1em; margin: 0; }
  .gdpa-intro { font-size: 0.85em; }
  #chat { height: 40vh !important; min-height: 15em; }
  /* the output-script and language choices: each on one line, its label before its choices */
  .gdpa-settings { gap: 0.3em !important; }
  .gdpa-settings .form { flex-direction: column !important; gap: 0 !important; }
  #script-choice, #ui-lang { display: flex !important; flex-wrap: wrap; align-items: center; gap: 0.2em 0.6em;
    padding: 0.25em 0.5em !important; }
  #script-choice [data-testid="block-info"], #ui-lang [data-testid="block-info"] { margin: 0 !important; font-size: 0.85em; }
  #script-choice .wrap, #ui-lang .wrap { gap: 0.3em !important; flex: 0 1 auto; width: auto; }
  #script-choice label, #ui-lang label { padding: 0.15em 0.45em !important; font-size: 0.9em; }
  .gdpa-browse table, .gdpa-browse tbody, .gdpa-browse tr, .gdpa-browse td { display: block; width: auto !important; }
  .gdpa-browse thead, .gdpa-browse colgroup { display: none; }
  .gdpa-browse tr { border: 1px solid var(--border-color-primary); margin: 0.4em 0; padding: 0.2em 0; }
  .gdpa-browse td { border: none !important; padding: 0.15em 0.5em; }
  .gdpa-browse .gdpa-cell-label { display: inline; font-weight: 600; opacity: 0.75; }
  .gdpa-src-body { padding-left: 0.3em; }
  .gdpa-src-text { overflow-wrap: anywhere; }
}
details.gdpa-src.gdpa-flash { outline: 2px solid #f59e0b; outline-offset: 2px; transition: outline-color 1.5s; }
"""
CSS += toast_css()

# A citation click opens that source and scrolls to its highlighted sentence. One listener on the document
# (the chat's HTML is sanitised, so no handler can live in it); it runs before the chat's own link handling.
CITATION_JS = """
() => {
  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a.gdpa-cite');
    if (!a) return;
    e.preventDefault();
    e.stopPropagation();
    const src = document.getElementById((a.getAttribute('href') || '').slice(1));  // the chat keeps ids, not data-*
    if (!src || !src.matches('details.gdpa-src')) return;
    src.open = true;
    const target = src.querySelector('mark.gdpa-quote') || src;
    target.scrollIntoView({block: 'center'});
    src.classList.add('gdpa-flash');
    setTimeout(() => src.classList.remove('gdpa-flash'), 1600);
  }, true);
}
"""

# System fonts only: the page must not reach for a web font host on an offline machine.
THEME = gr.themes.Soft(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])


# -- text helpers -----------------------------------------------------------------------------

def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#+|~!$])")


def _plain(text: str) -> str:
    """Text for a Markdown-rendering component: HTML-escaped, Markdown syntax made literal."""
    escaped = _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))  # no "&#x27;": "#" is escaped next
    return re.sub(r"^(\s*\d+)\.(\s)", r"\1\\.\2", escaped, flags=re.MULTILINE)


def _view_script(choice: str, answer_script: str) -> str:
    """The script text is shown in: the chosen one, or the answer's own for 'follow'."""
    if choice in ("zh-Hant", "zh-Hans"):
        return choice
    return "zh-Hans" if answer_script == "zh-Hans" else "zh-Hant"


def _convert(text: str, choice: str, answer_script: str) -> str:
    """An answer's text in the chosen script (the Assistant wrote it in `answer_script`)."""
    if choice == "zh-Hans":
        return to_simplified(text)
    if choice == "zh-Hant" and answer_script == "zh-Hans":
        return to_traditional(text)
    return text


def _notice_text(text: str, script: str) -> str:
    """Notice wording (Traditional) in the viewing script."""
    return render(text, "zh-Hans" if script == "zh-Hans" else "zh-Hant")


def _label_lang(lang: str | None, script: str) -> str:
    """The language of interface words: the viewer's, or without one the script the notice is shown in."""
    return normalize(lang) if lang is not None else ("zh-Hans" if script == "zh-Hans" else "zh-Hant")


def _task_label(task: Task) -> str:
    return f"〔第{task.numeral}項〕"


_SENTENCE = re.compile(r"[^。；;]+[。；;]?")


def quote_spans(text: str, quote: str) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is_quoted) runs: the quote where it stands in the text, else each of its
    sentences that does. The pieces join back to `text`."""
    marks = [False] * len(text)
    quote = quote.strip()
    pieces = [quote] if quote and quote in text else [p.strip() for p in _SENTENCE.findall(quote)]
    for piece in pieces:
        if len(piece) < 2:
            continue
        at = text.find(piece)
        while at >= 0:
            marks[at:at + len(piece)] = [True] * len(piece)
            at = text.find(piece, at + len(piece))
    runs: list[tuple[str, bool]] = []
    for ch, mark in zip(text, marks, strict=True):
        if runs and runs[-1][1] == mark:
            runs[-1] = (runs[-1][0] + ch, mark)
        else:
            runs.append((ch, mark))
    return runs


def source_id(key: str, item: int) -> str:
    """The anchor of a cited task's source block in one chat message."""
    return f"gdpa-src-{key}-{item}"


_CITE = re.compile(r"〔第([零〇一二兩两三四五六七八九十]{1,4})[項项]〕|\\\[Task (\d{1,2})\\\]")


def link_citations(escaped: str, key: str, items: set[int]) -> str:
    """Each 〔第N項〕 (or [Task N]) of an escaped answer that has a source block becomes a link to it.
    Only text the pattern matched (numerals, digits) goes into the link: nothing else is unescaped."""

    def repl(m: re.Match) -> str:
        n = from_chinese(m.group(1)) if m.group(1) else int(m.group(2))
        if n not in items:
            return m.group(0)
        return f'<a class="gdpa-cite" href="#{source_id(key, n)}">{m.group(0)}</a>'

    return _CITE.sub(repl, escaped)


def sources_html(notice: Notice, items: list[int], script: str, key: str = "0",
                 quotes: dict[int, str] | None = None, lang: str | None = None) -> str:
    """One expandable block per cited task, the sentences the answer rests on highlighted in the task's
    full text; single-line HTML (a blank line would end the Markdown HTML block). The notice's words are
    in `script`, the block's own words (heading, field names) in the viewer's `lang`."""
    if not items:
        return ""
    quotes = quotes or {}
    lang = _label_lang(lang, script)

    def t(s: str) -> str:
        return _esc(_notice_text(s, script))

    def w(key: str) -> str:
        return _esc(_t(key, lang))

    def body(task: Task) -> str:
        return "".join(f'<mark class="gdpa-quote">{t(run)}</mark>' if quoted else t(run)
                       for run, quoted in quote_spans(task.text, quotes.get(task.number, "")))

    blocks = []
    for n in items:
        task = notice.task(n)
        if task is None:
            continue
        leads = t("、".join(task.leads)) or w("unstated")
        co = t("、".join(task.co)) or w("unstated")
        if task.open_ended and task.co:
            co += t("等有關單位")
        blocks.append(
            f'<details class="gdpa-src" id="{source_id(key, n)}">'
            f"<summary>{t(_task_label(task))}{t(task.title)}</summary>"
            '<div class="gdpa-src-body">'
            f"<p><b>{w('section')}</b>{w('colon')}{t(task.section.numeral + '、' + task.section.title)}</p>"
            f"<p><b>{w('lead_units')}</b>{w('colon')}{leads}</p>"
            f"<p><b>{w('co_units')}</b>{w('colon')}{co}</p>"
            f'<div class="gdpa-src-text">{body(task)}</div>'
            "</div></details>"
        )
    return f'<div class="gdpa-sources"><div class="gdpa-sources-head">{w("sources")}</div>{"".join(blocks)}</div>'


def _answer_text(answer: dict[str, Any], choice: str, lang: str | None) -> str:
    """The answer's text in the chosen script; the chat's own apology, and the assistant's "中文 / English"
    reply to a question it cannot take (empty, too long, no words), in the viewer's language."""
    if answer.get("kind") == "error" and lang is not None:
        return _t("apology", lang)
    if answer.get("kind") == "invalid" and lang is not None:
        return localize_notice(answer.get("answer", ""), lang)
    return _convert(answer.get("answer", ""), choice, answer.get("script", "zh-Hant"))


def answer_html(notice: Notice, answer: dict[str, Any], choice: str, partial: bool = False, key: str = "0",
                lang: str | None = None) -> str:
    """An assistant chat message: escaped answer text (its citations linked to their sources), a note,
    then the sources. `key` tells this message's source anchors from other messages'. The answer follows the
    asker's script (or the chosen one); the note and the sources' own words follow the viewer's `lang`
    (None: the script the notice is shown in)."""
    a_script = answer.get("script", "zh-Hant")
    text = _answer_text(answer, choice, lang)
    citations = answer.get("citations", [])
    items = [c["item"] for c in citations]
    linked = set() if partial else set(items)
    parts = [link_citations(_plain(text), key, linked) + (" ▌" if partial else "")]
    if answer.get("notice") and not partial:
        note = (localize_notice(answer["notice"], lang) if lang is not None
                else _convert(answer["notice"], choice, a_script))
        parts.append(f'<div class="gdpa-note">{_esc(note)}</div>')
    if not partial:
        quotes = {c["item"]: c.get("quote", "") for c in citations}
        src = sources_html(notice, items, _view_script(choice, a_script), key, quotes, lang)
        if src:
            parts.append(src)
    return "\n\n".join(parts)


def pending_html(lang: str | None) -> str:
    """The assistant's message while the evidence is looked up (class gdpa-pending: tests wait on it)."""
    return f'<span class="gdpa-pending">{_esc(_t("pending", lang))}</span>'


def question_html(question: str, lang: str | None = None) -> str:
    q = question if len(question) <= SHOWN_QUESTION_CHARS else question[:SHOWN_QUESTION_CHARS] + "…"
    return _plain(q) if q.strip() else _esc(_t("empty_question", lang))


def chat_messages(notice: Notice, turns: list[dict], choice: str, lang: str | None = None) -> list[dict]:
    """Two messages per turn (user, assistant): the like event's index // 2 is the turn."""
    out = []
    for i, turn in enumerate(turns):
        out.append({"role": "user", "content": question_html(turn["question"], lang)})
        out.append({"role": "assistant", "content": answer_html(notice, turn["answer"], choice, key=str(i), lang=lang)})
    return out


def _md_text(text: str) -> str:
    """Text for the exported Markdown file: no tag a Markdown viewer could render as HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def conversation_markdown(notice: Notice, turns: list[dict], choice: str, lang: str | None = None) -> str:
    """The conversation as Markdown: answers as shown, the file's own words in the viewer's `lang`."""
    head = normalize(lang)
    lines = [f"# {notice.title} · {_t('conversation', head)}", "",
             f"{_t('exported', head)}: {time.strftime('%Y-%m-%d %H:%M:%S')}", ""]
    for i, turn in enumerate(turns, 1):
        a = turn["answer"]
        script = _view_script(choice, a.get("script", "zh-Hant"))
        answer = _answer_text(a, choice, lang)
        lines += [f"## {i}. {_md_text(' '.join(turn['question'].split()))}", "", _md_text(answer), ""]
        if a.get("citations"):
            lines.append(f"{_t('sources', _label_lang(lang, script))}:")
            for c in a["citations"]:
                task = notice.task(c["item"])
                if task is not None:
                    lines.append(f"- {_notice_text(_task_label(task) + task.title + ' — ' + c['section'], script)}")
            lines.append("")
    return "\n".join(lines)


# -- browse tab -------------------------------------------------------------------------------

def browse_html(notice: Notice, unit: str | None, choice: str, lang: str | None = None) -> str:
    """Every task (or the selected unit's) by section: the notice's words in the chosen script, the table's
    own words in the viewer's `lang` (None: that script)."""
    script = "zh-Hans" if choice == "zh-Hans" else "zh-Hant"
    lang = _label_lang(lang, script)

    def t(s: str) -> str:
        return _esc(_notice_text(s, script))

    def w(key: str, **values: int) -> str:
        return _esc(_t(key, lang).format(**values))

    def units(names: tuple[str, ...]) -> str:
        if not names:
            return "—"
        return "、".join(f"<mark>{t(u)}</mark>" if u == unit else t(u) for u in names)

    def cell_label(key: str) -> str:  # a cell's column name, shown only where the table is stacked (a phone)
        return f'<span class="gdpa-cell-label">{w(key)}{w("colon")}</span>'

    selected = unit if unit and unit != ALL_UNITS and unit in notice.units else None
    out = ['<div class="gdpa-browse">']
    if selected:
        led = [x for x in notice.tasks if selected in x.leads]
        shared = [x for x in notice.tasks if selected in x.co]
        out.append(f"<p><b>{t(selected)}</b>{w('colon')}" + w("browse_unit", lead=len(led), co=len(shared),
                                                    total=len(led) + len(shared), all=len(notice.tasks)) + "</p>")
    else:
        out.append(f"<p>{w('browse_all', sections=len(notice.sections), tasks=len(notice.tasks))}</p>")
    for section in notice.sections:
        tasks = [x for x in notice.tasks_in(section) if not selected or selected in x.units]
        if not tasks:
            continue
        out.append(f"<h3>{t(section.numeral + '、' + section.title)}</h3>")
        cols = '<col class="n"><col class="t"><col><col>' + ('<col class="r">' if selected else "")
        out.append(f"<table><colgroup>{cols}</colgroup><thead><tr><th>{w('item')}</th><th>{w('task')}</th>"
                   f"<th>{w('lead_units')}</th><th>{w('co_units')}</th>" + (f"<th>{w('role')}</th>" if selected else "")
                   + "</tr></thead><tbody>")
        for x in tasks:
            role = ""
            if selected:
                role = f"<td>{cell_label('role')}{w('role_lead' if selected in x.leads else 'role_co')}</td>"
            out.append(
                f"<tr><td>{t(_task_label(x))}</td>"
                f"<td><details><summary>{t(x.title)}</summary>{t(x.text)}</details></td>"
                f"<td>{cell_label('lead_units')}{units(x.leads)}</td><td>{cell_label('co_units')}{units(x.co)}</td>{role}</tr>"
            )
        out.append("</tbody></table>")
    out.append("</div>")
    return "".join(out)


# -- feedback and export ------------------------------------------------------------------------

_FEEDBACK_LOCK = threading.Lock()


def append_feedback(path: Path, record: dict) -> None:
    """One JSON line per vote: append mode, one write() of the whole line, flush, fsync.

    A process killed mid-write (or a full disk) can leave a torn last line without its newline; the next
    record then starts with a newline of its own, so only the torn line is lost, never the new one.
    """
    data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace")
    path.parent.mkdir(parents=True, exist_ok=True)
    with _FEEDBACK_LOCK, open(path, "a+b") as f:  # "a": every write goes to the end, whatever was read
        if f.seek(0, os.SEEK_END) > 0:
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                data = b"\n" + data
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _vote(liked: object) -> str:
    if liked is True:
        return "up"
    if liked is False:
        return "down"
    return "withdrawn" if liked is None else str(liked)


class _Exports:
    """Files for the download buttons, in one private temp folder removed at exit."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="gdpa-export-"))
        atexit.register(shutil.rmtree, self.dir, True)

    def write(self, text: str | bytes, name: str = "") -> str:
        stale = time.time() - 3600  # Gradio keeps its own copy of what it served; ours may go after an hour
        for old in self.dir.iterdir():
            if old.stat().st_mtime < stale:
                shutil.rmtree(old, ignore_errors=True)
        path = self.dir / uuid.uuid4().hex / (name or f"conversation-{time.strftime('%Y%m%d-%H%M%S')}.md")
        path.parent.mkdir()
        data = text.encode("utf-8") if isinstance(text, str) else text
        path.write_bytes(data)
        return str(path)


def _lang(choice: str) -> str:
    """The exports' language for a script choice (English for 'follow' is decided by the interface later)."""
    return choice if choice in ("zh-Hant", "zh-Hans", "en") else "zh-Hant"


def matrix_files(notice: Notice, exports: _Exports, lang: str) -> tuple[str, str]:
    """The matrix as CSV and XLSX files for the browse tab's download buttons."""
    base = "responsibility-matrix" if lang == "en" else render("責任矩陣", _notice_script_of(lang))
    return (exports.write(matrix_exports.matrix_csv(notice, lang), f"{base}.csv"),
            exports.write(matrix_exports.matrix_xlsx(notice, lang), f"{base}.xlsx"))


def unit_report_file(notice: Notice, exports: _Exports, unit: str | None, lang: str) -> Any:
    """The selected unit's report (Markdown) for its download button; not offered for 'all units'."""
    if not unit or unit not in notice.units:
        return gr.update(value=None, interactive=False)
    name = re.sub(r"[\\/:*?\"<>|\s]+", "_", unit)
    path = exports.write(matrix_exports.unit_report(notice, unit, lang), f"{name}.md")
    return gr.update(value=path, interactive=True)


def _notice_script_of(lang: str) -> str:
    return "zh-Hans" if lang == "zh-Hans" else "zh-Hant"


# -- the app ----------------------------------------------------------------------------------

def _history(turns: list[dict]) -> list[tuple[str, str]]:
    return [(t["question"], t["answer"].get("answer", "")) for t in turns]


HISTORY_TURNS = 8  # the newest usable turns passed on (the assistant condenses follow-ups from the last 3)


def _clean_history(history: object, max_chars: int = config.Config.max_question_chars) -> list[tuple[str, str]]:
    """API and chat history → the (question, answer) pairs, oldest first, that are safe to condense a
    follow-up with: the same cleaning the assistant applies (assistant.validate.clean_history)."""
    return clean_history(history, max_chars, keep=HISTORY_TURNS)


def _apology() -> Answer:
    return Answer(APOLOGY, refused=True, kind="error", script="zh-Hant")


def event_limit(cfg: config.Config) -> int:
    """Gradio events run at once: more than can wait for the model (model_queue + the one it is writing), so
    the rest of the slots always serve evidence, whatever the model is doing."""
    return max(1, cfg.concurrency) + max(0, cfg.model_queue) + 1


def build_app(assistant: Assistant, cfg: config.Config, gate: ModelGate | None = None) -> gr.Blocks:
    """The chat page. `gate` queues the model's explanations (None: not queued)."""
    notice = assistant.notice
    exports = _Exports()
    feedback_path = Path(cfg.feedback_path)
    limit = event_limit(cfg)

    def ask(question: str, history: list[list[str]] | None = None) -> dict:
        """Answer one question about the notice. `history`: earlier [question, answer] pairs, oldest first
        (optional). Returns the answer, its citations [{item, title, section, quote}] and whether it was refused."""
        try:
            return _with_suggestions(gated_answer(assistant, gate, question,
                                                  _clean_history(history, cfg.max_question_chars)).to_json())
        except Exception:
            log.exception("/ask failed")
            return _apology().to_json()

    def respond(question: str, turns: list[dict], choice: str, lang: str | None = None) -> Iterator[tuple]:
        question = question if isinstance(question, str) else ""
        turns = list(turns or [])
        lang = normalize(lang)
        shown = chat_messages(notice, turns, choice, lang)
        user_msg = {"role": "user", "content": question_html(question, lang)}
        waiting = {"role": "assistant", "content": pending_html(lang)}
        # Clear is off while an answer is written: cancelling a thread that is inside the model would wait
        # for its next token (tens of seconds before the first one), and the answer would then bring back the
        # cleared conversation. The question box stays usable: a question sent meanwhile runs next.
        yield shown + [user_msg, waiting], turns, "", gr.skip(), gr.update(interactive=False), *_suggestion_buttons([])
        final = None
        try:
            for part in gated_stream(assistant, gate, question, _clean_history(_history(turns), cfg.max_question_chars)):
                if part.done:
                    final = part
                    break
                msg = {"role": "assistant", "content": answer_html(notice, part.to_json(), choice, partial=True, lang=lang)}
                yield shown + [user_msg, msg], turns, gr.skip(), gr.skip(), gr.skip(), *[gr.skip()] * MAX_SUGGESTIONS
        except Exception:
            log.exception("chat answer failed")
            final = None
        if final is None:
            final = _apology()
        turns = turns + [{"question": question, "answer": _with_suggestions(final.to_json())}]
        yield (chat_messages(notice, turns, choice, lang), turns, gr.skip(), _export(turns, choice, lang),
               gr.update(interactive=True),
               *_suggestion_buttons(turns[-1]["answer"]["suggestions"]))

    def _with_suggestions(answer: dict) -> dict:
        try:
            answer["suggestions"] = answer.get("suggestions") or suggest(notice, answer)
        except Exception:
            log.exception("suggestions failed")
        return answer

    def _suggestion_buttons(texts: list[str]) -> list:
        return [gr.update(value=texts[i], visible=True) if i < len(texts) else gr.update(visible=False)
                for i in range(MAX_SUGGESTIONS)]

    def _export(turns: list[dict], choice: str, lang: str | None) -> Any:
        if not turns:
            return gr.update(value=None, interactive=False)
        try:
            return gr.update(value=exports.write(conversation_markdown(notice, turns, choice, lang)), interactive=True)
        except Exception:
            log.exception("export failed")
            return gr.update(value=None, interactive=False)

    def rerender(turns: list[dict], choice: str, unit: str, lang: str | None = None) -> tuple:
        """The chat, its export and the browse table again, after the script or the interface language changed."""
        lang = normalize(lang)
        try:
            return (chat_messages(notice, turns or [], choice, lang), _export(turns or [], choice, lang),
                    browse_html(notice, unit, choice, lang))
        except Exception:
            log.exception("re-render failed")
            return gr.skip(), gr.skip(), gr.skip()

    def tab_labels(lang: str | None) -> tuple:
        """The tabs' labels as text: Gradio does not re-translate a tab that is not shown when its locale changes."""
        return gr.update(label=_t("tab_ask", lang)), gr.update(label=_t("tab_browse", lang))

    def clear() -> tuple:
        return [], [], "", gr.update(value=None, interactive=False), *_suggestion_buttons([])

    def on_like(turns: list[dict], data: gr.LikeData, lang: str | None = None) -> None:
        try:
            index = data.index if isinstance(data.index, int) else data.index[0]
            turns = turns or []
            if index % 2 != 1 or not 0 <= index // 2 < len(turns):
                return
            turn = turns[index // 2]
            a = turn["answer"]
            append_feedback(feedback_path, {
                "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "vote": _vote(data.liked),
                "question": turn["question"],
                "answer": a.get("answer", ""),
                "citations": a.get("citations", []),
            })
            gr.Info(_t("thanks", lang), title=_t("toast_info", lang))
        except Exception:
            log.exception("feedback failed")
            gr.Warning(_t("feedback_failed", lang), title=_t("toast_warning", lang))

    def filter_units(unit: str, choice: str, lang: str | None = None) -> tuple:
        try:
            return browse_html(notice, unit, choice, normalize(lang)), unit_report_file(notice, exports, unit, _lang(choice))
        except Exception:
            log.exception("browse failed")
            return f"<p>{_esc(_t('apology', lang))}</p>", gr.update(value=None, interactive=False)

    def downloads(choice: str, unit: str) -> tuple:
        try:
            lang = _lang(choice)
            return (*matrix_files(notice, exports, lang), unit_report_file(notice, exports, unit, lang))
        except Exception:
            log.exception("matrix export failed")
            return gr.skip(), gr.skip(), gr.skip()

    mode = "mode_llm" if assistant.llm is not None else "mode_none"
    private = {"api_visibility": "private"}
    with gr.Blocks(title=TITLE, delete_cache=(3600, 3600)) as demo:
        gr.Markdown(label("title_md"), elem_id="title")
        with gr.Row(elem_classes="gdpa-intro"):
            gr.Markdown(label("intro"), elem_id="intro")
            gr.Markdown(label(mode), elem_id="mode")
        with gr.Row(elem_classes="gdpa-settings"):
            script = gr.Radio(SCRIPT_CHOICES, value="follow", label=label("script"), elem_id="script-choice")
            # no value until the page says which (the stored choice or the browser's language): see LOAD_JS
            ui_lang = gr.Radio(LANG_CHOICES, value=None, label=label("ui_lang"), elem_id="ui-lang")
        turns = gr.State([])
        with gr.Tabs():
            with gr.Tab(label("tab_ask"), id="ask") as ask_tab:
                chatbot = gr.Chatbot(
                    label=label("chat"), elem_id="chat", height=520, sanitize_html=True,
                    render_markdown=True, allow_tags=False, latex_delimiters=[],
                    buttons=[],  # no copy button: it would copy the sources' HTML; the export is the clean copy
                    feedback_options=("Like", "Dislike"),
                    placeholder=label("placeholder"),
                )
                with gr.Row():
                    question = gr.Textbox(placeholder=label("question"), label=label("question"),
                                          show_label=False, scale=8, elem_id="question", lines=1, max_lines=6,
                                          submit_btn=False)
                    send = gr.Button(label("send"), variant="primary", scale=1, elem_id="send")
                with gr.Row(elem_id="suggestions", elem_classes="gdpa-suggestions"):
                    suggestion_btns = [gr.Button(visible=False, size="sm", elem_id=f"suggest-{i}", elem_classes="gdpa-suggest")
                                       for i in range(MAX_SUGGESTIONS)]
                with gr.Row():
                    clear_btn = gr.Button(label("clear"), elem_id="clear", size="sm")
                    download = gr.DownloadButton(label("export"), interactive=False, elem_id="export",
                                                 size="sm")
                with gr.Accordion(label("examples"), open=True):
                    for group, qs in EXAMPLES.items():
                        gr.Examples(examples=[[q] for q in qs], inputs=[question], label=label(group), **private)
                    gr.Markdown(label("evaluators"))
                    gr.Markdown(EVALUATOR_COMMANDS)
            with gr.Tab(label("tab_browse"), id="browse") as browse_tab:
                unit = gr.Dropdown([(label("all_units"), ALL_UNITS), *notice.units], value=ALL_UNITS,
                                   label=label("unit_filter"),
                                   elem_id="unit-filter", filterable=True)
                csv_file, xlsx_file = matrix_files(notice, exports, "zh-Hant")
                with gr.Row(elem_classes="gdpa-downloads"):
                    matrix_csv = gr.DownloadButton(label("matrix_csv"), value=csv_file, elem_id="matrix-csv",
                                                   size="sm")
                    matrix_xlsx = gr.DownloadButton(label("matrix_xlsx"), value=xlsx_file,
                                                    elem_id="matrix-xlsx", size="sm")
                    report = gr.DownloadButton(label("unit_report"), interactive=False,
                                               elem_id="unit-report", size="sm")
                table = gr.HTML(browse_html(notice, ALL_UNITS, "follow"), elem_id="browse")

        chat_args = {"fn": respond, "inputs": [question, turns, script, ui_lang],
                     "outputs": [chatbot, turns, question, download, clear_btn, *suggestion_btns],
                     "concurrency_limit": limit, "concurrency_id": "assistant", "show_progress": "minimal", **private}
        # One event for both triggers. "always_last": a question sent while an answer is being written is
        # sent when that answer is done, so it starts from the conversation that includes it.
        gr.on([question.submit, send.click], trigger_mode="always_last", **chat_args)
        for btn in suggestion_btns:  # a suggestion is asked as the next question of this conversation
            btn.click(**{**chat_args, "inputs": [btn, turns, script, ui_lang]}, trigger_mode="always_last")
        for trigger in (clear_btn.click, chatbot.clear):  # the button, and the chat's own trash icon
            trigger(clear, None, [chatbot, turns, question, download, *suggestion_btns], queue=False, **private)
        # queued (its own group, no limit): a toast is only shown for a queued event
        chatbot.like(on_like, [turns, ui_lang], None, concurrency_limit=None, concurrency_id="feedback", **private)
        script.change(rerender, [turns, script, unit, ui_lang], [chatbot, download, table], queue=False, **private)
        unit.change(filter_units, [unit, script, ui_lang], [table, report], queue=False, **private)
        script.change(downloads, [script, unit], [matrix_csv, matrix_xlsx, report], queue=False, **private)
        # The interface language: the stored choice or the browser's, set on load; a choice made here is stored.
        # Labels follow in the browser (gr.I18n, Gradio's locale switched by LANG_JS); what the server wrote
        # (the chat, its export, the browse table) is written again.
        demo.load(None, None, [ui_lang], js=lang_js("const l = window.gdpaLang.initial(); "
                                                    "await window.gdpaLang.apply(l); return l;"), **private)
        ui_lang.input(None, [ui_lang], None, js=lang_js("window.gdpaLang.remember(l);", "l"), **private)
        ui_lang.change(rerender, [turns, script, unit, ui_lang], [chatbot, download, table], queue=False, **private)
        # the tabs' labels once Gradio's locale has switched: it may re-render them from before
        ui_lang.change(None, [ui_lang], None, js=lang_js("await window.gdpaLang.apply(l);", "l"), **private).then(
            tab_labels, [ui_lang], [ask_tab, browse_tab], queue=False, **private)
        gr.api(ask, api_name="ask", concurrency_limit=limit, concurrency_id="assistant")
    demo.queue(default_concurrency_limit=limit)
    return demo


def mount_kwargs() -> dict:
    """Page settings for gr.mount_gradio_app: no server-side rendering, no monitoring, no MCP, no error details."""
    return {"footer_links": ["api"], "show_error": False, "ssr_mode": False, "enable_monitoring": False,
            "mcp_server": False, "theme": THEME, "css": CSS, "js": CITATION_JS, "i18n": I18N}


