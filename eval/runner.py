"""`python -m eval run DATASET.jsonl --out RESULTS.jsonl [--report REPORT.md] [--llm local|none|URL]
[--systems full,naive,bm25,hybrid] [--limit N]`: ask every system every question, write one result
line per (system, item), score it, and optionally write the report.

Multi-turn items: the earlier turns are asked first, each with the history so far and the system's
own answers; only the last turn is timed and scored.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import dataset, metrics
from .dataset import DatasetError, Item

SYSTEMS = ("full", "full+llm", "naive", "bm25", "hybrid")
DEFAULT_SYSTEMS = "full,naive,bm25,hybrid"
log = logging.getLogger(__name__)


class SetupError(RuntimeError):
    """A system could not be started; the message says why."""


def parse_systems(spec: str, llm: str) -> list[str]:
    """The systems to run, in order. With a model (`llm` other than none), "full" brings "full+llm"."""
    names = list(dict.fromkeys(s.strip() for s in spec.split(",") if s.strip()))
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        raise ValueError(f"unknown system(s) {', '.join(unknown)}: choose from {', '.join(SYSTEMS)}")
    if not names:
        raise ValueError("no systems given")
    if llm != "none" and "full" in names and "full+llm" not in names:
        names.insert(names.index("full") + 1, "full+llm")
    if "full+llm" in names and llm == "none":
        raise ValueError("full+llm needs a model: pass --llm local or --llm http://host:port/v1")
    return names


def make_systems(names: Sequence[str], llm: str, cfg_overrides: dict[str, Any] | None = None
                 ) -> tuple[list[Any], dict[str, str], dict[str, Any]]:
    """Start the systems once (one notice, one embedder). Returns (systems, skipped {name: reason},
    facts about the setup for the report)."""
    import config
    from corpus import load
    from index import IndexUnavailable, open_collection, open_retriever
    from index.embeddings import make_embedder

    from . import baselines

    overrides = dict(cfg_overrides or {})
    cfg = config.load(**{**overrides, "llm": "none"})
    try:
        notice = load(cfg.corpus_path)
        embed = make_embedder(cfg)
        try:
            open_collection(cfg)
        except IndexUnavailable as e:
            print(f"building the index first ({e})", file=sys.stderr, flush=True)
        open_retriever(cfg, notice, embed_model=embed)  # builds the index first if it is missing or stale
    except (IndexUnavailable, OSError, ValueError) as e:
        raise SetupError(f"could not open the index: {e}") from None
    setup: dict[str, Any] = {"embedder": getattr(embed, "model_name", type(embed).__name__),
                             "index_dir": str(cfg.index_dir), "top_k": cfg.top_k, "llm": llm}
    systems: list[Any] = []
    skipped: dict[str, str] = {}
    for name in names:
        if name == "full":
            systems.append(baselines.AssistantSystem(name, baselines.make_assistant(cfg, notice, embed, False)))
        elif name == "full+llm":
            if importlib.util.find_spec("assistant.explain") is None:
                skipped[name] = "assistant/explain.py is not there yet"
                continue
            cfg_llm = config.load(**{**overrides, "llm": llm})
            assistant = baselines.make_assistant(cfg_llm, notice, embed, True)
            if assistant.llm is None:
                skipped[name] = f"model unavailable: {assistant.llm_error or 'unknown reason'}"
                continue
            systems.append(baselines.AssistantSystem(name, assistant))
            setup["model"] = str(cfg_llm.model_path) if llm == "local" else llm
        elif name == "naive":
            systems.append(baselines.make_naive(cfg, notice, embed))
        else:
            systems.append(baselines.make_retriever_baseline(cfg, notice, embed, name))
    return systems, skipped, setup


def answer_item(system: Any, item: Item) -> dict[str, Any]:
    """Ask an item's turns in order; the result line for the last one, with its latency."""
    history: list[tuple[str, str]] = []
    row: dict[str, Any] = {"id": item.id, "system": system.name, "question": item.question}
    if len(item.turns) > 1:
        row["turns"] = list(item.turns)
    try:
        for turn in item.turns[:-1]:
            earlier = system.ask(turn, history)
            history.append((turn, earlier.get("answer") or ""))
        started = time.perf_counter()
        out = system.ask(item.question, history)
        latency = (time.perf_counter() - started) * 1000.0
    except Exception as e:  # one failing item must not stop the run; it is counted in the report
        log.debug("%s failed on %s", system.name, item.id, exc_info=True)
        out, latency = {"answer": "", "citations": [], "refused": False, "error": f"{type(e).__name__}: {e}"}, None
    row.update(
        answer=out.get("answer") or "",
        citations=[dict(c) for c in out.get("citations") or []],
        refused=bool(out.get("refused")),
        latency_ms=round(latency, 2) if latency is not None else None,
    )
    if out.get("not_stated"):
        row["not_stated"] = True
    for key in ("kind", "script", "used_llm", "notice", "ranked", "error", "explanation"):
        if out.get(key) not in (None, ""):
            row[key] = out[key]
    if item.category is not None:
        row["category"] = item.category
    if item.lang is not None:
        row["lang"] = item.lang
    row["metrics"] = metrics.score_item(row, item.gold)
    return row


