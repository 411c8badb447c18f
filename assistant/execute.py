"""Plan step → result. One executor per operation; record operations read only the parsed records
(never top-k), content operations quote the notice's own sentences. Every result about a task
carries its complete responsibility: its lead units, or that it has none and who shares it.

Chinese text is written in the notice's Traditional wording (the pipeline renders it in the
asker's script); English text keeps unit names in Chinese with an English gloss where known.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache

from corpus import Notice, Section, Task
from corpus.english import english_rendering
from corpus.numerals import from_chinese
from corpus.script import fold
from index import Hit

from . import extractive, lexicon, lookup
from .link import everyday_topics, named_by_everyday_word
from .lookup import cite, listing, unit_name
from .plan import Op, Step, answered_units, mention_forms, role_holds, step_tasks, task_meets
from .scope import assess, content_words


@dataclass(frozen=True)
class Result:
    step: Step
    text: str
    cited: tuple[int, ...] = ()
    quotes: dict[int, str] = field(default_factory=dict)  # task → the sentence(s) the text rests on
    refused: bool = False
    not_stated: bool = False
    explainable: tuple[int, ...] = ()  # tasks whose quoted sentences a model may explain
    tasks: tuple[int, ...] = ()  # what the conversation's focus moves to
    units: tuple[str, ...] = ()  # units the answer names as responsible (for "that unit")


@dataclass
class Context:
    notice: Notice
    english: bool
    search: Callable[[str], list[Hit]]
    scorer: extractive.Scorer | None = None  # sentence similarity, for English questions


Executor = Callable[[Step, Context], Result]


def _tasks(ctx: Context, numbers: tuple[int, ...] | list[int]) -> list[Task]:
    return [ctx.notice.tasks[n - 1] for n in numbers if 1 <= n <= len(ctx.notice.tasks)]


def _resp_quote(task: Task) -> str:
    return f"({task.responsibility})"


def who(step: Step, ctx: Context) -> Result:
    """WHO_LEADS / WHO_SHARES: the complete responsibility of each task, as the records say."""
    tasks = _tasks(ctx, step.tasks)
    parts = [_count_line(t, ctx.english) * step.count + _term_line(step, t, ctx.english) + lookup.responsibility(t, ctx.english)
             + _no_co_line(t, ctx.english) * (step.op == Op.WHO_SHARES) for t in tasks]
    return Result(step, "\n\n".join(parts), tuple(t.number for t in tasks),
                  {t.number: _resp_quote(t) for t in tasks}, tasks=tuple(t.number for t in tasks),
                  units=answered_units(tasks))


def _term_line(step: Step, task: Task, english: bool) -> str:
    """Who leads a thing named by its term: first where the task writes it, so the link is visible."""
    keys = tuple(fold(term) for term in step.terms)
    sentence = _sentence_with(task, keys) if keys else ""
    if not sentence:
        return ""
    return (f"Task {task.number} writes: 「{sentence}」 " if english else f"第{task.numeral}項寫道:「{sentence}」")


def _no_co_line(task: Task, english: bool) -> str:
    """「那項還有沒有配合單位？」 of a task that lists only its leads: say so, not just who leads it."""
    if task.co:
        return ""
    return (" It lists no co-responsible (按職責分工負責) units besides its lead." if english
            else "本項只列牽頭單位,沒有列出按職責分工負責的單位。")


def _count_line(task: Task, english: bool) -> str:
    more = "+" if task.open_ended else ""
    if english:
        return (f"Task {task.number} names {len(task.leads)} lead unit(s) and {len(task.co)}{more} co-responsible "
                f"unit(s), {len(task.units)}{more} in all. ")
    return f"第{task.numeral}項列出牽頭單位{len(task.leads)}個、按職責分工負責單位{len(task.co)}個{'(另有「等有關單位」)' if more else ''},共{len(task.units)}個。"


def who_involved(step: Step, ctx: Context) -> Result:
    """Every unit named in each task (minus those the question already named), then the full record."""
    tasks = _tasks(ctx, step.tasks)
    parts = []
    for t in tasks:
        # (「同一項還有哪些牽頭單位？」: the other units in the role asked)
        pool = t.leads if step.role == "lead" else t.co if step.role == "co" else t.units
        others = [u for u in pool if u not in step.exclude]
        names = "; ".join(unit_name(u, True) for u in others) if ctx.english else "、".join(others)
        what_en = {"lead": "lead unit", "co": "co-responsible unit"}.get(step.role, "")
        what_zh = {"lead": "的牽頭單位", "co": "的按職責分工負責單位"}.get(step.role, "")
        if step.exclude and ctx.english:
            head = (f"Besides {', '.join(step.exclude)}, task {t.number} names{f' (as {what_en}s)' if what_en else ''}: {names}."
                    if others else f"Task {t.number} names no {what_en or 'unit'} besides {', '.join(step.exclude)}.")
        elif step.exclude:
            head = (f"除{'、'.join(step.exclude)}外,第{t.numeral}項{what_zh}還有:{names}。" if others
                    else f"除{'、'.join(step.exclude)}外,第{t.numeral}項沒有列出其他{what_zh[1:] or '單位'}。")
        else:
            head = ""
        count = _count_line(t, ctx.english) if step.count else ""
        parts.append(count + (head + (" " if ctx.english and head else "")) + lookup.responsibility(t, ctx.english)
                     + _no_co_line(t, ctx.english))
    return Result(step, "\n\n".join(parts), tuple(t.number for t in tasks),
                  {t.number: _resp_quote(t) for t in tasks}, tasks=tuple(t.number for t in tasks),
                  units=answered_units(tasks))


def does_lead(step: Step, ctx: Context) -> Result:
    tasks = _tasks(ctx, step.tasks)
    parts = []
    for t in tasks:
        for u in step.units:
            if step.facts == ("role",):  # 「我們發改委在裡面是什麼角色？」: the role, not a yes or no
                role_en = "leads it" if u in t.leads else ("shares it (按職責分工負責)" if u in t.co else "is not named in it")
                role_zh = "牽頭" if u in t.leads else ("按職責分工負責(不牽頭)" if u in t.co else "沒有被列入")
                verdict = (f"In task {t.number}, {unit_name(u, True)} {role_en}." if ctx.english
                           else f"在第{t.numeral}項中,{u}{role_zh}。")
            elif ctx.english:
                verdict = (f"Yes: {unit_name(u, True)} leads task {t.number}." if u in t.leads else
                           f"No: {unit_name(u, True)} does not lead task {t.number}" +
                           (" (it shares it, 按職責分工負責)." if u in t.co else "."))
            else:
                verdict = (f"是。{u}是第{t.numeral}項的牽頭單位。" if u in t.leads else
                           f"不是。{u}不是第{t.numeral}項的牽頭單位" + ("(它按職責分工負責)。" if u in t.co else "。"))
            parts.append(verdict)
        parts.append(lookup.responsibility(t, ctx.english))
    sep = " " if ctx.english else ""
    return Result(step, sep.join(parts), tuple(t.number for t in tasks),
                  {t.number: _resp_quote(t) for t in tasks}, tasks=tuple(t.number for t in tasks))


_ROLE_ZH = {"lead": "牽頭", "co": "按職責分工負責", "co_only": "只按職責分工負責(不牽頭)", "any": "牽頭或按職責分工負責"}
_ROLE_EN = {"lead": "leads", "co": "is co-responsible for (按職責分工負責)",
            "co_only": "is only co-responsible for (按職責分工負責, not leading)", "any": "is named in (leads or shares)"}


def unit_tasks(step: Step, ctx: Context) -> Result:
    """A unit's tasks by role; `any` lists what it leads and what it shares, separately."""
    parts, cited = [], []
    counts: dict[str, int] = {}  # each unit's tasks in the role asked, for a comparison
    scope = set(step.within) if step.within else None
    for unit in step.units:
        tasks = [t for t in ctx.notice.tasks if (scope is None or t.number in scope) and t.number not in step.exclude_tasks]
        led = [t for t in tasks if unit in t.leads]
        shared = [t for t in tasks if unit in t.co]
        name = unit_name(unit, ctx.english)
        among = (" among them" if ctx.english else "其中") if scope is not None else ""
        if step.exclude_tasks:  # 「它還參與了哪一項？」: the counts are of its other tasks, and say so
            skipped = [ctx.notice.tasks[n - 1] for n in step.exclude_tasks if 1 <= n <= len(ctx.notice.tasks)]
            among = (f" besides task{'s' if len(skipped) > 1 else ''} {', '.join(str(t.number) for t in skipped)}"
                     if ctx.english else f"除第{'、'.join(t.numeral for t in skipped)}項外,")
        if step.role == "lead":
            chosen = led
            if ctx.english:
                s = f"{name} leads {len(led)} task{'s' if len(led) != 1 else ''}{among}" + (f": {listing(led, True)}." if led else ".")
                if shared:
                    s += (f" It shares {len(shared)} more (按職責分工負責)" +
                          (f": {listing(shared, True)}." if not led else "."))
            else:
                s = f"{among}{name}牽頭{len(led)}項任務" + (f":{listing(led, False)}。" if led else "。")
                if shared:
                    s += f"另按職責分工負責{len(shared)}項" + (f":{listing(shared, False)}。" if not led else "。")
            cited += [t.number for t in led] + ([t.number for t in shared] if not led else [])
        elif step.role in ("co", "co_only"):
            chosen = shared
            if ctx.english:
                s = f"{name} {_ROLE_EN[step.role]} {len(shared)} task{'s' if len(shared) != 1 else ''}{among}" + \
                    (f": {listing(shared, True)}." if shared else ".") + f" (It leads {len(led)}.)"
            else:
                s = f"{among}{name}按職責分工負責(不牽頭){len(shared)}項任務" + (f":{listing(shared, False)}。" if shared else "。")
                s += f"(另牽頭{len(led)}項。)"
            cited += [t.number for t in shared]
        else:
            chosen = led + shared
            if ctx.english:
                s = (f"{name} is named in {len(chosen)} task{'s' if len(chosen) != 1 else ''}{among}: it leads {len(led)}"
                     + (f" ({listing(led, True)})" if led else "") + f" and is co-responsible (按職責分工負責) for {len(shared)}"
                     + (f" ({listing(shared, True)})" if shared else "") + ".")
            else:
                s = f"{among}{name}共涉及{len(chosen)}項任務:牽頭{len(led)}項" + (f"({listing(led, False)})" if led else "") + \
                    f",按職責分工負責{len(shared)}項" + (f"({listing(shared, False)})" if shared else "") + "。"
            cited += [t.number for t in chosen]
        if not chosen and not led and not shared:
            s = (f"{name} is not named in any task{among}." if ctx.english else f"{among}沒有任務列出{name}。")
            if step.exclude_tasks:  # 「那省法院還參與了哪些任務？」: none — the task just discussed is its only one
                cited += list(step.exclude_tasks)
            elif scope is not None and len(scope) <= 3:  # 「裡面有沒有省通信管理局？」: no — that task is the evidence
                cited += sorted(scope)
        elif step.role != "co" and step.role != "co_only":
            s += _co_leads(unit, led, ctx.english)
        if "share" in step.facts:  # its part of all the notice's tasks
            whole = len(ctx.notice.tasks)
            pct = round(100 * len(chosen) / whole)
            s += (f" That is {len(chosen)} of the {whole} tasks, about {pct}%." if ctx.english
                  else f"即全部{whole}項任務中的{len(chosen)}項,約佔{pct}%。")
        parts.append(s)
        counts[unit] = len(chosen)
    if step.compare and len(step.units) >= 2:
        parts.append(_comparison(step, ctx, counts))
    cited = list(dict.fromkeys(cited))
    return Result(step, ("\n\n" if len(parts) > 1 else "").join(parts), tuple(cited), tasks=tuple(cited),
                  units=step.units)


