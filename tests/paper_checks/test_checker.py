"""The checker end to end on synthetic tables and claims files: 2 seeds are underpowered, 6 seeds get
verdicts, Benjamini-Hochberg demotes a marginal one, labels for tests / config / errata, gating keeps the
data's reading, verdicts.csv is written and the report rendered from it with that preset's figure links,
the exit status reflects only checker failures. Also: the real registry is valid, covers the
paper's theorems and lemmas, its stated numbers, every figure and audit findings d1-d11, and holds one
claim per piece of evidence."""
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from pc_helpers import curve_table, write_claims
from paper_checks import (CONFIGURED, ERRATUM, FIGURES, FINDING, NOT_RESOLVED, NOT_RUN, OPPOSITE, PROVEN, REPRODUCED,
                          TEST_FAILS, UNDERPOWERED)
from paper_checks import checker, registry, verdicts
from paper_checks.report import markdown
from paper_checks.__main__ import main
from paper_checks.tests_evidence import read_junit

CLAIMS = """
- id: dead-rises
  for_each: {arch: [mlp, cnn]}
  claim: "{arch}: dead fraction rises"
  location: "Fig. 3.1, left axis"
  kind: figure
  rationale: "two points of a fraction"
  figures: [fig3_1, figB_6]
  checks:
    - {comparator: trend, table: fig3_1, where: {arch: "{arch}"}, direction: up, min_change: 0.02}
- id: paper-only
  claim: "mlp: dead fraction rises (needs paper scale)"
  location: "Fig. 3.1"
  kind: figure
  rationale: "two points of a fraction"
  presets: [paper]
  scale_reason: "the text names 40 tasks"
  checks:
    - {comparator: trend, table: fig3_1, where: {arch: mlp}, direction: up, min_change: 0.02}
- id: marginal
  claim: "resnet: dead fraction rises a little"
  location: "Fig. 3.1"
  kind: figure
  rationale: "direction only"
  checks:
    - {comparator: trend, table: fig3_1, where: {arch: resnet}, direction: up, min_change: 0.0}
- id: flat
  claim: "vit: dead fraction rises"
  location: "Fig. 3.1"
  kind: figure
  rationale: "direction only"
  checks:
    - {comparator: trend, table: fig3_1, where: {arch: vit}, direction: up, min_change: 0.0}
- id: no-table
  claim: "rank falls"
  location: "Fig. 3.2"
  kind: figure
  rationale: "direction only"
  checks:
    - {comparator: trend, table: fig3_2, where: {arch: mlp}, direction: down, min_change: 0.0}
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
- id: configured
  claim: "the paper runs 500 steps per task"
  location: "Sec. 3"
  kind: number
  checks:
    - comparator: config
      items: [{preset: paper, key: continual.steps_per_task, equals: 500}]
"""
NOISE = [0.003, -0.002, 0.001, -0.003, 0.002, -0.001]


def junit(path, cases):
    suite = ET.Element("testsuite")
    for name, status in cases.items():
        case = ET.SubElement(suite, "testcase", classname="tests.t", name=name)
        if status == "residual":
            props = ET.SubElement(case, "properties")
            ET.SubElement(props, "property", name="residual", value="1e-13")
            ET.SubElement(props, "property", name="tolerance", value="1e-12")
        elif status != "passed":
            ET.SubElement(case, {"failed": "failure", "skipped": "skipped"}[status])
    ET.ElementTree(ET.Element("testsuites")).getroot().append(suite)
    ET.ElementTree(suite).write(path)


def _tables(root, preset, seeds):
    (root / f"results/{preset}/figures").mkdir(parents=True, exist_ok=True)
    curve_table({("mlp", "symptom", "dead_fraction"): lambda s, k: 0.1 + s / 1000 + NOISE[k],
                 ("cnn", "symptom", "dead_fraction"): lambda s, k: 0.5 - s / 1000 + NOISE[k],
                 # per-seed rises 0.00257 + NOISE[k]: t = 2.66 with 5 df, p = 0.045 (its own interval clears 0)
                 ("resnet", "symptom", "dead_fraction"): lambda s, k: 0.2 + (0.00257 + NOISE[k]) * (s > 200),
                 ("vit", "symptom", "dead_fraction"): lambda s, k: 0.3 + NOISE[k] * (s > 200)},  # no change
                seeds=seeds).to_csv(root / f"results/{preset}/figures/fig3_1.csv", index=False)


