"""A private copy of the checkout for real `snakemake` runs: the files git would see (tracked and
untracked-not-ignored), so the developer's results/ are neither read nor touched. Shared by tests/workflow/."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def env(cwd) -> dict:
    """The environment of a snakemake run in the copy: one torch thread, the copy's own `lop` first."""
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(cwd)}


# Outside a git checkout (e.g. the planted-bug runner's scratch copy, paper_checks/mutants.py): every file
# but the top-level outputs, environments and caches that .gitignore names.
NOT_SOURCE = {".git", ".venv", ".snakemake", "results", "figures", "data", "build", ".pytest_cache", ".hypothesis"}


def checkout_files() -> list[str]:
    """The files git would see (tracked and untracked-not-ignored), relative to the checkout."""
    proc = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO,
                          capture_output=True)
    if proc.returncode == 0:
        return [f for f in proc.stdout.decode().split("\0") if f]
    return [str(p.relative_to(REPO)) for p in REPO.rglob("*")
            if p.is_file() and p.relative_to(REPO).parts[0] not in NOT_SOURCE and "__pycache__" not in p.parts]


def copy_checkout(dest: Path, *, preset: str | None = None, files: dict | None = None) -> Path:
    """Copy the checkout to `dest`; `preset` rewrites config.yaml's default preset; `files` are extra
    {relative path: text} to write (e.g. a tiny --configfile)."""
    for f in checkout_files():
        if (REPO / f).is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / f, dest / f)
    if preset is not None:
        cfg = dest / "config.yaml"
        cfg.write_text(re.sub(r"^preset: \S+$", f"preset: {preset}", cfg.read_text(), count=1, flags=re.M))
    for name, text in (files or {}).items():
        (dest / name).write_text(text)
    return dest


def snakemake(cwd, *args, check=True, **kw) -> subprocess.CompletedProcess:
    """`python -m snakemake *args` in `cwd` with one torch thread; on failure (check) the output's tail."""
    p = subprocess.run([*SNAKEMAKE, *args], cwd=cwd, capture_output=True, text=True, env=env(cwd), **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{p.stdout[-3000:]}\n{p.stderr[-6000:]}")
    return p