def _co_leads(unit: str, led: list[Task], english: bool) -> str:
    """Who a unit leads its tasks with, where it is not the only lead: 「(四十五)與省政務服務和數據管理局共同牽頭」."""
    shared = [(t, [u for u in t.leads if u != unit]) for t in led if len(t.leads) > 1]
    if not shared:
        return ""
    if english:
        return " Led together with others: " + "; ".join(
            f"Task {t.number} with {', '.join(unit_name(u, True) for u in others)}" for t, others in shared) + "."
    return "其中" + ";".join(f"({t.numeral})與{'、'.join(others)}共同牽頭" for t, others in shared) + "。"


def _comparison(step: Step, ctx: Context, counts: dict[str, int]) -> str:
    """「省科技廳牽頭3項,省教育廳牽頭1項;省科技廳最多。」: the units ordered by the count asked about."""
    role = "co" if step.role == "co_only" else step.role
    ranked = sorted(step.units, key=lambda u: -counts[u])
    if ctx.english:
        verb = {"lead": "leads", "co": "shares"}.get(role, "is named in")
        if len(set(counts.values())) == 1:
            return f"They are level: each {verb} {counts[ranked[0]]}."
        return "Compared: " + "; ".join(f"{unit_name(u, True)} {verb} {counts[u]}" for u in ranked) + \
            f" — {unit_name(ranked[0], True)} has the most."
    verb = {"lead": "牽頭", "co": "按職責分工負責"}.get(role, "涉及")
    if len(set(counts.values())) == 1:
        return f"比較:各{verb}{counts[ranked[0]]}項,一樣多。"
    return "比較:" + ",".join(f"{u}{verb}{counts[u]}項" for u in ranked) + f";{ranked[0]}最多。"


def shared_tasks(step: Step, ctx: Context) -> Result:
    tasks = [ctx.notice.tasks[n - 1] for n in step_tasks(ctx.notice, step)]
    names = ("; " if ctx.english else "、").join(unit_name(u, ctx.english) for u in step.units)
    if ctx.english:
        role = {"lead": "all lead", "co": "are all co-responsible for"}.get(step.role, "are all named in (in any role)")
        text = f"{names} {role} {len(tasks)} task(s)" + (f": {listing(tasks, True)}." if tasks else ".")
    else:
        role = {"lead": "共同牽頭", "co": "共同按職責分工負責"}.get(step.role, "共同參與(牽頭或按職責分工負責)")
        text = f"{names}{role}的任務有{len(tasks)}項" + (f":{listing(tasks, False)}。" if tasks else "。")
    details = [_roles_line(t, step.units, ctx.english) for t in tasks]
    if details:
        text += "\n" + "\n".join(details)
    nums = tuple(t.number for t in tasks)
    return Result(step, text, nums, tasks=nums)


