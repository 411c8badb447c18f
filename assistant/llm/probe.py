"""Measure the local runtime on this machine.

    python -m assistant.llm.probe [--assemble] [--prompt-tokens 300] [--new-tokens 64]

Prints: model assembly time (--assemble: a fresh assembly into a temp file beside the model,
deleted afterwards; otherwise the time ensure_model takes now), load time, time to first
token and tokens/s for a ~300-token prompt, and the peak RSS of this process.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from llama_index.core.llms import ChatMessage

import config
from assistant.llm.model_file import assemble, ensure_model, part_paths
from assistant.llm.runtime import LocalLlamaRuntime, messages_to_prompt

# Policy-flavoured filler so the prompt looks like a real retrieval prompt.
_CONTEXT = (
    "任務{n}：推進數字政府建設，完善省市縣三級政務服務體系，由省政務服務和數據管理局牽頭，"
    "各地級以上市人民政府按職責分工負責，年底前完成相關工作並報送進展情況。"
)


def _prompt(rt: LocalLlamaRuntime, target: int, run: int) -> list[ChatMessage]:
    # the run number leads the prompt so llama.cpp's prefix reuse cannot skip any of it
    system = f"（第{run}次）你是廣東省政策問答助手，只根據提供的材料回答，用繁體中文。"
    lines: list[str] = []
    while True:
        question = "請根據以上材料，詳細列出每一項任務的牽頭單位和工作要求，逐條說明。"
        user = "材料：\n" + "\n".join(lines) + "\n\n問題：" + question
        msgs = [ChatMessage(role="system", content=system), ChatMessage(role="user", content=user)]
        if rt.count_tokens(messages_to_prompt(msgs)) >= target:
            return msgs
        lines.append(_CONTEXT.format(n=len(lines) + 1))


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m assistant.llm.probe")
    ap.add_argument("--assemble", action="store_true", help="time a fresh assembly (needs 1.1 GB free)")
    ap.add_argument("--prompt-tokens", type=int, default=300)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--runs", type=int, default=2, help="run 1 is cold (first use of the weights)")
    args = ap.parse_args(argv)
    cfg = config.load()

    print(f"threads={cfg.llm_threads} n_ctx={cfg.llm_ctx}")
    t = time.perf_counter()
    path = ensure_model(cfg)
    print(f"ensure_model:         {time.perf_counter() - t:6.2f} s  ({path})")
    if args.assemble:
        with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
            t = time.perf_counter()
            assemble(part_paths(), Path(tmp) / path.name, config.MODEL_SIZE, config.MODEL_SHA256)
            print(f"assembly (fresh):     {time.perf_counter() - t:6.2f} s  (concat + sha256 + fsync)")

    t = time.perf_counter()
    rt = LocalLlamaRuntime(cfg)
    print(f"load:                 {time.perf_counter() - t:6.2f} s  (RSS now {_rss_mb():.0f} MiB)")

    for run in range(1, args.runs + 1):
        msgs = _prompt(rt, args.prompt_tokens, run)
        n = sum(1 for _ in rt.stream_chat(msgs, max_tokens=args.new_tokens))
        u = rt.last_usage
        assert u is not None and u.first_token_s is not None and u.total_s is not None
        gen_s = u.total_s - u.first_token_s
        done = u.completion_tokens or 0
        pp = (u.prompt_tokens or 0) / u.first_token_s
        tg = (done - 1) / gen_s if done > 1 and gen_s > 0 else float("nan")
        print(
            f"run {run}: prompt {u.prompt_tokens} tok, first token {u.first_token_s:.2f} s "
            f"(~{pp:.0f} prompt tok/s); {done} new tok in {n} chunks at {tg:.1f} tok/s; "
            f"total {u.total_s:.2f} s"
        )
    print(f"peak RSS:             {_peak_rss_mb():6.0f} MiB")
    rt.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
