"""What a question asks, read from its folded text: task numbers, units, sections, and which
structured fact (lead, co-owners, a unit's tasks, counts, the document itself) it wants.

Pure functions over the notice's records; no retrieval here. What the patterns cannot pin down
(a task named by topic, a general question) is left to retrieval in `pipeline`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from corpus import Notice, alias_table
from corpus.numerals import from_chinese
from corpus.script import fold
from corpus.units import ENGLISH_ALIASES

_NUM = r"([零〇一二两三四五六七八九十百]{1,4}|\d+)"
# 第七項 / 第7条 / 第十八项任务 / 任务(七) / (七) / 任务七 — folded text is Simplified, NFKC, lower-case.
_TASK_NUM = [
    re.compile(r"第\s*" + _NUM + r"\s*(?:项|条|个任务|个工作|点|款|号任务)"),
    re.compile(r"(?:任务|事项|工作|项目|条目|要点)\s*[((]?\s*" + _NUM + r"\s*[))]?(?![\d零一二两三四五六七八九十百年月日届批期轮万家个项])"),
    re.compile(r"[((]\s*([零一二两三四五六七八九十]{1,3})\s*[))]"),
    re.compile(r"\b(?:task|item|point|no\.?|number)\s*#?\s*(\d+)\b"),
    re.compile(r"(?<![&\w])#\s*(\d+)\b"),  # not 「&#60;」, an HTML entity
]
_SECTION_NUM = [
    re.compile(r"第\s*" + _NUM + r"\s*(?:部分|章|节|大项|板块|方面|大类|篇)"),
    re.compile(r"\b(?:section|part|chapter)\s*(\d{1,2}|[ivxlc]+)\b"),
]
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10,
          "xi": 11, "xii": 12, "xiii": 13}

_LEAD = re.compile(r"牵头|主责|主管|谁负责|谁来负责|由谁|哪个部门|哪些部门|哪个单位|哪些单位|谁管|负责单位|责任单位|"
                   r"\blead|\bled by|in charge|responsible|who\b|which (?:department|unit|agenc|bod|office)")
_CO = re.compile(r"配合|参与|协办|协助|分工负责|按职责|共同负责|负责单位|责任单位|co-?responsible|co-?own|"
                 r"share[sd]? (?:the )?(?:responsibilit|duties|the task|the work)|units? (?:are |is )?involved|"
                 r"participat|other units?|also responsible")
_COUNT = re.compile(r"多少|几项|几个|几条|数量|总共|一共|共有|how many|number of|count")
_UNIT_TASKS = re.compile(r"哪些|什么|几项|多少|哪几|哪项|哪一项|哪个任务|哪个工作|清单|列出|全部|所有|负责的|牵头的|参与的|"
                         r"which tasks|what tasks|which items|what does|what do|list|tasks|how many|everything")
_NO_LEAD = re.compile(r"(?:没有|无|未|不设|没)\S{0,4}牵头|牵头单位\S{0,3}(?:空|缺)|"
                      r"\b(?:no|not|without|lack|lacks|lacking|don't|doesn't)\b[^.?!]{0,24}\blead|not led")
_ISSUER = re.compile(r"谁(?:发布|印发|发的|制定|出台)|哪个(?:部门|单位|机关)(?:发布|印发|发的|制定|出台)|发文(?:单位|机关)|"
                     r"发布(?:单位|机关|部门)|印发(?:单位|机关)|\bissu|\bpublish|who (?:wrote|released)")
_DATE = re.compile(r"什么时候|何时|哪天|哪一天|日期|几月|哪年哪月|\bwhen\b|\bdate\b")
_ADDRESSEES = re.compile(r"发给|印发给|下发给|送达|主送|发送给|addressed|sent to")
_TOTALS = re.compile(r"(?<!第)(?:多少|几)(?:项|个|条)?(?:任务|工作|要点|部分|方面|大项)|how many (?:tasks|items|sections|parts)")
_WHICH_SECTION = re.compile(r"哪(?:一|个)?(?:部分|章|大类|板块)|第几部分|属于哪|which (?:section|part|chapter)|what section|in which section")
_DESCRIBE = re.compile(r"是什么|什么是|讲什么|讲的是|内容|介绍|what is|what's|what does|about\b|describe")
# 「哪些任務提到人工智能？」: every task whose text contains the term (a complete list, not top-k).
_MENTION = re.compile(r"(?:哪些|哪几|哪幾|几项|多少项)\S{0,6}?(?:任务|项|工作|要点)?\S{0,4}?"
                      r"(?:提到|提及|涉及|包含|写到|写了|出现|谈到|讲到|关于|有关)\s*[「“\"']?([^「」“”\"'?？。]{2,20}?)[」”\"']?"
                      r"\s*(?:的)?\s*(?:任务|内容|工作)?\s*[?？。]?$")
_JOINT = re.compile(r"共同|一起|同时|都|联合|both|jointly|together")
_DOC_WORDS = re.compile(r"通知|文件|要点|工作要点|本文|这份|该文|印发|发布|发文|notice|document|work points|this plan|issued|published")


@dataclass
class Intent:
    tasks: list[int] = field(default_factory=list)  # explicit task numbers, in order (may be out of range)
    sections: list[int] = field(default_factory=list)
    units: list[str] = field(default_factory=list)  # canonical unit names
    wants_lead: bool = False
    wants_co: bool = False
    wants_count: bool = False
    wants_unit_tasks: bool = False
    wants_no_lead: bool = False
    wants_issuer: bool = False
    wants_date: bool = False
    wants_addressees: bool = False
    wants_totals: bool = False
    title_tasks: list[int] = field(default_factory=list)  # tasks whose title the question quotes
    wants_section_of: bool = False  # which section a task is in
    wants_description: bool = False  # what a task is about
    mention: str = ""  # a term whose every occurrence in the tasks is asked for
    joint: bool = False  # tasks shared by all the units named (「…和…共同牽頭」)


def _numbers(patterns: list[re.Pattern[str]], text: str) -> list[int]:
    """Numbers matched by any pattern, in the order they stand in the text, each once."""
    found: list[tuple[int, int]] = []
    for pat in patterns:
        for m in pat.finditer(text):
            raw = m.group(1)
            n = _ROMAN[raw] if raw in _ROMAN else from_chinese(raw)
            if n is not None:
                found.append((m.start(), n))
    return list(dict.fromkeys(n for _, n in sorted(found)))


@lru_cache(maxsize=4)
def unit_aliases(notice: Notice) -> list[tuple[str, str]]:
    """(folded alias, canonical unit), longest alias first so 省教育厅 wins over 教育厅."""
    pairs = {fold(alias): unit for alias, unit in alias_table(notice.units).items()}
    pairs.update({k: v for k, v in ENGLISH_ALIASES.items() if v in notice.units})
    return sorted(pairs.items(), key=lambda kv: -len(kv[0]))


def find_units(notice: Notice, folded: str) -> list[str]:
    units: list[str] = []
    taken = [False] * len(folded)
    for alias, unit in unit_aliases(notice):
        start = folded.find(alias)
        while start != -1:
            end = start + len(alias)
            if not any(taken[start:end]):
                taken[start:end] = [True] * (end - start)
                if unit not in units:
                    units.append(unit)
            start = folded.find(alias, end)
    return units


_TITLE_VERBS = re.compile(r"^(?:推进|推动|加强|深化|完善|提升|提高|强化|打造|启动|实施|优化|拓展|创新|发展|健全|加快|"
                          r"增强|丰富|做好|开展|构建|携手港澳地区共建|推广)")


@lru_cache(maxsize=4)
def _title_cores(notice: Notice) -> list[tuple[str, int]]:
    """Folded task titles without their leading verb (「推進數字鄉村建設」 → 数字乡村建设), longest first."""
    cores = []
    for t in notice.tasks:
        title = fold(t.title)
        cores.append((title, t.number))
        core = _TITLE_VERBS.sub("", title)
        if len(core) >= 4 and core != title:
            cores.append((core, t.number))
    return sorted(cores, key=lambda c: -len(c[0]))


def find_titles(notice: Notice, folded: str) -> list[int]:
    found: list[int] = []
    for core, number in _title_cores(notice):
        if core in folded and number not in found:
            found.append(number)
            folded = folded.replace(core, " ")
    return found


def parse_intent(notice: Notice, question: str) -> Intent:
    q = fold(question)
    intent = Intent(
        tasks=_numbers(_TASK_NUM, q),
        sections=_numbers(_SECTION_NUM, q),
        units=find_units(notice, q),
        title_tasks=find_titles(notice, q),
    )
    intent.wants_lead = bool(_LEAD.search(q))
    intent.wants_co = bool(_CO.search(q))
    intent.wants_count = bool(_COUNT.search(q))
    intent.wants_no_lead = bool(_NO_LEAD.search(q))
    intent.wants_unit_tasks = bool(intent.units) and not intent.tasks and bool(_UNIT_TASKS.search(q))
    about_doc = bool(_DOC_WORDS.search(q))
    bare = not (intent.tasks or intent.units or intent.title_tasks)
    intent.wants_issuer = (about_doc or bare) and bool(_ISSUER.search(q))
    # 「什麼時候」 alone may ask about a task's deadline (「到2024年底」): only the document's date when
    # the question is about the document.
    intent.wants_date = about_doc and bool(_DATE.search(q)) and not intent.tasks
    intent.wants_addressees = bool(_ADDRESSEES.search(q))
    intent.wants_totals = bool(_TOTALS.search(q)) and not intent.units and not intent.sections
    intent.wants_section_of = bool(_WHICH_SECTION.search(q))
    intent.joint = len(intent.units) >= 2 and bool(_JOINT.search(q))
    intent.wants_description = bool(_DESCRIBE.search(q))
    if (m := _MENTION.search(q)) and not intent.tasks:
        intent.mention = m.group(1).strip()
    return intent
