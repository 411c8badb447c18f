"""`python -m eval run|report|bench`: score the assistant and baselines, rebuild a report from saved
results, or print performance figures."""

from __future__ import annotations

import argparse
import logging
import shlex
import sys

import config  # noqa: F401 - pins the offline switches before any model library is imported


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="ask every system every question; write results (and a report)")
    run.add_argument("dataset", help="JSONL: {id, question|turns, [gold_items, facts, refuse, list, category, lang]}")
    run.add_argument("--out", required=True, help="RESULTS.jsonl, one line per (system, item)")
    run.add_argument("--report", help="REPORT.md; REPORT.json and REPORT-by-category.png are written beside it")
    run.add_argument("--llm", default="none",
                     help="none (default) | local | http(s)://host:port/v1 — a model adds the system full+llm")
    run.add_argument("--systems", default="full,naive,bm25,hybrid",
                     help="comma-separated: full, full+llm, naive, bm25, hybrid (default: %(default)s)")
    run.add_argument("--limit", type=int, help="only the first N items")
    run.add_argument("--index-dir", help="where the index lives (default: config / GDPA_INDEX_DIR)")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    run.add_argument("-v", "--verbose", action="store_true", help="log what the systems do")

    rep = sub.add_parser("report", help="rescore saved results against a dataset and write the report")
    rep.add_argument("dataset")
    rep.add_argument("results", help="RESULTS.jsonl from `run`")
    rep.add_argument("--report", required=True, help="REPORT.md")
    rep.add_argument("-v", "--verbose", action="store_true")

    bench = sub.add_parser("bench", help="performance figures with the project's goals")
    bench.add_argument("--llm", default="none", help="none (default) | local | http(s)://host:port/v1")
    bench.add_argument("--reps", type=int, default=5, help="repetitions per measurement (default: %(default)s)")
    bench.add_argument("--llm-reps", type=int, default=1,
                       help="passes over the 6 general questions with the model (default: %(default)s)")
    bench.add_argument("--json", help="also write the figures to this JSON file")
    bench.add_argument("--llm-only", action="store_true", help="only the model figures (evidence, explanation, naive)")
    bench.add_argument("-v", "--verbose", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    command = "python -m eval " + shlex.join(argv)
    try:
        if args.command == "run":
            from .runner import cmd_run

            return cmd_run(args, command)
        if args.command == "report":
            from .runner import cmd_report

            return cmd_report(args, command)
        from .bench import cmd_bench

        return cmd_bench(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
