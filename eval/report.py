"""The run's summary as JSON (for machines) and Markdown (for people), plus a per-category plot.

REPORT.md, REPORT.json and REPORT-by-category.png are written side by side.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import metrics
from .dataset import Item

WORST = 25
_LABELS = {
    "hit@1": "hit@1", "hit@3": "hit@3", "hit@5": "hit@5", "mrr": "MRR", "cit_precision": "cit P",
    "cit_recall": "cit R", "fact_recall": "facts", "facts_all": "all facts", "list_recall": "list R",
    "list_complete": "list complete", "refusal_acc": "refusal acc", "false_refusal": "false refusal",
    "score": "score", "latency_p50_ms": "p50 ms", "latency_p95_ms": "p95 ms",
    "expl_faithful": "expl faithful", "n_expl_faithful": "n expl", "expl_cit_precision": "expl cit P",
    "expl_cit_recall": "expl cit R",
}
OVERALL_COLUMNS = ("hit@1", "hit@3", "hit@5", "mrr", "cit_precision", "cit_recall", "fact_recall", "facts_all",
                   "list_recall", "list_complete", "refusal_acc", "false_refusal", "score",
                   "latency_p50_ms", "latency_p95_ms", "n_expl_faithful", "expl_faithful", "expl_cit_precision",
                   "expl_cit_recall")
DETAIL_COLUMNS = ("hit@1", "hit@3", "mrr", "cit_precision", "cit_recall", "fact_recall", "list_recall",
                  "refusal_acc", "false_refusal", "score", "latency_p50_ms", "n_expl_faithful", "expl_faithful",
                  "expl_cit_precision", "expl_cit_recall")


# -- summary ------------------------------------------------------------------------------------


def _git_commit() -> str | None:
    try:
        root = Path(__file__).resolve().parents[1]
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True,
                               timeout=5, check=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def _order(values: Sequence[str | None]) -> list[str]:
    return list(dict.fromkeys(str(v or "(none)") for v in values))


def failures(rows: Sequence[dict], items: Sequence[Item], system: str, limit: int = WORST) -> list[dict]:
    """The system's worst items: answer score below 1 or top citation wrong; lowest score first."""
    gold = {i.id: i for i in items}
    bad = []
    for r in rows:
        if r["system"] != system or r["id"] not in gold:
            continue
        m = r.get("metrics") or {}
        score, hit1 = m.get("score"), m.get("hit@1")
        if r.get("error") or (score is not None and score < 1) or hit1 == 0:
            bad.append(r)

    def key(r: dict) -> tuple:
        m = r.get("metrics") or {}
        return (0 if r.get("error") else 1, m.get("score") if m.get("score") is not None else 1.0,
                m.get("hit@1") if m.get("hit@1") is not None else 1.0, m.get("mrr") or 0.0)

    out = []
    for r in sorted(bad, key=key)[:limit]:
        item = gold[r["id"]]
        cited = metrics.cited_items(r)
        expected = {k: item.gold[k] for k in ("gold_items", "facts", "refuse", "list") if k in item.gold}
        entry = {
            "id": r["id"], "category": item.category, "lang": item.lang, "turns": list(item.turns),
            "expected": expected,
            "answer": r.get("answer", ""), "cited": cited, "refused": bool(r.get("refused")), "kind": r.get("kind"),
            "missing_facts": metrics.missing_facts(r.get("answer") or "", item.gold.get("facts") or [])
            if item.gold.get("refuse") is not True else [],
            "missing_items": [n for n in item.gold.get("gold_items") or [] if n not in cited],
            "score": (r.get("metrics") or {}).get("score"),
            "hit@1": (r.get("metrics") or {}).get("hit@1"),
        }
        if r.get("error"):
            entry["error"] = r["error"]
        out.append(entry)
    return out


