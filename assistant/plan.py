"""Question → typed query plan. One `Plan` per question; a question with several parts is a plan
of several `Step`s, answered in order. The operation of each step is read from the lexicon's
signals (`assistant.lexicon`) and what the question names (`assistant.link`); earlier steps and
earlier turns supply what a step leaves out (「它由誰牽頭？」, 「那 X 呢？」) through a `Focus`.

Nothing here answers anything: `execute` turns each step into a result from the records (or, for
content, from retrieval), and only `content` and `not_stated` steps ever need retrieval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache

from corpus import Notice, Task
from corpus.numerals import from_chinese
from corpus.script import detect, fold

from . import lexicon
from .link import Links, english_term, link, mend_sounds, notice_text
from .scope import content_words, foreign_terms, their_own_service


class Op(StrEnum):
    WHO_LEADS = "who_leads"  # lead units of tasks (and, always, who shares them)
    WHO_SHARES = "who_shares"  # the 按職責分工負責 units
    WHO_INVOLVED = "who_involved"  # every unit named, optionally minus some (「除了政數局還有誰」)
    DOES_LEAD = "does_unit_lead"  # yes/no: does unit U lead task T
    UNIT_TASKS = "unit_tasks"  # tasks of units with a role filter
    SHARED_TASKS = "shared_tasks"  # tasks several units are all named in (with a role)
    RANK_UNITS = "rank_units"  # which unit leads / shares / appears most (or least)
    NO_LEAD_TASKS = "no_lead_tasks"  # tasks naming no lead (optionally within sections)
    MULTI_LEAD_TASKS = "multi_lead_tasks"  # tasks with more than one lead unit
    NO_CO_TASKS = "no_co_tasks"  # tasks that name lead units only, nobody 按職責分工負責
    FILTER_TASKS = "filter_tasks"  # tasks meeting every one of several conditions (section, leads, co, unit role)
    RANK_TASKS = "rank_tasks"  # the task(s) naming the most (or fewest) units, of a role
    COMMON_UNITS = "common_units"  # units named in every one of a set of tasks
    UNITS_IN = "units_in"  # every distinct unit named in a set of tasks (how many, which)
    SECTION_TASKS = "section_tasks"  # tasks of a section
    RANK_SECTIONS = "rank_sections"  # which section has the most (or fewest) tasks
    COMPARE_TASKS = "compare_tasks"  # the units two tasks do and do not share
    SECTION_OF = "section_of"  # the section a task is in
    MENTIONS = "mentions"  # every task that mentions a term (complete)
    DOCUMENT = "document"  # header facts: issuer, date, addressees, approval, totals
    CONTENT = "content"  # what tasks say (named tasks' sentences, or retrieval)
    NOT_STATED = "not_stated"  # a fact the notice does not give about something it mentions
    OUT_OF_SCOPE = "out_of_scope"
    INVALID = "invalid"  # a task or section number the notice does not have


NEEDS_TASK = {Op.WHO_LEADS, Op.WHO_SHARES, Op.WHO_INVOLVED, Op.DOES_LEAD, Op.SECTION_OF}
NEEDS_UNIT = {Op.UNIT_TASKS, Op.SHARED_TASKS}
ROLES = ("lead", "co", "any", "co_only")


@dataclass(frozen=True)
class Step:
    op: Op
    tasks: tuple[int, ...] = ()
    units: tuple[str, ...] = ()
    sections: tuple[int, ...] = ()
    terms: tuple[str, ...] = ()
    role: str = "any"  # lead | co | any | co_only
    count: bool = False  # a count was asked for (the list is given too)
    within: tuple[int, ...] = ()  # restrict a task list to these (「其中哪些…」)
    exclude: tuple[str, ...] = ()  # units to leave out (「除了政數局…」)
    facts: tuple[str, ...] = ()  # DOCUMENT: issuer | date | addressees | approval | totals; UNIT_TASKS: share
    fact: str = ""  # NOT_STATED: budget | person | contact | howto | when | population | figure | names | status | place
    least: bool = False  # RANK_UNITS / RANK_SECTIONS: the fewest instead of the most
    compare: bool = False  # UNIT_TASKS of several units: which of them has more ("哪個多", "more than")
    n: int = 0  # MULTI_LEAD_TASKS: exactly this many lead units (0: more than one)
    exclude_tasks: tuple[int, ...] = ()  # UNIT_TASKS: leave these out ("what OTHER tasks …")
    filters: tuple[str, ...] = ()  # FILTER_TASKS: no_lead | multi_lead | n_leads | no_co | alone | unit | section | without
    yes_no: bool = False
    query: str = ""  # the words of this part, for retrieval and sentence choice
    context: tuple[int, ...] = ()  # the conversation's tasks, for a part that alone would be out of scope
    linked_by: str = "explicit"  # explicit | title | term | topic | focus


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    script: str  # zh-Hant | zh-Hans | en: the script answers are written in
    lang: str  # zh-Hant | zh-Hans | yue | en: how the question was written
    confidence: float
    question: str  # the question as asked

    def to_json(self) -> dict:
        return {"steps": [{k: (list(v) if isinstance(v, tuple) else v) for k, v in s.__dict__.items()
                           if v not in ((), "", False) or k in ("op",)} for s in self.steps],
                "script": self.script, "lang": self.lang, "confidence": round(self.confidence, 2)}


@dataclass
class Focus:
    """What the conversation is about so far: the last tasks, units and sections, and the last step."""

    tasks: tuple[int, ...] = ()
    units: tuple[str, ...] = ()
    sections: tuple[int, ...] = ()
    step: Step | None = None
    result_units: tuple[str, ...] = ()  # units the last answer named (the leads of a task), for "that unit"
    history: list[Step] = field(default_factory=list)
    earlier: list[tuple[int, ...]] = field(default_factory=list)  # the tasks of each step so far, in order


# A callback that names the task(s) a piece of text is about when it quotes no title: retrieval.
TopicLinker = "Callable[..., tuple[list[int], float]]"

_CLAUSE = re.compile(r"[^?？。!！;；\n]+[?？。!！;；]?")
_CJK = re.compile(r"[\u3400-\u9fff]")
_QUOTED_TERM = re.compile(r"[「“\"'《]([^」”\"'》]{1,24})[」”\"'》]")


@cache
def _mention_tail() -> re.Pattern[str]:
    """The words that follow a mention cue, up to a question tail: 「提到粵經濟的任務」 → 粵經濟."""
    return re.compile(rf"^\s*{lexicon.alternation('after_mention')}?\s*([\u4e00-\u9fffa-z0-9+×]{{2,16}}?)\s*"
                      rf"(?={lexicon.alternation('mention_ends', ('zh',))}|[^\u4e00-\u9fffa-z0-9+×]|$)")


def _role(sig: set[str]) -> str:
    if "no_co" in sig:  # 「沒有列任何配合單位」: the co word is negated, it says nothing of the unit's role
        sig = sig - {"co"}
    if "alone" in sig:  # 「只有它牽頭、沒有其他單位參與」: the role words of 'nobody else' are not the unit's
        sig = sig - {"co", "involved"}
    if "only" in sig and ("co" in sig or "involved" in sig):
        return "co_only"  # 「只是配合」 (「只有它牽頭」 is a lead, alone)
    if "co" in sig and "lead" not in sig:
        return "co"
    if "lead" in sig and not ({"co", "involved"} & sig):
        return "lead"
    return "any"


@cache
def _subclause() -> re.Pattern[str]:
    """A comma or "and" starts a new part when a question word follows: 「…牽頭,屬於哪一部分」, "…, and who
    leads each"."""
    joiners = lexicon.alternation("part_joiners", ("zh",))
    en_joiners = "|".join(re.escape(w) for w in lexicon.words("part_joiners", "en")) or "(?!)"
    return re.compile(rf"(?:[,，、]\s*(?:(?:{en_joiners})\s+|{joiners})?|\s+(?:{en_joiners})\s+)"
                      rf"(?={lexicon.alternation('part_starts')})")


def _asks(piece: str, mark: bool = True) -> bool:
    """A piece asks something: English needs a question word (", tourism and sports?" is the end
    of a list, not a second question), Chinese a question word or (unless `mark` is off) a mark."""
    chinese = re.search(r"[\u3400-\u9fff]", piece) is not None
    found = lexicon.find_word(piece.rstrip("?？") if not mark else piece, "question_words",
                              ("zh", "en") if chinese else ("en",))
    return found is not None


# an English full stop ends a sentence after a word ("…for my director. How many…"), not in "No. 49" or "2.0"
_EN_SENTENCE_END = re.compile(r"(?<=[a-z]{3}\.)\s+(?=[a-z])")


def _clauses(norm: str) -> list[str]:
    """The parts of a question: sentences, then comma-joined pieces that each ask something
    (「智慧全運誰牽頭,教育數字化又是誰牽頭」); a piece that asks nothing stays with its neighbour."""
    parts: list[str] = []
    for c in (piece for sentence in _CLAUSE.findall(norm) for piece in _EN_SENTENCE_END.split(sentence)):
        # pieces with the mark before each: 「科技廳牽頭幾項、只是配合的又有幾項」 is two questions, 「政數局、工信廳」 one list
        pieces = [("," if i else "", p.strip()) for q in _subclause().split(c)
                  for i, p in enumerate(re.split(r"[,，;；](?!\d)", q))]
        pieces = [(mark, bit) for piece_mark, piece in pieces
                  for mark, bit in zip([piece_mark, *["、"] * piece.count("、")], piece.split("、"), strict=True)]
        pieces = [(mark, p.strip()) for mark, p in pieces if p.strip()]
        if not pieces:
            continue
        merged = [pieces[0][1]]
        for mark, p in pieces[1:]:
            # 「回到數字低空,還有哪些單位參與」 "besides X, who else…": a lead-in that asks nothing stays with its question;
            # 「…,但沒有配合單位的」 narrows the question before it
            if _asks(merged[-1]) and _asks(p, mark != "、") and len(merged[-1]) >= (6 if mark == "、" else 8) \
                    and not lexicon.starts_with_word(p, "restricts"):
                merged.append(p)
            else:
                merged[-1] = merged[-1] + (mark or ",") + p
        parts += merged
    parts = [p for p in parts if p.strip(" ?？。!！;；,，")]
    return parts or [norm]


def _mention_term(norm: str, links: Links, notice: Notice | None = None) -> list[str]:
    """The term whose every mention is asked for: a named term of the notice, a quoted string, the
    words after a mention cue, or the Chinese term for an English word."""
    if links.terms:
        # "I manage a travel app … Which tasks mention the 灣事通 platform?" 「我哋做AI語料,有冇提到中文語料數據庫?」:
        # what follows the mention cue is the term asked about, not a name said before it
        cue = next((c.end for c in lexicon.cues(norm) if c.signal == "mention"), None)
        if cue is not None:
            later = [m for m in links.mentions if m.kind == "term" and m.start >= cue]
            if later:
                return [str(later[0].value)]
            tail = _mention_tail().match(norm[cue:])
            if tail and notice is not None and len(tail.group(1)) >= 4 and tail.group(1) in notice_text(notice):
                return [tail.group(1)]
        return links.terms
    if m := _QUOTED_TERM.search(norm):
        return [m.group(1)]
    if len(re.findall(r"[a-z]{2,}", norm)) >= 3:  # an English question
        # "…mentions the Greater Bay Area (大灣區)": the Chinese it quotes, else the Chinese for its words
        runs = [r for r in re.findall(r"[\u3400-\u9fff]{2,}", norm) if notice is not None and r in notice_text(notice)]
        if found := runs or english_term(norm):
            return found[:1]
    for c in lexicon.cues(norm):
        if c.signal == "mention" and (m := _mention_tail().match(norm[c.end:])) and _CJK.search(m.group(1)):
            return [m.group(1)]
    if notice is not None:  # 「數據跨境流動在哪些任務裡提到？」: the phrase before the cue, as the notice writes it
        text = notice_text(notice)
        for phrase in content_phrases(norm):
            for end in range(len(phrase), 3, -1):  # 「數據跨境流動在」: without the words that follow it
                if phrase[:end] in text:
                    return [phrase[:end]]
    return english_term(norm)[:1]