def _roles_line(task: Task, units: tuple[str, ...], english: bool) -> str:
    bits = []
    for u in units:
        r = "lead" if u in task.leads else "co"
        bits.append(f"{u}: {r}" if english else f"{u}{'牽頭' if r == 'lead' else '按職責分工負責'}")
    return (f"- Task {task.number}: " + "; ".join(bits) if english
            else f"- 第{task.numeral}項:" + ";".join(bits)) + " " + cite(task.number, english)


def rank_units(step: Step, ctx: Context) -> Result:
    counts: Counter[str] = Counter()
    for t in ctx.notice.tasks:
        for u in t.units:
            if role_holds(t, u, step.role) and u not in step.exclude:
                counts[u] += 1
    if step.filters:  # 「一項都沒有牽頭,但參與四項或以上」: conditions on each unit's counts
        leads = Counter(u for t in ctx.notice.tasks for u in t.leads)
        picked = [u for u in ctx.notice.units if ("leads_none" not in step.filters or not leads[u])
                  and ("at_least" not in step.filters or counts[u] >= step.n)]
        return _units_with(step, ctx, picked)
    if step.n and step.sections:  # the role picks the units in those sections; their tasks are counted in any role
        there = {u for t in ctx.notice.tasks if t.section.number in step.sections for u in t.units
                 if role_holds(t, u, step.role)}
        anywhere = Counter(u for t in ctx.notice.tasks for u in t.units)
        names = "、".join(f"第{ctx.notice.sections[n - 1].numeral}部分" for n in step.sections)
        role = {"lead": "牽頭", "co": "按職責分工負責"}.get(step.role, "列出")
        where = (f"Of the units that {'lead' if step.role == 'lead' else 'are named'} in section(s) "
                 f"{', '.join(map(str, step.sections))}: " if ctx.english else f"{names}{role}的單位中,")
        found = _units_with(replace(step, role="any"), ctx, [u for u in ctx.notice.units if u in there and anywhere[u] == step.n])
        return replace(found, text=where + found.text)
    if step.n:
        return _units_with(step, ctx, [u for u in ctx.notice.units if counts[u] == step.n])
    ranked = sorted(counts.items(), key=lambda kv: (kv[1], -ctx.notice.units.index(kv[0])) if step.least
                    else (-kv[1], ctx.notice.units.index(kv[0])))
    best = ranked[0][1]
    top = [u for u, c in ranked if c == best]
    top_tasks = [t.number for t in ctx.notice.tasks if any(role_holds(t, u, step.role) for u in top)]
    head = ranked[:5]
    if ctx.english:
        verb = {"lead": "leads", "co": "shares"}.get(step.role, "is named in")
        which = "fewest" if step.least else "most"
        text = (f"The unit that {verb} the {which} tasks: {', '.join(unit_name(u, True) for u in top)} ({best}). "
                "Ranking: " + "; ".join(f"{unit_name(u, True)} {c}" for u, c in head) + ".")
    else:
        verb = {"lead": "牽頭", "co": "按職責分工負責"}.get(step.role, "涉及(牽頭或按職責分工負責)")
        which = "最少" if step.least else "最多"
        text = (f"{verb}任務{which}的單位是{'、'.join(top)}({best}項)。排名:" +
                ";".join(f"{u}{c}項" for u, c in head) + "。")
    if len(top) == 1 and len(top_tasks) <= 25:
        text += (" Its tasks: " if ctx.english else "其任務:") + listing(_tasks(ctx, top_tasks), ctx.english) + \
            ("." if ctx.english else "。")
    return Result(step, text, tuple(top_tasks), tasks=tuple(top_tasks))


def _units_with(step: Step, ctx: Context, units: list[str]) -> Result:
    """The units with exactly step.n tasks of the role, each with its tasks."""
    per = {u: [t for t in ctx.notice.tasks if u in t.units and role_holds(t, u, step.role)] for u in units}
    nums = tuple(dict.fromkeys(t.number for ts in per.values() for t in ts))
    if step.filters:
        conds_en = (["lead no task"] if "leads_none" in step.filters else []) + \
            ([f"{ {'lead': 'lead', 'co': 'share'}.get(step.role, 'are named in')} {step.n} or more tasks"]
             if "at_least" in step.filters else [])
        conds_zh = (["一項都沒有牽頭"] if "leads_none" in step.filters else []) + \
            ([f"{ {'lead': '牽頭', 'co': '按職責分工負責'}.get(step.role, '出現在')}{step.n}項或以上任務"]
             if "at_least" in step.filters else [])
        text = (f"{len(units)} unit(s) " + " and ".join(conds_en) + (": " + "; ".join(
            f"{unit_name(u, True)} ({len(ts)}: {listing(ts, True)})" for u, ts in per.items()) + "." if units else ".")
            if ctx.english else f"{'、'.join(conds_zh)}的單位有{len(units)}個" + (":" + ";".join(
                f"{u}({len(ts)}項:{listing(ts, False)})" for u, ts in per.items()) + "。" if units else "。"))
        return Result(step, text, nums, tasks=nums)
    if ctx.english:
        verb = {"lead": "lead", "co": "share"}.get(step.role, "are named in")
        text = f"{len(units)} unit(s) {verb} exactly {step.n} task(s)" + (": " + "; ".join(
            f"{unit_name(u, True)} ({listing(ts, True)})" for u, ts in per.items()) + "." if units else ".")
    else:
        verb = {"lead": "牽頭", "co": "按職責分工負責"}.get(step.role, "出現在(牽頭或按職責分工負責)")
        text = f"{verb}恰好{step.n}項任務的單位有{len(units)}個" + (":" + ";".join(
            f"{u}({listing(ts, False)})" for u, ts in per.items()) + "。" if units else "。")
    return Result(step, text, nums, tasks=nums)


def no_lead_tasks(step: Step, ctx: Context) -> Result:
    nums = step_tasks(ctx.notice, step)
    tasks = _tasks(ctx, nums)
    if step.sections:
        names = "、".join(f"{s.numeral}、{s.title}" for s in (ctx.notice.sections[n - 1] for n in step.sections))
        text = (f"In section {names}, {len(tasks)} task(s) name no lead unit" + (f": {listing(tasks, True)}." if tasks else ".")
                if ctx.english else f"「{names}」中有{len(tasks)}項任務沒有指定牽頭單位" + (f":{listing(tasks, False)}。" if tasks else "。"))
    elif step.within:
        text = (f"Of those, {len(tasks)} name no lead unit" + (f": {listing(tasks, True)}." if tasks else ".")
                if ctx.english else f"其中{len(tasks)}項沒有指定牽頭單位" + (f":{listing(tasks, False)}。" if tasks else "。"))
    else:
        text, _ = lookup.tasks_without_lead(ctx.notice, ctx.english)
    if 0 < len(tasks) <= 3 and (step.sections or step.within):  # a short list: who does each of them
        text += "\n" + "\n".join(lookup.responsibility(t, ctx.english) for t in tasks)
    return Result(step, text, nums, tasks=nums)