@pytest.fixture
def setup(root):
    _tables(root, "small", seeds=(0, 1))  # the small preset: two seeds
    _tables(root, "paper", seeds=tuple(range(6)))  # a preset with >= 5 seeds
    (root / "config.yaml").write_text("preset: small\n")  # the default preset decides where figures live
    (root / "tests").mkdir()
    (root / "tests/t.py").write_text("")
    junit(root / "junit.xml", {"test_counterexample[a]": "passed", "test_counterexample[b]": "passed",
                               "test_ok": "residual", "test_bad": "failed"})
    return root, write_claims(root / "claims", CLAIMS)


def _run(root, claims_dir, preset):
    ctx = checker.Context(preset, root=root, tests=read_junit(root / "junit.xml", root))
    results, errors = checker.run(registry.load(claims_dir), ctx)
    assert not errors
    return {r.claim.id: r for r in results}, ctx


def test_two_seeds_are_underpowered_with_seeds_needed(setup):
    v, _ = _run(*setup, "small")
    for cid in ("dead-rises[mlp]", "dead-rises[cnn]", "marginal", "flat"):
        assert v[cid].verdict == UNDERPOWERED and v[cid].decisive.effect.n == 2
        assert v[cid].decisive.effect.seeds_needed >= 2
    assert v["no-table"].verdict == NOT_RUN


def test_six_seeds_get_real_verdicts_labels_and_the_correction(setup):
    v, ctx = _run(*setup, "paper")
    assert v["dead-rises[mlp]"].verdict == REPRODUCED
    assert v["dead-rises[cnn]"].verdict == OPPOSITE  # it falls
    # gated claim: at most not resolved at other presets, the data's reading kept
    assert v["paper-only"].verdict == REPRODUCED  # at the preset it names, decided
    vs, _ = _run(setup[0], setup[1], "small")
    assert "needs preset paper (the text names 40 tasks)" in vs["paper-only"].note
    assert v["printed-wrong"].verdict == ERRATUM  # the counterexample tests pass
    assert v["theorem"].verdict == PROVEN and "residual 1e-13 vs tolerance 1e-12" in v["theorem"].measured[0]
    assert v["theorem-broken"].verdict == TEST_FAILS
    assert v["configured"].verdict == CONFIGURED
    # the marginal claim clears 0 by its own interval (p = 0.045), but not after Benjamini-Hochberg over the
    # family of 6 (3 tiny p-values, 0.045, flat's ~1, no-table's 1): rank 4 needs p <= 4 / 6 * 0.05
    assert v["flat"].verdict == NOT_RESOLVED
    m = v["marginal"]
    assert m.data_read == REPRODUCED and m.verdict == NOT_RESOLVED and "Benjamini-Hochberg" in m.note
    assert m.p_adjusted > 0.05 > m.decisive.effect.p
    assert m.decisive.effect.p == pytest.approx(0.045, abs=0.002)
    assert ctx.family_size == 6 and ctx.expected_false == pytest.approx(0.05 * 3)
    assert "no-table" in ctx.family and v["no-table"].verdict == NOT_RUN and v["no-table"].p_adjusted == 1.0


def test_the_family_is_fixed_by_the_registry_not_by_what_is_built(setup):
    """Building one figure (or none) leaves the family's size, and with it each adjusted p, unchanged."""
    root, claims_dir = setup
    _, full = _run(root, claims_dir, "paper")
    (root / "results/paper/figures/fig3_1.csv").rename(root / "results/paper/fig3_1.csv")
    v, none = _run(root, claims_dir, "paper")
    assert none.family_size == full.family_size == 6 and none.family == full.family
    assert all(v[c].verdict == NOT_RUN for c in none.family)
    # at a preset that gates `paper-only` away, the family is the other five
    _, small = _run(root, claims_dir, "small")
    assert small.family_size == 5 and "paper-only" not in small.family


def test_without_test_results_test_claims_are_not_run(setup):
    root, claims_dir = setup
    results, _ = checker.run(registry.load(claims_dir), checker.Context("small", root=root, tests=None))
    assert {r.claim.id: r.verdict for r in results}["theorem"] == NOT_RUN