def _points_at_task(norm: str) -> bool:
    """A word pointing back at a task (「那一項」「這條」 "this task"), not at anything (「它」)."""
    return any(c.signal == "followup_ref" and re.search(r"[项条]|task|item", c.phrase) for c in lexicon.cues(norm))


def _asks_task_title(norm: str) -> bool:
    """A title or name asked of something pointed back at (「那項的標題」「這一項叫什麼名字」), with no word
    for the document itself (「文件的標題」)."""
    found = lexicon.cues(norm)
    title_at = {c.start for c in found if c.signal == "doc_title"}
    doc_word = any(c.signal == "doc" and c.start not in title_at for c in found)
    refs = [c for c in found if c.signal == "followup_ref"]
    names = any(c.signal == "ask_names" for c in found) and _points_at_task(norm)
    return bool(refs) and not doc_word and (bool(title_at) or names)


def _doc_facts(sig: set[str], norm: str) -> tuple[str, ...]:
    facts = [f for f in ("issuer", "addressees", "approval") if f in sig]
    if "doc" in sig:
        facts += [f for f in ("title", "request", "preamble") if f"doc_{f}" in sig]
    # (「哪一天發、發給哪些對象？」: a date asked beside another fact of the document is the document's)
    if ("date" in sig and "ask_when" not in sig) or ({"date", "ask_when"} & sig and ({"doc", "publish"} & sig or facts)):
        facts.append("date")
    return tuple(facts)


def _not_stated_fact(sig: set[str]) -> str:
    for fact in ("budget", "person", "company", "contact", "howto", "population", "names", "status"):
        if f"ask_{fact}" in sig:
            return fact
    if "ask_when" in sig and "doc" not in sig:
        return "when"
    return "place" if "ask_place" in sig else ""  # ("when and where": the date is what the notice gives least)


ASK_SIGNALS = frozenset({"ask_status", "ask_figure", "ask_budget", "ask_person", "ask_howto", "ask_when", "ask_population",
                         "ask_names", "ask_contact", "ask_place", "ask_company"})