def multi_lead_tasks(step: Step, ctx: Context) -> Result:
    tasks = _tasks(ctx, step_tasks(ctx.notice, step))
    lines = [(f"- Task {t.number} 「{t.title}」: " + "; ".join(unit_name(u, True) for u in t.leads) if ctx.english
              else f"- 第{t.numeral}項「{t.title}」:{'、'.join(t.leads)}") + " " + cite(t.number, ctx.english) for t in tasks]
    how_many = (f"exactly {step.n}" if step.n else "more than one") if ctx.english else \
        (f"{step.n}個" if step.n else "多於一個")
    pool = len(step.within) if step.within else len(ctx.notice.tasks)
    head = ((f"Of those {pool} tasks, {len(tasks)}" if step.within else f"{len(tasks)} of the {pool} tasks")
            + f" have {how_many} lead unit(s):" if ctx.english
            else (f"其中{pool}項任務中" if step.within else f"全文{pool}項任務中") + f",有{len(tasks)}項由{how_many}單位牽頭:")
    nums = tuple(t.number for t in tasks)
    return Result(step, head + "\n" + "\n".join(lines), nums, tasks=nums)


_FILTER_ZH = {"no_lead": "沒有指定牽頭單位", "multi_lead": "由多於一個單位牽頭", "no_co": "沒有列按職責分工負責的單位",
              "has_lead": "指定了牽頭單位", "has_co": "列有按職責分工負責的單位"}
_FILTER_EN = {"no_lead": "name no lead unit", "multi_lead": "have more than one lead unit",
              "no_co": "name no co-responsible unit (按職責分工負責)", "has_lead": "name a lead unit",
              "has_co": "name co-responsible units (按職責分工負責)"}
_CONDITION_ROLE_ZH = {"lead": "牽頭", "co": "按職責分工負責", "any": "參與(牽頭或按職責分工負責)"}
_CONDITION_ROLE_EN = {"lead": "leads", "co": "shares (按職責分工負責)", "any": "is named in (lead or co-responsible)"}


def _conditions(step: Step, ctx: Context) -> list[str]:
    """Each condition of a FILTER_TASKS step, in words."""
    english, out = ctx.english, []
    for f in step.filters:
        if f in _FILTER_ZH:
            out.append(_FILTER_EN[f] if english else _FILTER_ZH[f])
        elif f == "n_leads":
            out.append(f"have exactly {step.n} lead unit(s)" if english else f"恰有{step.n}個牽頭單位")
        elif f == "unit":
            names = ("; " if english else "、").join(unit_name(u, english) for u in step.units)
            out.append(f"in which {names} {_CONDITION_ROLE_EN[step.role]}" if english
                       else f"{names}{_CONDITION_ROLE_ZH[step.role]}")
        elif f == "without":
            names = ("; " if english else "、").join(unit_name(u, english) for u in step.exclude)
            out.append(f"do not name {names} at all" if english else f"沒有出現{names}")
        elif f == "alone":
            out.append("name no other unit" if english else "沒有列其他單位")
        elif f == "sole_lead":
            names = ("; " if english else "、").join(unit_name(u, english) for u in step.units)
            out.append(f"are led by {names} alone" if english else f"只由{names}牽頭(沒有其他牽頭單位)")
        elif f == "section":
            names = "、".join(f"{s.numeral}、{s.title}" for s in (ctx.notice.sections[n - 1] for n in step.sections))
            out.append(f"are in section {names}" if english else f"屬第{names.split('、')[0]}部分")
    return out


def filter_tasks(step: Step, ctx: Context) -> Result:
    nums = step_tasks(ctx.notice, step)
    tasks = _tasks(ctx, nums)
    conds = _conditions(step, ctx)
    if ctx.english:
        text = (f"{len(tasks)} of the {len(ctx.notice.tasks)} tasks meet all of these: " + "; ".join(conds) +
                (f": {listing(tasks, True)}." if tasks else "."))
    else:
        text = (f"同時符合以下條件({';'.join(conds)})的任務有{len(tasks)}項" + (f":{listing(tasks, False)}。" if tasks else "。"))
    cited = nums
    scope = step.within or tuple(t.number for t in ctx.notice.tasks if t.section.number in step.sections)
    whole_scope = bool(scope) and len(scope) <= 4 and set(step.filters) <= {"has_lead", "has_co", "no_lead", "no_co", "section"}
    if 0 < len(nums) <= 3 and not whole_scope:
        # 「裡面哪幾項有寫明牽頭單位？」: a short answer names who is responsible for each task it gives
        text += "\n" + "\n".join(lookup.responsibility(t, ctx.english) for t in tasks)
    if whole_scope:
        # 「兩項中哪一項有牽頭單位？」「第十二部分嗰三項，有冇邊項有牽頭單位？」: who is responsible for
        # each of them is the evidence, the more so when none qualifies
        text += "\n" + "\n".join(lookup.responsibility(t, ctx.english) for t in _tasks(ctx, scope))
        cited = tuple(dict.fromkeys(nums + tuple(scope)))
    return Result(step, text, cited, tasks=nums)


def rank_tasks(step: Step, ctx: Context) -> Result:
    def size(t: Task) -> int:
        return len(_role_units(t, step.role))

    pool = [t for t in ctx.notice.tasks if not step.within or t.number in step.within]
    best = (min if step.least else max)(size(t) for t in pool)
    top = [t for t in pool if size(t) == best]
    nums = tuple(t.number for t in top)
    what = {"lead": ("lead units", "牽頭單位"), "co": ("co-responsible units", "按職責分工負責的單位"),
            "any": ("units", "單位")}[step.role]
    which = ("fewest" if step.least else "most")
    lines = [(f"- Task {t.number} 「{t.title}」: " + "; ".join(unit_name(u, True) for u in _role_units(t, step.role))
              if ctx.english else f"- 第{t.numeral}項「{t.title}」:{'、'.join(_role_units(t, step.role))}") +
             " " + cite(t.number, ctx.english) for t in top]
    head = (("Of those, the task(s)" if step.within else "The task(s)") + f" naming the {which} {what[0]} ({best}):"
            if ctx.english else ("其中" if step.within else "") + f"列出{what[1]}{'最少' if step.least else '最多'}的任務({best}個):")
    return Result(step, head + "\n" + "\n".join(lines), nums, tasks=nums)


def _role_units(task: Task, role: str) -> tuple[str, ...]:
    return task.leads if role == "lead" else task.co if role == "co" else task.units


def units_in(step: Step, ctx: Context) -> Result:
    """The distinct units named across a set of tasks, in a role (「第三部分有哪些單位牽頭」) or in any."""
    everyone = _tasks(ctx, step.tasks)
    role = "co" if step.role == "co_only" else step.role
    tasks = [t for t in everyone if _role_units(t, role)]  # the tasks the answer rests on
    named = list(dict.fromkeys(u for t in tasks for u in _role_units(t, role)))
    nums = tuple(t.number for t in tasks)
    what = ({"lead": "lead units", "co": "co-responsible units (按職責分工負責)"}.get(role, "distinct units")
            if ctx.english else {"lead": "牽頭單位", "co": "按職責分工負責的單位"}.get(role, "不同的單位"))
    if len(everyone) == len(ctx.notice.tasks):  # the whole notice: each unit with its count, not 55 lines
        per = Counter(u for t in tasks for u in _role_units(t, role))
        if ctx.english:
            text = f"Across all {len(everyone)} tasks, {len(named)} {what} are named: " + \
                "; ".join(f"{unit_name(u, True)} ({per[u]})" for u in named) + "."
        else:
            text = f"全文{len(everyone)}項任務共點名{len(named)}個{what}:" + "、".join(f"{u}({per[u]}項)" for u in named) + "。"
        return Result(step, text, (), tasks=nums, units=tuple(named))
    without = [t for t in everyone if t not in tasks]
    if ctx.english:
        text = (f"{len(named)} {what} are named in these {len(everyone)} tasks ({listing(everyone, True)}): "
                + "; ".join(unit_name(u, True) for u in named) + ".")
        if without and role in ("lead", "co"):
            text += f" {listing(without, True)} name{'s' if len(without) == 1 else ''} none."
    else:
        text = f"這{len(everyone)}項任務({listing(everyone, False)})共點名{len(named)}個{what}:{'、'.join(named)}。"
        if without and role in ("lead", "co"):
            text += f"其中{listing(without, False)}沒有列出{what}。"
    text += "\n" + "\n".join(_roles_line(t, t.units, ctx.english) for t in tasks)
    return Result(step, text, nums, tasks=nums, units=tuple(named))


