"""Downloads built from the parsed records: the responsibility matrix (55 tasks × units, lead / co) as CSV
and XLSX, and one unit's report (every task it leads or shares, full text and section) as Markdown.

Pure functions over `corpus.Notice`; the UI writes what they return to files for its download buttons.
`lang` is the viewer's interface language: zh-Hant | zh-Hans | en. The notice's own wording (titles,
texts, unit names) stays Chinese, in the chosen script (Traditional for English).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from corpus import Notice, Task
from corpus.script import render

LEAD, CO = "lead", "co"

_WORDS = {  # interface words of the exports, per language (Simplified is converted from Traditional)
    "zh-Hant": {"item": "項", "title": "任務", "section": "所屬部分", "lead": "牽頭", "co": "配合",
                "unit": "單位", "leads": "牽頭項數", "cos": "配合項數", "total": "合計",
                "matrix": "責任矩陣", "units": "單位統計", "role": "角色", "text": "原文",
                "report": "工作清單", "summary": "牽頭 {lead} 項,配合 {co} 項,共 {total} 項(全文 {all} 項)。",
                "none": "此單位未列於任何任務。", "lead_units": "牽頭單位", "co_units": "配合單位",
                "unstated": "(未列明)", "open": "等有關單位"},
    "en": {"item": "Item", "title": "Task", "section": "Section", "lead": "lead", "co": "co",
           "unit": "Unit", "leads": "Leads", "cos": "Co-responsible", "total": "Total",
           "matrix": "Responsibility matrix", "units": "Units", "role": "Role", "text": "Text",
           "report": "Tasks", "summary": "Leads {lead}, co-responsible for {co}, {total} in all (of {all}).",
           "none": "This unit is not named in any task.", "lead_units": "Lead units",
           "co_units": "Co-responsible units", "unstated": "(not stated)", "open": " and other relevant units"},
}


def words(lang: str) -> dict[str, str]:
    if lang == "en":
        return _WORDS["en"]
    return {k: render(v, "zh-Hans" if lang == "zh-Hans" else "zh-Hant") for k, v in _WORDS["zh-Hant"].items()}


def _notice_script(lang: str) -> str:
    return "zh-Hans" if lang == "zh-Hans" else "zh-Hant"


def role(task: Task, unit: str) -> str:
    """lead | co | '' — the unit's role in the task, as the records give it."""
    if unit in task.leads:
        return LEAD
    if unit in task.co:
        return CO
    return ""


@dataclass(frozen=True)
class Matrix:
    header: list[str]
    rows: list[list[str]]  # one per task: item, title, section, then one cell per unit
    units: list[str]  # the unit columns, in order of first appearance in the notice


def matrix(notice: Notice, lang: str = "zh-Hant") -> Matrix:
    """The 55 tasks × every unit named: each cell is the unit's role in the task (lead / co word, or empty)."""
    w, s = words(lang), _notice_script(lang)
    units = list(notice.units)
    header = [w["item"], w["title"], w["section"], *(render(u, s) for u in units)]
    rows = []
    for t in notice.tasks:
        cells = [w[r] if (r := role(t, u)) else "" for u in units]
        rows.append([str(t.number), render(t.title, s), render(f"{t.section.numeral}、{t.section.title}", s), *cells])
    return Matrix(header, rows, [render(u, s) for u in units])


def unit_counts(notice: Notice) -> list[tuple[str, int, int]]:
    """(unit, tasks it leads, tasks it is co-responsible for), in order of first appearance."""
    return [(u, sum(u in t.leads for t in notice.tasks), sum(u in t.co for t in notice.tasks)) for u in notice.units]


def _cell(value: str) -> str:
    """A spreadsheet cell that no spreadsheet will read as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def matrix_csv(notice: Notice, lang: str = "zh-Hant") -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read the Chinese correctly."""
    m = matrix(notice, lang)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in m.header])
    writer.writerows([[_cell(c) for c in row] for row in m.rows])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def matrix_xlsx(notice: Notice, lang: str = "zh-Hant") -> bytes:
    """Two sheets: the matrix (frozen header and task columns) and per-unit counts."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    w, s = words(lang), _notice_script(lang)
    m = matrix(notice, lang)
    book = Workbook()
    sheet = book.active
    sheet.title = w["matrix"][:31]
    sheet.append(m.header)
    lead_fill = PatternFill("solid", fgColor="FFD966")
    co_fill = PatternFill("solid", fgColor="DDEBF7")
    for row in m.rows:
        sheet.append([int(row[0]), *row[1:]])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=2, min_col=4):
        for cell in row:
            if cell.value == w["lead"]:
                cell.fill = lead_fill
            elif cell.value == w["co"]:
                cell.fill = co_fill
    sheet.freeze_panes = "D2"
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 40
    sheet.column_dimensions["C"].width = 30

    counts = book.create_sheet(w["units"][:31])
    counts.append([w["unit"], w["leads"], w["cos"], w["total"]])
    for cell in counts[1]:
        cell.font = Font(bold=True)
    for unit, lead, co in unit_counts(notice):
        counts.append([render(unit, s), lead, co, lead + co])
    counts.column_dimensions["A"].width = 40
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _md(text: str) -> str:
    """Text for a Markdown file: no tag a Markdown viewer could render as HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _units_text(task: Task, names: tuple[str, ...], w: dict[str, str], open_ended: bool = False) -> str:
    text = "、".join(names) or w["unstated"]
    return text + (w["open"] if open_ended and names else "")


def unit_report(notice: Notice, unit: str, lang: str = "zh-Hant") -> str:
    """Markdown: every task `unit` leads or shares, grouped by section, with its full text."""
    w, s = words(lang), _notice_script(lang)

    def r(text: str) -> str:
        return _md(render(text, s))

    tasks = [t for t in notice.tasks if unit in t.units]
    lead = sum(unit in t.leads for t in tasks)
    lines = [f"# {r(unit)} · {w['report']}", "", f"{r(notice.title)}", "",
             _md(w["summary"].format(lead=lead, co=len(tasks) - lead, total=len(tasks), all=len(notice.tasks))), ""]
    if not tasks:
        lines += [w["none"], ""]
    for section in notice.sections:
        in_section = [t for t in tasks if t.section == section]
        if not in_section:
            continue
        lines += [f"## {r(section.numeral + '、' + section.title)}", ""]
        for t in in_section:
            lines += [f"### {r(f'〔第{t.numeral}項〕')}{r(t.title)}", "",
                      f"- **{w['role']}**: {w[role(t, unit)]}",
                      f"- **{w['lead_units']}**: {r(_units_text(t, t.leads, w))}",
                      f"- **{w['co_units']}**: {r(_units_text(t, t.co, w, t.open_ended))}", "",
                      f"> {r(t.text)}", ""]
    return "\n".join(lines)
