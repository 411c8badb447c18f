"""Linking: what in the notice a question names — tasks (by number in any form, or by title),
sections (by number or by topic), units (names, aliases, English names; a one-character typo or a
homophone where unambiguous), and the notice's named terms. Pure functions over the records and a
normalised question (`lexicon.normalise`); each mention keeps its span, so follow-ups and the
planner can tell what was named from how it was asked.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache

import jieba
from pypinyin import lazy_pinyin
from rapidfuzz.distance import Levenshtein

from corpus import Notice, alias_table
from corpus.numerals import from_chinese
from corpus.script import fold
from corpus.terms import named_terms
from corpus.units import ENGLISH_ALIASES

from . import lexicon


@dataclass(frozen=True)
class Mention:
    kind: str  # task | section | unit | term | title
    value: int | str
    start: int
    end: int
    how: str = "exact"  # exact | fuzzy | homophone | title | topic


@dataclass
class Links:
    tasks: list[int] = field(default_factory=list)  # explicit task numbers (may be out of range)
    sections: list[int] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)  # named terms of the notice, folded as written in it
    titles: list[int] = field(default_factory=list)  # tasks whose title (or its core) the question quotes
    mentions: list[Mention] = field(default_factory=list)

    @property
    def named_anything(self) -> bool:
        return bool(self.tasks or self.sections or self.units or self.terms or self.titles)

    def spans(self) -> list[tuple[int, int]]:
        return [(m.start, m.end) for m in self.mentions]


_CN = "零〇一二两三四五六七八九十百廿卅"
_NUM = rf"([{_CN}]{{1,4}}|\d+)"
# a bare Chinese numeral after 任务/工作 is a task number only before a function word or punctuation:
# 「任務七由誰牽頭」 yes, 「任務一共幾項」「工作一起做」 no
_AFTER_BARE = r"(?=$|[\s的由是牵有讲说要在属呢吗怎主谁和与跟及,，。?？!！、:：;；)）]|[a-z])"
_TASK_PATTERNS = [
    re.compile(rf"第\s*{_NUM}\s*(?:项|条|个任务|个工作|点|款|号任务|号|个要点|大点)"),
    re.compile(rf"(?:任务|事项|工作|条目|要点|项目|第)\s*[((]\s*{_NUM}\s*[))]"),
    re.compile(rf"(?:任务|事项|要点|条目)\s*([{_CN}]{{1,3}}){_AFTER_BARE}"),
    re.compile(r"(?:任务|事项|要点|条目|项|条)\s*(\d{1,3})(?![\d%年月日万亿个家项条])"),
    re.compile(rf"(?<![A-Za-z0-9])[((]\s*([{_CN}]{{1,3}})\s*[))]"),
    re.compile(r"(?<![a-z])(?:tasks?|items?|points?|no|nos|numbers?|#)\s*\.?\s*#?\s*[((]?\s*(\d{1,3})(?!\d)"),
    re.compile(r"(?<![&\w])#\s*(\d{1,3})\b"),
    re.compile(r"(\d{1,3})\s*号(?:任务|事项)"),
]
_SECTION_PATTERNS = [
    re.compile(rf"第\s*{_NUM}\s*(?:大)?(?:部分|章|节|大项|板块|方面|大类|篇|部份)"),
    re.compile(r"(?<![a-z])(?:section|sec|part|chapter|heading)\.?\s*#?\s*(\d{1,2}|[ivxlc]{1,5}|[" + _CN + r"]{1,3})(?![a-z\d])"),
    re.compile(rf"^\s*([{_CN}]{{1,3}})、"),
]
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10,
          "xi": 11, "xii": 12, "xiii": 13}
_EN_WORD_NUM = (re.compile(r"(?<![a-z])([a-z]+)(?:[\s-]+([a-z]+))?\s+(?:task|item|point)\b"),
                re.compile(r"(?<![a-z])(?:task|item|point|number|no\.?)\s+([a-z]+)(?:[\s-]+([a-z]+))?(?![a-z])"))


_RANGE = re.compile(r"^\s*(?:到|至|-|–|—|~|～|to|through|thru)\s*$")
# 「第十一到第十六項」「第31、32項」「tasks 31 and 32」: numbers joined to a task mention
_JOINED = re.compile(rf"\s*(?:(到|至|-|–|~|～|to|through)|、|,|，|和|与|及|跟|同|or|and|&)\s*(?:第\s*)?(?:task\s*|item\s*|no\.?\s*)?{_NUM}")


def _ranges(mentions: list[Mention], text: str) -> list[Mention]:
    """「(二十四)到(二十八)」「tasks 3-5」: the numbers between two mentions joined by a range word."""
    out = list(mentions)
    for a, b in itertools.pairwise(mentions):
        if _RANGE.match(text[a.end:b.start]) and isinstance(a.value, int) and isinstance(b.value, int) \
                and 0 < b.value - a.value <= 20:
            out += [Mention(a.kind, n, a.end, a.end, "range") for n in range(a.value + 1, b.value)]
    return sorted(out, key=lambda m: (m.start, m.value))


def _joined(mentions: list[Mention], text: str, taken: list[bool]) -> list[Mention]:
    """Numbers that follow a task mention in an enumeration or range, and a 「第N」 that a range
    or list joins to a later 「第M項」."""
    out = list(mentions)
    for m in re.finditer(rf"第\s*{_NUM}\s*(?=(?:到|至|、|和|及|与|跟|同|-|~|～)\s*第?\s*{_NUM}\s*(?:项|条|点))", text):
        n = _value(m.group(1))
        if n is not None and _free(taken, m.start(1), m.end(1)):
            out.append(Mention("task", n, m.start(), m.end()))
            taken[m.start(1):m.end(1)] = [True] * (m.end(1) - m.start(1))
    for m in sorted(out, key=lambda x: x.start):
        end, last = m.end, m.value
        while (j := _JOINED.match(text, end)) and isinstance(last, int):
            n = _value(j.group(2))
            if n is None or not _free(taken, j.start(2), j.end(2)):
                break
            if j.group(1) and 0 < n - last <= 20:
                out += [Mention("task", k, j.start(), j.start(), "range") for k in range(last + 1, n)]
            out.append(Mention("task", n, j.start(2), j.end(2), "list"))
            taken[j.start(2):j.end(2)] = [True] * (j.end(2) - j.start(2))
            end, last = j.end(), n
    return out


def _joined_sections(sections: list[Mention], text: str, taken: list[bool]) -> list[Mention]:
    """A 「第N」 that a list or range joins to a later 「第M部分」: 「第七、第八部分」, 「第七到第九部分」."""
    out = list(sections)
    for m in re.finditer(rf"第\s*{_NUM}\s*(?=(?:到|至|、|和|及|与|-|~|～)\s*第?\s*{_NUM}\s*(?:大)?(?:部分|章|节|部份))", text):
        n = _value(m.group(1))
        if n is not None and _free(taken, m.start(), m.end()):
            out.append(Mention("section", n, m.start(), m.end()))
            taken[m.start():m.end()] = [True] * (m.end() - m.start())
    return sorted(out, key=lambda x: x.start)


def _value(raw: str) -> int | None:
    return _ROMAN[raw] if raw in _ROMAN else from_chinese(raw)


def pat_before(m: re.Match[str]) -> bool:
    """True for the "<number> task" form, whose number word is the one next to "task"."""
    return m.re is _EN_WORD_NUM[0]


def _word_number(words: list[str | None]) -> int | None:
    """「twenty-first」「seventh」「thirty two」 → int, from the English table."""
    table = lexicon.english_numbers()
    parts = [w for w in words if w]
    if not parts or any(p not in table for p in parts):
        return None
    if len(parts) == 2 and table[parts[0]] % 10 == 0 and table[parts[0]] >= 20 and table[parts[1]] < 10:
        return table[parts[0]] + table[parts[1]]
    return table[parts[0]] if len(parts) == 1 else None


def _numbers(patterns: list[re.Pattern[str]], text: str, kind: str) -> list[Mention]:
    out: list[Mention] = []
    for pat in patterns:
        for m in pat.finditer(text):
            n = _value(m.group(1))
            if n is not None and not any(o.start <= m.start(1) < o.end for o in out):
                out.append(Mention(kind, n, m.start(), m.end()))
    if kind == "task":
        for m in (m for pat in _EN_WORD_NUM for m in pat.finditer(text)):
            words = [m.group(1), m.group(2)]
            if pat_before(m) and [w for w in words if w][-1] not in lexicon.table("en")["ordinals"]:
                continue  # "at least one task", "two tasks": a quantity; an index before "task" is an ordinal
            n = _word_number(words)
            if n is None and words[1]:  # "the seventh task": the word next to "task" alone
                n = _word_number(words[1:]) if pat_before(m) else _word_number(words[:1])
            if n is not None and not any(o.start <= m.start() < o.end for o in out):
                out.append(Mention(kind, n, m.start(), m.end()))
    return sorted(out, key=lambda x: x.start)


# -- units --------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def unit_aliases(notice: Notice) -> tuple[tuple[str, str], ...]:
    """(folded alias, canonical unit), longest first: Chinese short forms and English names."""
    pairs = {fold(alias): unit for alias, unit in alias_table(notice.units).items()}
    english = {**ENGLISH_ALIASES, **lexicon.english_units()}
    pairs.update({k: v for k, v in english.items() if v in notice.units})
    return tuple(sorted(pairs.items(), key=lambda kv: -len(kv[0])))


_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")


@lru_cache(maxsize=8192)
def _char_pinyin(char: str) -> str:
    return lazy_pinyin(char)[0] if _HAN_RUN.fullmatch(char) else char


def _free(taken: list[bool], start: int, end: int) -> bool:
    return not any(taken[start:end])


def _exact(table: tuple[tuple[str, str], ...], text: str, taken: list[bool], kind: str) -> list[Mention]:
    out = []
    for alias, value in table:
        start = text.find(alias)
        while start != -1:
            end = start + len(alias)
            latin = alias.isascii()
            bounded = not latin or ((start == 0 or not text[start - 1].isalnum())
                                    and (end == len(text) or not text[end].isalnum()))
            if bounded and _free(taken, start, end):
                taken[start:end] = [True] * (end - start)
                out.append(Mention(kind, value, start, end))
            start = text.find(alias, end)
    return out


def _fuzzy(table: tuple[tuple[str, str], ...], text: str, taken: list[bool], kind: str,
           min_len: int, vocabulary: str) -> list[Mention]:
    """One-character typos (edit distance 1, names of ≥ min_len+1 characters) and homophones
    (same pinyin, ≥ min_len characters) in the text no exact match took; kept only when one value
    fits a place."""
    sounds = [_char_pinyin(c) for c in text]
    windows: dict[int, list[tuple[int, str]]] = {}  # size → the candidate places, computed once

    def places(size: int) -> list[tuple[int, str]]:
        if size not in windows:
            windows[size] = [(i, text[i:i + size]) for i in range(len(text) - size + 1)
                             if _free(taken, i, i + size) and _HAN_RUN.fullmatch(text[i:i + size])
                             and text[i:i + size] not in vocabulary]  # words the notice uses are not typos
        return windows[size]

    candidates: dict[tuple[int, int], set[str]] = {}
    for alias, value in table:
        if alias.isascii() or len(alias) < min_len or not _HAN_RUN.fullmatch(alias):
            continue  # (「人工智能+」: a question writing 人工智能 wrote the notice's word, not a typo of this one)
        alias_sound = tuple(_char_pinyin(c) for c in alias)
        for size in (len(alias) - 1, len(alias), len(alias) + 1):
            if size < min_len:
                continue
            for start, window in places(size):
                ok = (size == len(alias) and tuple(sounds[start:start + size]) == alias_sound) or (
                    len(alias) > min_len and Levenshtein.distance(window, alias, score_cutoff=1) <= 1)
                if ok:
                    candidates.setdefault((start, start + size), set()).add(value)
    out = []
    for (start, end), values in sorted(candidates.items(), key=lambda kv: (-(kv[0][1] - kv[0][0]), kv[0][0])):
        if len(values) == 1 and _free(taken, start, end):
            taken[start:end] = [True] * (end - start)
            out.append(Mention(kind, next(iter(values)), start, end, "fuzzy"))
    return out


# -- titles and terms ---------------------------------------------------------------------------

_TITLE_VERBS = re.compile(r"^(?:推进|推动|加强|深化|完善|提升|提高|强化|打造|启动|实施|优化|拓展|创新|发展|健全|加快|"
                          r"增强|丰富|做好|开展|构建|携手港澳地区共建|推广|全面|持续|大力|积极|探索|建设)+")


@lru_cache(maxsize=4)
def title_table(notice: Notice) -> tuple[tuple[str, int], ...]:
    """Folded task titles and their cores without leading verbs (「推進數字鄉村建設」 → 数字乡村建设)."""
    pairs: dict[str, int] = {}
    for t in notice.tasks:
        title = fold(t.title)
        pairs.setdefault(title, t.number)
        core = _TITLE_VERBS.sub("", title)
        if len(core) >= 4:
            pairs.setdefault(core, t.number)
    return tuple(sorted(pairs.items(), key=lambda kv: -len(kv[0])))


@lru_cache(maxsize=4)
def term_table(notice: Notice) -> tuple[tuple[str, str], ...]:
    """(folded term, the term as the notice writes it), longest first."""
    pairs = {fold(t): t for t in named_terms(notice) if len(t) >= 2}
    return tuple(sorted(pairs.items(), key=lambda kv: -len(kv[0])))


@lru_cache(maxsize=4)
def notice_text(notice: Notice) -> str:
    """The whole notice, folded: what counts as the notice's own wording."""
    parts = [notice.title, notice.addressees, notice.cover_note, notice.issuer, notice.date, notice.preamble]
    return fold("\n".join(parts + [s.title for s in notice.sections] + [t.text for t in notice.tasks]))


