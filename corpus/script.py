"""Script handling: one normal form for matching, and the asker's script for answers.

Matching (BM25, alias lookup, title match) runs on a single folded form — Simplified — so that a
Traditional, Hong Kong or Simplified question meets the Traditional notice on equal terms.
Answers are written from the notice's Traditional wording and converted back to the asker's script.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Literal

import opencc

Script = Literal["zh-Hant", "zh-Hans", "en"]

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(f"{config}.json" if not config.endswith(".json") else config)


def _convert(config: str, text: str) -> str:
    return _converter(config).convert(text) if text else text


def fold(text: str) -> str:
    """The matching form: NFKC (full-width → half-width), Traditional/HK → Simplified, lower-case."""
    text = unicodedata.normalize("NFKC", text)
    return _convert("t2s", _convert("hk2s", text)).lower()


def to_traditional(text: str) -> str:
    return _convert("s2t", text)


def to_simplified(text: str) -> str:
    return _convert("t2s", text)


def detect(text: str) -> Script:
    """The asker's script: English when the question has Latin letters and no Chinese characters;
    Simplified when more of its characters are Simplified-only than Traditional-only."""
    cjk = _CJK.findall(text)
    if not cjk:
        return "en" if _LATIN.search(text) else "zh-Hant"
    # an English sentence quoting a Chinese name ("Which tasks mention 灣事通?") is English
    if len(re.findall(r"[A-Za-z]{2,}", text)) >= 3 and len(_LATIN.findall(text)) > 2 * len(cjk):
        return "en"
    traditional_only = sum(_changes("t2s", c) for c in cjk)
    simplified_only = sum(_changes("s2t", c) for c in cjk)
    return "zh-Hans" if simplified_only > traditional_only else "zh-Hant"


@lru_cache(maxsize=8192)
def _changes(config: str, char: str) -> bool:
    return _convert(config, char) != char


def render(text: str, script: Script) -> str:
    """Notice wording (Traditional) → the asker's script. English answers keep Chinese names as written."""
    return to_simplified(text) if script == "zh-Hans" else text
