"""Input checks shared by the CLI, the API and the UI: a clear message instead of an exception."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_WORDY = re.compile(r"[\w\u3400-\u9fff]")


class InvalidQuestion(ValueError):
    """The question cannot be answered as given; str(e) is the message for the user (Chinese + English)."""


def clean_question(question: object, max_chars: int) -> str:
    """The question with control characters and broken surrogates removed, whitespace folded.

    Raises InvalidQuestion for: not text, empty or whitespace-only, no letters or characters at all,
    longer than `max_chars`.
    """
    if not isinstance(question, str):
        raise InvalidQuestion("請輸入文字問題。/ Please type a question as text.")
    text = _SURROGATE.sub("", question)
    text = _CONTROL.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise InvalidQuestion("問題是空的,請輸入問題,例如「第七項由哪些單位牽頭？」/ The question is empty.")
    if len(text) > max_chars:
        raise InvalidQuestion(
            f"問題太長({len(text)} 字),請縮短到 {max_chars} 字以內。/ "
            f"The question is too long ({len(text)} characters; the limit is {max_chars})."
        )
    if not _WORDY.search(text):
        raise InvalidQuestion(
            "沒有看到可以回答的文字,請用中文或英文提問。/ No words found: please ask in Chinese or English."
        )
    return text


def clean_history(history: object, max_chars: int, keep: int = 3, answer_chars: int = 4000) -> list[tuple[str, str]]:
    """The last `keep` usable (question, answer) turns: questions cleaned like new ones (turns whose
    question would be refused are dropped), answers stripped of broken characters and capped."""
    turns: list[tuple[str, str]] = []
    if not isinstance(history, (list, tuple)):
        return turns
    for turn in list(history)[-64:]:
        if not isinstance(turn, (list, tuple)) or len(turn) < 2:
            continue
        try:
            question = clean_question(turn[0], max_chars)
        except InvalidQuestion:
            continue
        answer = turn[1] if isinstance(turn[1], str) else ""
        turns.append((question, _CONTROL.sub(" ", _SURROGATE.sub("", answer))[:answer_chars]))
    return turns[-keep:]