def common_units(step: Step, ctx: Context) -> Result:
    tasks = _tasks(ctx, step.tasks)
    shared = [u for u in tasks[0].units if all(u in t.units for t in tasks[1:]) and u not in step.exclude] if tasks else []
    nums = tuple(t.number for t in tasks)
    which = listing(tasks, ctx.english)
    if ctx.english:
        names = "; ".join(unit_name(u, True) for u in shared)
        text = (f"Units named in every one of these {len(tasks)} tasks ({which}): {names}." if shared
                else f"No unit is named in every one of these {len(tasks)} tasks ({which}).")
    else:
        text = (f"在這{len(tasks)}項任務({which})中都有列出的單位:{'、'.join(shared)}。" if shared
                else f"沒有單位在這{len(tasks)}項任務({which})中全都列出。")
    text += "\n" + "\n".join(_roles_line(t, tuple(shared), ctx.english) for t in tasks) if shared else ""
    return Result(step, text, nums, tasks=nums, units=tuple(shared))


def no_co_tasks(step: Step, ctx: Context) -> Result:
    tasks = _tasks(ctx, step_tasks(ctx.notice, step))
    nums = tuple(t.number for t in tasks)
    if ctx.english:
        text = (f"{len(tasks)} of the {len(ctx.notice.tasks)} tasks name lead units only, with no co-responsible "
                f"units (按職責分工負責): {listing(tasks, True)}.")
    else:
        text = f"全文{len(ctx.notice.tasks)}項任務中,有{len(tasks)}項只列牽頭單位、沒有按職責分工負責的單位:{listing(tasks, False)}。"
    return Result(step, text, nums, tasks=nums)


def section_tasks(step: Step, ctx: Context) -> Result:
    texts, cited = [], []
    for n in step.sections:
        t, c = lookup.section_tasks(ctx.notice, ctx.notice.sections[n - 1], ctx.english)
        texts.append(t)
        cited += c
        if step.role != "any":  # who is responsible for each of them was asked too
            texts += [lookup.responsibility(task, ctx.english) for task in _tasks(ctx, c)]
    return Result(step, "\n\n".join(texts), tuple(cited), tasks=tuple(cited))


def rank_sections(step: Step, ctx: Context) -> Result:
    def counted(section: Section) -> list[Task]:  # the section's tasks meeting the question's conditions
        return [t for t in ctx.notice.tasks_in(section) if task_meets(t, step)]

    if "every" in step.facts:  # 「哪些部分的每一項任務都寫明了牽頭單位」: sections whose tasks all qualify
        picked = [s for s in ctx.notice.sections if all(task_meets(t, step) for t in ctx.notice.tasks_in(s))]
        tasks = [t for s in picked for t in ctx.notice.tasks_in(s)]
        conds = ";".join(_conditions(step, ctx)) if not ctx.english else "; ".join(_conditions(step, ctx))
        names = "; ".join(f"section {s.number} ({s.numeral}、{s.title})" for s in picked) if ctx.english else \
            "、".join(f"第{s.numeral}部分「{s.numeral}、{s.title}」" for s in picked)
        text = ((f"{len(picked)} section(s) in which every task meets this ({conds}): {names}: {listing(tasks, True)}."
                 if ctx.english else f"每一項任務都符合({conds})的部分有{len(picked)}個:{names}:{listing(tasks, False)}。")
                if picked else (f"No section has every task meeting this ({conds})." if ctx.english
                                else f"沒有哪個部分的每一項任務都符合({conds})。"))
        nums = tuple(t.number for t in tasks)
        return Result(step, text, nums, tasks=nums)
    if step.n:  # 「哪幾個部分只有3項任務？」: the sections with exactly that many
        picked = [s for s in ctx.notice.sections if len(counted(s)) == step.n]
        tasks = [t for s in picked for t in counted(s)]
        names = "; ".join(f"section {s.number} ({s.numeral}、{s.title})" for s in picked) if ctx.english else \
            "、".join(f"第{s.numeral}部分「{s.numeral}、{s.title}」" for s in picked)
        text = (f"{len(picked)} section(s) have exactly {step.n} tasks: {names}: {listing(tasks, True)}." if ctx.english
                else f"恰有{step.n}項任務的部分共{len(picked)}個:{names}:{listing(tasks, False)}。") if picked else \
            (f"No section has exactly {step.n} tasks." if ctx.english else f"沒有部分恰有{step.n}項任務。")
        nums = tuple(t.number for t in tasks)
        return Result(step, text, nums, tasks=nums)
    sizes = sorted(((len(counted(s)), s.number) for s in ctx.notice.sections), key=lambda x: (x[0], -x[1]),
                   reverse=not step.least)
    best = sizes[0][0]
    top = [ctx.notice.sections[n - 1] for size, n in sizes if size == best]
    tasks = [t for s in top for t in counted(s)]
    which = ("fewest" if step.least else "most") if ctx.english else ("最少" if step.least else "最多")
    names = "; ".join(f"section {s.number} ({s.numeral}、{s.title})" for s in top) if ctx.english else \
        "、".join(f"第{s.numeral}部分「{s.numeral}、{s.title}」" for s in top)
    conds = _conditions(step, ctx)
    what = (" that " + "; ".join(conds) if conds else "") if ctx.english else ("(" + ";".join(conds) + ")" if conds else "")
    text = (f"The section(s) with the {which} tasks{what}: {names}, {best} tasks: {listing(tasks, True)}." if ctx.english
            else f"任務{what}{which}的是{names},共{best}項:{listing(tasks, False)}。")
    nums = tuple(t.number for t in tasks)
    return Result(step, text, nums, tasks=nums)


def compare_tasks(step: Step, ctx: Context) -> Result:
    a, b = _tasks(ctx, step.tasks[:2])
    only_a = [u for u in a.units if u not in b.units]
    only_b = [u for u in b.units if u not in a.units]
    both = [u for u in a.units if u in b.units]
    if ctx.english:
        text = (f"Units in task {a.number} but not task {b.number}: {'; '.join(only_a) or 'none'}. "
                f"In task {b.number} but not task {a.number}: {'; '.join(only_b) or 'none'}. "
                f"In both: {'; '.join(both) or 'none'}.")
    else:
        text = (f"第{a.numeral}項有而第{b.numeral}項沒有的單位:{'、'.join(only_a) or '無'};"
                f"第{b.numeral}項有而第{a.numeral}項沒有的單位:{'、'.join(only_b) or '無'};兩項都有:{'、'.join(both) or '無'}。")
    text += "\n" + "\n".join(lookup.responsibility(t, ctx.english) for t in (a, b))
    nums = (a.number, b.number)
    return Result(step, text, nums, {t.number: _resp_quote(t) for t in (a, b)}, tasks=nums)