@lru_cache(maxsize=4)
def _notice_sounds(notice: Notice) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Every run of 3 and 4 characters of the notice, by its sound (toneless pinyin)."""
    text = notice_text(notice)
    by_sound: dict[tuple[str, ...], set[str]] = {}
    for run in _HAN_RUN.findall(text):
        for size in (3, 4):
            for i in range(len(run) - size + 1):
                gram = run[i:i + size]
                by_sound.setdefault(tuple(_char_pinyin(c) for c in gram), set()).add(gram)
    return {k: tuple(v) for k, v in by_sound.items()}


def mend_sounds(notice: Notice, norm: str) -> str:
    """A word typed with one character of the same sound (区块连 for 区块链, 绍关 for 韶关): 3 or 4
    characters the notice never writes that sound like exactly one run of the notice, one character
    apart, are read as that run."""
    text, sounds = notice_text(notice), _notice_sounds(notice)
    out = list(norm)
    # the words the tables know (誰, 什麼, 牽頭) and function characters (是, 的) are as meant
    kept = {i for c in lexicon.cues(norm) for i in range(c.start, c.end)}
    kept |= {i for i, ch in enumerate(norm) if ch in lexicon.words("function_chars")}
    kept |= {i for m in _exact(unit_aliases(notice), norm, [False] * len(norm), "unit") for i in range(m.start, m.end)}
    for size in (4, 3):
        for run in _HAN_RUN.finditer("".join(out)):
            for i in range(run.start(), run.end() - size + 1):
                window = "".join(out[i:i + size])
                if window in text:
                    continue
                found = [g for g in sounds.get(tuple(_char_pinyin(c) for c in window), ())
                         if sum(a != b for a, b in zip(g, window, strict=True)) == 1]
                if len(found) == 1:
                    k = next(k for k, (a, b) in enumerate(zip(found[0], window, strict=True)) if a != b)
                    # the typed character is meant when it makes a word with a neighbour (單位 in 「哪個單位牽頭」);
                    # the notice's is wanted only when it does (區塊鏈, 韶關, 專責), not by sound alone (由 → 優)
                    j = i + k
                    around = "".join(out[max(0, j - 3):j + 4])
                    fixed = around[:j - max(0, j - 3)] + found[0][k] + around[j - max(0, j - 3) + 1:]
                    at = j - max(0, j - 3)
                    if j not in kept and not _in_a_word(around, at) and (_in_a_word(fixed, at) or
                                                                          _notice_word(text, found[0], k)):
                        out[i:i + size] = list(found[0])
    return "".join(out)


def near_notice_word(notice: Notice, text: str, start: int, end: int) -> bool:
    """Some run of 3 or 4 characters of the text covering [start, end) is a run of the notice typed with one
    character of the same sound (「金稅四其」 for 金稅四期): a typo of the notice's own words, not a new name."""
    sounds = _notice_sounds(notice)
    for size in (4, 3):
        for i in range(max(0, end - size), min(start, len(text) - size) + 1):
            window = text[i:i + size]
            if not _HAN_RUN.fullmatch(window):
                continue
            for gram in sounds.get(tuple(_char_pinyin(c) for c in window), ()):
                if sum(a != b for a, b in zip(gram, window, strict=True)) == 1:
                    return True
    return False


