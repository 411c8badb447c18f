"""The chat page's own words in the viewer's interface language: 繁體 (zh-Hant), 简体 (zh-Hans) or English.

One table per language (STRINGS), used two ways:
- labels of components go through `gr.I18n` (I18N below) and are translated in the browser;
- strings the server renders (the sources heading, the pending line, toasts, the browse table, an apology,
  the conversation export) are looked up with `text(key, lang)` for the language the page sends along.

Which language: the one the viewer picked (kept in the browser's localStorage), else the browser's own
(`browser_lang`: zh-HK / zh-TW / zh-MO / zh-Hant → 繁體, zh-CN / zh-SG / zh-Hans / zh → 简体, anything else →
English). LANG_JS is the same mapping in the page; it also switches Gradio's locale, because Gradio 6.31 only
picks a locale from its built-in list (zh-TW, zh-CN, en, …) and falls back to English for zh-HK, zh-MO, zh-SG
and zh, whatever gr.I18n offers.

Answers are not interface: they follow the asker's script (the assistant decides that).
"""

from __future__ import annotations

import json
import re

# isort: off
import config  # noqa: F401 - before gradio: pins the offline switches
import gradio as gr
# isort: on

from corpus.script import render

LANGS = ("zh-Hant", "zh-Hans", "en")
DEFAULT = "zh-Hant"  # before the page has said which (the notice's own script)
LANG_CHOICES = [("繁體中文", "zh-Hant"), ("简体中文", "zh-Hans"), ("English", "en")]  # each in its own language
STORAGE_KEY = "gdpa-lang"  # the viewer's explicit choice, in the browser's localStorage

# Gradio's built-in locale for each language (its own strings, e.g. the chat's buttons, are translated too)
GRADIO_LOCALE = {"zh-Hant": "zh-TW", "zh-Hans": "zh-CN", "en": "en"}
# Regions whose Chinese is written in Traditional characters; any other zh (and plain zh) is Simplified.
HANT_REGIONS = ("tw", "hk", "mo")