def section_of(step: Step, ctx: Context) -> Result:
    tasks = _tasks(ctx, step.tasks)
    parts = []
    for t in tasks:
        s = t.section
        n_in = len(ctx.notice.tasks_in(s))
        parts.append(f"Task {t.number} {t.label} 「{t.title}」 is in section {s.number} ({s.numeral}、{s.title}), "
                     f"which has {n_in} tasks. {cite(t.number, True)}" if ctx.english else
                     f"第{t.numeral}項「{t.title}」屬於第{s.numeral}部分「{s.numeral}、{s.title}」(該部分共{n_in}項任務)。"
                     f"{cite(t.number, False)}")
    nums = tuple(t.number for t in tasks)
    return Result(step, "\n\n".join(parts), nums, tasks=nums)


def mentions(step: Step, ctx: Context) -> Result:
    term = step.terms[0]
    tasks = _tasks(ctx, step_tasks(ctx.notice, step))
    forms = mention_forms(ctx.notice, term)
    in_preamble = any(k in fold(ctx.notice.preamble) for k in forms)
    term = _as_written(ctx.notice, term)
    also = [_as_written(ctx.notice, f) for f in forms if f != fold(term)]  # 「澳門」 counted in 港澳, 粵澳 too: say so
    if ctx.english:
        written = f" (also written {', '.join(also)})" if also else ""
        text = ("Of those, " if step.within else "") + f"{len(tasks)} task(s) mention 「{term}」{written}" + \
            (f": {listing(tasks, True)}." if tasks else ".")
        if in_preamble:
            text += " The preamble mentions it too."
    else:
        written = f"(含「{'」「'.join(also)}」等寫法)" if also else ""
        text = ("其中有" if step.within else "共有") + f"{len(tasks)}項任務提到「{term}」{written}" + \
            (f":{listing(tasks, False)}。" if tasks else "。")
        if in_preamble:
            text += "序言也提到它。"
    quotes = {t.number: _sentence_with(t, forms) for t in tasks}
    if 0 < len(tasks) <= 3:  # few enough to show where: the sentence that mentions it, in each task
        for t in tasks:
            rendering = english_rendering(quotes[t.number]) if ctx.english else ""
            text += f"\n「{quotes[t.number]}」" + (f' ("{rendering}")' if rendering else "") + f" {cite(t.number, ctx.english)}"
    nums = tuple(t.number for t in tasks)
    return Result(step, text, nums, quotes, tasks=nums)


def _as_written(notice: Notice, key: str) -> str:
    """A folded term as the notice spells it (澳门 → 澳門), where the notice has it."""
    for t in notice.tasks:
        text = t.text
        folded = fold(text)
        i = folded.find(fold(key))
        if i != -1 and len(folded) == len(text):
            return text[i:i + len(key)]
    return key


def _sentence_with(task: Task, keys: tuple[str, ...]) -> str:
    """The first sentence of the task that writes one of the keys, its title only when nothing after does."""
    found = [s for s in extractive.sentences(task) if any(k in fold(s) for k in keys)]
    return next((s for s in found if s.rstrip("。") != task.title), found[0] if found else "")


def document(step: Step, ctx: Context) -> Result:
    facts = set(step.facts)
    text = lookup.document_facts(ctx.notice, ctx.english, "issuer" in facts, "date" in facts,
                                 "addressees" in facts, "totals" in facts)
    if "approval" in facts:
        text += (f" The cover note says: 「{ctx.notice.cover_note}」" if ctx.english else f"通知稱:「{ctx.notice.cover_note}」") \
            if ctx.notice.cover_note not in text else ""
    if "title" in facts:
        text = (f"The notice is titled 《{ctx.notice.title}》 (Digital Guangdong 2024 work points). " if ctx.english
                else f"文件名稱是《{ctx.notice.title}》。") + (text if len(facts) > 1 else "")
    if "request" in facts:
        text += (f" It asks its recipients: 「{ctx.notice.cover_note}」" if ctx.english
                 else f"通知要求:「{ctx.notice.cover_note}」")
    if "preamble" in facts:
        text += (" " if ctx.english else "") + extractive.header_answer(ctx.notice, step.query, ctx.english)
    if "totals" in facts:
        n_none = sum(1 for t in ctx.notice.tasks if not t.leads)
        text += (f" {n_none} of the tasks name no lead unit." if ctx.english else f"其中{n_none}項沒有指定牽頭單位。")
    return Result(step, text)


def invalid(step: Step, ctx: Context) -> Result:
    if step.sections:
        return Result(step, lookup.out_of_range(ctx.notice, list(step.sections), ctx.english, "section"), refused=True)
    return Result(step, lookup.out_of_range(ctx.notice, list(step.tasks), ctx.english), refused=True)


# -- content ------------------------------------------------------------------------------------


def _context_tasks(step: Step, ctx: Context) -> tuple[list[Task], bool, str]:
    """(the tasks a content step rests on, in scope?, header answer) — named tasks, or retrieval."""
    if step.tasks and step.linked_by != "term":
        return _tasks(ctx, step.tasks[:3]), True, ""
    if step.op == Op.NOT_STATED and step.context:
        # 「數字人民幣試點在哪一項？」「試點城市具體有哪些？」: a fact asked of the task just discussed, when
        # that task writes a word of the question
        first = ctx.notice.tasks[step.context[0] - 1]
        words = [*content_words(step.query), *re.findall(r"\d+\.\d+|[a-z]*\d[a-z\d]*", step.query)]  # 2.0, 5g
        if any(w in fold(first.text) for w in words):
            return [first], True, ""
    hits = ctx.search(step.query)
    if step.tasks:  # tasks that mention a named term: the ones retrieval ranks best for the question
        rank = {h.task: i for i, h in enumerate(hits)}
        ordered = sorted(step.tasks, key=lambda n: rank.get(n, 99))
        return _tasks(ctx, ordered[:3]), True, ""
    evidence = assess(ctx.notice, step.query, hits)
    named = bool(step.terms)
    if not evidence.in_scope and not named:
        if step.context:  # 「面積目標是多少？」 after 「林業數字化是哪一項？」: about the conversation's task
            return _tasks(ctx, step.context[:1]), True, ""
        return [], False, ""
    task_hits = [h for h in hits if h.task > 0]
    exact = _exact_mentions(ctx.notice, step.query, [h.task for h in task_hits])
    if hits and hits[0].task == 0:
        exact = _exact_mentions(ctx.notice, step.query, [h.task for h in task_hits], fewest=1)
    if hits and hits[0].task == 0 and not named and not exact:
        # (「關於數據標注,工作要點有哪些部署」: words the tasks use word for word win over the header)
        return [], True, extractive.header_answer(ctx.notice, step.query, ctx.english)
    chosen = [h.task for h in _close_hits(task_hits)] if not (hits[0].task == 0 and exact) else []
    for n in exact:
        if n not in chosen and len(chosen) < 3:
            chosen.append(n)
    # 「出入境邊檢總站喺份文件有冇份？」: the one or two tasks writing the thing's own name come first
    specific = named_by_everyday_word(ctx.notice, step.query, [h.task for h in task_hits])
    chosen = list(dict.fromkeys(specific + chosen))[:3]
    return _tasks(ctx, chosen), True, ""


