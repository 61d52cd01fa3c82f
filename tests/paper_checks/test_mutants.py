"""The mutants command: every planted change still applies to the tree, the test selection follows
imports and paths, and a run on a scratch repository reports caught / not caught without touching it."""
import subprocess
import textwrap
from pathlib import Path

from paper_checks import mutants
from paper_checks.mutants import MUTANTS, Mutant, select_tests

REPO = Path(__file__).resolve().parents[2]


def test_every_mutant_applies_exactly_once_to_the_tree():
    assert len(MUTANTS) >= 10 and len({m.id for m in MUTANTS}) == len(MUTANTS)
    for m in MUTANTS:
        assert (REPO / m.file).read_text().count(m.old) == 1, f"{m.id}: {m.file} no longer holds the text it changes"


def test_selection_follows_imports_and_paths():
    # lop.theory re-exports measures: the theorem tests import `lop.theory` and are selected
    assert "tests/theory/test_lemma_a3_theorem_3_1.py" in select_tests("lop/theory/measures.py", REPO)
    # figure scripts are run by path
    assert "tests/figures/test_drawn_conventions.py" in select_tests("workflow/figures/fig4_1.py", REPO)
    # real snakemake runs are the regression's job, never selected per mutant
    assert not [t for t in select_tests("lop/metrics.py", REPO) if t.startswith("tests/workflow/pipeline")]


def _scratch_repo(tmp_path):
    (tmp_path / "lop").mkdir()
    (tmp_path / "lop/__init__.py").write_text("")
    (tmp_path / "lop/calc.py").write_text("def double(x):\n    return 2 * x\n\n\ndef unused():\n    return 1\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/test_calc.py").write_text(textwrap.dedent("""
        from lop.calc import double

        def test_double():
            assert double(3) == 6
    """))
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    return tmp_path


def test_run_on_a_scratch_repository(tmp_path):
    root = _scratch_repo(tmp_path)
    before = (root / "lop/calc.py").read_text()
    planted = [Mutant("wrong-factor", "lop/calc.py", "return 2 * x", "return 3 * x", "doubles wrongly"),
               Mutant("dead-code", "lop/calc.py", "return 1", "return 2", "changes unused code",
                      below_detectability="no caller")]
    lines = []
    res = mutants.run(planted, root=root, timeout_s=120, out=lines.append)
    assert [r["status"] for r in res] == ["caught", "NOT caught"]
    assert res[0]["selection"] == ["tests/test_calc.py"] and "test_double" in res[0]["detail"]
    assert "1 of 2 mutants caught" in lines[-1] and "why: no caller" in lines[1]
    assert (root / "lop/calc.py").read_text() == before  # the tree itself is never mutated
