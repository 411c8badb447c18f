"""Chinese numerals as the notice writes them (一 … 五十五), both ways."""

from __future__ import annotations

DIGITS = "零一二三四五六七八九"
_TENS = {"廿": "二十", "卅": "三十"}
_VALUE = {c: i for i, c in enumerate(DIGITS)} | {"〇": 0, "兩": 2, "两": 2}


def to_chinese(n: int) -> str:
    """1..99 → 一 … 九十九 (the notice needs 1..55)."""
    if not 0 < n < 100:
        raise ValueError(f"out of range: {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else DIGITS[tens] + "十")
    return head + (DIGITS[ones] if ones else "")


def from_chinese(s: str) -> int | None:
    """一 … 九十九 (also 百 for 一百) → int; None when `s` is not such a numeral."""
    if not s:
        return None
    if s.isdigit():
        return int(s)
    if s[0] in _TENS:  # 廿四 (24), 卅 (30): the short tens Hong Kong writers use
        s = _TENS[s[0]] + s[1:]
    if s == "一百" or s == "百":
        return 100
    if "十" in s:
        head, _, tail = s.partition("十")
        if len(head) > 1 or len(tail) > 1:
            return None
        tens = 1 if head == "" else _VALUE.get(head)
        ones = 0 if tail == "" else _VALUE.get(tail)
        if tens is None or ones is None:
            return None
        return tens * 10 + ones
    return _VALUE.get(s) if len(s) == 1 else None