def _in_a_word(text: str, k: int) -> bool:
    """The character at k makes a dictionary word with its neighbours (單位, 升級)."""
    jieba.dt.check_initialized()
    return any(jieba.dt.FREQ.get(text[a:b], 0) > 0 for a in range(max(0, k - 3), k + 1)
               for b in range(k + 1, min(len(text), k + 4) + 1) if b - a >= 2)


def _notice_word(text: str, gram: str, k: int) -> bool:
    """The run of three or more characters around k is one the notice writes at least twice (區塊鏈)."""
    return any(text.count(gram[a:b]) >= 2 for a in range(0, k + 1) for b in range(k + 1, len(gram) + 1) if b - a >= 3)


def _inside_notice_phrase(notice: Notice, text: str, m: Mention) -> bool:
    """「智慧法院」 names a programme, not the unit 省法院: a short bare alias whose preceding two
    characters form, with it, a phrase of the notice's task text is part of that phrase."""
    alias = text[m.start:m.end]
    if len(alias) > 3 or alias.startswith("省") or alias.isascii() or m.start < 2:
        return False
    phrase = text[m.start - 2:m.end]
    return bool(re.fullmatch(r"[\u3400-\u9fff]+", phrase)) and phrase in notice_text(notice)


def link(notice: Notice, norm: str) -> Links:
    """Everything the normalised question names, with spans; explicit numbers first, then units,
    titles and terms on the text the earlier ones did not take."""
    links = Links()
    tasks = _numbers(_TASK_PATTERNS, norm, "task")
    sections = _numbers(_SECTION_PATTERNS, norm, "section")
    taken = [False] * len(norm)
    for m in tasks + sections:
        taken[m.start:m.end] = [True] * (m.end - m.start)
    tasks = _joined(tasks, norm, taken)
    sections = _joined_sections(sections, norm, taken)
    first = sorted(tasks, key=lambda t: t.start)
    tasks = _ranges(first, norm) if len(first) > 1 else first
    # a section pattern and a task pattern on the same words: the section reading wins (第五部分)
    tasks = _ranges([t for t in tasks if not any(s.start <= t.start < s.end for s in sections)], norm)
    sections = _ranges(sections, norm)
    titles = [Mention("title", n, m.start, m.end, "title") for m in
              _exact(tuple((a, str(n)) for a, n in title_table(notice)), norm, taken, "title")
              for n in [int(m.value)]]
    units = [u for u in _exact(unit_aliases(notice), norm, taken, "unit") if not _inside_notice_phrase(notice, norm, u)]
    terms = _exact(term_table(notice), norm, taken, "term")
    vocabulary = notice_text(notice)
    units += _fuzzy(unit_aliases(notice), norm, taken, "unit", 3, vocabulary)
    terms += _fuzzy(term_table(notice), norm, taken, "term", 3, vocabulary)
    links.mentions = sorted(tasks + sections + titles + units + terms, key=lambda m: m.start)
    links.tasks = list(dict.fromkeys(int(m.value) for m in tasks))
    links.sections = list(dict.fromkeys(int(m.value) for m in sections))
    links.units = list(dict.fromkeys(str(m.value) for m in sorted(units, key=lambda m: m.start)))
    links.terms = list(dict.fromkeys(str(m.value) for m in sorted(terms, key=lambda m: m.start)))
    links.titles = list(dict.fromkeys(int(m.value) for m in sorted(titles, key=lambda m: m.start)))
    return links


