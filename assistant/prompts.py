"""Prompts are files in `prompts/` so they can be read and changed without touching code."""

from __future__ import annotations

from functools import cache

from config import ROOT
from corpus.script import Script

PROMPTS = ROOT / "prompts"


@cache
def prompt(name: str) -> str:
    return (PROMPTS / f"{name}.txt").read_text(encoding="utf-8").strip()


def refusal_text(script: Script) -> str:
    """Chinese refusals are stored in Traditional; the pipeline renders them in the asker's script."""
    return prompt("refusal_en" if script == "en" else "refusal_zh-Hant")


def language_rule(script: Script) -> str:
    return prompt(f"language_{script}")