def test_verdicts_csv_and_the_report_rendered_from_it(setup):
    root, claims_dir = setup
    rc = main(["report", "--preset", "paper", "--root", str(root), "--claims", str(claims_dir),
               "--junit", str(root / "junit.xml"), "--references", str(root / "norefs")])
    assert rc == 0  # contradicted claims are findings, not checker failures
    out = root / "results/paper/paper_checks"
    df = verdicts.read(out / "verdicts.csv")
    assert list(df.columns[:10]) == ["claim", "kind", "verdict", "n_seeds", "effect", "ci_low", "ci_high", "threshold",
                                     "seeds_needed", "figures"]
    row = df.set_index("claim").loc["dead-rises[mlp]"]
    assert row["verdict"] == REPRODUCED and row["n_seeds"] == 6 and row["ci_low"] < row["effect"] < row["ci_high"]
    assert row["threshold"] == 0.02 and row["figures"] == "fig3_1 figB_6" and len(row["per_seed"].split(";")) == 6
    md = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    assert "**opposite**" in md and "what holds instead" in md and "Compute ledger" in md
    assert "dead-rises[mlp]" in html and "<table>" in html and 'class="opposite"' in html
    assert "**Hypothesis family**: 6 claims" in md and "`no-table`" in md.split("Generated")[0]
    assert "> **Scale**: preset `paper`" in md
    assert row["preset"] == "paper" and row["scale"] == "paper scale" and len(row["registry_hash"]) == 64
    assert row["n_configured"] == row["n_used"] == 6 and row["n_diverged"] == 0
    assert row["per_seed"].startswith("seed0=") and row["seeds"] == ";".join(f"seed{k}" for k in range(6))
    # links point at THIS preset's PDFs (not the default preset's figures/<fig>.pdf)
    assert "../../../figures/paper/fig3_1.pdf" in md and "../../../figures/paper/figB_6.pdf" in md
    assert "Fig. 3.1, left axis" in md and "arch=mlp" in md  # the panel and the evidence filter
    assert not re.search(r"\bnan\b", md)  # empty cells stay empty
    assert ("2 reproduced, 1 opposite, 0 smaller than claimed, 2 not resolved, 0 underpowered, 1 not run of 6 "
            "data-decided claims") in md
    assert "1 proven by test; 1 configured as stated; 1 erratum" in md
    # the report is rendered from the CSV: an edited CSV renders as edited
    df.loc[df["claim"] == "dead-rises[mlp]", "per_seed"] = "0.123456789"
    md2 = markdown(df, "paper", pd.DataFrame(columns=["figure"]), _no_ledger(), None, [], {}, "none")
    assert "0.123456789" in md2
    # the default preset's figures stay figures/<fig>.pdf
    main(["report", "--preset", "small", "--root", str(root), "--claims", str(claims_dir),
          "--junit", str(root / "junit.xml"), "--references", str(root / "norefs")])
    report = (root / "results/small/paper_checks/report.md").read_text()
    assert "../../../figures/fig3_1.pdf" in report and "## Extensions" not in report
    # once `snakemake extensions` has written its section, the report carries it under its own heading
    ext = root / "results/small/extensions/extensions.md"
    ext.parent.mkdir(parents=True)
    ext.write_text("# Extensions: plasticity methods\n\nOur findings.\n\n## mlp\n\n| method |\n|---|\n| redo |\n")
    main(["report", "--preset", "small", "--root", str(root), "--claims", str(claims_dir),
          "--junit", str(root / "junit.xml"), "--references", str(root / "norefs")])
    report = (root / "results/small/paper_checks/report.md").read_text()
    section = report.split("## Extensions (beyond the paper: our findings, not claims of the paper)")[1]
    assert "Our findings." in section and "### mlp" in section and "| redo |" in section
    assert section.index("| redo |") < section.index("## Compute ledger")