def read_step(notice: Notice, clause: str, focus: Focus, topic: TopicLinker | None,
              foreign: bool = False) -> Step | None:
    """One part of a question → one step, or None for a part that asks nothing (「謝謝」)."""
    links = link(notice, clause)
    if not links.terms:
        links.terms = [term for name, term in lexicon.term_aliases() if name in clause]
    if not links.terms:
        # "the Guangdong Data Regulation": English words for terms the notice uses (places aside) name them too
        places = set(lexicon.table("en").get("places", []))
        unnamed = _without(clause, links.spans())  # "Market Regulation Administration" names a unit, not 條例
        links.terms = [zh for zh in english_term(unnamed)
                       if zh not in places and 0 < len(_term_tasks(notice, [zh])) <= 8]  # specific terms only
    sig = lexicon.signals(clause)
    if lexicon.find_word(clause, "whole_document"):
        sig -= {"among"}  # 「成份文件入面，通信管理局總共喺邊幾項有份？」: the whole notice, not the last list
    if lexicon.find_word(clause, "either_way"):
        sig -= {"alone", "joint", "more_than_one"}  # "alone or jointly": any way at all
    content = _content_left(clause, links)
    if not links.terms:
        links.terms = _phrase_terms(notice, clause, content)
    n_tasks, n_sections = len(notice.tasks), len(notice.sections)
    if foreign and (not (links.tasks or links.units or links.sections or links.titles) or "doc" in sig
                    or _foreign_unit(notice, clause, links)):
        # (「浙江省數據局2024年有哪些重點任務」: 數據局 is Zhejiang's, not this notice's unit)
        # (「去年(2023年)的工作要點裡,政數局牽頭了幾項」: another year's document, whatever it names)
        # 「浙江省…」「2025年…」: the same kind of question, for a place or year this notice is not about
        return Step(Op.OUT_OF_SCOPE, query=clause)
    if "ask_howto" in sig and not (links.tasks or links.units or links.sections or links.titles) \
            and their_own_service(notice, clause):
        # 「香港身份證要怎麼換領？」: how to use Hong Kong's own service, which this notice does not cover
        return Step(Op.OUT_OF_SCOPE, query=clause)
    if "section_word" in sig and not links.sections and lexicon.find_word(clause, "last_section"):
        links.sections = [n_sections]  # 「最後嗰個部分」 "the last section"
    part_of_task = "among" in sig and len(focus.tasks) == 1 and not focus.sections \
        and _written_in(notice, focus.tasks[0], _content_left(clause, links))
    if "section_word" in sig and not links.sections and lexicon.find_word(clause, "this_section") \
            and (focus.sections or focus.tasks) and _section_by_topic(notice, clause, sig) is None and not part_of_task:
        # 「那這一部分共有幾項任務？」: the section the conversation is in
        links.sections = [focus.sections[0] if focus.sections else notice.tasks[focus.tasks[0] - 1].section.number]
    bad = [n for n in links.tasks if not 1 <= n <= n_tasks] or [n for n in links.sections if not 1 <= n <= n_sections]

    if bad:
        what = "task" if any(not 1 <= n <= n_tasks for n in links.tasks) else "section"
        return Step(Op.INVALID, tasks=tuple(bad) if what == "task" else (), sections=tuple(bad) if what == "section" else (),
                    query=clause)
    if links.titles and not links.tasks and "section_word" in sig and "section_of" not in sig \
            and ({"count", "list", "task_list"} & sig) and (sec := _section_by_topic(notice, clause, sig)) \
            and all(notice.tasks[n - 1].section.number == sec for n in links.titles):
        # 「講數字文化建設的那一部分有幾項任務？」: the section's title writes it too, and a section is asked for
        links.titles, links.sections = [], [sec]
    tasks = tuple(dict.fromkeys(links.tasks + links.titles))
    linked_by = "explicit" if links.tasks else ("title" if links.titles else "")
    per_term = [_term_tasks(notice, [t]) for t in links.terms]
    if not tasks and len(per_term) >= 2 and all(len(p) == 1 for p in per_term) and re.search(r"[项条]|task|item", clause) \
            and len({p[0] for p in per_term}) == len(per_term):
        # 「「數據特區」一項與推進「跨境通辦」的一項，牽頭單位是否相同？」: each term names its one task
        tasks, linked_by = tuple(p[0] for p in per_term), "term"
    units = tuple(links.units)
    if not units and lexicon.find_word(clause, "our_unit") and (mine := _asker_units(focus)):
        units = mine  # 「我們廳牽頭了哪些任務？」…「那我們只是配合的是哪項？」: the unit the asker said they are
    role = _role(sig)
    if units and "no_lead" in sig and not _tasks_without_lead(sig, units, clause):
        # 「網信辦沒有牽頭的任務」: the unit's tasks it does not lead
        role, sig = "co_only", sig - {"no_lead"}
    count = "count" in sig
    yes_no = "yes_no" in sig
    asks_who = bool({"lead", "who", "co", "involved"} & sig)

    if "return" in sig and not tasks and not units and (picked := _returned_to(clause, focus, topic)):
        # 「回到剛才教育那一項」 "going back to the first one": a task from earlier in the conversation
        return _task_step(picked, (), sig, role, clause, content, "focus")
    if (m := _ordinal_ref().search(clause)) and focus.tasks and not tasks:
        # "who leads the second one?" after a list: that item of the list
        k = lexicon.english_numbers().get(m.group(1), 0) if m.group(1) != "last" else len(focus.tasks)
        if 1 <= k <= len(focus.tasks):
            return _task_step((focus.tasks[k - 1],), (), sig, role, clause, [], "focus")
    if (picked := _list_item(clause, tasks, focus, sig)) is not None:
        # 「第二個是跟誰一起牽頭的？」「其中第一項有牽頭單位嗎？」 after a list: that item of the list
        return _task_step((picked,), (), sig, role, clause, [], "focus")
    if not (tasks or units or links.sections or links.terms) and focus.step is not None and focus.tasks \
            and (n := _bare_number(_blank(clause, links.spans()))) and 1 <= n <= n_tasks:
        # 「第39項由哪個單位牽頭？」「那40呢？」: a bare number in a follow-up is another task, asked the same
        if focus.step.op in NEEDS_TASK | {Op.CONTENT, Op.NOT_STATED} and not sig - {"switch", "frame", "yes_no"}:
            return replace(focus.step, tasks=(n,), query=clause, linked_by="explicit", within=(), exclude=())
        return _task_step((n,), (), sig, role, clause, [], "explicit")
    if not tasks and focus.result_units and lexicon.find_word(clause, "the_other_unit") \
            and len(other := tuple(u for u in focus.result_units if u not in units)) == 1:
        # 「第十九項由誰牽頭？」「除了政數局，另一個牽頭單位還牽頭了哪些任務？」: the unit the last answer named besides it
        return Step(Op.UNIT_TASKS, units=other, role=role, count=count, query=clause, linked_by="focus")
    if not tasks and not units and lexicon.find_word(clause, "the_other") and (other_unit := _the_other_unit(notice, focus)):
        # "Who leads task 45?" "Does 體育局 lead any other task?" "And the other one — how many does it lead?"
        return Step(Op.UNIT_TASKS, units=other_unit, role=role if role != "any" else "lead", count=count, query=clause,
                    linked_by="focus")
    if not tasks and lexicon.find_word(clause, "the_others") and (rest := _the_others(focus)):
        # "Does 省委國安辦 appear in the other two?": the rest of the list the last answer picked from
        return _task_step(rest, units, sig - {"else"}, role, clause, [], "focus")
    if not tasks and lexicon.find_word(clause, "the_other") and (other := _the_other(focus)):
        # 「第一項邊個牽頭？」「咁另一個呢？」: the other task of a list of two
        if sig & ({"lead", "co", "who", "involved", "describe", "section_of"} | ASK_SIGNALS) or focus.step is None \
                or focus.step.op not in NEEDS_TASK | {Op.CONTENT}:
            return _task_step((other,), (), sig, role, clause, [], "focus")
        return replace(focus.step, tasks=(other,), query=clause, linked_by="focus", within=(), exclude=())
    prev = focus.step
    if "more_than" in sig and not (tasks or units or links.terms or links.sections) and len(focus.result_units) >= 2 \
            and ({"unit_ref", "among"} & sig) and (prev is None or prev.op not in (Op.UNIT_TASKS, Op.SHARED_TASKS)):
        # 「這兩個單位之中，哪一個牽頭的任務比較多？」 after a task's leads: those units, counted and compared
        return Step(Op.UNIT_TASKS, units=focus.result_units, role=role if role != "any" else "lead", count=True,
                    compare=True, query=clause, linked_by="focus")
    if "more_than" in sig and not (tasks or units or links.terms or links.sections or content) and prev is not None \
            and prev.op in (Op.UNIT_TASKS, Op.SHARED_TASKS) and len(prev.units) >= 2:
        # 「…各牽頭幾項？哪個多？」 "which has more?": the units just counted, compared ("shows up in more
        # overall": in the role this part names)
        return replace(prev, op=Op.UNIT_TASKS, count=True, compare=True, query=clause, linked_by="focus",
                       role=role if {"lead", "co", "involved"} & sig else prev.role)
    if not (tasks or units or links.terms or links.sections) and prev is not None and prev.op == Op.UNIT_TASKS \
            and len(prev.units) >= 2 and lexicon.find_word(clause, "overlap"):
        # 「發改委和工信廳牽頭的任務分別是哪些？有沒有重疊？」: the tasks both hold in that role
        return Step(Op.SHARED_TASKS, units=prev.units, role=prev.role, count=count, query=clause, linked_by="focus")
    if "among" in sig and "related" in sig and len(focus.tasks) >= 2 and not tasks and lexicon.mentions(clause, "task_list"):
        # 「其中跟網絡安全有關的是哪幾項？」: every task of the list that writes those words
        for phrase in [*content_phrases(clause), *(w for w in content if len(w) >= 2)]:
            if any(phrase in fold(notice.tasks[n - 1].text) for n in focus.tasks):
                return Step(Op.MENTIONS, terms=(phrase,), within=focus.tasks, count=count, query=clause, linked_by="focus")
    if "among" in sig and "related" in sig and len(focus.tasks) >= 2 and not tasks and topic is not None:
        # 「其中跟生態環境有關的那項主要講什麼？」: the task of the list the words are about
        found, _conf = topic(clause, among=focus.tasks)
        if found:
            return _task_step((found[0],), (), sig, role, clause, [], "focus")

    # -- the document itself -------------------------------------------------------------------
    if focus.tasks and not (tasks or units or links.sections or links.terms) and _asks_task_title(clause):
        # 「那項的標題是什麼？」 "what is its title?": the task just discussed, not the notice's title
        return Step(Op.CONTENT, tasks=focus.tasks[:1], query=clause, linked_by="focus")
    facts = _doc_facts(sig, clause)
    if "request" in facts and (links.terms or _about_topic().search(clause) or _names_a_topic(notice, content)):
        facts = ()  # 「通知裡對信創有什麼要求？」: what the notice asks about a topic, not of its recipients
    if facts and not tasks and not links.terms and not links.sections and not ({"lead", "co"} & sig and units) and \
            ("date" not in facts or "doc" in sig or not content or len(facts) > 1):
        return Step(Op.DOCUMENT, facts=facts, query=clause)
    doc_before = focus.step is None or focus.step.op == Op.DOCUMENT  # "number of tasks? number of sections?"
    if count and "totals_object" in sig and (doc_before or "doc" in sig) and not ({"most", "least"} & sig) \
            and not (tasks or units or links.sections or links.terms) and not _units_by_count(clause) \
            and not ({"no_lead", "more_than_one", "mention", "lead", "co", "involved", "lead_listed", "co_listed"} & sig) \
            and not content:
        return Step(Op.DOCUMENT, facts=("totals",), query=clause)
    if count and ({"section_word", "totals_object"} & sig) and not (tasks or units or links.sections or links.terms) \
            and not ({"most", "least", "distinct_units"} & sig) \
            and "doc" in sig and not ({"no_lead", "more_than_one", "no_co", "lead_listed", "co_listed"} & sig) \
            and not _mention_term(clause, links) \
            and not (content and "ask_figure" in sig and not _counts_totals(clause)):  # 「…的累計目標是多少家」: a figure
        return Step(Op.DOCUMENT, facts=("totals",), query=clause)

    # -- aggregations over every task ----------------------------------------------------------
    # (a bare 「有沒有配合單位？」 right after a question on one task asks it too)
    on_one_task = focus.step is not None and focus.step.op in NEEDS_TASK | {Op.CONTENT, Op.NOT_STATED} \
        and not ({"list", "among", "all_of"} & sig)
    if len(focus.tasks) == 1 and not (tasks or units or links.sections or links.terms) \
            and ({"no_co", "no_lead", "has_lead", "more_than_one", "co_listed", "lead_listed"} & sig) \
            and (lexicon.find_word(clause, "this_task") or on_one_task) \
            and not lexicon.mentions(clause, "task_list") and not count:
        # 「塊數據試點在哪一項？」「那項還有沒有配合單位？」: asked of the task in focus, not of every task
        return _task_step(focus.tasks, (), sig | ({"co"} if "no_co" in sig else set()), role, clause, content, "focus")
    n_leads = _lead_count(clause) if "lead" in sig else 0
    topic_section = _section_by_topic(notice, clause, sig) if not (links.sections or tasks) else None
    agg_sections = tuple(links.sections) or ((topic_section,) if topic_section else ())
    absent = _absent_units(links, clause)
    if absent:
        units = tuple(u for u in units if u not in absent)
    pool = tasks if len(tasks) >= 2 else _section_tasks(notice, agg_sections)
    if "distinct_units" in sig and not ({"most", "least"} & sig) and not units and len(tasks) != 1 \
            and not _units_by_count(clause):
        # 「第十二部分一共點名了多少個不同的單位」 "how many different units lead at least one task": the
        # units (of a role) named across those tasks, the conversation's list, or the whole notice
        listed = focus.tasks if len(focus.tasks) >= 2 and ("among" in sig or not ({"lead", "co"} & sig)) else ()
        if pool or listed or not focus.tasks or lexicon.find_word(clause, "whole_notice"):
            scope = pool or listed or tuple(t.number for t in notice.tasks)
            return Step(Op.UNITS_IN, tasks=scope, sections=agg_sections, role=role if role != "co_only" else "co",
                        count=True, query=clause)
    if agg_sections and not tasks and not units and ("involved" in sig or lexicon.mentions(clause, "who")) \
            and not lexicon.mentions(clause, "task_list") \
            and not ({"most", "least", "no_lead", "more_than_one", "no_co", "all_of", "mention"} & sig) and not n_leads:
        # 「第三部分有哪些單位當牽頭單位？」 "which units lead in section 10": the units of that role there
        return Step(Op.UNITS_IN, tasks=pool, sections=agg_sections, role=role, count=count, query=clause)
    if "section_word" in sig and not (tasks or units or agg_sections) and not asks_who \
            and (k := _units_by_count(clause)) and ({"list", "count"} & sig):
        # 「哪幾個部分只有3項任務？」: the sections with exactly that many tasks
        return Step(Op.RANK_SECTIONS, n=k, query=clause)
    if ({"section_word", "section_of"} & sig) and not (tasks or units or agg_sections) and not ({"most", "least"} & sig) \
            and (every := _every_task_filters(sig, n_leads, clause)):
        # 「有哪些部分的每一項任務都寫明了牽頭單位」 "a whole section in which none of the tasks has a lead":
        # the sections all of whose tasks meet the condition
        return Step(Op.RANK_SECTIONS, filters=every, facts=("every",), query=clause)
    sections_before = _about_sections(focus) and not asks_who and not lexicon.find_word(clause, "unit_words")
    if ({"most", "least"} & sig) and (({"section_word", "section_of"} & sig) or sections_before) and not tasks \
            and not units and not agg_sections:
        # "which section has the most tasks that name no lead unit": the sections ranked by such tasks;
        # "How many sections…?" "Which one has the most tasks?": the sections just asked about
        # 「這類任務在哪一部分最集中」: by the tasks the last answer filtered
        filters = _task_filters(sig, (), n_leads, (), clause)
        if not filters and "followup_ref" in sig and (kept := _kept_filter(focus)) is not None:
            return replace(kept, op=Op.RANK_SECTIONS, least="least" in sig and "most" not in sig, count=False,
                           query=clause, linked_by="focus", within=(), sections=())
        return Step(Op.RANK_SECTIONS, least="least" in sig and "most" not in sig, filters=filters, query=clause)
    if "all_of" in sig and ({"who", "involved"} & sig) and len(units) == 1 and not tasks and not agg_sections:
        # "which other units show up in every one of the tasks we are in": those tasks' common units
        mine = tuple(t.number for t in notice.tasks if units[0] in t.units)
        return Step(Op.COMMON_UNITS, tasks=mine, exclude=units, query=clause)
    if "all_of" in sig and ({"who", "involved"} & sig) and (agg_sections or len(tasks) >= 2 or focus.tasks):
        # 「那一部分的三項任務,有哪些單位是三項都有份」: units named in every one of those tasks
        return Step(Op.COMMON_UNITS, tasks=pool or focus.tasks, sections=agg_sections, query=clause)
    if "which_task" in sig and ({"most", "least"} & sig) and not tasks and not units:
        rank_role = "lead" if "lead" in sig and not ({"co", "involved"} & sig) else \
            ("co" if "co" in sig and "lead" not in sig else "any")  # 「牽頭加埋配合」: both roles
        # ("Which of those three tasks lists the most units?": among the list just given)
        return Step(Op.RANK_TASKS, role=rank_role, least="least" in sig and "most" not in sig, count=count, query=clause,
                    within=_among(clause, focus, notice) if "among" in sig else ())
    filters = _task_filters(sig, units, n_leads, agg_sections, clause) + (("without",) if absent else ())
    listed_only = bool(filters) and set(filters) <= {"has_lead", "has_co", "sole_lead"} and bool({"list", "count", "among"} & sig)
    if (len(filters) >= 2 or absent or listed_only) and not tasks:
        # 「營商環境那部分有幾項沒寫牽頭單位」「兩個或以上單位共同牽頭但沒有配合單位」: every condition at once
        return Step(Op.FILTER_TASKS, units=units if {"unit", "sole_lead"} & set(filters) else (),
                    role=role if role != "co_only" else "co",
                    sections=agg_sections, n=n_leads, filters=filters, count=count, within=_among(clause, focus, notice) if "among" in sig else (),
                    exclude=absent, query=clause)
    if ("more_than_one" in sig or n_leads) and not tasks and not units:
        # ("which of those does it share the lead with someone else?": among the list just given)
        within = _among(clause, focus, notice) if "among" in sig else ()
        return Step(Op.MULTI_LEAD_TASKS, count=count, n=n_leads, within=within, query=clause,
                    linked_by="focus" if within else "explicit")
    if ({"most", "least"} & sig) and ({"section_word", "section_of"} & sig) and not tasks and not units:
        return Step(Op.RANK_SECTIONS, least="least" in sig and "most" not in sig, query=clause)
    if "no_co" in sig and not tasks and not units:
        return Step(Op.NO_CO_TASKS, count=count, query=clause)
    unit_question = not tasks and not units and (lexicon.mentions(clause, "who") or lexicon.find_word(clause, "unit_words"))
    none_led = bool(lexicon.find_word(clause, "leads_none"))
    if unit_question and ((floor := _at_least(clause)) or none_led):
        # 「有冇部門一項都冇牽頭,但係參與咗四項或者以上」: units by conditions on their counts
        return Step(Op.RANK_UNITS, role="any" if none_led else (role if role != "co_only" else "co"), n=floor,
                    filters=("at_least",) * bool(floor) + ("leads_none",) * none_led, query=clause)
    if unit_question and (k := _units_by_count(clause)):
        # "Which units lead exactly two tasks each?" 「哪些單位只出現過一次」: units by their number of tasks
        # (「第七、第八部分裡的牽頭單位,有哪些只出現過一次」: that role there, counted across the notice)
        return Step(Op.RANK_UNITS, role=role if role != "co_only" else "co", n=k, sections=agg_sections, query=clause)
    if ({"most", "least"} & sig) and not tasks and (asks_who or "list" in sig or units or "count" in sig):
        rank_role = "lead" if "lead" in sig and not ({"co", "involved"} & sig) else \
            ("co" if "co" in sig and "lead" not in sig else "any")  # 「牽頭和按職責分工負責都算」: both
        return Step(Op.RANK_UNITS, role=rank_role, least="least" in sig and "most" not in sig, query=clause,
                    exclude=units if "else" in sig else ())  # 「除了政數局之外,哪個單位牽頭最多」
    if "no_lead" in sig and not (tasks or units) and focus.units and not _tasks_without_lead(sig, focus.units, clause) \
            and any(c.signal in ("followup_ref", "unit_ref") and c.phrase in _pronouns() | {"他"}
                    for c in lexicon.cues(clause)):
        # 「咁佢淨係配合、冇牽頭嘅又有幾多項？」: the unit just discussed, in the tasks it does not lead
        return Step(Op.UNIT_TASKS, units=focus.units, role="co_only", count=count, query=clause, linked_by="focus")
    if "no_lead" in sig and len(tasks) > 1 and ({"list", "count"} & sig):  # 「第十一到第十六項裡哪些沒有牽頭」
        return Step(Op.NO_LEAD_TASKS, within=tasks, count=count, query=clause)
    if "no_lead" in sig and not tasks and (not content or links.sections or count or "list" in sig):
        within = _among(clause, focus, notice) if "among" in sig else ()
        return Step(Op.NO_LEAD_TASKS, sections=tuple(links.sections), count=count, within=within, query=clause,
                    linked_by="focus" if within else "explicit")

    # -- a unit's tasks ------------------------------------------------------------------------
    section = _section_by_topic(notice, clause, sig) if not (links.sections or tasks) else None
    sections = tuple(links.sections) or ((section,) if section else ())
    if "compare" in sig and (len(tasks) >= 2 or (len(tasks) == 1 and focus.tasks)):
        pair = tasks[:2] if len(tasks) >= 2 else (focus.tasks[0], tasks[0])
        return Step(Op.COMPARE_TASKS, tasks=tuple(pair), query=clause)
    same_section = lexicon.mentions(clause, "same_section") and bool(focus.tasks) and not (links.sections or tasks)
    if same_section:
        # 「同一部分裡還有哪些…」: the section of the task being discussed
        sections = tuple(dict.fromkeys(notice.tasks[n - 1].section.number for n in focus.tasks[:1]))
    asks_tasks = lexicon.mentions(clause, "task_list")
    together = tuple(t.number for t in notice.tasks if all(u in t.units for u in units)) if len(units) >= 2 else ()
    # 「法院、檢察院嗰啲數字化，邊個部門牽頭？」: who leads the work of several units named together — the task
    # naming them all, not each unit's tasks
    units_as_topic = len(together) == 1 and lexicon.mentions(clause, "who") and not tasks \
        and not ({"more_than", "most", "least", "count", "list", "joint", "each", "else"} & sig)
    if units and not tasks and content and (_points_at_task(clause) or units_as_topic) and topic is not None \
            and not asks_tasks and ({"lead", "co", "involved", "who"} & sig) and not sections:
        # 「就業信息平台…社保卡「一卡通」嗰條，係咪人社廳牽頭㗎？」: the unit's role in the task its words name
        term_tasks = _term_tasks(notice, links.terms)
        # 「法院、檢察院數字化那一項」: the one task that names all those units is the task meant
        found = term_tasks if len(term_tasks) == 1 else together if len(together) == 1 else \
            tuple(topic(_without(clause, links.spans()), among=together)[0][:1])
        if found:
            return _task_step(found, units, sig, role, clause, content, "topic")
    also_does = lexicon.find_word(clause, "also_does") is not None  # 「人社廳還參與了哪些？」: its other tasks
    # (「其中人民銀行廣東分行還參與了別的任務嗎？」: 其中 picks a unit of the last answer, not tasks of its list)
    picks_unit = "among" in sig and bool(focus.result_units) and set(units) <= set(focus.result_units)
    if units and not tasks and "else" in sig and focus.tasks and (asks_tasks or also_does) \
            and ("among" not in sig or picks_unit) and not sections:
        # 「嗰個廣電局仲有份做邊幾項？」: the unit's other tasks, not the other units of this one
        return Step(Op.UNIT_TASKS, units=units, role=role, count=count, exclude_tasks=focus.tasks, query=clause,
                    linked_by="explicit")
    if units and not tasks and "else" in sig and focus.tasks and not asks_tasks and not also_does and not count \
            and (asks_who or "among" in sig or "谁" in clause):
        # 「其中法院、檢察院之外還有誰？」: the conversation's task, without the units named
        return Step(Op.WHO_INVOLVED, tasks=focus.tasks[:3], exclude=units, query=clause, linked_by="focus",
                    role=role if role in ("lead", "co") else "any")
    if not units and not tasks and "unit_ref" in sig and focus.result_units:
        units = focus.result_units
        two = [c for c in lexicon.cues(clause) if c.signal == "unit_ref" and lexicon.find_word(c.phrase, "two_of")]
        if two and len(units) < 2 and len(earlier := _units_so_far(focus)) >= 2:
            # 「工信廳牽頭幾項？」「發改委呢？」「那兩家都參與的任務有哪些？」: the two units just discussed
            units = earlier[-2:]
            if {"joint", "all_of"} & sig:
                return Step(Op.SHARED_TASKS, units=units, role=role, count=count, query=clause, linked_by="focus")
        role = role if role != "any" or "lead" not in sig else "lead"
        exclude_tasks = focus.tasks if "else" in sig else ()
        return Step(Op.UNIT_TASKS, units=units, role=role, count=count, exclude_tasks=exclude_tasks, query=clause,
                    linked_by="focus")
    if units and not tasks and 1 <= len(focus.tasks) <= 3 and lexicon.find_word(clause, "role_word") and not sections:
        # 「韶關數據中心集群在哪一項？」…「我們發改委在裡面是什麼角色？」: the unit's role in the task in focus
        # (「這兩項裡政數局的角色有甚麼不同？」: in each of the two)
        return Step(Op.DOES_LEAD, tasks=_the_two(clause, focus) or focus.tasks[:len(focus.tasks) if lexicon.find_word(
            clause, "these_two") else 1], units=units, facts=("role",), query=clause, linked_by="focus")
    if units and not tasks and focus.tasks and ({"lead", "co"} & sig) and not asks_tasks and not sections \
            and (_points_at_task(clause) or (len(focus.tasks) == 1 and "yes_no" in sig and not ({"list", "count"} & sig))):
        # 「住建廳在那一項是牽頭還是配合？」「牽頭的是科技廳嗎？」: the unit's role in the task just discussed
        return _task_step(focus.tasks[:1], units, sig, role, clause, content, "focus")
    fact = _not_stated_fact(sig - {"doc"} if links.terms else sig)
    if units and not tasks and (fact in ("person", "budget", "howto", "contact", "company")
                                or (fact == "names" and not ({"lead", "co", "involved"} & sig))):
        # (「粵澳共建智慧城市群專責小組的成員單位具體有哪些？」: the notice does not list a group's members)
        # 「政數局局長是誰？」: the unit is the notice's, the fact is not in it
        return Step(Op.NOT_STATED, units=units, fact=fact, query=clause, linked_by="explicit")
    if units and not tasks:
        within = _among(clause, focus, notice) if "among" in sig else ()
        if len(units) >= 2 and "more_than" in sig and "joint" not in sig:
            # 「教育廳和科技廳邊個牽頭多啲？」: each unit's count, compared — not the tasks they share
            return Step(Op.UNIT_TASKS, units=units, role=role, count=True, compare=True, within=within, query=clause)
        if len(units) >= 2 and not lexicon.mentions(clause, "each") \
                and ({"joint", "list", "count"} & sig or "和" in clause or " and " in clause):
            return Step(Op.SHARED_TASKS, units=units, role=role, count=count, within=within, query=clause)
        if lexicon.find_word(clause, "share_of_all") and len(units) == 1:
            # 「政數局牽頭的任務佔全部任務的百分之幾」: the count, and its share of all the tasks
            return Step(Op.UNIT_TASKS, units=units, role=role, count=True, facts=("share",), query=clause)
        if not (content and not ({"list", "count", "lead", "co", "involved"} & sig)):
            within = within or _section_tasks(notice, sections)
            others = focus.tasks[:1] if same_section and "else" in sig else ()  # 「同一部分還有哪些」: not this one
            return Step(Op.UNIT_TASKS, units=units, role=role, count=count, within=within, exclude_tasks=others,
                        query=clause)

    # -- a named task --------------------------------------------------------------------------
    if tasks:
        return _task_step(tasks, units, sig, role, clause, content, linked_by or "explicit")

    # -- sections and mentions -----------------------------------------------------------------
    if sections and "ask_figure" in sig and content and topic is not None and not lexicon.mentions(clause, "task_list") \
            and not ({"list", "no_lead"} & sig) and not _counts_tasks(clause):
        # 「數據要素市場那部分,今年要培育多少家數據要素型企業?」: a figure of that section, not its tasks counted
        found, _conf = topic(clause, among=_section_tasks(notice, sections))
        if found:
            return _task_step((found[0],), (), sig, role, clause, content, "topic")
    if sections:
        if "no_lead" in sig:
            return Step(Op.NO_LEAD_TASKS, sections=sections, count=count, query=clause)
        # 「第十三部分各項任務的牽頭單位是？」: each task of the section with who is responsible for it
        return Step(Op.SECTION_TASKS, sections=sections, count=count, query=clause,
                    role="lead" if ({"lead", "who", "co", "involved"} & sig) else "any")
    # (「要點提到X,這件事誰牽頭」「…提到X,規模是多少億」: the cue sits in a lead-in to another question)
    mention = "mention" in sig and bool({"list", "count", "totals_object", "yes_no"} & sig) \
        and not (asks_who and not lexicon.mentions(clause, "task_list")) and not (sig & ASK_SIGNALS - {"ask_figure"})
    # (「跨境通辦現在具體可以辦哪些事項？」 asks for names the notice may not give, not where it is mentioned)
    if mention or (links.terms and ({"list", "count"} & sig) and not asks_who and not content and not (sig & ASK_SIGNALS)):
        term = _mention_term(clause, links, notice)
        found = _term_tasks(notice, term[:1]) if term else ()
        if len(found) > 3 and not links.terms and [w for w in content if w not in term[0] and w in notice_text(notice)]:
            found = ()  # 「數字金融方面提到哪些試點？」: a word many tasks write, asked of one topic, is that topic's
        # 「有沒有提到澳門？」: yes, and where — a list when many tasks do; a term in a task or three is quoted
        listed = bool({"list", "count", "totals_object"} & sig) or len(found) > 3
        if found and listed and (mention or {"list", "count"} & sig):
            return Step(Op.MENTIONS, terms=tuple(term[:1]), count=count, query=clause)

    if "related" in sig and "list" in sig and "which_task" not in sig \
            and (lexicon.mentions(clause, "task_list") or "totals_object" in sig) and not (units or links.terms or "among" in sig):
        # (「講數據交易所嗰啲係邊一項？」 asks for the one task about it: retrieval's)
        # 「跟人工智能有關的任務有哪些？」: every task that writes the topic's word (a word of one task is retrieval's)
        words = [w for w in content if len(w) >= 2 and 2 <= len(_term_tasks(notice, [w])) <= 8]
        if words:
            return Step(Op.MENTIONS, terms=(max(words, key=len),), count=count, query=clause)

    # -- what is left leans on the conversation ------------------------------------------------
    named = links.named_anything
    refers = bool({"followup_ref", "among", "else", "switch"} & sig) or not content
    # "…, and by what percentage should X get faster?": a part asking its own kind of fact is not the
    # last question again
    asks_fact = bool(content) and bool(sig & ASK_SIGNALS)
    if asks_fact:
        refers = bool({"followup_ref", "among"} & sig)
    # "… help with it?": a pronoun points back, not to a new topic (「基層社會治理嗰條」 names one)
    refers_back = bool(focus.tasks) and any(c.signal == "followup_ref" and c.phrase in _pronouns() for c in lexicon.cues(clause))
    if "switch" in sig and content and not asks_fact and not named and not refers_back and focus.step is not None \
            and (focus.step.op in NEEDS_TASK or (focus.step.op == Op.CONTENT and focus.tasks)) \
            and topic is not None and not ({"lead", "co", "involved", "who", "describe"} & sig):
        # 「那醫療數字化轉型呢？」: the last question again, about a new topic (「數字金融那項是第幾項？」
        # 「數字保險呢？」: also after a question on what a task is)
        if focus.step.op == Op.CONTENT and all(w in fold(notice.tasks[focus.tasks[0] - 1].text) for w in content):
            # 「…培育數據要素型企業嘅目標係幾多家？」「咁應用場景呢？」: another thing the same task writes
            return replace(focus.step, tasks=focus.tasks[:1], query=clause, linked_by="focus", within=(), exclude=())
        found, _conf = topic(clause, lenient=True)
        if found and (focus.step.op != Op.CONTENT or found[0] not in focus.tasks):
            return replace(focus.step, tasks=tuple(found[:1]), query=clause, linked_by="topic", within=(), exclude=())
    if not named and content and asks_who and not units and focus.step is not None and topic is not None \
            and not ({"followup_ref", "among"} & sig):
        # 「另外數字金融又有哪些單位負責？」: a new topic, asked in a conversation
        found, _conf = topic(clause)
        if found:
            return _task_step(tuple(found[:1]), (), sig, role, clause, content, "topic")
    if not named and not asks_who and len(focus.tasks) == 1 and _written_in(notice, focus.tasks[0], content):
        # 「第二十六項說的是什麼？」「提到了哪些平台？」: the task in focus writes what is asked
        if "section_of" in sig:
            return _task_step(focus.tasks, (), sig, role, clause, content, "focus")
        fact = _not_stated_fact(sig)
        return Step(Op.NOT_STATED if fact else Op.CONTENT, tasks=focus.tasks, fact=fact, query=clause, yes_no=yes_no,
                    linked_by="focus")
    if not named and refers and focus.step is not None:
        inherited = _from_focus(sig, role, count, yes_no, clause, content, focus, notice)
        if inherited is not None:
            return inherited
    if focus.step is not None and "switch" in sig and not asks_fact and not refers_back \
            and not ({"lead", "co", "involved", "who", "describe"} & sig):
        prev = focus.step
        if prev.op in NEEDS_TASK and topic is not None:
            found, _conf = topic(clause)
            if found:
                return replace(prev, tasks=tuple(found[:1]), query=clause, linked_by="topic", within=(), exclude=())

    # -- a task named by its topic -------------------------------------------------------------
    fact = _not_stated_fact(sig - {"doc"} if links.terms else sig) or ("figure" if "ask_figure" in sig and content else "")
    term_tasks = _term_tasks(notice, links.terms)
    if fact:
        return Step(Op.NOT_STATED, tasks=term_tasks, terms=tuple(links.terms), fact=fact, query=clause,
                    linked_by="term" if term_tasks else "topic", context=() if named else focus.tasks[:3])
    if asks_who and not units:
        if term_tasks and len(term_tasks) == 1:
            # (「「灣區PASS」是哪個單位牽頭謀劃建設的？」: the answer quotes where the term is written)
            return replace(_task_step(term_tasks, (), sig, role, clause, content, "term"), terms=tuple(links.terms))
        if topic is not None:
            found, _conf = topic(clause)
            if found:
                return _task_step(tuple(found[:1]), (), sig, role, clause, content, "topic")
    if "section_of" in sig and topic is not None:
        found = list(term_tasks) or topic(clause, by_section=True)[0]
        if found:
            return Step(Op.SECTION_OF, tasks=tuple(found[:1]), query=clause, linked_by="topic")
    if not content and not named and not sig - {"frame", "yes_no", "describe", "switch"}:
        return None
    if "followup_ref" in sig and focus.tasks and not named and len(term_tasks) != 1:
        # "…, and which vehicle schemes does it mention?": what the task just named says
        return Step(Op.CONTENT, tasks=focus.tasks[:1], query=clause, yes_no=yes_no, linked_by="focus")
    return Step(Op.CONTENT, tasks=term_tasks if len(term_tasks) <= 3 else (), terms=tuple(links.terms),
                query=clause, yes_no=yes_no, linked_by="term" if term_tasks else "topic",
                context=() if named else focus.tasks[:3])


