"""The responsibility matrix (CSV, XLSX) and the per-unit report, checked against
tests/data/responsibility_table.json (written by reading the notice), not against the parser."""

from __future__ import annotations

import csv
import io

import pytest

from web import exports

UNIT = "省政務服務和數據管理局"  # 政數局: 21 lead, 13 co in the table


def _table_counts(truth: dict[int, dict]) -> dict[str, tuple[int, int]]:
    units = {u for v in truth.values() for u in v["leads"] + v["co"]}
    return {u: (sum(u in v["leads"] for v in truth.values()), sum(u in v["co"] for v in truth.values()))
            for u in units}


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_matrix_matches_the_table(notice, truth):
    rows = _csv_rows(exports.matrix_csv(notice))
    header, body = rows[0], rows[1:]
    assert len(body) == 55 == len(truth)
    expected = _table_counts(truth)
    assert sorted(header[3:]) == sorted(expected)
    for col, unit in enumerate(header[3:], start=3):
        leads = sum(r[col] == "牽頭" for r in body)
        cos = sum(r[col] == "配合" for r in body)
        assert (leads, cos) == expected[unit], unit
    col = header.index(UNIT)
    assert (sum(r[col] == "牽頭" for r in body), sum(r[col] == "配合" for r in body)) == (21, 13)
    for r in body:  # every row's cells are exactly the table's sets for that task
        item = truth[int(r[0])]
        assert {header[c] for c in range(3, len(r)) if r[c] == "牽頭"} == set(item["leads"])
        assert {header[c] for c in range(3, len(r)) if r[c] == "配合"} == set(item["co"])


@pytest.mark.parametrize("lang, lead, co, unit", [("zh-Hans", "牵头", "配合", "省政务服务和数据管理局"),
                                                  ("en", "lead", "co", UNIT)])
def test_csv_matrix_in_other_languages(notice, lang, lead, co, unit):
    rows = _csv_rows(exports.matrix_csv(notice, lang))
    col = rows[0].index(unit)
    assert (sum(r[col] == lead for r in rows[1:]), sum(r[col] == co for r in rows[1:])) == (21, 13)


def test_xlsx_matrix_and_unit_sheet(notice, truth):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(exports.matrix_xlsx(notice)))
    sheet, counts = book.worksheets
    rows = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    assert [r[0] for r in body] == list(range(1, 56))
    col = header.index(UNIT)
    assert (sum(r[col] == "牽頭" for r in body), sum(r[col] == "配合" for r in body)) == (21, 13)
    expected = _table_counts(truth)
    per_unit = {r[0]: (r[1], r[2]) for r in counts.iter_rows(min_row=2, values_only=True)}
    assert per_unit == expected
    assert sheet.freeze_panes == "D2"


def test_unit_report_lists_every_task_with_text_and_section(notice, truth):
    md = exports.unit_report(notice, UNIT)
    mine = [n for n, v in truth.items() if UNIT in v["leads"] + v["co"]]
    assert len(mine) == 34
    for n in mine:
        t = notice.task(n)
        assert f"〔第{t.numeral}項〕{t.title}" in md
        assert t.text in md
        assert f"## {t.section.numeral}、{t.section.title}" in md
    assert md.count("### ") == 34
    assert "牽頭 21 項,配合 13 項,共 34 項" in md
    en = exports.unit_report(notice, UNIT, "en")
    assert "Leads 21, co-responsible for 13, 34 in all" in en


def test_report_and_cells_cannot_carry_html_or_formulas():
    assert exports._md("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert exports._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert exports._cell("省科技廳") == "省科技廳"