def summarise(rows: Sequence[dict], items: Sequence[Item], meta: dict[str, Any]) -> dict[str, Any]:
    systems = list(meta.get("systems") or _order([r["system"] for r in rows]))
    by_system = {s: [r for r in rows if r["system"] == s] for s in systems}
    summary: dict[str, Any] = dict(meta)
    summary.update(
        generated_at=time.strftime("%Y-%m-%d %H:%M:%S %z"),
        git=_git_commit(),
        systems=systems,
        categories=_order([i.category for i in items]),
        languages=_order([i.lang for i in items]),
        metric_names=list(metrics.METRICS),
        overall={s: metrics.aggregate(rs) for s, rs in by_system.items()},
        by_category={s: metrics.breakdown(rs, "category") for s, rs in by_system.items()},
        by_lang={s: metrics.breakdown(rs, "lang") for s, rs in by_system.items()},
        worst={s: failures(rows, items, s) for s in systems},
    )
    return summary


# -- Markdown -----------------------------------------------------------------------------------


def _fmt(value: Any, name: str = "") -> str:
    if value is None:
        return "–"
    if name.startswith("latency"):
        return f"{value:.0f}" if value >= 100 else f"{value:.1f}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def overall_table(summary: dict[str, Any]) -> str:
    header = ["system", "n", *(_LABELS[c] for c in OVERALL_COLUMNS), "errors"]
    rows = []
    for s in summary["systems"]:
        agg = summary["overall"][s]
        rows.append([s, str(agg["n"]), *(_fmt(agg.get(c), c) for c in OVERALL_COLUMNS), str(agg["errors"])])
    return _table(header, rows)


def _cross_table(summary: dict[str, Any], part: str, groups: Sequence[str], metric: str) -> str:
    header = [part.removeprefix("by_"), "n", *summary["systems"]]
    rows = []
    for g in groups:
        first = next((summary[part][s].get(g) for s in summary["systems"] if g in summary[part][s]), None)
        n = str(first["n"]) if first else "0"
        rows.append([g, n, *(_fmt((summary[part][s].get(g) or {}).get(metric), metric) for s in summary["systems"])])
    return _table(header, rows)


def _detail_table(summary: dict[str, Any], part: str, groups: Sequence[str], system: str) -> str:
    header = [part.removeprefix("by_"), "n", *(_LABELS[c] for c in DETAIL_COLUMNS)]
    rows = []
    for g in groups:
        agg = summary[part][system].get(g)
        if agg:
            rows.append([g, str(agg["n"]), *(_fmt(agg.get(c), c) for c in DETAIL_COLUMNS)])
    return _table(header, rows)


def _cell(text: str, limit: int = 220) -> str:
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|")


def _quoted(facts: Sequence[str]) -> str:
    return "".join(f"「{f}」" for f in facts)


def worst_table(entries: Sequence[dict]) -> str:
    header = ["id", "category", "question", "expected", "answered", "missing"]
    rows = []
    for e in entries:
        exp = e["expected"]
        expected = "refuse" if exp.get("refuse") else (
            f"items {exp.get('gold_items', '?')}" + (" (complete list)" if exp.get("list") else "")
            + (f"; facts {_quoted(exp['facts'])}" if exp.get("facts") else ""))
        answered = ("REFUSED: " if e["refused"] else "") + f"cites {e['cited']} [{e.get('kind') or '-'}] " + e["answer"]
        if e.get("error"):
            answered = "ERROR " + e["error"]
        missing = []
        if e["missing_facts"]:
            missing.append("facts: " + _quoted(e["missing_facts"]))
        if e["missing_items"]:
            missing.append(f"items: {e['missing_items']}")
        if exp.get("refuse") and not e["refused"]:
            missing.append("refusal")
        rows.append([e["id"], e["category"] or "", _cell(" → ".join(e["turns"]), 120), _cell(expected, 160),
                     _cell(answered), _cell("; ".join(missing), 160)])
    return _table(header, rows)


_DEFINITIONS = """\
- **hit@k / MRR**: task level. The ranked list is the answer's citations in order, or, for the
  retrieval baselines, every retrieved node (the header node counts as a miss). Items with gold tasks only.
- **cit P / cit R**: cited tasks vs `gold_items` as sets (in-scope items; P needs ≥1 citation, R ≥1 gold task).
- **facts**: share of the gold facts found in the answer after Traditional→Simplified folding, case
  folding and dropping whitespace/punctuation; **all facts**: share of items with every fact found.
- **list R / list complete**: for `list: true` items, recall of `gold_items` over the cited tasks / share
  of items with the complete list cited.
- **refusal acc**: out-of-scope items answered with a refusal. **false refusal**: in-scope items refused
  (lower is better).
- **score**: per item, refusal acc for out-of-scope items, 0 for a refused in-scope item, else the mean
  of facts and list R; averaged.
- The baselines never refuse and ignore conversation history; their answer is the full text of the
  retrieved tasks, so their facts score is the recall of the retrieved context (an upper bound).
- Latency is the wall time of the scored (last) turn, in ms.
"""


