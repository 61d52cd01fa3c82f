"""Show that the tests catch bugs: planted changes applied one at a time to a COPY of the tree.

`python -m paper_checks mutants` copies the checkout (git's tracked and untracked-but-not-ignored files)
into a scratch folder once, and for each mutant in MUTANTS: applies its one textual change there, runs the
test modules that cover the mutated file, restores the file, and reports caught (some selected test
fails) or NOT caught. The working tree is never touched. The unmutated selection runs first (baseline):
a selection that already fails cannot catch anything and is reported as such.

Which tests cover a file (`select_tests`): the test modules that import the mutated module (directly, or
through a package __init__ that re-exports it; IMPORT_DEPTH more levels of importers if raised), read
from the sources with `ast`, plus
the test modules that name the file's path (figure and workflow scripts are run by path). tests/workflow/pipeline
is left out: its real snakemake runs are the data-level regression's job, not affordable per mutant on a
shared 2-core machine. A mutant may add `tests` (a documented mapping) when imports do not show the link.

The data-level regression (paper_checks.references) would catch mutants that move figure tables; running
the pipeline once per mutant is not affordable here, so its column reads "not run" unless
`--regression` is given (it then reruns `snakemake` on the copy with the command given and compares).
"""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
IMPORT_DEPTH = 0  # test modules importing the module itself (or a package re-exporting it); 1 would add the
#                   modules' importers too: the heavy training tests, ~6 min a selection on a shared 2-core box
EXCLUDED_TEST_DIRS = ("tests/workflow/pipeline",)
SELF_TESTS = ("tests/paper_checks/test_mutants.py",)  # tests of this tool (they name files as data, and run mutants)


@dataclass
class Mutant:
    id: str
    file: str
    old: str  # must occur exactly once in `file`
    new: str
    bug: str  # what the change means
    tests: list = field(default_factory=list)  # extra test modules (documented mapping)
    below_detectability: str = ""  # why the suite cannot see it, where that is the honest answer


