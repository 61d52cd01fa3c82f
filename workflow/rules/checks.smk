# paper_checks: the audit and the `all` target.
#   snakemake -c2 paper_checks   -> results/<preset>/paper_checks/verdicts.csv (one row per claim) and
#                                   report.{md,html} rendered from it
#   snakemake -c2 all            -> the 18 figures of v1 + the report (the default target, see below)
# The claims live in paper_checks/claims/*.yaml; the checker computes every verdict from the figure
# tables, the theory table, the tests the registry names (run here, junit XML beside the report) and the
# resolved config. The rule fails only if the checker itself fails, never on a contradicted claim.
PC_OUT = f"{RESULTS}/paper_checks"


localrules:
    all,


# The front page of `snakemake --report report.html` (figures: category Figures, the audit: Audit).
report: "../report/workflow.rst"


# The default target. Snakemake restores the default target after each `include:`, so a rule in an
# included file cannot make itself the default (`default_target: True` below only documents the intent);
# the Snakefile sets it after its includes: `workflow.default_target = "all"`.
rule all:
    default_target: True
    input:
        expand(f"{FIGURE_DIR}/{{fig}}.pdf", fig=NAMES),
        f"{PC_OUT}/verdicts.csv",
        f"{PC_OUT}/report.md",
        f"{PC_OUT}/report.html",


rule paper_checks:
    input:
        tables=expand(f"{RESULTS}/figures/{{fig}}.csv", fig=NAMES),
        theory="results/theory/activations.csv",
    output:
        verdicts=f"{PC_OUT}/verdicts.csv",
        md=f"{PC_OUT}/report.md",
        html=report(f"{PC_OUT}/report.html", caption="../report/paper_checks.rst", category="Audit"),
        junit=f"{PC_OUT}/pytest.xml",
    log:
        f"{RESULTS}/logs/paper_checks/report.log",
    benchmark:
        f"{RESULTS}/benchmarks/paper_checks/report.tsv"
    conda:
        ENV
    threads: 1  # one pytest process: two xdist workers plus the controller peaked at 3.4 GB (three torch imports)
    params:
        preset=PRESET,
        code=claims_hash(),
    script:
        "../scripts/paper_checks_report.py"
