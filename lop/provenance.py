"""Provenance and atomic output: every file the pipeline writes either is complete or does not exist.

A crashed or killed job must never leave a file that looks finished, so every writer goes through
`atomic_path`: write to a temporary sibling, fsync, then `os.replace` (atomic on POSIX).
"""
from __future__ import annotations

import ast
import contextlib
import datetime as _dt
import functools
import hashlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
from importlib import metadata as _metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None):
    """Yield a temporary path next to `path`; on success move it into place, on error delete it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or path.suffix + ".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb") as fh:  # flush file contents to disk before the rename makes them visible
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text_atomic(path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_json_atomic(path, obj) -> None:
    write_text_atomic(path, json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")


def write_table_atomic(df, path) -> None:
    """Write a pandas DataFrame as parquet or CSV, chosen by the file suffix."""
    path = Path(path)
    with atomic_path(path) as tmp:
        if path.suffix == ".parquet":
            df.to_parquet(tmp, index=False)
        elif path.suffix == ".csv":
            df.to_csv(tmp, index=False)
        else:
            raise ValueError(f"unsupported table format {path.suffix!r} for {path}; use .parquet or .csv")


def _json_default(o):
    if hasattr(o, "tolist"):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def config_hash(cfg) -> str:
    """Short stable hash of a (resolved) config dict."""
    blob = json.dumps(cfg, sort_keys=True, default=_json_default).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def source_hash(*relpaths: str) -> str:
    """Hash of every Python file under the given repo-relative folders or files - for jobs whose code
    is not found by following imports (the audit runs the test suite, which reads the whole library)."""
    h = hashlib.sha256()
    for rel in sorted(relpaths):
        p = REPO_ROOT / rel
        for f in sorted(p.rglob("*.py")) if p.is_dir() else [p]:
            h.update(str(f.relative_to(REPO_ROOT)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


# Top-level packages of this repository; imports of anything else (torch, numpy, ...) are not followed.
REPO_PACKAGES = ("lop", "paper_checks")


def _module_file(name: str, root: Path = REPO_ROOT) -> Path | None:
    """The repo file of a dotted module name (`lop.metrics` -> lop/metrics.py), or None if not ours."""
    if name.split(".")[0] not in REPO_PACKAGES:
        return None
    base = root.joinpath(*name.split("."))
    for f in (base.with_suffix(".py"), base / "__init__.py"):
        if f.is_file():
            return f
    return None


def _imported_modules(path: Path, root: Path = REPO_ROOT) -> set[str]:
    """Dotted names of every module `path` imports, at any depth of the file (function-level imports
    included: they run too), relative imports resolved; `from a import b` yields a and a.b."""
    package = tuple(path.relative_to(root).parts[:-1])  # where a relative import starts (__init__: itself)
    return set(_imports_of_source(path.read_bytes(), str(path), package))


@functools.lru_cache(maxsize=1024)
def _imports_of_source(source: bytes, filename: str, package: tuple[str, ...]) -> frozenset[str]:
    # Keyed by the file's content: the Snakefile hashes ~50 jobs' closures that share most modules, and
    # parsing every file once instead of once per closure saves seconds of every snakemake start.
    tree = ast.parse(source, filename=filename)
    package = list(package)
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                mod = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            else:
                mod = node.module
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
    return frozenset(out)


def import_closure(*entries: str, root: Path = REPO_ROOT) -> list[str]:
    """Repo-relative paths of the entry files plus every repo module they import, transitively.

    Importing `a.b.c` also runs `a/__init__.py` and `a/b/__init__.py`, so those are included too.
    """
    todo = [root / e for e in entries]
    seen: set[Path] = set()
    files: dict[str, Path | None] = {}  # dotted name -> its file, looked up once per closure
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        if not f.is_file():
            raise FileNotFoundError(f"import_closure: no file {f}")
        seen.add(f)
        for name in _imported_modules(f, root):
            parts = name.split(".")
            for k in range(1, len(parts) + 1):  # parent packages run their __init__ first
                dotted = ".".join(parts[:k])
                if dotted not in files:
                    files[dotted] = _module_file(dotted, root)
                m = files[dotted]
                if m is not None and m not in seen:
                    todo.append(m)
    return sorted(str(f.relative_to(root)) for f in seen)


def code_hash(*entries: str, root: Path = REPO_ROOT) -> str:
    """Hash of the code a job runs: its entry files (rule script, figure script) and, transitively,
    every repo module they import (found by reading their `import` statements, not from a hand list).

    Snakemake does not notice edits to imported library code; rules take this hash as a param so that
    changing, e.g., `lop/metrics.py` reruns exactly the jobs that import it, and nothing else.
    """
    h = hashlib.sha256()
    for rel in import_closure(*entries, root=root):
        h.update(rel.encode())
        h.update((root / rel).read_bytes())
    return h.hexdigest()[:12]


def git_commit() -> str:
    """Commit of the working tree, with '+dirty' when there are uncommitted changes; 'unknown' outside git."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                             timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return sha[:12] + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def versions() -> dict:
    """Installed versions, read from package metadata (importing torch just to ask would cost seconds)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("torch", "numpy", "pandas", "numba", "snakemake"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def device_description(device=None) -> str:
    torch = sys.modules.get("torch")
    if torch is None:  # a numpy/numba job: do not import torch only to describe the CPU
        return f"cpu:{platform.processor() or platform.machine()}"
    if device is not None and str(device).startswith("cuda"):
        return f"cuda:{torch.cuda.get_device_name(device)}"
    return f"cpu:{platform.processor() or platform.machine()} threads={torch.get_num_threads()}"


# Environment switches that change which CPU kernels torch / MKL / oneDNN run (and so the float results).
ISA_FLAG_PREFIXES = ("avx", "amx", "fma", "f16c", "sse4", "vnni")
KERNEL_SWITCHES = ("ATEN_CPU_CAPABILITY", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS", "ONEDNN_MAX_CPU_ISA")


def platform_fingerprint() -> dict:
    """What must be equal for two builds to be bitwise identical (the exact tier's condition). The jobs'
    thread counts are the workflow's (one thread per training job), not the platform's."""
    cpu, flags = "", []
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")), "")
        # The vector extensions decide which kernels MKL and oneDNN pick; a virtual machine's model name
        # ("AMD EPYC") can hide two CPU generations with different ones.
        flags = sorted({f for ln in lines if ln.startswith("flags") for f in ln.split(":", 1)[1].split()
                        if f.startswith(ISA_FLAG_PREFIXES)})
    except OSError:
        pass
    versions = {}
    for pkg in ("numpy", "torch", "pandas"):
        try:
            versions[pkg] = _metadata.version(pkg)
        except _metadata.PackageNotFoundError:
            versions[pkg] = None
    try:
        import torch

        capability = torch.backends.cpu.get_cpu_capability()  # the vector width of torch's own CPU kernels
    except (ImportError, AttributeError):
        capability = None
    return {"machine": platform.machine(), "system": platform.system(), "cpu": cpu, "isa": " ".join(flags),
            "cpu_capability": capability,
            "python": platform.python_version(), **versions,
            "kernel_switches": {k: os.environ[k] for k in KERNEL_SWITCHES if k in os.environ}}


def run_record(*, config, seed=None, device=None, wall_time_s=None, extra=None) -> dict:
    """The provenance dict stored as run.json next to every run's tables."""
    rec = {
        "config": config,
        "config_hash": config_hash(config),
        "seed": seed,
        "versions": versions(),
        "device": device_description(device),
        "commit": git_commit(),
        "host": socket.gethostname(),
        "finished_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "wall_time_s": wall_time_s,
    }
    if extra:
        rec.update(extra)
    return rec


def write_figure_table(df, path, *, config: dict, sources=()) -> None:
    """Write a figure table (exactly the plotted data) and its provenance sidecar `<table>.json`.

    The figure scripts read the sidecar to stamp preset, config hash and commit into the PDF.
    """
    path = Path(path)
    write_table_atomic(df, path)
    write_json_atomic(path.with_suffix(".json"), {
        "preset": config.get("preset"),
        "config_hash": config_hash(config),
        "commit": git_commit(),
        "rows": int(len(df)),
        "columns": list(map(str, df.columns)),
        "sources": [str(s) for s in sources],
    })