MUTANTS = [
    Mutant("dead-eps", "lop/metrics.py", "eps: float = 1e-7", "eps: float = 1e-5",
           "dead-unit threshold |h| < 1e-7 loosened to 1e-5"),
    Mutant("duplicate-threshold", "lop/metrics.py", "threshold: float = 0.95", "threshold: float = 0.9",
           "duplicate cosine threshold 0.95 -> 0.9"),
    Mutant("dead-eps-config", "config.yaml", "  thresholds:\n    dead_eps: 1.0e-7", "  thresholds:\n    dead_eps: 1.0e-5",
           "the continual runs' dead-unit threshold (what the pipeline passes) loosened to 1e-5",
           tests=["tests/paper_checks/test_registry_numbers.py"]),
    Mutant("duplicate-threshold-config", "config.yaml", "    dead_frac: 0.95\n    duplicate_cos: 0.95\n    saturated",
           "    dead_frac: 0.95\n    duplicate_cos: 0.9\n    saturated",
           "the continual runs' duplicate threshold (what the pipeline passes) 0.95 -> 0.9",
           tests=["tests/paper_checks/test_registry_numbers.py"]),
    Mutant("seed-std-ddof", "lop/figtables/runs.py", "np.nanstd(vals, axis=1, ddof=1)", "np.nanstd(vals, axis=1, ddof=0)",
           "the band's seed std with ddof 0 instead of the sample std"),
    Mutant("probe-train-mode", "lop/probing.py", "    model.eval()\n", "    model.train()\n",
           "probes pushed through the network in train mode (dropout on, BN batch statistics)"),
    Mutant("head-not-zeroed", "lop/train/continual.py",
           "                model.head.weight.zero_()\n                model.head.bias.zero_()\n",
           "                pass\n", "the shared head is not zeroed at the start of each task"),
    Mutant("adam-state-reset", "lop/train/continual.py",
           "                model.head.bias.zero_()\n",
           "                model.head.bias.zero_()\n            opt.state.clear()\n",
           "the optimizer (Adam) state is reset at every task start"),
    Mutant("cloning-divisor", "lop/cloning/profile.py", "return 1.0 / self.factor", "return 1.0 / (self.factor + 1)",
           "weights fed by cloned inputs divided by factor + 1 instead of factor"),
    Mutant("cbp-no-bias-correction", "lop/methods/cbp.py", "correction = 1 - rho ** self.age[l]",
           "correction = torch.ones_like(self.age[l])", "CBP's EMAs used without the 1 - rho^age bias correction"),
    Mutant("er2-trace-not-squared", "lop/theory/measures.py", "return float(np.trace(M)) ** 2 / fro2",
           "return float(np.trace(M)) / fro2", "er2 = (tr M)^2 / ||M||_F^2 without the square of the trace"),
    Mutant("stable-rank-not-squared", "lop/metrics.py", "s2 ** 2 / denom.clamp_min(1e-300)",
           "s2 / denom.clamp_min(1e-300)", "the probes' stable rank without the square of the trace"),
    Mutant("theorem-tolerance", "lop/theory/kernels.py", "R_TOL = 1e-12", "R_TOL = 1e-6",
           "correlations up to 1 + 1e-6 silently clipped to 1 (tolerance loosened 10^6x)"),
    Mutant("affine-dotted", "workflow/figures/fig4_1.py", "AFFINE_DOTTED = True", "AFFINE_DOTTED = False",
           "Fig. 4.1 draws the non-affine variants dotted (upstream's convention, not the caption's)"),
    Mutant("verdict-normal-not-t", "lop/stats.py", "float(_st().t.ppf(1 - alpha / 2, n - 1))",
           "float(_st().norm.ppf(1 - alpha / 2))",
           "verdict intervals with a normal quantile instead of Student t, n - 1 df"),
    Mutant("verdict-min-seeds", "lop/stats.py", "MIN_SEEDS = 5", "MIN_SEEDS = 2",
           "verdicts from 2 seeds"),
    Mutant("verdict-no-bh", "paper_checks/stats.py", "adj = p[order] * m / np.arange(1, m + 1)", "adj = p[order]",
           "no multiple-comparison correction"),
    Mutant("verdict-family-by-evidence", "paper_checks/stats.py",
           "p = [1.0 if (v not in DECIDED + (NOT_RESOLVED,) or x is None or math.isnan(x)) else x",
           "p = [math.nan if (v not in DECIDED + (NOT_RESOLVED,) or x is None or math.isnan(x)) else x",
           "the Benjamini-Hochberg family shrinks to the claims that happen to have evidence"),
    Mutant("verdict-diverged-dropped", "paper_checks/stats.py",
           "if verdict != NOT_RESOLVED and self.missing and self.imputed_verdict(verdict) != verdict:",
           "if False:", "diverged seeds silently dropped (a verdict decided by their absence)"),
]


# ---- which tests cover a file -------------------------------------------------------------------------

def _module_name(rel: str) -> str | None:
    if not rel.endswith(".py"):
        return None
    parts = rel[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, modname: str | None) -> set[str]:
    """Every module a file imports (absolute names; `from lop import x` counts as lop.x and lop)."""
    try:
        tree = ast.parse(path.read_text())
    except (SyntaxError, UnicodeDecodeError):
        return set()
    out = set()
    if path.name == "__init__.py":  # `from . import x` inside a package's __init__ is relative to the package
        pkg = modname or ""
    else:
        pkg = modname.rsplit(".", 1)[0] if modname and "." in modname else ""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import inside a package
                anchor = pkg.split(".")[: max(0, len(pkg.split(".")) - node.level + 1)]
                base = ".".join([*anchor, base] if base else anchor)
            out.add(base)
            out |= {f"{base}.{a.name}" for a in node.names}
    return out


def _python_files(root: Path) -> list[str]:
    return [str(p.relative_to(root)) for d in ("lop", "paper_checks", "tests", "workflow") for p in (root / d).rglob("*.py")]


