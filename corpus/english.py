"""A faithful English gloss of each task (title + content keywords), shipped beside the notice in
`corpus/tasks_en.json`. It is indexed with the Chinese text so that English questions find the
right task; answers still quote the notice itself."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

GLOSS_PATH = Path(__file__).with_name("tasks_en.json")


@dataclass(frozen=True)
class EnglishGloss:
    title: str
    keywords: tuple[str, ...]

    @property
    def text(self) -> str:
        return f"{self.title}: {'; '.join(self.keywords)}"


@lru_cache(maxsize=2)
def load_gloss(path: Path = GLOSS_PATH) -> dict[int, EnglishGloss]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {int(k): EnglishGloss(v["title"], tuple(v["keywords"])) for k, v in raw.items()}


TRANSLATION_PATH = Path(__file__).with_name("translation_en.json")


def _sentence_key(sentence: str) -> str:
    return sentence.strip().rstrip("。;；.").replace(" ", "")


@lru_cache(maxsize=2)
def _translation_rows(path: Path = TRANSLATION_PATH) -> dict[str, list[dict[str, str]]]:
    """The translation file as shipped: task number → its sentences ({"zh", "en"}); {} when absent."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


@lru_cache(maxsize=2)
def load_translation(path: Path = TRANSLATION_PATH) -> dict[str, str]:
    """The shipped English rendering of every task sentence (an unofficial translation, checked
    figure by figure against the Chinese), keyed by the Chinese sentence."""
    return {_sentence_key(s["zh"]): s["en"] for rows in _translation_rows(path).values() for s in rows if s.get("en")}


def english_rendering(sentence: str) -> str | None:
    """The English rendering of one sentence of the notice, or None when it has none."""
    return load_translation().get(_sentence_key(sentence))


@lru_cache(maxsize=2)
def _by_task(path: Path = TRANSLATION_PATH) -> dict[int, str]:
    return {int(k): " ".join(s["en"] for s in rows) for k, rows in _translation_rows(path).items()}


def task_translation(number: int) -> str:
    """A task's whole English rendering ("" for the header or a task without one)."""
    return _by_task().get(number, "")
