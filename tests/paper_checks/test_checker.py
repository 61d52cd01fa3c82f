"""The checker end to end on synthetic tables and claims files: verdicts are computed, presets gate
them, missing evidence is 'not run', the report is written, and the exit status reflects only checker
failures. Also: the real registry is valid and covers PAPER.md sections 2, 3, 6 and 7."""
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from pc_helpers import curve_table, write_claims
from paper_checks import FIGURES, INCONCLUSIVE, NOT_RUN, SUPPORTED, CONTRADICTED
from paper_checks import checker, registry
from paper_checks.__main__ import main
from paper_checks.tests_evidence import read_junit

CLAIMS = """
- id: dead-rises
  for_each: {arch: [mlp, cnn]}
  claim: "{arch}: dead fraction rises"
  location: "Fig. 3.1"
  kind: figure
  figure: fig3_1
  presets: [small, paper]
  checks:
    - {comparator: trend, table: fig3_1, where: {arch: "{arch}"}, direction: up, min_change: 0.02}
- id: paper-only
  claim: "mlp: dead fraction rises (needs paper scale)"
  location: "Fig. 3.1"
  kind: figure
  presets: [paper]
  checks:
    - {comparator: trend, table: fig3_1, where: {arch: mlp}, direction: up, min_change: 0.02}
- id: no-table
  claim: "rank falls"
  location: "Fig. 3.2"
  kind: figure
  checks:
    - {comparator: trend, table: fig3_2, where: {arch: mlp}, direction: down}
- id: printed-wrong
  claim: "a statement the tests refute"
  location: "Lemma X"
  kind: erratum
  corrected_statement: "what holds instead"
  checks:
    - {comparator: pytest, asserts: negation, nodes: ["tests/t.py::test_counterexample"]}
- id: theorem
  claim: "a theorem the tests confirm"
  location: "Thm Y"
  kind: theorem
  checks:
    - {comparator: pytest, nodes: ["tests/t.py::test_ok"]}
- id: theorem-broken
  claim: "a theorem a test fails"
  location: "Thm Z"
  kind: theorem
  checks:
    - {comparator: pytest, nodes: ["tests/t.py::test_bad"]}
"""


def junit(path, cases):
    suite = ET.Element("testsuite")
    for name, status in cases.items():
        case = ET.SubElement(suite, "testcase", classname="tests.t", name=name)
        if status != "passed":
            ET.SubElement(case, {"failed": "failure", "skipped": "skipped"}[status])
    ET.ElementTree(ET.Element("testsuites")).getroot().append(suite)
    ET.ElementTree(suite).write(path)


@pytest.fixture
def setup(root):
    curve_table({("mlp", "symptom", "dead_fraction"): lambda s, k: 0.1 + s / 1000 + 0.001 * k,
                 ("cnn", "symptom", "dead_fraction"): lambda s, k: 0.5 - s / 1000}
                ).to_csv(root / "results/small/figures/fig3_1.csv", index=False)
    (root / "tests").mkdir()
    (root / "tests/t.py").write_text("")
    junit(root / "junit.xml", {"test_counterexample[a]": "passed", "test_counterexample[b]": "passed",
                               "test_ok": "passed", "test_bad": "failed"})
    return root, write_claims(root / "claims", CLAIMS)


def test_verdicts_are_computed(setup):
    root, claims_dir = setup
    claims = registry.load(claims_dir)
    ctx = checker.Context("small", root=root, tests=read_junit(root / "junit.xml", root))
    results, errors = checker.run(claims, ctx)
    v = {r.claim.id: r for r in results}
    assert not errors
    assert v["dead-rises[mlp]"].verdict == SUPPORTED
    assert v["dead-rises[cnn]"].verdict == CONTRADICTED
    assert v["paper-only"].verdict == INCONCLUSIVE and "at small the data read: supported" in v["paper-only"].note
    assert v["no-table"].verdict == NOT_RUN
    assert v["printed-wrong"].verdict == CONTRADICTED  # the counterexample tests pass
    assert v["theorem"].verdict == SUPPORTED
    assert v["theorem-broken"].verdict == CONTRADICTED
    # at the paper preset the same data decide the paper-only claim (tables are per preset: none there)
    results, _ = checker.run(claims, checker.Context("paper", root=root))
    assert {r.claim.id: r.verdict for r in results}["paper-only"] == NOT_RUN


def test_without_test_results_test_claims_are_not_run(setup):
    root, claims_dir = setup
    results, _ = checker.run(registry.load(claims_dir), checker.Context("small", root=root, tests=None))
    assert {r.claim.id: r.verdict for r in results}["theorem"] == NOT_RUN