def everyday_topics(notice: Notice, norm: str) -> list[tuple[str, tuple[int, ...]]]:
    """(the notice's word, the tasks that write it) for each everyday word of the question whose notice
    word is a specific topic — written in one to four tasks (看病 → 醫療; "ai" → 人工智能 is in six)."""
    out = []
    for _everyday, word in lexicon.everyday_words(norm):
        tasks = _tasks_writing(notice, fold(word))
        if 1 <= len(tasks) <= 4:
            out.append((word, tasks))
    return out


def named_by_everyday_word(notice: Notice, norm: str, ranked: list[int]) -> list[int]:
    """The tasks an everyday name of a thing one or two tasks write points at (「出入境邊檢總站」), in the
    order `ranked` (retrieval's) gives them."""
    found = {n for _word, tasks in everyday_topics(notice, norm) if len(tasks) <= 2 for n in tasks}
    return sorted(found, key=lambda n: ranked.index(n) if n in ranked else 99)


@lru_cache(maxsize=1024)
def _tasks_writing(notice: Notice, folded_word: str) -> tuple[int, ...]:
    return tuple(t.number for t in notice.tasks if folded_word in fold(t.text))  # (units too: 出入境邊防檢查總站)


def english_term(norm: str) -> list[str]:
    """Chinese terms for the English words of a question (「artificial intelligence」 → 人工智能)."""
    out = []
    for en, zh in sorted(lexicon.english_terms().items(), key=lambda kv: -len(kv[0])):
        if re.search(r"(?<![a-z])" + re.escape(en) + r"(?![a-z])", norm):
            out.append(zh)
            norm = norm.replace(en, " ")
    return out