def markdown(summary: dict[str, Any], plots: Sequence[Path]) -> str:
    s = summary
    out = [
        "# Evaluation report",
        "",
        f"Command: `{s['command']}`",
        "",
        f"- generated {s['generated_at']}" + (f", git {s['git']}" if s.get("git") else ""),
        f"- dataset `{s['dataset']}`: {s['items']} items; results `{s.get('results', '')}`",
        f"- systems: {', '.join(s['systems'])}",
    ]
    if s.get("setup"):
        out.append("- setup: " + ", ".join(f"{k}={v}" for k, v in s["setup"].items()))
    if s.get("wall_s") is not None:
        out.append(f"- wall time: {s['wall_s']} s")
    for name, reason in (s.get("skipped") or {}).items():
        out.append(f"- **skipped {name}**: {reason}")
    out += ["", "## Overall", "", overall_table(s), ""]
    out += ["## Per category", ""]
    for p in plots:
        out += [f"![per-category scores]({p.name})", ""]
    out += ["### Score by system", "", _cross_table(s, "by_category", s["categories"], "score"), ""]
    out += ["### hit@1 by system", "", _cross_table(s, "by_category", s["categories"], "hit@1"), ""]
    for system in s["systems"]:
        out += [f"### {system}", "", _detail_table(s, "by_category", s["categories"], system), ""]
    out += ["## Per language", "", "### Score by system", "", _cross_table(s, "by_lang", s["languages"], "score"), ""]
    out += ["### hit@1 by system", "", _cross_table(s, "by_lang", s["languages"], "hit@1"), ""]
    for system in s["systems"]:
        out += [f"### {system}", "", _detail_table(s, "by_lang", s["languages"], system), ""]
    for system in s["systems"]:
        if system.startswith("full"):
            worst = s["worst"].get(system) or []
            out += [f"## Worst items — {system} ({len(worst)} shown, at most {WORST})", ""]
            out += [worst_table(worst) if worst else "None: every item scored 1 with the right top citation.", ""]
    out += ["## Definitions", "", _DEFINITIONS]
    return "\n".join(out)


# -- plot ---------------------------------------------------------------------------------------


def plot_categories(summary: dict[str, Any], path: Path) -> Path | None:
    """Grouped bars: score and hit@1 per category, one bar per system."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    cats, systems = summary["categories"], summary["systems"]
    fig, axes = plt.subplots(2, 1, figsize=(max(8, 1.1 * len(cats) + 2), 8), sharex=True)
    width = 0.8 / max(len(systems), 1)
    for ax, metric, title in ((axes[0], "score", "answer score"), (axes[1], "hit@1", "hit@1 (task level)")):
        for i, system in enumerate(systems):
            values = [(summary["by_category"][system].get(c) or {}).get(metric) for c in cats]
            xs = [j + (i - (len(systems) - 1) / 2) * width for j in range(len(cats))]
            ax.bar([x for x, v in zip(xs, values, strict=True) if v is not None],
                   [v for v in values if v is not None], width, label=system)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel(title)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(ncol=len(systems), loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False)
    axes[1].set_xticks(range(len(cats)))
    axes[1].set_xticklabels(cats, rotation=30, ha="right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write(summary: dict[str, Any], rows: Sequence[dict], report_path: Path) -> tuple[Path, Path, list[Path]]:
    """REPORT.md, REPORT.json and the plot; returns their paths."""
    report_path.parent.mkdir(parents=True, exist_ok=True)
    plot = plot_categories(summary, report_path.with_name(report_path.stem + "-by-category.png"))
    plots = [plot] if plot else []
    json_path = report_path.with_suffix(".json")
    if json_path == report_path:
        json_path = report_path.with_name(report_path.stem + ".summary.json")
    data = dict(summary, plots=[p.name for p in plots], report=report_path.name)
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    report_path.write_text(markdown(summary, plots), encoding="utf-8")
    return report_path, json_path, plots
