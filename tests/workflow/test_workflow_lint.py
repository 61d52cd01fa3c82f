"""The Snakemake workflow template's own checks as tests: `snakemake --lint` is clean and the Snakefile
and rules are formatted by snakefmt (its settings: [tool.snakefmt] in pyproject.toml)."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from checkout_copy import copy_checkout, snakemake

REPO = Path(__file__).resolve().parents[2]
SMK_FILES = ["Snakefile", *sorted(str(p.relative_to(REPO)) for p in (REPO / "workflow" / "rules").glob("*.smk"))]


@pytest.mark.parametrize("preset", ["small", "cpu"])
def test_snakemake_lint_is_clean(tmp_path, preset):
    """In a private copy: a lint run writes .snakemake/log. Exit 0 and no lint lines."""
    p = snakemake(copy_checkout(tmp_path), "--lint", "--config", f"preset={preset}", check=False, timeout=600)
    out = p.stdout + p.stderr
    assert p.returncode == 0 and "Congratulations, your workflow is in a good condition!" in out, out[-4000:]


def snakefmt() -> str:
    exe = Path(sys.executable).parent / "snakefmt"
    found = str(exe) if exe.is_file() else shutil.which("snakefmt")
    if not found:
        pytest.fail("snakefmt not installed: it is in the dev extra (`pip install -e '.[dev]'`)")
    return found


def test_snakefile_and_rules_are_snakefmt_formatted():
    p = subprocess.run([snakefmt(), "--check", "--diff", *SMK_FILES], cwd=REPO, capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, (
        "run `snakefmt Snakefile workflow/rules/*.smk` (settings in pyproject.toml):\n" + (p.stdout + p.stderr)[-6000:])


def test_snakefmt_check_catches_an_unformatted_rule(tmp_path):
    """The format test above would pass vacuously if snakefmt checked nothing."""
    bad = tmp_path / "bad.smk"
    bad.write_text('rule x:\n    output:   "a.txt"\n    shell:  "touch {output}"\n')
    p = subprocess.run([snakefmt(), "--check", str(bad)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert p.returncode == 1, p.stdout + p.stderr