STRINGS: dict[str, dict[str, str]] = {
    "zh-Hant": {
        "page_title": "數字廣東建設2024年工作要點 · 政策問答",
        "title_md": "## 數字廣東建設2024年工作要點 · 政策問答",
        "intro": "只依據《數字廣東建設2024年工作要點》作答,每個答案附出處。",
        "mode_llm": "模式:本地模型生成,附原文出處",
        "mode_none": "模式:原文摘錄(未使用模型)",
        "ui_lang": "介面語言",
        "script": "輸出文字",
        "follow": "跟隨提問",
        "tab_ask": "問答",
        "tab_browse": "瀏覽任務",
        "chat": "對話",
        "placeholder": "請提問關於《數字廣東建設2024年工作要點》的問題。",
        "question": "輸入問題,按 Enter 送出",
        "send": "送出",
        "clear": "清除對話",
        "export": "下載對話 (Markdown)",
        "examples": "範例問題",
        "civil": "公務員",
        "public": "市民",
        "evaluators": "**評估人員** — 在項目資料夾的命令列中執行問題集和延遲基準測試:",
        "unit_filter": "按單位篩選",
        "all_units": "全部單位",
        "matrix_csv": "責任矩陣 CSV",
        "matrix_xlsx": "責任矩陣 XLSX",
        "unit_report": "單位報告 (Markdown)",
        # rendered by the server
        "pending": "正在查找原文…",
        "empty_question": "(空白)",
        "apology": "抱歉,處理這個問題時出了點問題,請稍後再試或換個問法。",
        "sources": "出處",
        "section": "所屬部分",
        "lead_units": "牽頭單位",
        "co_units": "配合單位",
        "unstated": "(未列明)",
        "colon": ":",
        "item": "項",
        "task": "任務",
        "role": "角色",
        "role_lead": "牽頭",
        "role_co": "配合",
        "browse_all": "共 {sections} 個部分、{tasks} 項任務。",
        "browse_unit": "牽頭 {lead} 項,配合 {co} 項,共 {total} 項(全文 {all} 項)。",
        "thanks": "感謝回饋",
        "feedback_failed": "回饋未能記錄",
        "toast_info": "提示",
        "toast_warning": "注意",
        "conversation": "問答記錄",
        "exported": "導出時間",
    },
    "zh-Hans": {
        "page_title": "数字广东建设2024年工作要点 · 政策问答",
        "title_md": "## 数字广东建设2024年工作要点 · 政策问答",
        "intro": "只依据《数字广东建设2024年工作要点》作答,每个答案附出处。",
        "mode_llm": "模式:本地模型生成,附原文出处",
        "mode_none": "模式:原文摘录(未使用模型)",
        "ui_lang": "界面语言",
        "script": "输出文字",
        "follow": "跟随提问",
        "tab_ask": "问答",
        "tab_browse": "浏览任务",
        "chat": "对话",
        "placeholder": "请提问关于《数字广东建设2024年工作要点》的问题。",
        "question": "输入问题,按 Enter 送出",
        "send": "送出",
        "clear": "清除对话",
        "export": "下载对话 (Markdown)",
        "examples": "示例问题",
        "civil": "公务员",
        "public": "市民",
        "evaluators": "**评估人员** — 在项目文件夹的命令行中运行问题集和延迟基准测试:",
        "unit_filter": "按单位筛选",
        "all_units": "全部单位",
        "matrix_csv": "责任矩阵 CSV",
        "matrix_xlsx": "责任矩阵 XLSX",
        "unit_report": "单位报告 (Markdown)",
        "pending": "正在查找原文…",
        "empty_question": "(空白)",
        "apology": "抱歉,处理这个问题时出了点问题,请稍后再试或换个问法。",
        "sources": "出处",
        "section": "所属部分",
        "lead_units": "牵头单位",
        "co_units": "配合单位",
        "unstated": "(未列明)",
        "colon": ":",
        "item": "项",
        "task": "任务",
        "role": "角色",
        "role_lead": "牵头",
        "role_co": "配合",
        "browse_all": "共 {sections} 个部分、{tasks} 项任务。",
        "browse_unit": "牵头 {lead} 项,配合 {co} 项,共 {total} 项(全文 {all} 项)。",
        "thanks": "感谢反馈",
        "feedback_failed": "反馈未能记录",
        "toast_info": "提示",
        "toast_warning": "注意",
        "conversation": "问答记录",
        "exported": "导出时间",
    },
    "en": {
        "page_title": "Digital Guangdong 2024 work points · Policy Q&A",
        "title_md": "## Digital Guangdong 2024 work points · Policy Q&A",
        "intro": "Answers come only from the notice 《數字廣東建設2024年工作要點》, each with its sources.",
        "mode_llm": "Mode: local model, with sources",
        "mode_none": "Mode: quotes from the notice (no model)",
        "ui_lang": "Interface language",
        "script": "Output script",
        "follow": "Follow question",
        "tab_ask": "Ask",
        "tab_browse": "Browse tasks",
        "chat": "Conversation",
        "placeholder": "Ask about the 2024 Digital Guangdong work points.",
        "question": "Type a question and press Enter",
        "send": "Ask",
        "clear": "Clear",
        "export": "Export (Markdown)",
        "examples": "Example questions",
        "civil": "Civil servants",
        "public": "The public",
        "evaluators": "**Evaluators** — run the question set and the latency benchmark from a shell in the project folder:",
        "unit_filter": "Filter by unit",
        "all_units": "All units",
        "matrix_csv": "Matrix CSV",
        "matrix_xlsx": "Matrix XLSX",
        "unit_report": "Unit report (Markdown)",
        "pending": "Looking it up…",
        "empty_question": "(empty)",
        "apology": "Sorry, something went wrong while answering; please try again.",
        "sources": "Sources",
        "section": "Section",
        "lead_units": "Lead units",
        "co_units": "Co-responsible units",
        "unstated": "(not stated)",
        "colon": ": ",
        "item": "Item",
        "task": "Task",
        "role": "Role",
        "role_lead": "Lead",
        "role_co": "Co-responsible",
        "browse_all": "{sections} sections, {tasks} tasks.",
        "browse_unit": "Leads {lead}, co-responsible for {co}: {total} of the {all} tasks.",
        "thanks": "Thanks for the feedback",
        "feedback_failed": "Feedback could not be saved",
        "toast_info": "Info",
        "toast_warning": "Warning",
        "conversation": "Conversation",
        "exported": "Exported",
    },
}


