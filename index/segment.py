"""Tokens for BM25: jieba words on the folded (Simplified, lower-case) text, plus character bigrams
of Chinese runs so that a word jieba splits differently in query and passage still meets."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba

from corpus.script import fold

jieba.setLogLevel(logging.WARNING)

_KEEP = re.compile(r"[\w%]+", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u9fff]+")
# Function words that carry no topic in this notice or in questions about it.
STOPWORDS = frozenset(
    "的 了 和 与 及 等 在 是 有 为 对 由 将 把 被 从 向 以 于 之 其 或 并 也 都 要 又 这 那 个 中 上 下 "
    "吗 呢 吧 啊 么 什么 哪些 哪个 哪 谁 怎么 怎样 如何 多少 几 请问 请 一下 一些 有关 相关 方面 "
    "the a an of and or to in on for is are what which who how does do with about by be".split()
)


@lru_cache(maxsize=1)
def _init() -> None:
    jieba.initialize()


def learn_notice_words(texts: list[str], named: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Teach jieba the notice's own words, so a question cuts like the notice does: words its
    dictionary lacks that jieba's HMM finds in the notice at least twice (信创, 算力, 通办), and the
    notice's named terms (粤政易, 一网统管). Without this 「对信创有什么要求」 cuts into 对信|创有."""
    _init()
    counts: dict[str, int] = {}
    for w in jieba.lcut(fold("\n".join(texts))):
        if len(w) >= 2 and _HAN.fullmatch(w) and w not in jieba.dt.FREQ:
            counts[w] = counts.get(w, 0) + 1
    words = [w for w, c in counts.items() if c >= 2]
    words += [t for t in map(fold, named) if 2 <= len(t) <= 6 and _HAN.fullmatch(t) and t not in jieba.dt.FREQ]
    for w in dict.fromkeys(words):
        jieba.add_word(w)  # jieba picks the frequency that keeps the word whole
    return tuple(dict.fromkeys(words))


def stem(word: str) -> str:
    """English words meet their other forms (developed/development, vehicles/vehicle) through NLTK's
    Snowball stemmer (installed with llama-index-core, no data files); Chinese passes unchanged."""
    if word.isascii() and len(word) > 3 and word.isalpha():
        return _snowball(word.lower())
    return word


@lru_cache(maxsize=8192)
def _snowball(word: str) -> str:
    return _stemmer().stem(word)


@lru_cache(maxsize=1)
def _stemmer():  # nltk is imported late: it is not needed until the first English word
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer("english")


def tokens(text: str) -> list[str]:
    """Folded words and Chinese bigrams, stop words removed."""
    _init()
    folded = fold(text)
    words = [stem(w) for w in jieba.lcut(folded) if _KEEP.fullmatch(w) and w not in STOPWORDS]
    bigrams = [
        b for run in _HAN.findall(folded) for i in range(len(run) - 1) if (b := run[i : i + 2]) not in STOPWORDS
    ]
    return words + bigrams
