"""Read and check an evaluation dataset: one JSON object per line.

A line holds `id` and exactly one of `question` (str) or `turns` (non-empty list of str; the last
turn is scored). Gold fields are optional — `gold_items`, `facts`, `refuse`, `list` — and so are
`category` and `lang`; unknown fields are ignored. A bad line raises DatasetError naming its number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class DatasetError(ValueError):
    """The dataset cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Item:
    id: str
    turns: tuple[str, ...]  # a single-turn item has one turn
    gold: dict[str, Any] = field(default_factory=dict)  # only the gold fields the line has
    category: str | None = None
    lang: str | None = None

    @property
    def question(self) -> str:
        """The scored (last) turn."""
        return self.turns[-1]


def _check_gold(obj: dict[str, Any]) -> dict[str, Any]:
    gold: dict[str, Any] = {}
    if "gold_items" in obj and obj["gold_items"] is not None:
        items = obj["gold_items"]
        if not isinstance(items, list) or not all(isinstance(n, int) and not isinstance(n, bool) for n in items):
            raise ValueError("'gold_items' must be a list of integers")
        gold["gold_items"] = items
    if "facts" in obj and obj["facts"] is not None:
        facts = obj["facts"]
        if not isinstance(facts, list) or not all(isinstance(f, str) for f in facts):
            raise ValueError("'facts' must be a list of strings")
        gold["facts"] = facts
    for key in ("refuse", "list", "not_stated"):
        if key in obj and obj[key] is not None:
            if not isinstance(obj[key], bool):
                raise ValueError(f"'{key}' must be true or false")
            gold[key] = obj[key]
    for key in ("forbidden_strings",):
        if key in obj and obj[key] is not None:
            if not isinstance(obj[key], list) or not all(isinstance(f, str) for f in obj[key]):
                raise ValueError(f"'{key}' must be a list of strings")
            gold[key] = obj[key]
    return gold


def parse_line(line: str) -> Item:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    item_id = obj.get("id")
    if not isinstance(item_id, str | int) or isinstance(item_id, bool) or str(item_id).strip() == "":
        raise ValueError("missing or empty 'id'")
    has_q, has_t = obj.get("question") is not None, obj.get("turns") is not None
    if has_q == has_t:
        raise ValueError("needs exactly one of 'question' and 'turns'")
    if has_q:
        if not isinstance(obj["question"], str) or not obj["question"].strip():
            raise ValueError("'question' must be a non-empty string")
        turns: tuple[str, ...] = (obj["question"],)
    else:
        t = obj["turns"]
        if not isinstance(t, list) or not t or not all(isinstance(x, str) and x.strip() for x in t):
            raise ValueError("'turns' must be a non-empty list of non-empty strings")
        turns = tuple(t)
    for key in ("category", "lang"):
        if key in obj and obj[key] is not None and not isinstance(obj[key], str):
            raise ValueError(f"'{key}' must be a string")
    return Item(id=str(item_id), turns=turns, gold=_check_gold(obj), category=obj.get("category"),
                lang=obj.get("lang"))


def load(path: str | Path) -> list[Item]:
    """All items of a dataset, in file order; blank lines are skipped."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except UnicodeDecodeError as e:
        raise DatasetError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise DatasetError(f"{path}: cannot read ({e.strerror})") from None
    items: list[Item] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = parse_line(line)
        except ValueError as e:
            raise DatasetError(f"{path}:{number}: {e}") from None
        if item.id in seen:
            raise DatasetError(f"{path}:{number}: duplicate id {item.id!r} (first on line {seen[item.id]})")
        seen[item.id] = number
        items.append(item)
    if not items:
        raise DatasetError(f"{path}: no items")
    return items