def normalize(lang: object) -> str:
    """A language of LANGS: `lang` itself, or DEFAULT for anything else (None before the page said)."""
    return lang if isinstance(lang, str) and lang in LANGS else DEFAULT


def text(key: str, lang: object) -> str:
    return STRINGS[normalize(lang)][key]


def lang_of_tag(tag: object) -> str | None:
    """The interface language for one BCP 47 tag (zh-HK, zh-Hant-TW, en-US, …); None when it is none of ours."""
    parts = str(tag or "").strip().lower().replace("_", "-").split("-")
    if parts[0] in ("zh", "yue"):  # yue: written Cantonese, Traditional unless the tag says Hans
        if "hant" in parts[1:]:
            return "zh-Hant"
        if "hans" in parts[1:]:
            return "zh-Hans"
        if parts[0] == "yue" or any(p in HANT_REGIONS for p in parts[1:]):
            return "zh-Hant"
        return "zh-Hans"
    if parts[0] == "en":
        return "en"
    return None


def browser_lang(tags: object) -> str:
    """The interface language for the browser's preferred languages (navigator.languages, first first):
    the first one we have, else English."""
    for tag in [tags] if isinstance(tags, str) else list(tags or []):
        if lang := lang_of_tag(tag):
            return lang
    return "en"


# gr.I18n's keys carry a prefix: Gradio's page translates any prop *value* that equals a key (a radio's value
# "follow", a question typed as "send"), so no key may look like a value.
KEY_PREFIX = "gdpa-ui:"


def gradio_locales() -> dict[str, dict[str, str]]:
    """gr.I18n's tables: Gradio's own locales (what LANG_JS switches to) and the regional tags as well."""
    tables = {lang: {KEY_PREFIX + k: v for k, v in STRINGS[lang].items()} for lang in LANGS}
    locales = {GRADIO_LOCALE[lang]: tables[lang] for lang in LANGS}
    for tag in ("zh-HK", "zh-MO"):
        locales[tag] = tables["zh-Hant"]
    for tag in ("zh-SG", "zh"):
        locales[tag] = tables["zh-Hans"]
    return locales


I18N = gr.I18n(**gradio_locales())


def label(key: str) -> gr.i18n.I18nData:
    """A component label (or choice label, placeholder, Markdown value) translated in the page."""
    if key not in STRINGS[DEFAULT]:
        raise KeyError(key)
    return I18N(KEY_PREFIX + key)


# -- notices: the assistant's and the model queue's notes are written "中文。/ English." ---------------

_BILINGUAL = re.compile(r"(?P<zh>[^\x00-\x7f][^/]*?)\s*/\s*(?P<en>[\x20-\x7e]+?)(?=\s+[^\x00-\x7f]|\s*$)")


def localize_notice(notice: str, lang: object) -> str:
    """Each "中文 / English" part of a notice, in `lang` only (Simplified converted from the Chinese side)."""
    lang = normalize(lang)

    def pick(m: re.Match) -> str:
        return m.group("en").strip() if lang == "en" else render(m.group("zh").strip(), lang)

    return _BILINGUAL.sub(pick, notice)


# -- toasts: Gradio 6.31 shows the toast's type ("Info", "Warning") as its title, whatever title is passed ----

