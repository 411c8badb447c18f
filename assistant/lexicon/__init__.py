"""Vocabulary as data: one table per language (zh: Traditional and Simplified, yue: Hong Kong
written Cantonese, en: English). The planner reads *signals* (lead, count, section_of, …) from a
question through these tables; adding a phrasing is adding a table row, not a regex.

Chinese matching runs on the folded form (Simplified, NFKC, lower-case), so one table serves both
scripts; Cantonese is first rewritten into the Mandarin forms the Chinese table reads.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from corpus.script import fold

_HERE = Path(__file__).parent

SIGNALS = (
    "lead", "who", "co", "involved", "else", "only", "count", "list", "no_lead", "has_lead", "more_than_one",
    "most", "least", "joint", "yes_no", "section_of", "section_word", "describe", "issuer", "date",
    "addressees", "approval", "totals_object", "doc", "mention", "followup_ref", "among", "switch",
    "negation", "status", "ask_budget", "ask_person", "ask_howto", "ask_when", "ask_population",
    "ask_figure", "frame", "no_co", "publish", "how", "procedure_verb", "task_list", "same_section", "alone", "which_task", "all_of", "ask_names", "absent", "distinct_units", "related", "doc_title", "doc_request", "doc_preamble", "each", "unit_ref", "compare", "more_than", "return", "ask_status", "ask_contact", "lead_listed", "co_listed", "ask_place", "ask_company",
)


@dataclass(frozen=True)
class Cue:
    signal: str
    phrase: str
    start: int
    end: int


@cache
def table(lang: str) -> dict:
    return json.loads((_HERE / f"{lang}.json").read_text(encoding="utf-8"))


@cache
def _zh_phrases() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(folded phrase, its signals), longest phrases first."""
    t = table("zh")
    by_phrase: dict[str, list[str]] = {}
    for s in SIGNALS:
        for p in t.get(s, []):
            by_phrase.setdefault(fold(p), []).append(s)
    return tuple(sorted(((p, tuple(sig)) for p, sig in by_phrase.items()), key=lambda x: -len(x[0])))


@cache
def _en_patterns() -> tuple[tuple[re.Pattern[str], str, str], ...]:
    t = table("en")
    out = []
    for s in SIGNALS:
        for p in t.get(s, []):
            # a trailing space in a phrase ("is ") anchors it at the start of the question
            if p.endswith(" "):
                pat = re.compile(r"^\s*" + re.escape(p.strip()) + r"\b")
            elif p.endswith(("t", "at", "ib")) and p in ("cooperat", "co-operat", "eligib", "participat"):
                pat = re.compile(r"\b" + re.escape(p))
            else:
                # "not_after": a phrase that is another word after these ("least" in "at least")
                guard = "".join(f"(?<!{re.escape(a)})" for a in t.get("not_after", {}).get(p, []))
                pat = re.compile(guard + r"(?<![a-z0-9])" + re.escape(p) + r"(?![a-z0-9])")
            out.append((pat, s, p))
    return tuple(out)


@cache
def _yue_rules() -> tuple[tuple[str, str], ...]:
    rules = {fold(a): fold(b) for a, b in table("yue")["rewrite"]}
    return tuple(sorted(rules.items(), key=lambda kv: -len(kv[0])))


@cache
def _variants() -> tuple[tuple[str, str], ...]:
    return tuple((fold(a), fold(b)) for a, b in table("zh").get("variants", []) if fold(a) != fold(b))


@cache
def _yue_markers() -> tuple[str, ...]:
    return tuple(fold(m) for m in table("yue")["markers"])


def is_cantonese(folded: str) -> bool:
    return any(m in folded for m in _yue_markers())


@cache
def _english_words() -> frozenset[str]:
    """Every English word the tables, the glossary and the notice's English rendering use."""
    from corpus.english import load_gloss, load_translation
    from index.glossary import EN_TO_ZH

    texts = [json.dumps(table("en"), ensure_ascii=False), *EN_TO_ZH, *load_translation().values(),
             *(g.text for g in load_gloss().values())]
    return frozenset(w for t in texts for w in re.findall(r"[a-z]+", t.lower()))


_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