@cache
def _generic_ends() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The frame around a topic phrase: 「關於…」 before it, 「…方面的問題」 after it."""
    return (re.compile(rf"^{lexicon.alternation('topic_heads', ('zh',))}"),
            re.compile(rf"{lexicon.alternation('topic_tails', ('zh',))}+$"))


def _exact_mentions(notice: Notice, query: str, ranked: list[int], fewest: int = 2) -> list[int]:
    """Tasks that contain the question's own phrase word for word (「數據跨境流動方面」 → 数据跨境流动),
    in retrieval order: a topic the notice names in several tasks is answered from each of them."""
    from .plan import content_phrases

    out: list[int] = []
    for phrase in content_phrases(query):
        head, tail = _generic_ends()
        phrase = head.sub("", tail.sub("", phrase))
        if len(phrase) < 4:
            continue
        hits = [t.number for t in notice.tasks if phrase in fold(t.text)]
        if fewest <= len(hits) <= 3:
            out += sorted(hits, key=lambda n: ranked.index(n) if n in ranked else 99)
    for _word, tasks in everyday_topics(notice, query):  # 找工作: the best of the tasks that write 就業
        out += sorted(tasks, key=lambda n: ranked.index(n) if n in ranked else 99)[:1]
    return list(dict.fromkeys(out))


def _close_hits(task_hits: list[Hit], limit: int = 3) -> list[Hit]:
    """The top task, plus the next ones only while both signals rate them close to it."""
    if not task_hits:
        return []
    top = task_hits[0]
    chosen = [top]
    for h in task_hits[1:limit]:
        if h.bm25 >= 0.6 * top.bm25 and h.dense >= top.dense - 0.015:
            chosen.append(h)
    return chosen


def content(step: Step, ctx: Context) -> Result:
    tasks, in_scope, header = _context_tasks(step, ctx)
    if header:
        return Result(step, header)
    if not in_scope or not tasks:
        return Result(step, "", refused=True)
    return _quote_tasks(step, ctx, tasks)


def _quote_tasks(step: Step, ctx: Context, tasks: list[Task], lead_in: str = "", not_stated: bool = False) -> Result:
    parts, quotes = [], {}
    # 「醫療方面會做啲乜嘢數字化？」: what one task sets out is the whole of it, not its three best sentences
    whole = len(tasks) == 1 and bool({"describe", "doc_request"} & lexicon.signals(lexicon.normalise(step.query)))
    for rank, task in enumerate(tasks):
        limit = (len(extractive.sentences(task)) if whole else 3) if rank == 0 else 1
        picked = extractive.best_sentences(task, step.query, limit=limit, scorer=ctx.scorer)
        quote = "".join(picked)
        quotes[task.number] = quote
        who = lookup.responsibility(task, ctx.english, heading=False)
        if ctx.english:
            rendering = " ".join(filter(None, (english_rendering(p) for p in picked)))
            english = f" (unofficial translation: \"{rendering}\")" if rendering else ""
            parts.append(f"According to {lookup.task_heading(task, True)}: 「{quote}」{english} {who}")
        else:
            parts.append(f"根據{lookup.task_heading(task, False)}:「{quote}」{who}")
    nums = tuple(t.number for t in tasks)
    text = (lead_in + ("\n\n" if lead_in else "")) + "\n\n".join(parts)
    return Result(step, text, nums, quotes, not_stated=not_stated, explainable=nums, tasks=nums)


# What each not-stated question needs to find in the evidence before it can be answered from it.
_FACT_PRESENT = {
    "budget": re.compile(r"\d[\d.,]*\s*(?:億|万|萬)?元|資金\d|經費\d"),
    "population": re.compile(r"\d[\d.,]*\s*(?:萬|億)?人"),
    "when": re.compile(r"\d{4}年|年底|年內|上半年|下半年|月底|\d+月"),
    "figure": extractive.FIGURE,
    "person": re.compile(r"(?!)"),  # the notice names no officials
    "company": re.compile(r"(?!)"),  # nor who builds or supplies anything
    "howto": re.compile(r"(?!)"),  # the notice sets tasks, not application procedures
    "contact": re.compile(r"\d{7,}|https?://|www\.|@"),
    # "which cities / which ten scenarios / who are the members": the evidence must enumerate names
    "names": re.compile(r"[\u4e00-\u9fff]{2,8}、[\u4e00-\u9fff]{2,8}"),
    "status": re.compile(r"已(?:經)?(?:完成|建成|上線|實現|開通|出台|印發|搭建|建立)"),  # a plan says what is to be done
    "place": re.compile("|".join([*lexicon.words("cities"), "香港", "澳门"])),  # (folded: matched on folded text)
}
_FACT_ZH = {"figure": "這個具體數字", "budget": "預算或資金數額", "population": "人口或人數", "when": "具體時間或期限",
            "person": "負責人的姓名", "company": "由哪家公司承建或供應", "howto": "申請條件、資格或辦理的具體方法", "contact": "聯絡電話、網址等聯絡方式", "names": "具體名單",
            "status": "目前的進度或是否已經完成(通知只是把它列為2024年的工作任務)", "place": "具體地點"}
_FACT_EN = {"figure": "that figure", "budget": "a budget or amount of money", "population": "a population or head count",
            "when": "a date or deadline for this", "person": "any official's name", "company": "which company builds or supplies it", "contact": "a phone number, website or other contact details",
            "howto": "who may apply, how to apply or the procedure", "names": "the names or the list",
            "status": "whether this is already done (it lists it as a 2024 task)", "place": "where exactly (a place)"}


def not_stated(step: Step, ctx: Context) -> Result:
    if step.units and not step.tasks:  # about a unit: say so, then what the notice gives it to do
        what = _FACT_EN[step.fact] if ctx.english else _FACT_ZH[step.fact]
        listed = unit_tasks(replace(step, op=Op.UNIT_TASKS, role="any"), ctx)
        lead_in = f"The notice does not state {what}. What it says about the unit:" if ctx.english \
            else f"通知沒有說明{what}。通知中該單位的任務:"
        return Result(step, f"{lead_in}\n{listed.text}", listed.cited, not_stated=True, tasks=listed.tasks)
    tasks, in_scope, header = _context_tasks(step, ctx)
    if header or not tasks:
        if not in_scope:
            return Result(step, "", refused=True)
        what = _FACT_EN[step.fact] if ctx.english else _FACT_ZH[step.fact]
        text = (f"The notice does not state {what}." if ctx.english else f"通知沒有說明{what}。") + \
            ((" " if ctx.english else "") + header if header else "")
        return Result(step, text, not_stated=True)
    # the one sentence that best matches the question must carry the fact, not any sentence of the task
    quotes = {t.number: "".join(extractive.best_sentences(t, step.query, 1, ctx.scorer)) for t in tasks[:1]}
    if any(_has_fact(step, q) for q in quotes.values()):
        return _quote_tasks(replace(step, op=Op.CONTENT), ctx, tasks[:1])
    what = _FACT_EN[step.fact] if ctx.english else _FACT_ZH[step.fact]
    lead_in = (f"The notice does not state {what}. What it does say:" if ctx.english
               else f"通知沒有說明{what}。通知就此寫道:")
    # a named term (灣事通) is quoted where each task that writes it does, unless the question's other words
    # already single out the first (「那14個…試點城市」: 中小企業 is written elsewhere too, 試點城市 only there)
    others = [w for w in content_words(step.query) if not any(w in fold(t) or fold(t) in w for t in step.terms)]
    specific = any(w in fold(tasks[0].text) for w in others)
    shown = tasks[:3] if step.linked_by == "term" and not specific else tasks[:1]
    return _quote_tasks(step, ctx, shown, lead_in, not_stated=True)


def _has_fact(step: Step, sentence: str) -> bool:
    """The evidence carries the fact asked for: for a figure, a number standing by words of the
    question (「多少坐席人員」 is not answered by 「超500項…事項」, 「提速多少」 is by 「速度提升10%」)."""
    pattern = _FACT_PRESENT[step.fact]
    if step.fact == "place":
        # the place must be said of the thing asked, in its clause (「舉辦粵港澳大灣區算力產業大會,加快韶關
        # 數據中心集群建設」 does not say where the conference is; 「韶關數據中心集群」 does say where the cluster is)
        clauses = re.split(r"[,，;；]", fold(sentence))
        terms = [fold(t) for t in step.terms]
        return any(pattern.search(c) for c in clauses if not terms or any(t in c for t in terms))
    if step.fact not in ("figure", "names"):
        return bool(pattern.search(sentence))
    folded = fold(sentence)
    chars = {c for p in content_phrases_pairs(step.query) for c in p if c not in _GLUE_CHARS}
    if not chars:
        if step.fact == "figure":
            return _english_figure_by_words(step.query, sentence)
        return any(_enough_names(step.query, fold(c)) for c in re.split(r"[,，;；。]", sentence) if pattern.search(c))
    for m in pattern.finditer(folded):
        if step.fact == "figure" and _written_in_question(m, folded, step.query):
            continue  # 「第三期…人才培養計劃培訓名額多少？」: the question's own figure does not answer it
        # within the clause: a figure counts the words after it (「14個省級中小企業數字化轉型試點城市」), a list
        # of names is the clause's own (「形成具有可操作性、可復制性的經驗做法」 names no cities)
        start = _clause_start(folded, m.start())
        start = start if step.fact == "names" else max(start, m.start() - 6)
        end = _clause_end(folded, m.end())
        around = folded[start:end] if step.fact == "names" else folded[start:min(end, m.end() + 16)]
        if len(chars & set(around)) >= 2 and (step.fact != "names" or _names_the_kind(step.query, around)) \
                and (step.fact != "names" or _enough_names(step.query, around)):
            return True
    return False


def _enough_names(query: str, clause: str) -> bool:
    """「十大“便捷就醫服務”場景具體是哪十個？」: a list of two things does not name ten."""
    m = re.search(r"哪([一二两三四五六七八九十\d]+)[个项类家条]|([一二两三四五六七八九十]+)大", fold(query))
    # ("the ten … scenarios", not any number: "which cities does task 14 name?" asks no count)
    english = re.search(r"\bthe\s+(two|three|four|five|six|seven|eight|nine|ten|\d+)\s+['\"a-z]", query.lower())
    raw = (m.group(1) or m.group(2)) if m else (english.group(1) if english else "")
    if not raw:
        return True
    n = lexicon.english_numbers().get(raw) or (int(raw) if raw.isdigit() else from_chinese(raw.replace("两", "二")))
    return not n or len(re.split(r"[、和及]", clause)) >= n


def _names_the_kind(query: str, clause: str) -> bool:
    """A list of names answers 「哪幾個縣」 only if the clause is about counties: the kind of thing the
    question asks for (縣, 城市, 專家…) must be in it, when the question says one."""
    kinds = lexicon.asked_kinds(query)
    cities = lexicon.words("cities") if {"城市", "地市", "cities"} & set(kinds) else ()  # 「廣州、深圳」 are cities
    return not kinds or any(k in clause for k in (*kinds, *cities))


_CLAUSE_MARKS = ",，;；。:：!！?？"


def _clause_start(text: str, at: int) -> int:
    return max(text.rfind(c, 0, at) for c in _CLAUSE_MARKS) + 1


def _clause_end(text: str, at: int) -> int:
    ends = [i for i in (text.find(c, at) for c in _CLAUSE_MARKS) if i != -1]
    return min(ends, default=len(text))


_GLUE_CHARS = set("的了是在和与及并等为对将把从向以于其或也都要又这那个中上下可能会有多少几")


def _written_in_question(m: re.Match[str], folded: str, query: str) -> bool:
    """The figure at `m`, with what follows it (「三期」「10%」), is one the question already writes."""
    q = fold(query)
    if not m.group(0).isdigit():
        return m.group(0) in q
    number = re.match(r"\d+(?:\.\d+)?%?", folded[m.start():])
    return number is not None and re.search(rf"(?<![\d.]){re.escape(number.group(0))}(?!\d)", q) is not None


def _english_figure_by_words(query: str, sentence: str) -> bool:
    """An English question: a figure of the sentence's English rendering stands by a word of it."""
    rendering = (english_rendering(sentence) or "").lower()
    words = {w[:5] for w in re.findall(r"[a-z]{4,}", query.lower())} - {"what", "which", "there", "will", "many", "much"}
    for m in re.finditer(r"(?<![a-z\d])\d+(?:\.\d+)?%?(?![\d.]*[a-z])", rendering):
        if re.search(rf"(?<![\d.]){re.escape(m.group(0))}(?![\d])", query):
            continue  # "the 10% faster dispatch — relative to which year?": a figure the question gives is not the answer
        around = rendering[max(0, m.start() - 50):m.end() + 50]
        if any(w in around for w in words):
            return True
    return False