def _written_share(notice: Notice, number: int, words: list[str]) -> float:
    """The share of the words (those the notice writes at all; 「社保卡」「兩個」 say nothing either way) that
    task `number` writes; 0.0 when there are none."""
    whole, text = notice_text(notice), fold(notice.tasks[number - 1].text)
    written = [w for w in words if len(w) >= 2 and w in whole]
    return sum(w in text for w in written) / len(written) if written else 0.0


def _share_written(notice: Notice, number: int, clause: str) -> float:
    """The share of a part's content words that task `number` writes."""
    return _written_share(notice, number, _content_left(clause, link(notice, clause)))


def _written_in(notice: Notice, number: int, content: list[str]) -> bool:
    """Every content word of the question the notice writes at all is written in task `number`, and there is one."""
    return _written_share(notice, number, content) == 1.0


def _foreign_unit(notice: Notice, clause: str, links: Links) -> bool:
    """A unit name right after a place the notice never names is that place's office, not the notice's."""
    places = [p for p in foreign_terms(notice, clause) if _CJK.search(p)]
    return any(m.kind == "unit" and any(p in clause[max(0, m.start - len(p) - 2):m.start] for p in places)
               for m in links.mentions)


def _the_two(clause: str, focus: Focus) -> tuple[int, ...]:
    """「第三十二項講什麼？」「第三十一項呢？」「這兩項分別誰牽頭？」: the last two tasks the conversation named,
    when the last answer was about one; () otherwise."""
    if len(focus.tasks) >= 2 or not lexicon.find_word(clause, "these_two"):
        return ()
    seen = tuple(dict.fromkeys(n for tasks in reversed(focus.earlier) for n in tasks))
    return tuple(sorted(seen[:2])) if len(seen) >= 2 else ()


