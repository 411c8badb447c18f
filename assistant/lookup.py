"""Exact answers from the records: who leads / shares a task, what a unit leads, counts, sections,
the document itself. No retrieval, no model: these facts are never left to top-k or to generation.

Each function returns (text, cited task numbers). Chinese text is written in the notice's
Traditional wording (the pipeline converts it to the asker's script); English text keeps unit
names in Chinese with an English gloss where one is known.
"""

from __future__ import annotations

from corpus import Notice, Section, Task
from corpus.numerals import to_chinese
from corpus.units import ENGLISH_NAMES

Reply = tuple[str, list[int]]

_GLOSS = ENGLISH_NAMES


def cite(number: int, english: bool) -> str:
    return f"[Task {number}]" if english else f"〔第{to_chinese(number)}項〕"


def unit_name(unit: str, english: bool) -> str:
    return f"{unit} ({_GLOSS[unit]})" if english and unit in _GLOSS else unit


def _join(units: tuple[str, ...] | list[str], english: bool) -> str:
    names = [unit_name(u, english) for u in units]
    return "; ".join(names) if english else "、".join(names)


def listing(tasks: list[Task] | tuple[Task, ...], english: bool) -> str:
    """「(七)推進數字鄉村建設〔第七項〕;…」 — the item, its title and its citation, for every task."""
    sep = "; " if english else ";"
    return sep.join(f"{t.label}{t.title} {cite(t.number, english)}" for t in tasks)


def task_heading(task: Task, english: bool) -> str:
    if english:
        return (f"Task {task.number} {task.label} 「{task.title}」 "
                f"(section {task.section.number}, {task.section.numeral}、{task.section.title})")
    return f"第{task.numeral}項「{task.title}」(屬「{task.section.numeral}、{task.section.title}」)"


def responsibility(task: Task, english: bool, heading: bool = True) -> str:
    """Who leads and who shares one task, exactly as the records say, with the original wording."""
    more = " and other relevant units" if english else "等有關單位"
    if english:
        subject = task_heading(task, True) if heading else "It"
        if task.leads:
            s = f"{subject} is led by {_join(task.leads, True)}."
            if task.co:
                s += f" Co-responsible (按職責分工負責): {_join(task.co, True)}{more if task.open_ended else ''}."
        else:
            s = (f"{subject} names no lead unit (no 牽頭); it is shared by "
                 f"{_join(task.co, True)}{more if task.open_ended else ''}, each according to its duties.")
        return f"{s} Original: 「({task.responsibility})」 {cite(task.number, True)}"
    subject = task_heading(task, False) if heading else "本項"
    if task.leads:
        s = f"{subject}由{_join(task.leads, False)}牽頭"
        s += f";{_join(task.co, False)}{more if task.open_ended else ''}按職責分工負責。" if task.co else "。"
    else:
        s = (f"{subject}沒有指定牽頭單位,由{_join(task.co, False)}"
             f"{more if task.open_ended else ''}按職責分工負責。")
    return f"{s}原文:「({task.responsibility})」{cite(task.number, False)}"


def tasks_without_lead(notice: Notice, english: bool, sections: list[Section] | None = None) -> Reply:
    tasks = [t for t in notice.tasks if not t.leads and (not sections or t.section in sections)]
    items = listing(tasks, english)
    if sections:
        names = "、".join(f"{s.numeral}、{s.title}" for s in sections)
        text = (f"In section {names}, {len(tasks)} task(s) name no lead unit" + (f": {items}." if tasks else ".")
                if english else f"「{names}」中有{len(tasks)}項任務沒有指定牽頭單位" + (f":{items}。" if tasks else "。"))
    elif english:
        text = f"{len(tasks)} of the {len(notice.tasks)} tasks name no lead unit (no 牽頭): {items}."
    else:
        text = f"全文{len(notice.tasks)}項任務中,有{len(tasks)}項沒有指定牽頭單位(只列按職責分工負責的單位):{items}。"
    return text, [t.number for t in tasks]


def section_tasks(notice: Notice, section: Section, english: bool) -> Reply:
    tasks = notice.tasks_in(section)
    if english:
        text = f"Section {section.number} ({section.numeral}) 「{section.title}」 has {len(tasks)} tasks: {listing(tasks, True)}."
    else:
        text = f"第{section.numeral}部分「{section.numeral}、{section.title}」共{len(tasks)}項任務:{listing(tasks, False)}。"
    return text, [t.number for t in tasks]


def document_facts(notice: Notice, english: bool, issuer: bool, date: bool, addressees: bool,
                   totals: bool) -> str:
    """The header facts asked for (all of them when the question names none)."""
    if not (issuer or date or addressees or totals):
        issuer = date = totals = True
    n_tasks, n_sections = len(notice.tasks), len(notice.sections)
    if english:
        parts = [f"《{notice.title}》 (Digital Guangdong 2024 work points)"]
        if issuer:
            parts.append(f"was issued by {notice.issuer} (Guangdong Government Service and Data Administration)")
        if date:
            parts.append(f"dated {notice.date} (10 May 2024)")
        if addressees:
            parts.append(f"addressed to {notice.addressees}")
        s = ", ".join(parts) + "."
        if totals:
            s += f" It has {n_sections} sections and {n_tasks} numbered tasks ((一)…({to_chinese(n_tasks)}))."
        return s
    parts = []
    if issuer:
        parts.append(f"發文單位是{notice.issuer}")
    if date:
        parts.append(f"日期為{notice.date}")
    if addressees:
        parts.append(f"主送{notice.addressees}")
    s = f"《{notice.title}》" + (",".join(parts) + "。" if parts else "")
    if issuer or date:
        s += f"通知稱:「{notice.cover_note}」"
    if totals:
        s += f"全文分{n_sections}個部分(一至{to_chinese(n_sections)}),共{n_tasks}項任務((一)至({to_chinese(n_tasks)}))。"
    return s


def out_of_range(notice: Notice, numbers: list[int], english: bool, what: str = "task") -> str:
    bad = "、".join(str(n) for n in numbers)
    n_tasks, n_sections = len(notice.tasks), len(notice.sections)
    if what == "section":
        return (f"The notice has sections 1–{n_sections} only; there is no section {bad}." if english
                else f"本通知只有{n_sections}個部分(一至{to_chinese(n_sections)}),沒有第{bad}部分。")
    return (f"The notice has tasks 1–{n_tasks} ((一)…({to_chinese(n_tasks)})) only; there is no task {bad}." if english
            else f"本通知只有{n_tasks}項任務((一)至({to_chinese(n_tasks)})),沒有你問的第{bad}項。")