def content_phrases_pairs(query: str) -> list[str]:
    """Character pairs of the question's content (cue phrases removed): what a figure must count."""
    from .plan import content_phrases

    runs = content_phrases(query) or re.findall(r"[\u3400-\u9fff]{2,}", query)
    return [r[i:i + 2] for r in runs for i in range(len(r) - 1)]


EXECUTORS: dict[Op, Executor] = {
    Op.WHO_LEADS: who,
    Op.WHO_SHARES: who,
    Op.WHO_INVOLVED: who_involved,
    Op.DOES_LEAD: does_lead,
    Op.UNIT_TASKS: unit_tasks,
    Op.SHARED_TASKS: shared_tasks,
    Op.RANK_UNITS: rank_units,
    Op.NO_LEAD_TASKS: no_lead_tasks,
    Op.MULTI_LEAD_TASKS: multi_lead_tasks,
    Op.NO_CO_TASKS: no_co_tasks,
    Op.FILTER_TASKS: filter_tasks,
    Op.RANK_TASKS: rank_tasks,
    Op.COMMON_UNITS: common_units,
    Op.UNITS_IN: units_in,
    Op.SECTION_TASKS: section_tasks,
    Op.SECTION_OF: section_of,
    Op.RANK_SECTIONS: rank_sections,
    Op.COMPARE_TASKS: compare_tasks,
    Op.MENTIONS: mentions,
    Op.DOCUMENT: document,
    Op.CONTENT: content,
    Op.NOT_STATED: not_stated,
    Op.INVALID: invalid,
}


def execute(step: Step, ctx: Context) -> Result:
    if step.op == Op.OUT_OF_SCOPE:
        return Result(step, "", refused=True)
    return EXECUTORS[step.op](step, ctx)