@lru_cache(maxsize=4096)
def respell(word: str) -> str:
    """An English word the vocabulary lacks, one edit from exactly one word it has, is that word: for a
    long word (6 letters or more) any edit ("blockchian" → "blockchain"), for a short one (4–5 letters)
    only two letters swapped ("taks" → "task", "Aera" → "area": another edit of a short word too often
    makes a different word). Anything else is left as typed, and so is a long word that only adds or
    drops a last letter ("factory" is not "factor")."""
    known = _english_words()
    if len(word) < 4 or word in known or word.rstrip("s") in known:
        return word
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    if len(word) >= 6:
        edits |= {a + b[1:] for a, b in splits if b}
        edits |= {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
        edits |= {a + c + b for a, b in splits for c in _ALPHABET}
    found = sorted(e for e in edits if e in known and len(e) >= 4 and not (e.startswith(word) or word.startswith(e)))
    if len(found) > 1:  # "secton": section (a word the tables ask with) rather than sector (a word of the notice)
        found = [e for e in found if e in _table_words()]
    return found[0] if len(found) == 1 else word


@cache
def _table_words() -> frozenset[str]:
    return frozenset(re.findall(r"[a-z]+", json.dumps(table("en"), ensure_ascii=False).lower()))


def _rewrite_yue(folded: str) -> str:
    out, i = [], 0
    rules = _yue_rules()
    while i < len(folded):
        for src, dst in rules:
            if folded.startswith(src, i):
                out.append(dst)
                i += len(src)
                break
        else:
            out.append(folded[i])
            i += 1
    return "".join(out)


def normalise(question: str) -> str:
    """The form every linker and cue reader works on: folded, English typos mended, Cantonese
    rewritten to Mandarin."""
    folded = re.sub(r"(?<![a-z'])[a-z]{4,}(?![a-z'])", lambda m: respell(m.group(0)), fold(question))
    for a, b in _variants():
        folded = folded.replace(a, b)
    return _rewrite_yue(folded) if is_cantonese(folded) else folded


@lru_cache(maxsize=1024)
def cues(norm: str) -> tuple[Cue, ...]:
    """Every signal phrase found in a normalised question (Chinese and English tables), with spans.
    Longer Chinese phrases hide the shorter ones they contain (「沒有牽頭」 is no_lead, not lead)."""
    found: list[Cue] = []
    taken = [False] * len(norm)
    for name in words("names"):  # 統計局 is a name, not the count cue 統計
        start = norm.find(name)
        while start != -1:
            taken[start:start + len(name)] = [True] * len(name)
            start = norm.find(name, start + 1)
    for phrase, sigs in _zh_phrases():
        spans = []
        start = norm.find(phrase)
        while start != -1:
            end = start + len(phrase)
            if not all(taken[start:end]):
                spans.append((start, end))
            start = norm.find(phrase, start + 1)
        for start, end in spans:
            # 「哪兩個單位」 asks which two units: a pointing word right after a question word points nowhere
            asked = start > 0 and norm[start - 1] in _question_chars()
            found.extend(Cue(s, phrase, start, end) for s in sigs
                         if not (asked and s in ("unit_ref", "followup_ref")))
            taken[start:end] = [True] * (end - start)
    found.extend(_homophone_cues(norm, taken))
    for pat, signal, phrase in _en_patterns():
        for m in pat.finditer(norm):
            found.append(Cue(signal, phrase, m.start(), m.end()))
    return tuple(sorted(found, key=lambda c: (c.start, -c.end)))


@cache
def _cue_sounds() -> dict[tuple[str, ...], tuple[str, tuple[str, ...]]]:
    """Pinyin of every Chinese cue phrase of 2–4 characters → (phrase, signals): toned for every
    phrase, toneless too for phrases of 3–4 characters (什麼時侯 for 什麼時候: long enough to be safe)."""
    from pypinyin import Style, pinyin

    out: dict[tuple[str, ...], tuple[str, tuple[str, ...]]] = {}
    for phrase, sigs in _zh_phrases():
        if 2 <= len(phrase) <= 4 and _HAN.fullmatch(phrase):
            out.setdefault(tuple(p[0] for p in pinyin(phrase, style=Style.TONE3)), (phrase, sigs))
            if len(phrase) >= 3:
                out.setdefault(("~",) + tuple(p[0] for p in pinyin(phrase, style=Style.NORMAL)), (phrase, sigs))
    return out


@lru_cache(maxsize=4096)
def _sound(char: str) -> str:
    from pypinyin import Style, pinyin

    return pinyin(char, style=Style.TONE3)[0][0]


_HAN = re.compile(r"[\u4e00-\u9fff]+")


@cache
def _question_chars() -> frozenset[str]:
    return frozenset(w for w in words("question_words") if len(w) == 1)


def _homophone_cues(norm: str, taken: list[bool]) -> list[Cue]:
    """A cue phrase typed with one wrong character of the same sound (對像 for 對象, 牽投 for 牽頭):
    read as the phrase, where no exact cue already took those characters."""
    sounds = _cue_sounds()
    found: list[Cue] = []
    for run in _HAN.finditer(norm):
        bounds = _word_bounds(run.group(0), run.start())
        for length in (4, 3, 2):
            for start in range(run.start(), run.end() - length + 1):
                end = start + length
                if any(taken[start:end]):
                    continue
                if length == 2 and not (start in bounds and end in bounds):
                    continue  # (「數字醫共體」: 醫共 sounds like 一共 but is inside the word 醫共體)
                window = norm[start:end]
                hit = sounds.get(tuple(_sound(c) for c in window))
                if hit is None and length >= 3:
                    hit = sounds.get(("~",) + tuple(_sound(c).rstrip("12345") for c in window))
                # (哪 for 那 is another question, not a typo: question words are never swapped in)
                if hit and sum(a != b for a, b in zip(window, hit[0], strict=True)) == 1 and not any(
                        a != b and (a in _question_chars() or b in _question_chars())
                        for a, b in zip(window, hit[0], strict=True)):
                    found.extend(Cue(s, hit[0], start, end) for s in hit[1])
                    taken[start:end] = [True] * length
    return found


def _word_bounds(run: str, offset: int) -> set[int]:
    """Where jieba's words of a run of Chinese characters begin and end."""
    import jieba

    bounds, at = {offset}, offset
    for w in jieba.lcut(run):
        at += len(w)
        bounds.add(at)
    return bounds


def signals(norm: str) -> set[str]:
    """The signals of a question, with the derived ones of the tables' `proximity` rows
    (「沒有寫明誰牽頭」: a negation shortly before a lead word is a no-lead question)."""
    found = cues(norm)
    out = {c.signal for c in found}
    for lang in ("zh", "en"):
        for a, b, gap, derived in table(lang).get("proximity", []) + table(lang).get("word_proximity", []):
            xs, ys = _spans(norm, found, a, lang), _spans(norm, found, b, lang)
            if any(0 <= y0 - x1 <= gap for _x0, x1 in xs for y0, _y1 in ys):
                out.add(derived)
    if {"has_lead", "more_than_one"} & out:
        out.add("lead")
    if "task_list" in out:  # 「哪幾項」 asks for a list of tasks
        out.add("list")
    if any(c.signal == "ask_figure" and c.phrase.startswith(("多少", "几", "how many")) for c in found):
        out.add("count")  # 「分多少個部分」: a number of things is a count too
    return out


def _spans(norm: str, found: tuple[Cue, ...], side: str, lang: str) -> list[tuple[int, int]]:
    """Where one side of a proximity row occurs: a signal's cues, or ("words:KEY") a word list's words."""
    if side.startswith("words:"):
        return [m.span() for m in _word_pattern(side[6:], (lang,)).finditer(norm)]
    # (each table's rows read its own language's cues: an English gap of 24 letters is not 24 characters)
    return [(c.start, c.end) for c in found if c.signal == side and c.phrase.isascii() == (lang == "en")]


def asked_kinds(norm: str) -> list[str]:
    """The kind of thing a question asks the names of: 「哪幾個縣」 → 縣, "which cities" → cities."""
    found = cues(norm)
    asks = [span for lang, key in (("zh", "list"), ("zh", "ask_names"), ("en", "words:which"), ("en", "ask_names"))
            for span in _spans(norm, found, key, lang)]
    out = []
    for lang in ("zh", "en"):
        for m in _word_pattern("named_things", (lang,)).finditer(norm):
            if any(s <= m.start() <= e + 2 for s, e in asks):  # in the cue (「哪些城市」) or just after it
                out.append(m.group(0))
    return out


def mentions(norm: str, signal: str) -> bool:
    """A phrase of `signal` occurs in the question, even inside a longer cue of another signal
    (「有哪些任務」 is read as 'involved' and still asks for tasks)."""
    for name in words("names"):
        norm = norm.replace(name, " " * len(name))
    return any(signal in sigs and phrase in norm for phrase, sigs in _zh_phrases()) or \
        any(s == signal and pat.search(norm) for pat, s, _ in _en_patterns())


def _expand(phrase: str) -> list[str]:
    """A table row with its variants in braces: 最後{一|}部分 → 最後一部分, 最後部分."""
    m = re.search(r"\{([^{}]*)\}", phrase)
    if not m:
        return [phrase]
    return [x for alt in m.group(1).split("|") for x in _expand(phrase[:m.start()] + alt + phrase[m.end():])]


@cache
def words(key: str, lang: str = "zh") -> tuple[str, ...]:
    """A word list of the planner's grammar (a table's `words` row), folded, longest first."""
    rows = table(lang).get("words", {}).get(key, [])
    found = {fold(x) if lang == "zh" else x for row in rows for x in _expand(row)}
    return tuple(sorted(found, key=lambda w: (-len(w), w)))


@cache
def alternation(key: str, langs: tuple[str, ...] = ("zh", "en")) -> str:
    """A regex group for a word list of both tables, for the few places where words sit inside a
    grammar (a number, a counter): Chinese words as substrings, English ones as whole words."""
    alts = [re.escape(w) for w in words(key, "zh")] if "zh" in langs else []
    if "en" in langs:
        alts += [r"(?<![a-z])" + re.escape(w).replace(r"\ ", r"\s+") + r"(?![a-z])" for w in words(key, "en")]
    return "(?:" + ("|".join(alts) or "(?!)") + ")"


@cache
def _word_pattern(key: str, langs: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(alternation(key, langs))


def find_word(norm: str, key: str, langs: tuple[str, ...] = ("zh", "en")) -> re.Match[str] | None:
    """The first word of a word list in a normalised question."""
    return _word_pattern(key, langs).search(norm)


def starts_with_word(norm: str, key: str) -> bool:
    return _word_pattern(key, ("zh", "en")).match(norm) is not None


@cache
def _term_forms() -> dict[str, tuple[str, ...]]:
    return {fold(k): tuple(fold(v) for v in vs) for k, vs in table("zh").get("term_forms", {}).items()}


def term_forms(term: str) -> tuple[str, ...]:
    """The folded ways the notice writes a term: 澳門 is also the 澳 of 港澳, 粵港澳 and 粵澳."""
    key = fold(term)
    return _term_forms().get(key, (key,))


@cache
def term_aliases() -> tuple[tuple[str, str], ...]:
    """(folded everyday name, the notice's term), longest first: 回鄉證 → 港澳居民往來內地通行證."""
    pairs = {fold(k): v for k, v in table("zh").get("term_aliases", {}).items()}
    return tuple(sorted(pairs.items(), key=lambda kv: -len(kv[0])))


@cache
def _everyday() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(a pattern for an everyday word as a normalised question writes it, the notice's word), longest first."""
    pairs: dict[str, str] = {}
    for everyday, notice_word in table("everyday")["pairs"]:
        key = fold(everyday)
        for form in {key, _rewrite_yue(key)}:  # 睇醫生 as typed, and as a Cantonese question is read
            pairs.setdefault(form, notice_word)
    ordered = sorted(pairs.items(), key=lambda kv: -len(kv[0]))
    return tuple((re.compile(re.escape(k) if not k.isascii() else rf"(?<![a-z]){re.escape(k)}(?![a-z])"), v)
                 for k, v in ordered)


def everyday_words(norm: str) -> list[tuple[str, str]]:
    """(everyday word, the notice's word) for each everyday word of a normalised question (看病 → 醫療,
    "small business" → 中小企業); a longer word hides the shorter ones it holds."""
    found, taken = [], [False] * len(norm)
    for pattern, notice_word in _everyday():
        for m in pattern.finditer(norm):
            if not any(taken[m.start():m.end()]):
                taken[m.start():m.end()] = [True] * (m.end() - m.start())
                found.append((m.group(0), notice_word))
    return found


def english_units() -> dict[str, str]:
    return dict(table("en")["units"])


def english_terms() -> dict[str, str]:
    return dict(table("en")["terms"])


def english_numbers() -> dict[str, int]:
    t = table("en")
    return {**t["cardinals"], **t["ordinals"]}


@cache
def english_stopwords() -> frozenset[str]:
    return frozenset(table("en")["stopwords"])