def test_report_written_and_exit_status_ignores_contradictions(setup):
    root, claims_dir = setup
    rc = main(["report", "--preset", "small", "--root", str(root), "--claims", str(claims_dir),
               "--junit", str(root / "junit.xml"), "--references", str(root / "norefs")])
    assert rc == 0  # contradicted claims are findings, not checker failures
    md = (root / "results/small/paper_checks/report.md").read_text()
    html = (root / "results/small/paper_checks/report.html").read_text()
    assert "**contradicted**" in md and "what holds instead" in md and "Compute ledger" in md
    assert "dead-rises[mlp]" in html and "<table>" in html and 'class="contradicted"' in html
    assert "../../../figures/fig3_1.pdf" in md


def test_checker_failure_sets_exit_status(setup, tmp_path):
    root, claims_dir = setup
    bad = write_claims(tmp_path / "bad", "- {id: x, claim: y, location: z, kind: figure, checks: [{comparator: nope}]}\n")
    assert main(["report", "--preset", "small", "--root", str(root), "--claims", str(bad)]) == 2
    # a comparator crashing on a wrong parameter is a checker error too (exit 1), after the report is written
    crash = write_claims(tmp_path / "crash", """
    - id: c
      claim: y
      location: z
      kind: figure
      checks: [{comparator: trend, table: fig3_1, where: {arch: mlp}, x_range: [0]}]
    """)
    assert main(["report", "--preset", "small", "--root", str(root), "--claims", str(crash)]) == 1
    assert "Checker errors" in (root / "results/small/paper_checks/report.md").read_text()


@pytest.mark.parametrize("text, message", [
    ("- {id: a, claim: b, location: c, kind: figure}", "lacks"),
    ("- {id: a, claim: b, location: c, kind: poem, checks: [{comparator: trend}]}", "kind"),
    ("- {id: a, claim: b, location: c, kind: erratum, checks: [{comparator: trend, table: fig3_1}]}", "corrected_statement"),
    ("- {id: a, claim: b, location: c, kind: figure, checks: [{comparator: trend, table: fig9_9}]}", "unknown table"),
    ("- {id: a, claim: b, location: c, kind: figure, verdict: supported, checks: [{comparator: trend}]}", "unknown keys"),
    ("- {id: a, claim: b, location: c, kind: figure, checks: [{comparator: trend}]}\n"
     "- {id: a, claim: b, location: c, kind: figure, checks: [{comparator: trend}]}", "duplicate"),
])
def test_malformed_registry_is_rejected(tmp_path, text, message):
    with pytest.raises(registry.RegistryError, match=message):
        registry.load(write_claims(tmp_path / "c", text + "\n"))


def test_the_real_registry_is_valid_and_complete():
    claims = registry.load()
    ids = {c.id for c in claims}
    figures = {c.figure for c in claims if c.figure} | {chk["table"] for c in claims for chk in c.checks if "table" in chk}
    assert set(FIGURES) <= figures, f"figures without a claim: {set(FIGURES) - figures}"
    # PAPER.md section 2 rows
    for row in ("def-2.1", "thm-2.1-1-frozen", "thm-2.1-2-cloning", "remark-2.3", "thm-2.2-modular-cloning",
                "thm-a2-1-row-sums", "lemma-a1", "lemma-a2", "lemma-a3", "thm-3.1", "kappa-relu-bias-values",
                "kappa-tanh-gain", "def-a2-stability", "alpha-june-draft"):
        assert row in ids, row
    # PAPER.md section 7 items 1..11
    for k in range(1, 12):
        assert any(i.startswith(f"d{k}-") for i in ids), f"discrepancy {k} missing"
    # section 3 numbers
    assert {"numbers-continual", "numbers-cloning", "numbers-bitflip"} <= ids
    # every test node named exists as a file (a typo would make a claim 'not run' forever)
    root = checker.REPO_ROOT
    for node in checker.test_nodes(claims):
        assert (root / node.split("::")[0]).exists(), node


def test_helper_findings_coverage_is_reported(tmp_path):
    (tmp_path / "findings_x.yaml").write_text("- {id: f1, claim: a, verdict_small: supported}\n- {id: f2, claim: b}\n")
    claims = registry.load(write_claims(tmp_path / "c", """
    - {id: a, claim: b, location: c, kind: figure, source: "findings_x.yaml#f1", checks: [{comparator: std_is_seed_std}]}
    """))
    cov = registry.coverage(claims, registry.helper_findings(tmp_path))
    assert cov == {"findings_x.yaml#f1": ["a"], "findings_x.yaml#f2": []}