def _among(clause: str, focus: Focus, notice: Notice | None = None) -> tuple[int, ...]:
    """The tasks 「其中」 points at: the last answer's, or with 「兩項中」 the last two tasks the conversation named."""
    two = any(c.signal == "among" and lexicon.find_word(c.phrase, "two_of") for c in lexicon.cues(clause))
    if focus.step is not None and focus.step.op == Op.SECTION_OF and focus.sections and notice is not None:
        # 「數字文化是哪個部分？」「里面哪幾項是文旅廳牽頭的？」: the tasks of the section just answered
        return _section_tasks(notice, focus.sections)
    if two and len(focus.tasks) < 2:
        seen = tuple(dict.fromkeys(n for tasks in reversed(focus.earlier) for n in tasks))
        if len(seen) >= 2:
            return tuple(sorted(seen[:2]))
    return focus.tasks


def _names_a_topic(notice: Notice, content: list[str]) -> bool:
    """「數字醫共體方面，文件具體要求做什麼？」: words of the notice's own besides its frame words name a topic."""
    text = notice_text(notice)
    return any(len(w) >= 3 and w in text for w in content)


def _about_sections(focus: Focus) -> bool:
    """The last question was about sections (their tasks, their number), so "which one" is a section."""
    prev = focus.step
    return prev is not None and (prev.op in (Op.SECTION_TASKS, Op.RANK_SECTIONS, Op.SECTION_OF) or (
        prev.op == Op.DOCUMENT and "section_word" in lexicon.signals(prev.query)))


def _asker_units(focus: Focus) -> tuple[str, ...]:
    """The unit the asker said they work in, in an earlier turn (「我在省生態環境廳…我們廳…」)."""
    for step in reversed(focus.history):
        if step.units and lexicon.find_word(step.query, "first_person"):
            return step.units
    return ()


def _units_so_far(focus: Focus) -> tuple[str, ...]:
    """The distinct units the conversation's steps named, oldest first (the last named last)."""
    seen: dict[str, None] = {}
    for step in focus.history:
        for unit in step.units:
            seen.pop(unit, None)
            seen[unit] = None
    return tuple(seen)


def _returned_to(clause: str, focus: Focus, topic: TopicLinker | None) -> tuple[int, ...]:
    """The task a 'going back' part means: the first one discussed, or the earlier one its words are about."""
    before = [ts for ts in focus.earlier if ts and ts != focus.tasks]
    if not before:
        return ()
    if lexicon.find_word(clause, "first_topic"):
        return before[0][:1]
    if {"most", "least"} & lexicon.signals(clause):
        # "Going back to the biggest one": the task an earlier ranking answered
        for step, ts in zip(reversed(focus.history), reversed(focus.earlier), strict=False):
            if step.op == Op.RANK_TASKS and ts:
                return ts[:1]
    if topic is None:
        return ()
    found, _conf = topic(clause, among=tuple(dict.fromkeys(n for ts in before for n in ts)))
    return tuple(found[:1])


# the ops whose answer is a list of tasks a follow-up can point into (「第三項」 "the second one")
LIST_OPS = {Op.UNIT_TASKS, Op.SHARED_TASKS, Op.NO_LEAD_TASKS, Op.MULTI_LEAD_TASKS, Op.NO_CO_TASKS, Op.FILTER_TASKS,
            Op.SECTION_TASKS, Op.MENTIONS, Op.RANK_TASKS}


def _shown_list(focus: Focus, back: bool) -> tuple[int, ...]:
    """The task list the last answer showed or, going back (「回到第一項」), the last list shown before."""
    for step, tasks in zip(reversed(focus.history), reversed(focus.earlier), strict=False):
        if step.op in LIST_OPS and len(tasks) >= 2:
            return tasks
        if not back:
            break
    return ()


def _list_item(clause: str, tasks: tuple[int, ...], focus: Focus, sig: set[str]) -> int | None:
    """The task a position in a list points at. 「其中第一項」「第二個」 always point into the list; a plain
    「第三項」 does when the last answer was a short list (one read by position, not by the task numbers it
    shows) with a third item and without task 3 itself."""
    m = _list_position().search(clause)
    if m is None:
        return None
    k = from_chinese(m.group(2)) or 0
    marked = bool(m.group(1)) or m.group(3) == "个"
    shown = _shown_list(focus, back="return" in sig)
    if marked and (not tasks or m.group(1)):
        listed = focus.tasks if len(focus.tasks) >= 2 else shown
    elif tasks == (k,) and k not in shown and len(shown) <= 5:
        listed = shown
    else:
        return None
    return listed[k - 1] if 1 <= k <= len(listed) else None


def _the_other(focus: Focus) -> int | None:
    """「另一個」 "the other one": the task of a list of two that the conversation is not on."""
    shown = _shown_list(focus, back=True)
    rest = [n for n in shown if n not in focus.tasks]
    return rest[0] if len(shown) == 2 and len(rest) == 1 else None


def _the_other_unit(notice: Notice, focus: Focus) -> tuple[str, ...]:
    """After a question about one of a task's two units, "the other one" is the other of those two."""
    if focus.step is None or focus.step.op not in NEEDS_UNIT | {Op.DOES_LEAD} or len(focus.units) != 1:
        return ()
    for step in reversed(focus.history[:-1]):
        if step.op in NEEDS_TASK and step.tasks:
            named = answered_units([notice.tasks[n - 1] for n in step.tasks if 1 <= n <= len(notice.tasks)])
            if focus.units[0] in named:
                others = tuple(u for u in named if u != focus.units[0])
                return others if len(others) == 1 else ()
    return ()


def _the_others(focus: Focus) -> tuple[int, ...]:
    """「其餘兩項」 "the other two": the tasks of the last list of several that the conversation is not on."""
    for shown in reversed(focus.earlier):
        if len(shown) >= 2 and shown != focus.tasks:
            rest = tuple(n for n in shown if n not in focus.tasks)
            return rest if 0 < len(rest) < len(shown) else ()
    return ()