def toast_css() -> str:
    """CSS that shows the toast title in the page's language (LANG_JS marks <html data-gdpa-lang>)."""
    rules = []
    for lang in LANGS:
        for kind in ("info", "warning"):
            sel = f'html[data-gdpa-lang="{lang}"] .toast-title.{kind}'
            title = json.dumps(STRINGS[lang][f"toast_{kind}"], ensure_ascii=False)
            rules.append(f"{sel} {{ font-size: 0; }}\n{sel}::before {{ content: {title}; font-size: var(--text-md); }}")
    return "\n".join(rules) + "\n"


# -- the same mapping in the page --------------------------------------------------------------------

_JS_DATA = json.dumps({"langs": LANGS, "hant": HANT_REGIONS, "locale": GRADIO_LOCALE, "key": STORAGE_KEY,
                       "title": {lang: STRINGS[lang]["page_title"] for lang in LANGS}}, ensure_ascii=False)

# Defines window.gdpaLang once: of(tag) / fromBrowser() as lang_of_tag / browser_lang above; initial() the
# stored choice or the browser's; remember(lang) stores a choice; apply(lang) switches Gradio's locale (its
# exported changeLocale, found by the URL its core module was loaded from) and the page title, and marks
# <html data-gdpa-lang>.
LANG_JS = """
window.gdpaLang = window.gdpaLang || (() => {
  const D = __DATA__;
  const of = (tag) => {
    const parts = String(tag || '').trim().toLowerCase().replace(/_/g, '-').split('-');
    const rest = parts.slice(1);
    if (parts[0] === 'zh' || parts[0] === 'yue') {
      if (rest.includes('hant')) return 'zh-Hant';
      if (rest.includes('hans')) return 'zh-Hans';
      if (parts[0] === 'yue' || rest.some((p) => D.hant.includes(p))) return 'zh-Hant';
      return 'zh-Hans';
    }
    return parts[0] === 'en' ? 'en' : null;
  };
  const fromBrowser = (tags) => {
    tags = tags || (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]);
    for (const t of tags) { const l = of(t); if (l) return l; }
    return 'en';
  };
  const stored = () => { try { return localStorage.getItem(D.key); } catch (e) { return null; } };
  const initial = () => { const s = stored(); return D.langs.includes(s) ? s : fromBrowser(); };
  const remember = (lang) => { try { if (D.langs.includes(lang)) localStorage.setItem(D.key, lang); } catch (e) {} };
  let core = null;
  const gradioCore = async () => {
    if (core) return core;
    const urls = performance.getEntriesByType('resource').map((e) => e.name)
      .concat([...document.querySelectorAll('script[src], link[href]')].map((e) => e.src || e.href));
    const url = urls.find((u) => /\\/assets\\/core-[^/?#]*\\.js([?#]|$)/.test(u));
    if (url) core = await import(url);
    return core;
  };
  const apply = async (lang) => {
    if (!D.langs.includes(lang)) return;
    document.title = D.title[lang];
    try {
      const c = await gradioCore();
      if (c && c.changeLocale) {
        // Gradio sets <html lang> once the locale's messages are loaded (a first switch loads them)
        c.changeLocale(D.locale[lang]);
        for (let i = 0; i < 100 && document.documentElement.lang !== D.locale[lang]; i++)
          await new Promise((r) => setTimeout(r, 30));
        await new Promise((r) => requestAnimationFrame(() => r()));  // labels re-rendered
      } else console.warn('gdpa: Gradio core not found; labels stay in the browser language');
    } catch (e) { console.warn('gdpa: could not switch the interface language', e); }
    document.documentElement.dataset.gdpaLang = lang;  // applied (tests wait for it)
  };
  return {of, fromBrowser, initial, remember, apply, current: () => document.documentElement.dataset.gdpaLang};
})();
""".replace("__DATA__", _JS_DATA)


def js(body: str, args: str = "") -> str:
    """A Gradio `js=` function that has window.gdpaLang defined before `body` runs."""
    return f"async ({args}) => {{ {LANG_JS}\n{body} }}"
