"""The notice's own sentences that best match a question, and the header's: what content answers
quote as their evidence (`execute`) and what the model's explanation is checked against.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from corpus import Notice, Task
from index.glossary import expand_english
from index.segment import tokens

from . import lexicon

_SENTENCE = re.compile(r"[^。;]+[。;]?")
# a figure the notice gives (50家, 10%, 第十五屆; a digit inside a name — 5G, IPv6 — is not one)
FIGURE = re.compile(r"(?<![A-Za-z\d])\d(?![\d.]*[A-Za-z])|[一二兩三四五六七八九十百千萬]+(?:個|家|項|萬|億|人|次|屆|輪|期|批次|條|類|座|所)|%")


def sentences(task: Task) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(task.body) if s.strip()]


Scorer = Callable[[str, list[str]], list[float]]


def best_sentences(task: Task, question: str, limit: int, scorer: Scorer | None = None) -> list[str]:
    """Up to `limit` sentences of the task (after its title) that best match the question, in their
    original order: by shared words, or by `scorer` (embedding similarity) when one is given —
    used for English questions, which share no words with the Chinese text."""
    body = sentences(task)[1:] or sentences(task)
    if scorer is not None:
        sims = scorer(question, body)
        ranked = sorted(range(len(body)), key=lambda i: -sims[i])[:limit]
        return [body[i] for i in sorted(ranked)]
    q = set(tokens(question + " " + expand_english(question)))
    # 「還有別的數量目標嗎？」: a question after figures prefers the sentences that give one
    figures = 4 if lexicon.find_word(lexicon.normalise(question), "figure_words") else 0
    scored = []
    for pos, s in enumerate(body):
        overlap = q & set(tokens(s))
        scored.append((sum(len(w) for w in overlap) + figures * bool(FIGURE.search(s)), pos, s))
    best = sorted((x for x in scored if x[0] > 0), key=lambda x: (-x[0], x[1]))[:limit]
    title_words = q & set(tokens(task.title))
    if title_words and all(set(tokens(s)) & q <= title_words for _, _, s in best):
        # 「一網通辦2.0今年要做什麼」: the question names what the whole task is about, so the task's
        # first sentences answer it, not only those repeating its name
        best = scored[:limit]
    if not best:  # 「第一個具體講了什麼？」: nothing in particular asked, so the task's first sentences
        best = scored[:limit]
    elif len(best) < limit and {"describe", "doc_request"} & lexicon.signals(lexicon.normalise(question)):
        # 「人社廳喺第三十項要做啲乜？」: what a task asks is all of it; the words matched (a unit's name)
        # do not divide its sentences among units
        best += [x for x in scored if x not in best][:limit - len(best)]
    return [s for _, _, s in sorted(best, key=lambda x: x[1])]


def header_answer(notice: Notice, question: str, english: bool) -> str:
    """A question about the notice's opening (why it was written, what it implements): quote the
    cover note and preamble sentences that match it best, with issuer and date."""
    q = set(tokens(question + " " + expand_english(question)))
    pool = [s.strip() for s in _SENTENCE.findall(notice.preamble + notice.cover_note) if s.strip()]
    best = max(pool, key=lambda s: sum(len(w) for w in q & set(tokens(s))))
    if english:
        return f"The notice 《{notice.title}》 ({notice.issuer}, {notice.date}) opens: 「{best}」"
    return f"《{notice.title}》({notice.issuer},{notice.date})開頭寫道:「{best}」"
