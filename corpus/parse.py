"""The published text → a `Notice` of typed records. Pure functions; no I/O but `load`."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .numerals import from_chinese
from .records import Notice, Section, Task
from .units import parse_responsibility

TITLE = "數字廣東建設2024年工作要點"
WEB_TAIL = "點擊查看一圖讀懂"

_SECTION = re.compile(r"^([一二三四五六七八九十]+)、(.+)$")
_TASK = re.compile(r"^[((]([一二三四五六七八九十]+)[))](.+)$")
# The responsibility parenthesis closes the task: the last (…) that names 牽頭 or 負責.
_RESPONSIBILITY = re.compile(r"[((]([^()()]*(?:牽頭|按職責分工負責)[^()()]*)[))]\s*$")
_DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")


class NoticeFormatError(ValueError):
    """The text does not have the notice's structure (header, sections, numbered tasks)."""


def _first_sentence(body: str) -> str:
    return body.split("。", 1)[0].strip()


def parse(text: str) -> Notice:
    text = text.split(WEB_TAIL, 1)[0]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    try:
        title_at = lines.index(TITLE)
    except ValueError as e:
        raise NoticeFormatError(f"title line {TITLE!r} not found") from e
    header = lines[:title_at]
    date_at = next((i for i, ln in enumerate(header) if _DATE.match(ln)), None)
    if date_at is None or date_at < 1:
        raise NoticeFormatError("issuer and date lines not found before the title")
    issuer, date = header[date_at - 1], header[date_at]
    addressees = header[0].rstrip(":：")
    cover_note = "".join(header[1 : date_at - 1])

    sections: list[Section] = []
    tasks: list[Task] = []
    preamble_lines: list[str] = []
    for line in lines[title_at + 1 :]:
        if m := _TASK.match(line):
            if not sections:
                raise NoticeFormatError(f"task before any section: {line[:20]}")
            number = from_chinese(m.group(1))
            if number != len(tasks) + 1:
                raise NoticeFormatError(f"task ({m.group(1)}) out of order")
            rest = m.group(2).strip()
            r = _RESPONSIBILITY.search(rest)
            if not r:
                raise NoticeFormatError(f"task ({m.group(1)}) has no responsibility parenthesis")
            body = rest[: r.start()].strip()
            raw = r.group(1).strip()
            resp = parse_responsibility(raw)
            tasks.append(
                Task(
                    number=number,
                    numeral=m.group(1),
                    title=_first_sentence(body),
                    body=body,
                    section=sections[-1],
                    responsibility=raw,
                    leads=resp.leads,
                    co=resp.co,
                    open_ended=resp.open_ended,
                )
            )
        elif m := _SECTION.match(line):
            number = from_chinese(m.group(1))
            if number != len(sections) + 1:
                raise NoticeFormatError(f"section {m.group(1)} out of order")
            sections.append(Section(number=number, numeral=m.group(1), title=m.group(2).strip()))
        elif not sections:
            preamble_lines.append(line)
        else:
            raise NoticeFormatError(f"unrecognised line: {line[:30]}")
    if not tasks:
        raise NoticeFormatError("no numbered tasks found")
    return Notice(
        title=TITLE,
        addressees=addressees,
        cover_note=cover_note,
        issuer=issuer,
        date=date,
        preamble="".join(preamble_lines),
        sections=tuple(sections),
        tasks=tuple(tasks),
    )


@lru_cache(maxsize=4)
def load(path: Path | str | None = None) -> Notice:
    """Parse the shipped notice (or another copy of it at `path`)."""
    if path is None:
        from config import load as load_config

        path = load_config().corpus_path
    return parse(Path(path).read_text(encoding="utf-8"))