def _task_step(tasks: tuple[int, ...], units: tuple[str, ...], sig: set[str], role: str, clause: str,
               content: list[str], linked_by: str) -> Step:
    base = {"tasks": tasks, "query": clause, "linked_by": linked_by, "yes_no": "yes_no" in sig,
            "count": bool({"count", "distinct_units"} & sig)}  # 「牽頭的有幾個單位」 counts units
    if "section_of" in sig:
        return Step(Op.SECTION_OF, **base)
    if "ask_person" in sig:  # 「負責的官員叫什麼名字」: no person is named; the answer gives the units instead
        return Step(Op.NOT_STATED, fact="person", **base)
    if units and "yes_no" in sig and "lead" in sig and not ({"else", "co"} & sig):
        return Step(Op.DOES_LEAD, units=units, **base)
    if "distinct_units" in sig:  # "how many units are listed for it?": the task's units, counted
        sig = sig | {"involved"}
    if units and ({"else", "co", "involved", "who"} & sig):
        return Step(Op.WHO_INVOLVED, exclude=units if "else" in sig else (), **base)
    if "no_lead" in sig or "has_lead" in sig or "lead" in sig or "lead_listed" in sig:
        return Step(Op.WHO_LEADS, **base)
    if "co_listed" in sig:  # 「那它有配合單位嗎？」
        return Step(Op.WHO_SHARES, **base)
    if "co" in sig or "else" in sig:
        return Step(Op.WHO_SHARES if "co" in sig else Op.WHO_INVOLVED, **base)
    if "who" in sig or "involved" in sig:
        return Step(Op.WHO_INVOLVED, **base)
    fact = _not_stated_fact(sig) or ("figure" if "ask_figure" in sig and content else "")
    if fact:  # (the executor answers from the task when its sentence does carry the fact)
        return Step(Op.NOT_STATED, fact=fact, **base)
    return Step(Op.CONTENT, **base)


def _from_focus(sig: set[str], role: str, count: bool, yes_no: bool, clause: str, content: list[str],
                focus: Focus, notice: Notice | None = None) -> Step | None:
    """A part that names nothing: 「由誰牽頭？」「其中哪些是它牽頭的？」「還有別的單位嗎？」「要做甚麼？」."""
    prev = focus.step
    picked = _tasks_by_relative_role(clause, focus, notice)
    if picked and ({"describe"} | ASK_SIGNALS) & sig:
        # 「金融監管局有哪些任務？」「它牽頭的那項內容是什麼？」: the tasks the unit holds in that role, described
        fact = _not_stated_fact(sig)
        return Step(Op.NOT_STATED if fact else Op.CONTENT, tasks=picked, fact=fact, query=clause, linked_by="focus")
    if focus.tasks and lexicon.find_word(clause, "each_task") and ({"lead", "has_lead", "co", "who", "involved"} & sig) \
            and not ({"list", "count", "among"} & sig):
        # 「人社廳參與了哪幾項？每項有沒有牽頭單位？」: asked of each task of the list, not of the unit again
        return _task_step(focus.tasks[:8], (), sig - {"among", "joint"}, role, clause, content, "focus")
    if prev is not None and not content and ({"list", "count"} & sig) and not ({"lead", "co", "involved"} & sig) \
            and prev.op not in (Op.DOCUMENT, Op.CONTENT, Op.NOT_STATED) and not (sig & ASK_SIGNALS - {"ask_figure"}):
        # 「是哪些？」「一共幾項？」 after a question: the same question, listed or counted
        return replace(prev, count=count or prev.count, query=clause, linked_by="focus")
    if prev is not None and prev.op == Op.DOCUMENT:
        facts = _doc_facts(sig | {"doc"}, clause)
        if facts or ("count" in sig and not content):
            return Step(Op.DOCUMENT, facts=facts or ("totals",), query=clause, linked_by="focus")
    if prev is not None and prev.op in NEEDS_UNIT and focus.units and not lexicon.mentions(clause, "who") \
            and ({"lead", "co", "involved", "only", "no_lead", "list", "count"} & sig) and "among" not in sig \
            and not (focus.tasks and lexicon.find_word(clause, "unit_words") and "else" in sig):
        # (「同一項還有哪些牽頭單位？」 asks for the task's other units, not the unit's other tasks)
        # 「那它按職責分工負責的呢？」 after 「省科技廳牽頭哪些任務？」: the same unit, another role
        # (「它還參與了哪一項？」: besides the tasks just named)
        return replace(prev, role=role, count=count, query=clause, linked_by="focus",
                       exclude_tasks=focus.tasks if "else" in sig else prev.exclude_tasks)
    # 「裡面提到了哪些新興技術？」: what the task in focus says, not the unit's tasks again
    says = bool(content) and "mention" in sig and not ({"lead", "co", "involved"} & sig)
    if "among" in sig and focus.units and ({"lead", "co", "involved", "list", "count"} & sig) and not says:
        return Step(Op.UNIT_TASKS, units=focus.units, role=role, count=count, within=_among(clause, focus, notice),
                    query=clause, linked_by="focus")
    if "among" in sig and focus.tasks and "no_lead" in sig:
        return Step(Op.NO_LEAD_TASKS, within=_among(clause, focus, notice), count=count, query=clause, linked_by="focus")
    if focus.sections and prev is not None and prev.op in (Op.SECTION_TASKS, Op.SECTION_OF) and ({"list", "count"} & sig):
        return Step(Op.SECTION_TASKS, sections=focus.sections, count=count, query=clause, linked_by="focus")
    tasks = _the_two(clause, focus) or focus.tasks[:5]
    if tasks and ({"lead", "who", "co", "involved", "no_lead", "has_lead", "lead_listed", "co_listed", "section_of",
                   "distinct_units"} & sig):
        exclude = focus.units if "else" in sig else ()
        step = _task_step(tasks, (), sig, role, clause, content, "focus")
        if exclude and step.op in (Op.WHO_INVOLVED, Op.WHO_SHARES, Op.WHO_LEADS):
            step = replace(step, op=Op.WHO_INVOLVED, exclude=exclude, role=role if role in ("lead", "co") else "any")
        return step
    if focus.units and ({"list", "count", "lead", "co", "involved"} & sig) and prev is not None and prev.op in NEEDS_UNIT \
            and not says:
        return replace(prev, role=role, count=count, query=clause, linked_by="focus")
    if tasks and ({"describe", "followup_ref", "yes_no"} & sig or content):
        fact = _not_stated_fact(sig)
        return Step(Op.NOT_STATED if fact else Op.CONTENT, tasks=tasks, fact=fact, query=clause,
                    yes_no=yes_no, linked_by="focus")
    if "switch" in sig and prev is not None:
        return replace(prev, query=clause, linked_by="focus")
    return None


def _tasks_by_relative_role(clause: str, focus: Focus, notice: Notice | None) -> tuple[int, ...]:
    """「它牽頭的那項」「佢配合嗰條」 "the one it leads": the tasks in focus the unit in focus holds in that role."""
    if notice is None or len(focus.units) != 1:
        return ()
    role = "lead" if lexicon.find_word(clause, "lead_relative") else ("co" if lexicon.find_word(clause, "co_relative") else "")
    if not role:
        return ()
    unit = focus.units[0]
    held = tuple(t.number for t in notice.tasks if role_holds(t, unit, role))
    return tuple(n for n in held if n in focus.tasks) or held


@cache
def _lead_count_pattern() -> re.Pattern[str]:
    """「三個牽頭單位」 "two lead units": a number of lead units (「兩個以上」 is more than one, not a number)."""
    cardinals = "|".join(sorted(lexicon.table("en")["cardinals"], key=len, reverse=True))
    qualifiers = "|".join(re.escape(w) for w in lexicon.words("exact_qualifiers", "en"))
    # (「多於一個單位」 is more than one, not one)
    not_after = "".join(f"(?<!{re.escape(w)})" for w in lexicon.words("more_than_before"))
    return re.compile(rf"{not_after}([一二两三四五六七八九十]|\d+)\s*{lexicon.alternation('unit_counters', ('zh',))}\s*"
                      rf"({lexicon.alternation('or_more', ('zh',))})?\s*(?:单位|部门)?\s*"
                      rf"{lexicon.alternation('together', ('zh',))}?\s*{lexicon.alternation('lead_nouns', ('zh',))}|"
                      rf"(?<!than )(?<!the )\b(?:(?:{qualifiers}) )?({cardinals}|a single|\d+)\s+lead")


def _counts_totals(clause: str) -> bool:
    """What is counted is tasks or sections: 「多少項任務」「幾項」「多少個部分」, not 「多少家」."""
    found = lexicon.cues(clause)
    totals = [c for c in found if c.signal in ("totals_object", "section_word")]
    return any(c.signal in ("count", "ask_figure") and (c.phrase.endswith(("项", "条")) or
                                                       any(0 <= t.start - c.end <= 2 for t in totals)) for c in found)


def _counts_tasks(clause: str) -> bool:
    """The thing counted is tasks or sections (「多少項」「幾個部分」), not 「多少家企業」: a totals word that is
    not the section word naming where to look."""
    found = lexicon.cues(clause)
    where = {c.start for c in found if c.signal == "section_word"}
    return any(c.signal == "totals_object" and c.start not in where for c in found)


@cache
def _units_by_count_pattern() -> re.Pattern[str]:
    """「只出現過一次」「恰好牽頭兩項」 "exactly two tasks each": units picked by how many tasks they have."""
    cardinals = "|".join(sorted(lexicon.table("en")["cardinals"], key=len, reverse=True))
    qualifiers = "|".join(re.escape(w) for w in lexicon.words("exact_qualifiers", "en"))
    zh_q = lexicon.alternation("exact_qualifiers", ("zh",))
    return re.compile(rf"{zh_q}[^\d一二两三四五六七八九十,?]{{0,4}}?([一二两三四五六七八九十]|\d+)\s*"
                      rf"{lexicon.alternation('task_counters', ('zh',))}|"
                      rf"\b(?:{qualifiers})\s+({cardinals}|\d+)\s+(?:tasks?|items?|times?)\b|"
                      rf"\b({cardinals}|\d+)\s+tasks?\s+each\b")


def _count_parts() -> tuple[str, str, str]:
    """(English cardinals, a Chinese or Arabic number, the Chinese task counters) as regex pieces."""
    cardinals = "|".join(sorted(lexicon.table("en")["cardinals"], key=len, reverse=True))
    return cardinals, r"([一二两三四五六七八九十]|\d+)", lexicon.alternation("task_counters", ("zh",))


@cache
def _at_least_pattern() -> re.Pattern[str]:
    """「參與咗四項或者以上」「至少三項」 "four or more tasks", "at least 3 tasks": a floor on a unit's tasks."""
    cardinals, num, counter = _count_parts()
    return re.compile(rf"{num}\s*{counter}\s*{lexicon.alternation('or_more_after', ('zh',))}|"
                      rf"{lexicon.alternation('at_least_before', ('zh',))}[^\d一二两三四五六七八九十,?]{{0,4}}?{num}\s*{counter}|"
                      rf"\b({cardinals}|\d+)\s+or\s+more\s+tasks?\b|\bat\s+least\s+({cardinals}|\d+)\s+tasks?\b")


@cache
def _more_than_pattern() -> re.Pattern[str]:
    """「牽頭嘅任務多過三項」 "more than three tasks": a floor one above the number."""
    cardinals, num, counter = _count_parts()
    return re.compile(rf"{lexicon.alternation('strictly_more_before', ('zh',))}\s*{num}\s*{counter}|"
                      rf"\bmore\s+than\s+({cardinals}|\d+)\s+tasks?\b")


def _at_least(clause: str) -> int:
    m, above = _at_least_pattern().search(clause), 0
    if not m:
        m, above = _more_than_pattern().search(clause), 1
    if not m:
        return 0
    raw = next(g for g in m.groups() if g)
    n = lexicon.english_numbers().get(raw) or from_chinese(raw.replace("两", "二")) or 0
    return n + above if n else 0