def run_all(systems: Sequence[Any], items: Sequence[Item], out_path: Path, progress: bool = True) -> list[dict]:
    from tqdm import tqdm

    out_path.parent.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    with out_path.open("w", encoding="utf-8") as out, tqdm(
        total=len(systems) * len(items), file=sys.stderr, unit="q", disable=not progress, dynamic_ncols=True
    ) as bar:
        for system in systems:
            bar.set_description(system.name)
            for item in items:
                row = answer_item(system, item)
                rows.append(row)
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                out.flush()
                bar.update()
    return rows


def rescore(rows: Sequence[dict], items: Sequence[Item]) -> list[dict]:
    """Scores recomputed from the dataset's gold fields (for `python -m eval report`)."""
    gold = {i.id: i for i in items}
    out = []
    for r in rows:
        r = dict(r)
        item = gold.get(str(r.get("id")))
        r["metrics"] = metrics.score_item(r, item.gold if item else {})
        if item is not None:
            r.setdefault("category", item.category)
            r.setdefault("lang", item.lang)
        out.append(r)
    return out


def read_results(path: Path) -> list[dict]:
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise DatasetError(f"{path}: cannot read ({e.strerror})") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise DatasetError(f"{path}:{number}: not valid JSON ({e.msg})") from None
        if not isinstance(row, dict) or "id" not in row or "system" not in row:
            raise DatasetError(f"{path}:{number}: a result line needs 'id' and 'system'")
        rows.append(row)
    return rows


def cmd_run(args: Any, command: str) -> int:

    llm = (args.llm or "none").strip()
    try:
        items = dataset.load(args.dataset)
        names = parse_systems(args.systems, llm)
    except (DatasetError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.limit is not None:
        items = items[: max(args.limit, 0)]
    overrides = {"index_dir": args.index_dir} if args.index_dir else {}
    try:
        systems, skipped, setup = make_systems(names, llm, overrides)
    except Exception as e:  # start-up failures get one clear line
        print(f"error: {e}", file=sys.stderr)
        return 2
    for name, reason in skipped.items():
        print(f"warning: skipping {name}: {reason}", file=sys.stderr)
    if not systems:
        print("error: no system could be started", file=sys.stderr)
        return 2
    out_path = Path(args.out)
    started = time.perf_counter()
    try:
        rows = run_all(systems, items, out_path, progress=not args.quiet)
    except OSError as e:
        print(f"error: cannot write {out_path}: {e.strerror or e}", file=sys.stderr)
        return 2
    meta = {"command": command, "dataset": str(args.dataset), "results": str(out_path), "items": len(items),
            "systems": [s.name for s in systems], "skipped": skipped, "setup": setup,
            "wall_s": round(time.perf_counter() - started, 1)}
    if _summarise(rows, items, meta, args.report) != 0:
        return 2
    print(f"results: {out_path}")
    return 0


def _summarise(rows: list[dict], items: list, meta: dict, report_path: str | None) -> int:
    """Print the overall table and, given a path, write the report files (both commands)."""
    from . import report

    summary = report.summarise(rows, items, meta)
    print(report.overall_table(summary))
    if report_path:
        try:
            md, js, plots = report.write(summary, rows, Path(report_path))
        except OSError as e:
            print(f"error: cannot write the report {report_path}: {e.strerror or e}", file=sys.stderr)
            return 2
        print(f"\nreport: {md}\nsummary: {js}\nplots: {', '.join(str(p) for p in plots) or '(none)'}")
    return 0


def cmd_report(args: Any, command: str) -> int:

    try:
        items = dataset.load(args.dataset)
        rows = rescore(read_results(Path(args.results)), items)
    except DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    systems = list(dict.fromkeys(r["system"] for r in rows))
    ids = {r["id"] for r in rows}
    items = [i for i in items if i.id in ids]
    meta = {"command": command, "dataset": str(args.dataset), "results": str(args.results), "items": len(items),
            "systems": systems, "skipped": {}, "setup": {}}
    return _summarise(rows, items, meta, args.report)
