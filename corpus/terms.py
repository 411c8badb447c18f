"""The notice's named terms — platforms, programmes, quoted slogans and cited documents — as a
pure function of its text: what a person may name when asking 「粵政易是什麼？」."""

from __future__ import annotations

import re

from .records import Notice

_QUOTED = re.compile(r"“([^”]{1,24})”|「([^」]{1,24})」")
_BOOK = re.compile(r"《([^》]{1,40})》")
# 粵XX platform names (粵政易, 粵省事, 粵智助 …); 粵 before 港/澳/東/西/北/車 is the province in a
# place or programme name (粵港澳, 粵東西北, 粵車南下), not a platform
_PLATFORM = re.compile(r"(粵[^港澳東西北車\W\d][\u4e00-\u9fff])")
_LATIN = re.compile(r"(?<![A-Za-z])([A-Z][A-Za-z0-9.]{1,})")


def named_terms(notice: Notice) -> tuple[str, ...]:
    """Every named term, longest first; lists inside quotes are split at 、."""
    text = "\n".join([notice.preamble, *(t.body for t in notice.tasks)])
    found: dict[str, None] = {}
    for m in _QUOTED.finditer(text):
        term = m.group(1) or m.group(2)
        found.setdefault(term, None)
        if "、" in term:
            for part in term.split("、"):
                if len(part) >= 2:
                    found.setdefault(part, None)
    for m in _BOOK.finditer(text):
        found.setdefault(m.group(1), None)
    for m in _PLATFORM.finditer(text):
        found.setdefault(m.group(1), None)
    for m in _LATIN.finditer(text):
        found.setdefault(m.group(1), None)
    return tuple(sorted(found, key=lambda t: (-len(t), t)))