def _units_by_count(clause: str) -> int:
    m = _units_by_count_pattern().search(clause)
    if not m:
        return 0
    raw = next(g for g in m.groups() if g)
    return lexicon.english_numbers().get(raw) or from_chinese(raw.replace("两", "二")) or 0


def _kept_filter(focus: Focus) -> Step | None:
    """The last step as a FILTER_TASKS condition set («這類任務»: the tasks it picked, by their conditions)."""
    prev = focus.step
    simple = {Op.NO_LEAD_TASKS: ("no_lead",), Op.NO_CO_TASKS: ("no_co",)}
    if prev is None:
        return None
    if prev.op in simple and not prev.sections:
        return Step(Op.FILTER_TASKS, filters=simple[prev.op])
    if prev.op == Op.MULTI_LEAD_TASKS:
        return Step(Op.FILTER_TASKS, filters=("n_leads",) if prev.n else ("multi_lead",), n=prev.n)
    if prev.op == Op.FILTER_TASKS and "section" not in prev.filters:
        return prev
    return None


def _section_tasks(notice: Notice, sections: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(t.number for s in sections for t in notice.tasks_in(notice.sections[s - 1]))


def _absent_units(links: Links, clause: str) -> tuple[str, ...]:
    """Units the question says are absent: 「連政數局都沒有出現」「工信廳完全沒有出現」, "don't involve X at all"."""
    found = lexicon.cues(clause)
    cues = [c for c in found if c.signal == "absent"]
    # 「這幾項中哪一項沒有通信管理局？」: a negation right before the unit's name says it is absent
    negations = [c for c in found if c.signal == "negation"]
    out = []
    for m in links.mentions:
        if m.kind == "unit" and (any(0 <= c.start - m.end <= 6 or 0 <= m.start - c.end <= 30 for c in cues)
                                 or any(0 <= m.start - c.end <= 2 and not any(o.signal in ("lead", "co", "involved")
                                                                              and c.end <= o.start < m.start for o in found)
                                        for c in negations)):
            out.append(str(m.value))
    return tuple(dict.fromkeys(out))


def _tasks_without_lead(sig: set[str], units: tuple[str, ...], clause: str) -> bool:
    """「沒有牽頭單位的任務裡,政數局…」 is about tasks without a lead; 「政數局沒有牽頭的任務」 about the
    unit's own role."""
    return "no_lead" in sig and (not units or any(
        c.signal in ("no_lead", "lead") and re.match(r"\s*(?:单位|unit)", clause[c.end - 2:] if "单位" in c.phrase else clause[c.end:])
        for c in lexicon.cues(clause)))


def _task_filters(sig: set[str], units: tuple[str, ...], n_leads: int, sections: tuple[int, ...],
                  clause: str) -> tuple[str, ...]:
    """The conditions a question puts on tasks, when it puts several."""
    out = []
    if _tasks_without_lead(sig, units, clause):
        out.append("no_lead")
    if n_leads:
        out.append("n_leads")
    elif "more_than_one" in sig:
        out.append("multi_lead")
    if "no_co" in sig:
        out.append("no_co")
        if "no_lead" in out:  # "only a lead unit, with no co-responsible units": the negation is the co's
            out.remove("no_lead")
    if "alone" in sig and units and "lead_listed" in sig:
        out.append("sole_lead")  # 「單獨由政數局牽頭（沒有其他牽頭單位）」: no other lead; others may share it
    elif "alone" in sig and units:
        out.append("alone")
    # 「既有牽頭單位、又列了配合單位的任務」: tasks that name a lead, that name co-responsible units
    if "lead_listed" in sig and not units and "no_lead" not in sig:
        out.append("has_lead")
    if "co_listed" in sig and "no_co" not in sig:
        out.append("has_co")
    if units and "sole_lead" not in out:  # (the sole lead is that unit's role already)
        out.append("unit")
    if sections:
        out.append("section")
    return tuple(out)


_OPPOSITE = {"has_lead": "no_lead", "no_lead": "has_lead", "has_co": "no_co", "no_co": "has_co"}


def _every_task_filters(sig: set[str], n_leads: int, clause: str) -> tuple[str, ...]:
    """The condition every task of a section must meet, when the question quantifies over a section's
    tasks (「每一項任務都…」 "none of the tasks has…"); () when it does not."""
    none_at, every_at = lexicon.find_word(clause, "none_of_tasks"), lexicon.find_word(clause, "every_task_of")
    if not none_at and not every_at:
        return ()
    # (「每一項任務都寫明了牽頭單位（即沒有任何一項是只寫…）」: the first quantifier states it, the rest restates)
    none = none_at is not None and (every_at is None or none_at.start() < every_at.start())
    filters = _task_filters(sig - {"yes_no"}, (), n_leads, (), clause)
    if not filters and "lead" in sig:
        filters = ("has_lead",)  # 「每一項任務都寫明了牽頭單位」
    if none:  # "none of the tasks has a lead unit": every task has none
        filters = tuple(_OPPOSITE.get(f, f) for f in filters)
    return filters if filters and set(filters) <= set(_OPPOSITE) | {"multi_lead"} else ()


def task_meets(task: Task, step: Step) -> bool:
    """Does a task meet every condition of a FILTER_TASKS step?"""
    checks = {
        "no_lead": lambda: not task.leads,
        "n_leads": lambda: len(task.leads) == step.n,
        "multi_lead": lambda: len(task.leads) > 1,
        "no_co": lambda: not task.co,
        "has_lead": lambda: bool(task.leads),
        "has_co": lambda: bool(task.co),
        "alone": lambda: set(task.units) <= set(step.units),
        "sole_lead": lambda: set(task.leads) == set(step.units),
        "unit": lambda: all(role_holds(task, u, step.role) for u in step.units),
        "section": lambda: task.section.number in step.sections,
        "without": lambda: not any(u in task.units for u in step.exclude),
    }
    return all(checks[f]() for f in step.filters)


def _lead_count(clause: str) -> int:
    """「哪一項有三個牽頭單位」 "which task has three lead units": the exact number asked for."""
    from corpus.numerals import from_chinese

    m = _lead_count_pattern().search(clause)
    if not m:
        return 0
    raw = m.group(1) or m.group(3)
    n = 1 if raw == "a single" else lexicon.english_numbers().get(raw) or from_chinese(raw.replace("两", "二"))
    return n if n and n >= 1 and not m.group(2) else 0


def _phrase_terms(notice: Notice, clause: str, content: list[str]) -> list[str]:
    """What a question names that the term table does not: a long phrase the notice uses word for
    word (出入境邊防檢查總站), or an abbreviation of one (全運會 → 全國運動會)."""
    text = notice_text(notice)
    out = [r for r in content_phrases(clause) if len(r) >= 6 and r in text]
    for word in content:
        if 3 <= len(word) <= 4 and _CJK.fullmatch(word[0]) and word not in text:
            pat = re.compile(re.escape(word[0]) + "".join(f"[\u3400-\u9fff]{{0,2}}{re.escape(c)}" for c in word[1:]))
            found = {m.group(0) for m in pat.finditer(text) if len(m.group(0)) <= 2 * len(word)}
            if len(found) == 1:
                out.append(found.pop())
    return [t for t in dict.fromkeys(out) if 0 < len(_term_tasks(notice, [t])) <= 5]


@cache
def _about_topic() -> re.Pattern[str]:
    """「對信創」「關於數據標注」: about a topic — unless it is about the recipients (對各收文單位, 對我們)."""
    return re.compile(rf"{lexicon.alternation('about', ('zh',))}(?!{lexicon.alternation('about_recipients', ('zh',))})"
                      r"[\u4e00-\u9fff]{2}")


@cache
def _pronouns() -> frozenset[str]:
    return frozenset(lexicon.words("pronouns", "zh") + lexicon.words("pronouns", "en"))


@cache
def _list_position() -> re.Pattern[str]:
    """「第二個」 (the second one), or 「其中第一項」 (the first of them): a position in the last list."""
    return re.compile(rf"(?:({lexicon.alternation('list_among', ('zh',))})\s*)?第\s*([一二三四五六七八九十两]+|\d+)\s*"
                      r"(个任务|个(?!工作)|项|条)")


@cache
def _ordinal_ref() -> re.Pattern[str]:
    """"the second one", "the last item": a position in the last list."""
    ordinals = "|".join(sorted(lexicon.table("en")["ordinals"], key=len, reverse=True))
    nouns = "|".join(re.escape(w) for w in lexicon.words("ordinal_nouns", "en"))
    return re.compile(rf"\bthe\s+({ordinals}|last)\s+(?:{nouns})\b")


def mention_forms(notice: Notice, term: str) -> tuple[str, ...]:
    """The folded ways the notice writes a term: its compounds (澳門 in 港澳), and for a phrase of six or
    more characters the notice's own phrase one last-part character away (數據跨境流動 ~ 數據跨境流通)."""
    forms = lexicon.term_forms(term)
    key = fold(term)
    if len(key) < 6 or not _CJK.fullmatch(key[0]):
        return forms
    text = notice_text(notice)
    near = {text[i:i + len(key)] for i in range(len(text) - len(key) + 1) if text.startswith(key[:4], i)}
    near = {n for n in near if _CJK.fullmatch(n[-1]) and sum(a != b for a, b in zip(n, key, strict=True)) == 1}
    return forms + tuple(sorted(near - set(forms)))


def _term_tasks(notice: Notice, terms: list[str]) -> tuple[int, ...]:

    out: list[int] = []
    for term in terms:
        keys = mention_forms(notice, term)
        out += [t.number for t in notice.tasks if any(k in fold(t.text) for k in keys)]
    return tuple(dict.fromkeys(out))




def _section_by_topic(notice: Notice, clause: str, sig: set[str]) -> int | None:
    """「網絡安全那部分」: the section whose title shares the most specific words with the question."""
    if not ({"section_word", "section_of"} & sig):
        return None
    words = {c.phrase for c in lexicon.cues(clause) if c.signal == "section_word"}
    if words <= {"方面"} and "section_of" not in sig and not ({"list", "count", "task_list"} & sig):
        return None  # 「網絡安全攻防演練方面有何安排」 asks what is planned, not for a section

    grams = {clause[i:i + 2] for i in range(len(clause) - 1)} - set(lexicon.words("section_generic"))
    grams = {g for g in grams if _CJK.fullmatch(g[0]) and _CJK.fullmatch(g[1])}
    scores = []
    for s in notice.sections:
        title = fold(s.title)
        scores.append((sum(g in title for g in grams), s.number))
    scores.sort(reverse=True)
    if scores and scores[0][0] >= 2 and (len(scores) == 1 or scores[0][0] > scores[1][0]):
        return scores[0][1]
    en = english_term(clause)
    if en:  # "the network and data security part": the section whose title holds the most of its terms
        ranked = sorted(((sum(fold(t) in fold(s.title) for t in en), s.number) for s in notice.sections), reverse=True)
        if ranked[0][0] and (len(ranked) == 1 or ranked[0][0] > ranked[1][0]):
            return ranked[0][1]
    return None


def _content_left(clause: str, links: Links) -> list[str]:
    """The question's content words once names and cue phrases are taken out: what it is *about*."""
    stop = lexicon.english_stopwords()
    if links.units:  # "the Market Regulation Administration": the rest of a unit's English name says no topic
        stop = stop | set(lexicon.words("unit_nouns", "en"))
    return [w for w in content_words(_blank(clause, links.spans())) if w not in stop]


def content_phrases(clause: str) -> list[str]:
    """Runs of Chinese characters left once cue phrases are taken out, longest first."""
    runs = re.findall(r"[\u3400-\u9fff]{4,}", _blank(clause))
    return sorted(runs, key=len, reverse=True)


def _without(clause: str, spans: list[tuple[int, int]]) -> str:
    """The clause with the given spans (linked names) blanked out."""
    text = list(clause)
    for a, b in spans:
        text[a:b] = [" "] * (b - a)
    return "".join(text)


def _blank(clause: str, spans: list[tuple[int, int]] | None = None) -> str:
    """The clause with its cue phrases (and the given spans) blanked out."""
    text = list(clause)
    for a, b in [*(spans or []), *((c.start, c.end) for c in lexicon.cues(clause))]:
        text[a:b] = [" "] * (b - a)
    return "".join(text)


def make_plan(notice: Notice, question: str, focus: Focus | None = None,
              topic: TopicLinker | None = None) -> Plan:
    """The plan for one question, given what the conversation is about so far."""
    focus = focus or Focus()
    norm = mend_sounds(notice, lexicon.normalise(question))
    script = detect(question)
    lang = "yue" if script != "en" and lexicon.is_cantonese(fold(question)) else script
    steps: list[Step] = []
    # (a Chinese place the sound mending made the notice's own, 紹關 → 韶關, is not foreign)
    mended = set(foreign_terms(notice, norm))
    parts = _clauses(norm)
    # (「我住在橫琴…」 "I'm a Macao resident working in Hengqin.": a place in what the asker says of themselves)
    asides = [c for c in parts if _is_aside(c)] if len(parts) >= 2 and any(_asks(c) for c in parts) else []
    asked = [c for c in parts if c not in asides]
    foreign = any((not _CJK.search(t) or t in mended) and not (any(t in a for a in asides) and not any(t in c for c in asked))
                  for t in foreign_terms(notice, question))
    local = replace(focus, history=list(focus.history), earlier=list(focus.earlier))
    clauses = _asides_as_context(notice, parts)
    for k, clause in enumerate(clauses):
        step = read_step(notice, clause, local, topic, foreign)
        if step is None:
            continue
        if steps and step.op == Op.CONTENT and step.linked_by == "topic" and not step.terms and len(local.tasks) == 1 \
                and topic is not None and (_vague(topic(step.query)) or _share_written(notice, local.tasks[0], clause) >= 0.5):
            # (「數字金融那項：…文中提到的融資信用平台叫什麼？」: most of its words are that task's)
            # 「…「跨境通辦」係邊一項？具體會優化啲乜？」: a part about nothing of its own goes on with the task just found
            step = replace(step, tasks=local.tasks, linked_by="focus", context=())
        if steps and step.op in (Op.FILTER_TASKS, Op.NO_LEAD_TASKS, Op.MULTI_LEAD_TASKS) \
                and not (step.within or step.sections or step.units) and len(local.tasks) >= 2 \
                and steps[-1].op in (Op.SECTION_TASKS, Op.UNIT_TASKS, Op.SHARED_TASKS, Op.MENTIONS) \
                and not lexicon.find_word(clause, "whole_notice"):
            # 「第十二部分嗰幾項，有冇邊項有牽頭單位？」: a condition in a later part is put on the list just named
            step = replace(step, within=local.tasks, linked_by="focus")
        if steps and (step.compare or step.count) and _same_question(replace(step, compare=False, count=False),
                                                                     replace(steps[-1], compare=False, count=False)):
            # 「各牽頭幾項？哪個多？」「…有哪些？數一數」: one answer, counted (and compared)
            steps[-1] = replace(steps[-1], count=True, compare=steps[-1].compare or step.compare)
            continue
        same = [i for i, earlier in enumerate(steps) if _same_question(step, earlier)]
        if same:
            if step.op == Op.CONTENT and steps[same[0]].op == Op.CONTENT:
                # 「…人才培養計劃是第幾期？要組建的專家委員會叫什麼？」: one quote of the task, for both parts' words
                steps[same[0]] = replace(steps[same[0]], query=f"{steps[same[0]].query} {step.query}")
            continue  # 「誰負責？有冇牽頭單位？」: the first answer already says whether there is a lead
        steps.append(step)
        about = step_tasks(notice, step)
        if not about and step.op == Op.CONTENT and step.linked_by == "topic" and topic is not None and k + 1 < len(clauses):
            # 「數字家庭試點寫在哪一項？住建廳在那一項…」: later parts point at the task this part is about
            about = tuple(topic(step.query)[0][:1])
        # "Who leads task 38, and in how many tasks does that unit appear?": the units the first part names
        named = answered_units([notice.tasks[n - 1] for n in about]) if step.op in NEEDS_TASK else ()
        advance(local, step, about, step_sections(notice, step), named)
    if not steps:
        steps = [Step(Op.CONTENT, query=norm, linked_by="topic")]
    confidence = min(_confidence(s) for s in steps)
    return Plan(tuple(steps), script, lang, confidence, question)


def _bare_number(rest: str) -> int:
    """All a follow-up says besides its cue words is a number: 「那40呢」 "and 13?" 「咁四十呢」."""
    rest = re.sub(r"[\s?？!！.,，。]+", " ", rest)
    rest = re.sub(rf"^\s*(?:{lexicon.alternation('follow_on')}\s*)*", "", rest)
    m = re.fullmatch(r"\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*(?:项|条)?\s*", rest)
    if not m:
        return 0
    return int(m.group(1)) if m.group(1).isdigit() else (from_chinese(m.group(1)) or 0)


def _vague(found: tuple[list[int], float]) -> bool:
    """Retrieval found nothing, or no task clearly ahead of the next (confidence is 0.5 + the score margin)."""
    return not found[0] or found[1] < 0.6


def _asides_as_context(notice: Notice, clauses: list[str]) -> list[str]:
    """「我喺澳門住,間中要喺內地辦手續。」 "I'm drafting a briefing for my director.": the asker about themselves
    asks nothing. What it names of the notice (「…聽說要搞粵港澳大灣區產品碳足跡試點」) joins the question next
    to it, without its cue phrases (辦手續, director: no question here); an aside naming nothing is left out."""
    if len(clauses) < 2 or not any(_asks(c) for c in clauses):
        return clauses
    out: list[str] = []
    carry = ""
    for c in clauses:
        if _is_aside(c):
            if not _names_something(notice, c):
                continue
            words = _without(c, [(cue.start, cue.end) for cue in lexicon.cues(c)])
            if out:
                out[-1] = out[-1] + " " + _their_words(notice, words, out[-1])
            else:
                carry += words + " "
            continue
        out.append(_their_words(notice, carry, c) + c)
        carry = ""
    return out or clauses


def _their_words(notice: Notice, aside: str, question: str) -> str:
    """What an aside adds to the question next to it: its topic when the question names none of its own
    ("I'm writing a piece on the low-altitude economy. Which task covers it?"), and the asker's unit when the
    question is about themselves; a question that names its own topic keeps it clean of the aside's words
    (「我是地市政務外網運維工程師。政務外網IPv6單棧…」: 運維 is not what is asked)."""
    if not aside.strip() or not _names_something(notice, question):
        return aside  # 「我是省統計局的…把點到我們局的任務列出來。有哪些？」: the aside is what is asked about
    units = [m for m in link(notice, aside).mentions if m.kind == "unit"]
    return " ".join(aside[m.start:m.end] for m in units) + " " if units and \
        lexicon.find_word(question, "first_person") else ""


def _is_aside(clause: str) -> bool:
    """The asker about themselves, asking nothing: 「我喺澳門住。」 "I'm drafting a briefing."."""
    return not _asks(clause) and lexicon.starts_with_word(clause.lstrip(), "first_person")


def _names_something(notice: Notice, clause: str) -> bool:
    """A name of the notice's, or four characters in a row that the notice writes too."""
    links = link(notice, clause)
    text = notice_text(notice)
    runs = content_phrases(clause)
    return bool(links.tasks or links.units or links.sections or links.titles or links.terms
                or any(r[i:i + 4] in text for r in runs for i in range(len(r) - 3))
                or english_term(clause) or lexicon.everyday_words(clause))


def _same_question(a: Step, b: Step) -> bool:
    """Two parts that ask for the same records (their wording aside) get one answer."""
    if a.op == Op.CONTENT and a.linked_by == "focus" and not a.terms:
        # 「…方唔方便？份文件有冇講到？」: a follow-on part about the task just quoted adds nothing
        return b.op == Op.CONTENT and a.tasks == b.tasks
    return a.op not in (Op.CONTENT, Op.NOT_STATED, Op.MENTIONS) and \
        replace(a, query="", linked_by="", yes_no=False) == replace(b, query="", linked_by="", yes_no=False)


def _confidence(step: Step) -> float:
    return {"explicit": 1.0, "title": 0.9, "term": 0.85, "focus": 0.8, "topic": 0.6}.get(step.linked_by, 0.5)


def step_tasks(notice: Notice, step: Step) -> tuple[int, ...]:
    """The tasks a record step denotes (what 「其中」 or 「要做甚麼」 in the next part points at)."""
    tasks = notice.tasks
    if step.within:
        tasks = tuple(t for t in tasks if t.number in step.within)
    if step.op == Op.UNIT_TASKS:
        return tuple(t.number for t in tasks if any(role_holds(t, u, step.role) for u in step.units)
                     and t.number not in step.exclude_tasks)
    if step.op == Op.SHARED_TASKS:
        return tuple(t.number for t in tasks if all(role_holds(t, u, step.role) for u in step.units))
    if step.op == Op.SECTION_TASKS:
        return tuple(t.number for t in tasks if t.section.number in step.sections)
    if step.op == Op.NO_LEAD_TASKS:
        return tuple(t.number for t in tasks if not t.leads and (not step.sections or t.section.number in step.sections))
    if step.op == Op.MULTI_LEAD_TASKS:
        return tuple(t.number for t in tasks if (len(t.leads) == step.n if step.n else len(t.leads) > 1))
    if step.op == Op.MENTIONS:
        keys = [k for term in step.terms for k in mention_forms(notice, term)]
        return tuple(t.number for t in tasks if any(k in fold(t.text) for k in keys))
    if step.op == Op.NO_CO_TASKS:
        return tuple(t.number for t in tasks if t.leads and not t.co)
    if step.op == Op.FILTER_TASKS:
        return tuple(t.number for t in tasks if task_meets(t, step))
    return step.tasks


def answered_units(tasks: list[Task] | tuple[Task, ...]) -> tuple[str, ...]:
    """The units an answer about these tasks names as responsible ("that unit"): the leads, else who shares."""
    return tuple(dict.fromkeys(u for t in tasks for u in (t.leads or t.co)))


def role_holds(task: Task, unit: str, role: str) -> bool:
    if role == "lead":
        return unit in task.leads
    if role in ("co", "co_only"):
        return unit in task.co
    return unit in task.units


def step_sections(notice: Notice, step: Step) -> tuple[int, ...]:
    """The sections a step is about: named ones, or those of the tasks whose section was asked."""
    if step.op == Op.SECTION_OF:
        return tuple(dict.fromkeys(notice.tasks[n - 1].section.number for n in step.tasks if 1 <= n <= len(notice.tasks)))
    return step.sections


def advance(focus: Focus, step: Step, result_tasks: tuple[int, ...], sections: tuple[int, ...] = (),
            result_units: tuple[str, ...] = ()) -> None:
    """Move the conversation's focus past a step (and its result's tasks, when known)."""
    tasks = result_tasks or step.tasks or step.within
    if tasks:
        focus.tasks = tuple(tasks)
    if sections:
        focus.sections = sections
    if step.units:
        focus.units = step.units
    focus.result_units = result_units or step.units or focus.result_units
    if step.op not in (Op.OUT_OF_SCOPE, Op.INVALID):
        focus.step = step
    focus.history.append(step)
    focus.earlier.append(tuple(tasks))