def _no_ledger():
    return {"jobs": 0, "wall_s_sum": 0.0, "cpu_s_sum": 0.0, "peak_rss_mb": float("nan"), "over_3gb": []}


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
      rationale: r
      checks: [{comparator: trend, table: fig3_1, where: {arch: mlp}, x_range: [0], min_change: 0.0}]
    """)
    assert main(["report", "--preset", "small", "--root", str(root), "--claims", str(crash)]) == 1
    assert "Checker errors" in (root / "results/small/paper_checks/report.md").read_text()


@pytest.mark.parametrize("text, message", [
    ("- {id: a, claim: b, location: c, kind: figure}", "lacks"),
    ("- {id: a, claim: b, location: c, kind: poem, checks: [{comparator: trend}]}", "kind"),
    ("- {id: a, claim: b, location: c, kind: erratum, checks: [{comparator: pytest, nodes: [t.py::t]}]}", "corrected_statement"),
    ("- {id: a, claim: b, location: c, kind: figure, checks: [{comparator: trend, table: fig9_9}]}", "unknown table"),
    ("- {id: a, claim: b, location: c, kind: figure, rationale: r, checks: [{comparator: trend, table: fig3_1}]}",
     "magnitude threshold"),
    ("- {id: a, claim: b, location: c, kind: figure, checks: [{comparator: trend, table: fig3_1, min_change: 0}]}",
     "rationale"),
    ("- {id: a, claim: b, location: c, kind: figure, rationale: r, presets: [paper], checks: [{comparator: trend, "
     "table: fig3_1, min_change: 0}]}", "scale_reason"),
    ("- {id: a, claim: b, location: c, kind: discrepancy, checks: [{comparator: source_constant, file: x.py}]}",
     "behaviour test"),
    ("- {id: a, claim: b, location: c, kind: discrepancy, checks: [{comparator: std_is_seed_std}]}", "tautology"),
    ("- {id: a, claim: b, location: c, kind: figure, verdict: reproduced, checks: [{comparator: trend}]}", "unknown keys"),
    ("- {id: a, claim: b, location: c, kind: theorem, checks: [{comparator: pytest, nodes: [t.py::t]}]}\n"
     "- {id: a, claim: b, location: c, kind: theorem, checks: [{comparator: pytest, nodes: [t.py::t]}]}", "duplicate"),
])
def test_malformed_registry_is_rejected(tmp_path, text, message):
    with pytest.raises(registry.RegistryError, match=message):
        registry.load(write_claims(tmp_path / "c", text + "\n"))


def test_the_real_registry_is_valid_and_complete():
    claims = registry.load()
    ids = {c.id for c in claims}
    figures = {f for c in claims for f in c.figures} | {chk["table"] for c in claims for chk in c.checks if "table" in chk}
    assert set(FIGURES) <= figures, f"figures without a claim: {set(FIGURES) - figures}"
    # the paper's definitions, theorems and lemmas (Sections 2-3, Appendix A)
    for row in ("def-2.1", "thm-2.1-1-frozen", "thm-2.1-2-cloning", "remark-2.3", "thm-2.2-modular-cloning",
                "thm-a2-1-row-sums", "lemma-a1", "lemma-a2", "lemma-a3", "thm-3.1", "kappa-relu-bias-values",
                "kappa-tanh-gain", "def-a2-stability", "d11-june-alpha"):
        assert row in ids, row
    # audit findings d1..d11 (paper_checks/claims/discrepancies.yaml); d10, the theorem errata, are the errata
    # claims themselves (one claim per piece of evidence)
    for k in (1, 2, 3, 4, 5, 6, 7, 8, 9, 11):
        assert any(i.startswith(f"d{k}-") for i in ids), f"discrepancy {k} missing"
    assert {"thm-a2-1-row-sums", "lemma-a1-strict-at-zero", "lemma-a3-strict-at-zero"} <= ids
    # section 3 numbers
    assert {"numbers-continual", "numbers-cloning", "numbers-bitflip"} <= ids
    # every test node named exists as a file (a typo would make a claim 'not run' forever)
    root = checker.REPO_ROOT
    for node in checker.test_nodes(claims):
        assert (root / node.split("::")[0]).exists(), node


def test_helper_findings_coverage_is_reported(tmp_path):
    (tmp_path / "findings_x.yaml").write_text("- {id: f1, claim: a, verdict_small: supported}\n- {id: f2, claim: b}\n")
    claims = registry.load(write_claims(tmp_path / "c", """
    - {id: a, claim: b, location: c, kind: theorem, source: "findings_x.yaml#f1", checks: [{comparator: pytest, nodes: ["t.py::t"]}]}
    """))
    cov = registry.coverage(claims, registry.helper_findings(tmp_path))
    assert cov == {"findings_x.yaml#f1": ["a"], "findings_x.yaml#f2": []}


def test_the_real_registry_has_one_claim_per_piece_of_evidence():
    """No two claims read the same table, filter, value, window and statistic (merge them and list the figures)."""
    import json

    seen = {}
    for c in registry.load():
        for chk in c.checks:
            if chk["comparator"] not in checker.DATA_COMPARATORS:
                continue
            key = json.dumps({k: v for k, v in chk.items() if k not in ("label_a", "label_b")}, sort_keys=True, default=str)
            assert key not in seen, f"{c.id} and {seen.get(key)} read the same evidence: {key}"
            seen[key] = c.id


def test_the_real_registry_gates_only_with_a_reason():
    for c in registry.load():
        assert c.presets is None or c.scale_reason, c.id


def test_printed_values_that_do_not_reproduce_are_labelled_findings(tmp_path):
    """The real registry on the real theory table: the printed kappa values of ReLU(z + b) (0.221, 0.525,
    2-3e-3 off: a numerical discrepancy) and the June draft's alphas (not in v1) are off by more than
    rounding, so both claims read `finding`."""
    from lop.config import resolve_config
    from lop.theory.table import activation_table

    th = resolve_config(preset="small")["theory"]
    (tmp_path / "results/theory").mkdir(parents=True)
    activation_table(th["activations"], th["relu_bias"], th["tanh_gain"], th["frozen_eps"], th["kernel_r"]).to_csv(
        tmp_path / "results/theory/activations.csv", index=False)
    claims = [c for c in registry.load() if c.id in ("kappa-relu-bias-values", "d11-june-alpha")]
    assert len(claims) == 2
    node = "tests/theory/test_kappa_alpha_frozen.py::test_june_draft_alpha_claims_are_not_the_formula"
    ctx = checker.Context("small", root=tmp_path, tests={node: "passed"})
    for c in claims:
        res = checker.evaluate(c, ctx, errors := [])
        assert not errors and res.verdict == FINDING, (c.id, res.verdict, res.measured)
        assert res.measured[0].startswith("comparison expected to fail: ")


def test_combine_any_pays_for_its_extra_checks(root):
    """A claim that holds when one of k checks does: its p is the best check's times k (Bonferroni)."""
    (root / "config.yaml").write_text("preset: small\n")
    (root / "results/paper/figures").mkdir(parents=True)
    curve_table({("mlp", "symptom", "dead_fraction"): lambda s, k: 0.1 + s / 1000 + NOISE[k],
                 ("cnn", "symptom", "dead_fraction"): lambda s, k: 0.3 + NOISE[k] * (s > 200)},
                seeds=tuple(range(6))).to_csv(root / "results/paper/figures/fig3_1.csv", index=False)
    claims_dir = write_claims(root / "claims", """
    - id: either
      claim: "mlp or cnn: dead fraction rises"
      location: "Fig. 3.1"
      kind: figure
      rationale: r
      combine: any
      checks:
        - {comparator: trend, table: fig3_1, where: {arch: mlp}, direction: up, min_change: 0.0}
        - {comparator: trend, table: fig3_1, where: {arch: cnn}, direction: up, min_change: 0.0}
    """)
    res, _ = checker.run(registry.load(claims_dir), checker.Context("paper", root=root))
    r = res[0]
    assert r.verdict == REPRODUCED and r.p == pytest.approx(min(1.0, 2 * r.decisive.effect.p))


def test_the_real_registrys_family_at_a_preset_does_not_depend_on_what_is_built(root):
    """The decisive preset's family from the registry alone equals the family of a run with one figure built."""
    (root / "config.yaml").write_text("preset: small\n")
    claims = registry.load()
    want = checker.family(claims, "decisive")
    (root / "results/decisive/figures").mkdir(parents=True)
    curve_table({("mlp", "symptom", "dead_fraction"): lambda s, k: 0.1 + s / 1000 + NOISE[k - 5]},
                seeds=tuple(range(5, 10))).to_csv(root / "results/decisive/figures/fig3_1.csv", index=False)
    one, none = checker.Context("decisive", root=root, tests={}), checker.Context("decisive", root=root, tests={})
    checker.run(claims, one)
    (root / "results/decisive/figures/fig3_1.csv").unlink()
    checker.run(claims, none)
    assert one.family == none.family == want and one.family_size == none.family_size == len(want) > 100
