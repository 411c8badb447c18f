"""Scoring: pure functions over a result dict (one line of RESULTS.jsonl) and a gold dict (the
dataset's gold fields). A metric whose gold field is missing, or that does not apply to the item,
is None and is left out of the averages.

Per item (`score_item`):
- hit@1/3/5, mrr — task-level retrieval over the ranked list: the result's `ranked` tasks when it has
  them (retrieval baselines: every hit, best first), else its citations in order. Only for items with
  a non-empty `gold_items`.
- cit_precision, cit_recall — the set of cited tasks against `gold_items` (in-scope items only;
  precision needs at least one citation, recall at least one gold item).
- fact_recall — share of `facts` found in the answer after normalisation (Traditional/Simplified
  folded, case folded, whitespace and punctuation ignored); facts_all — 1 when all are found.
- list_recall — for `list: true` items, share of `gold_items` among the cited tasks;
  list_complete — 1 when all are cited.
- refusal_acc — on `refuse: true` items, 1 when the answer refused or said the notice does not state
  what was asked (`not_stated`); false_refusal — on
  `refuse: false` items, 1 when it refused (lower is better).
- not_stated_acc — on `not_stated: true` items (the notice mentions the thing but not the fact asked),
  1 when the answer says the notice does not state it (result `not_stated`) and does not refuse.
- forbidden — on items with `forbidden_strings`, 1 when the answer contains none of them.
- expl_faithful, expl_cit_precision, expl_cit_recall — only on items whose answer carries a model
  explanation: faithful is 1 when the explanation contains none of the item's `forbidden_strings` and
  each of its figures occurs in the notice text of the tasks it cites (or, citing none, the gold tasks);
  citation precision is the share of its sentences whose cited items are all gold items (items with
  gold items only); citation recall the share of its sentences that cite an item at all.
- score — one number per item for the category tables and plot: refusal_acc on out-of-scope items;
  0 for a refused in-scope item; 0 when a forbidden string is present; otherwise the mean of
  fact_recall, list_recall, not_stated_acc and, on not-stated items, cit_recall (those present).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from corpus.script import fold

METRICS = (
    "hit@1", "hit@3", "hit@5", "mrr", "cit_precision", "cit_recall", "fact_recall", "facts_all",
    "list_recall", "list_complete", "refusal_acc", "false_refusal", "not_stated_acc", "forbidden", "score",
    "expl_faithful", "expl_cit_precision", "expl_cit_recall",
)
LOWER_IS_BETTER = frozenset({"false_refusal"})

_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
_KEEP = {"%"}  # punctuation that changes meaning (10% vs 10); a decimal point between digits is kept too


# -- building blocks ----------------------------------------------------------------------------


def cited_items(result: dict[str, Any]) -> list[int]:
    """The task numbers a result cites, in order, without repeats."""
    out: list[int] = []
    for c in result.get("citations") or []:
        n = c.get("item") if isinstance(c, dict) else c
        if isinstance(n, int) and n not in out:
            out.append(n)
    return out


def ranked_items(result: dict[str, Any]) -> list[int]:
    """The ranked task list retrieval metrics use: `ranked` when present, else the citations."""
    ranked = result.get("ranked")
    if ranked is None:
        return cited_items(result)
    return list(dict.fromkeys(int(n) for n in ranked))


def hit_at(ranked: Sequence[int], gold: Iterable[int], k: int) -> float | None:
    gold = set(gold)
    if not gold:
        return None
    return 1.0 if gold & set(ranked[:k]) else 0.0


def reciprocal_rank(ranked: Sequence[int], gold: Iterable[int]) -> float | None:
    gold = set(gold)
    if not gold:
        return None
    for rank, n in enumerate(ranked, start=1):
        if n in gold:
            return 1.0 / rank
    return 0.0


def precision(predicted: Iterable[int], gold: Iterable[int]) -> float | None:
    predicted, gold = set(predicted), set(gold)
    if not predicted:
        return None
    return len(predicted & gold) / len(predicted)


def recall(predicted: Iterable[int], gold: Iterable[int]) -> float | None:
    predicted, gold = set(predicted), set(gold)
    if not gold:
        return None
    return len(predicted & gold) / len(gold)


def normalise(text: str) -> str:
    """The form facts are matched in: folded script and case (corpus.script.fold), no whitespace,
    no punctuation except % and a decimal point between digits."""
    text = _DECIMAL_POINT.sub("\0", fold(text))
    out = []
    for ch in text:
        if ch == "\0":
            out.append(".")
        elif ch.isspace():
            continue
        elif ch in _KEEP or unicodedata.category(ch)[0] not in "PZC":
            out.append(ch)
    return "".join(out)


def missing_facts(answer: str, facts: Iterable[str]) -> list[str]:
    norm = normalise(answer or "")
    return [f for f in facts if normalise(f) not in norm]


def fact_recall(answer: str, facts: Sequence[str]) -> float | None:
    if not facts:
        return None
    return 1.0 - len(missing_facts(answer, facts)) / len(facts)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0–100), linear between closest ranks; None for no values."""
    data = sorted(v for v in values if v is not None and not math.isnan(v))
    if not data:
        return None
    pos = (len(data) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def mean(values: Iterable[float | None]) -> float | None:
    data = [v for v in values if v is not None]
    return sum(data) / len(data) if data else None


# -- one item -----------------------------------------------------------------------------------


def score_item(result: dict[str, Any], gold: dict[str, Any]) -> dict[str, float | None]:
    """Every per-item metric (see the module docstring); None where it does not apply."""
    m: dict[str, float | None] = dict.fromkeys(METRICS)
    refused = bool(result.get("refused"))
    refuse = gold.get("refuse")
    in_scope = refuse is not True
    gold_items = gold.get("gold_items")
    cited = cited_items(result)

    if gold_items:
        ranked = ranked_items(result)
        for k in (1, 3, 5):
            m[f"hit@{k}"] = hit_at(ranked, gold_items, k)
        m["mrr"] = reciprocal_rank(ranked, gold_items)
    if gold_items is not None and in_scope:
        m["cit_precision"] = precision(cited, gold_items)
        m["cit_recall"] = recall(cited, gold_items)
    facts = gold.get("facts")
    if facts and in_scope:
        m["fact_recall"] = fact_recall(result.get("answer") or "", facts)
        m["facts_all"] = 1.0 if m["fact_recall"] == 1.0 else 0.0
    if gold.get("list") and gold_items:
        m["list_recall"] = recall(cited, gold_items)
        m["list_complete"] = 1.0 if m["list_recall"] == 1.0 else 0.0
    if refuse is True:
        # "the notice does not state this" (citing what it does say) declines the question too
        m["refusal_acc"] = 1.0 if refused or result.get("not_stated") else 0.0
    elif refuse is False:
        m["false_refusal"] = 1.0 if refused else 0.0

    if gold.get("not_stated"):
        m["not_stated_acc"] = 1.0 if result.get("not_stated") and not refused else 0.0
    if gold.get("forbidden_strings"):
        norm = normalise(result.get("answer") or "")
        m["forbidden"] = 0.0 if any(normalise(f) in norm for f in gold["forbidden_strings"]) else 1.0

    explanation = result.get("explanation") or ""
    if explanation.strip():
        m.update(explanation_metrics(explanation, gold))

    if refuse is True:
        m["score"] = m["refusal_acc"]
    elif (refuse is False and refused) or m["forbidden"] == 0.0:
        m["score"] = 0.0
    else:
        ns_cit = m["cit_recall"] if gold.get("not_stated") else None
        m["score"] = mean([m["fact_recall"], m["list_recall"], m["not_stated_acc"], ns_cit])
    return m


def explanation_metrics(explanation: str, gold: dict[str, Any]) -> dict[str, float | None]:
    """Faithfulness and citation quality of a model explanation, sentence by sentence."""
    import config
    from assistant.verify import cited, sentences
    from corpus import load

    notice = _notice(load, config)
    gold_items = set(gold.get("gold_items") or [])
    english = bool(re.search(r"\[Task \d+\]", explanation))  # English copies join clauses with "; "
    parts = sentences(explanation, english=english)
    forbidden = [normalise(f) for f in gold.get("forbidden_strings") or []]
    norm = normalise(explanation)
    faithful = not any(f and f in norm for f in forbidden)
    with_cite, precise = 0, 0
    for sentence in parts:
        items = cited(sentence)
        with_cite += bool(items)
        precise += bool(items) and set(items) <= gold_items
        source = normalise(" ".join(notice.tasks[n - 1].text for n in (items or sorted(gold_items))
                                    if 1 <= n <= len(notice.tasks)))
        body = re.sub(r"\[task\s*\d+\]|〔[^〕]*〕", " ", sentence, flags=re.IGNORECASE)
        if any(fig not in source for fig in re.findall(r"\d+(?:\.\d+)?", normalise(body))):
            faithful = False
    n = len(parts) or 1
    return {"expl_faithful": 1.0 if faithful else 0.0,
            "expl_cit_precision": precise / n if gold_items else None,
            "expl_cit_recall": with_cite / n}


_NOTICE: list[Any] = []


def _notice(load: Any, config: Any) -> Any:
    if not _NOTICE:
        _NOTICE.append(load(config.ROOT / "corpus" / "guangdong-digital-2024-work-points.txt"))
    return _NOTICE[0]


# -- many items ---------------------------------------------------------------------------------


def aggregate(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Averages over result rows that carry `metrics` (from score_item) and `latency_ms`.
    For each metric: the mean over the items where it applies, and that count as `n_<metric>`."""
    out: dict[str, Any] = {"n": len(rows)}
    for name in METRICS:
        values = [r["metrics"].get(name) for r in rows if r.get("metrics")]
        values = [v for v in values if v is not None]
        out[name] = sum(values) / len(values) if values else None
        out[f"n_{name}"] = len(values)
    latencies = [r["latency_ms"] for r in rows if isinstance(r.get("latency_ms"), int | float)]
    out["latency_p50_ms"] = percentile(latencies, 50)
    out["latency_p95_ms"] = percentile(latencies, 95)
    out["errors"] = sum(1 for r in rows if r.get("error"))
    return out


def breakdown(rows: Sequence[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    """aggregate() per value of `key` (e.g. category, lang), in order of first appearance;
    rows without the key are grouped under "(none)"."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(str(r.get(key) or "(none)"), []).append(r)
    return {g: aggregate(rs) for g, rs in groups.items()}