def select_tests(rel_file: str, root: Path = REPO_ROOT, depth: int = IMPORT_DEPTH) -> list[str]:
    """Test modules covering `rel_file` (see the module docstring)."""
    files = _python_files(root)
    mods = {f: _module_name(f) for f in files}
    imports = {f: _imports(root / f, mods[f]) for f in files}
    target = _module_name(rel_file)
    covering = {target} if target else set()
    frontier = set(covering)
    packages = {mods[f] for f in files if f.endswith("__init__.py")}
    level = 0
    while frontier and level <= depth:  # modules importing a covering module cover it too
        new = {mods[f] for f in files if mods[f] and not f.startswith("tests/") and imports[f] & frontier} - covering
        if level == depth:
            new &= packages  # past the depth only packages re-exporting it (`from lop.theory import er2`)
        covering |= new
        frontier = new
        level += 0 if new and new <= packages else 1
    out = []
    for f in files:
        if not (f.startswith("tests/") and Path(f).name.startswith("test_")) or f.startswith(EXCLUDED_TEST_DIRS):
            continue
        if f in SELF_TESTS:
            continue
        by_path = not target or rel_file.startswith("workflow/")  # scripts and data files are run / read by path
        text = (root / f).read_text() if by_path else ""
        if imports[f] & covering or by_path and (rel_file in text or Path(rel_file).name in text):
            out.append(f)
    return sorted(out)


# ---- running -------------------------------------------------------------------------------------------

def copy_tree(root: Path, dest: Path) -> Path:
    """The checkout's tracked + untracked-not-ignored files (what git would commit), copied to dest."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=root, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = root / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def run_tests(tree: Path, tests: list[str], timeout_s: int) -> tuple[int, float, str]:
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-o", "addopts=", *tests]
    t0 = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return -1, time.monotonic() - t0, "timeout"
    lines = proc.stdout.strip().splitlines()
    failed = [ln for ln in lines if ln.startswith(("FAILED", "ERROR"))][:3]
    return proc.returncode, time.monotonic() - t0, "; ".join(failed) or (lines[-1] if lines else "")


def apply(tree: Path, m: Mutant) -> str:
    """Apply m to the copy; returns the original text (to restore). The change must match exactly once."""
    path = tree / m.file
    text = path.read_text()
    if text.count(m.old) != 1:
        raise ValueError(f"mutant {m.id}: {m.file} contains {text.count(m.old)} copies of the text to change "
                         f"(need exactly 1); update MUTANTS in paper_checks/mutants.py")
    path.write_text(text.replace(m.old, m.new))
    return text


def run(mutants=None, root: Path = REPO_ROOT, timeout_s: int = 900, only=None, out=None) -> list[dict]:
    out = out or (lambda line: print(line, flush=True))
    mutants = [m for m in (mutants or MUTANTS) if not only or m.id in only]
    results = []
    baselines: dict[tuple, tuple] = {}
    with tempfile.TemporaryDirectory(prefix="lop-mutants-") as tmp:
        tree = copy_tree(Path(root), Path(tmp))
        for m in mutants:
            tests = sorted(set(select_tests(m.file, tree)) | set(m.tests))
            key = tuple(tests)
            if key not in baselines:
                baselines[key] = run_tests(tree, tests, timeout_s) if tests else (5, 0.0, "no tests")
            base_rc = baselines[key][0]
            original = apply(tree, m)
            try:
                rc, secs, detail = run_tests(tree, tests, timeout_s) if tests else (5, 0.0, "no tests")
            finally:
                (tree / m.file).write_text(original)
            if base_rc != 0:  # the unmutated selection fails already: it cannot tell us anything
                status = "baseline fails"
            elif rc in (1, 2, 3):  # tests failed, or could not even be collected / run
                status = "caught"
            elif rc == -1:
                status = "timeout"
            else:
                status = "NOT caught"
            row = {"mutant": m.id, "file": m.file, "bug": m.bug, "status": status, "tests": len(tests),
                   "seconds": round(secs, 1), "detail": detail, "below_detectability": m.below_detectability,
                   "selection": tests}
            results.append(row)
            out(f"{m.id:26s} {status:14s} {len(tests):3d} test modules {secs:7.1f} s  {m.bug}"
                + (f"\n{'':26s} caught by: {detail}" if status == "caught" else "")
                + (f"\n{'':26s} why: {m.below_detectability}" if status != "caught" and m.below_detectability else ""))
    caught = sum(r["status"] == "caught" for r in results)
    out(f"{caught} of {len(results)} mutants caught by the tests (regression: not run per mutant, see "
        f"paper_checks/mutants.py); the working tree was not modified")
    return results
