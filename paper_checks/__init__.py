"""paper_checks: the audit of every claim of the paper (arXiv 2510.00304 v1) against the pipeline's outputs.

- `registry`     the claims (paper_checks/claims/*.yaml): the single source of truth.
- `comparators`  how a claim's evidence (figure table, theory table) becomes per-seed effects; `stats` the
                 verdict engine (t intervals, power, Benjamini-Hochberg); `comparators_code` the exact checks
                 (test results, resolved config); `outcome` their result type.
- `checker`      evaluates every claim at a preset; a verdict is always computed, never copied.
- `verdicts`     results/<preset>/paper_checks/verdicts.csv (one row per claim); `report` renders it
                 to Markdown + HTML with the compute ledger (`ledger`).
- `mutants`      planted bugs applied one at a time to a copy of the tree: do the tests catch them?
- `references`   the data-level regression of the 18 figure tables against committed reference values.

Command line: `python -m paper_checks {report,compare,update-references,list,coverage,mutants} --preset small`.
"""

# Check-level outcomes of exact checks (tests, config, the deterministic theory table).
HOLDS, FAILS = "holds", "fails"
# Claim-level labels. Data-decided claims (figure tables over seeds) get the verdict engine's vocabulary
# (paper_checks.stats); everything else is labelled for what it is, and is never counted as data evidence.
# A contradicted claim says which way: `opposite` (the data go the other way) or `smaller than claimed`
# (the right direction, short of the threshold): at a small scale the second is not "the paper is wrong".
REPRODUCED, OPPOSITE, SMALLER, NOT_RESOLVED, UNDERPOWERED, NOT_RUN = (
    "reproduced", "opposite", "smaller than claimed", "not resolved", "underpowered", "not run")
CONTRADICTED = (OPPOSITE, SMALLER)
DATA_VERDICTS = (REPRODUCED, OPPOSITE, SMALLER, NOT_RESOLVED, UNDERPOWERED, NOT_RUN)
PROVEN, TEST_FAILS = "proven by test", "fails its test"  # theorems: the named tests pass / fail
CONFIGURED, CONFIG_DIFFERS = "configured as stated", "configured differently"  # a config equals the paper's value
ERRATUM, ERRATUM_NOT_SHOWN = "erratum", "erratum not shown"  # the printed statement is false (tests show it)
FINDING, FINDING_NOT_SHOWN = "finding", "finding not shown"  # a discrepancy with upstream / our own finding
LABELS = {"theorem": (PROVEN, TEST_FAILS), "number": (CONFIGURED, CONFIG_DIFFERS), "erratum": (ERRATUM, ERRATUM_NOT_SHOWN),
          "discrepancy": (FINDING, FINDING_NOT_SHOWN), "finding": (FINDING, FINDING_NOT_SHOWN)}
VERDICTS = DATA_VERDICTS + tuple(v for pair in LABELS.values() for v in pair if v not in DATA_VERDICTS)

# The 18 figures of v1, in the paper's order: the names of the figure registry (lop.figures).
from lop.figures import NAMES as FIGURES  # noqa: E402


def figure_dir(preset: str, root=None) -> str:
    """Where the PDFs of `preset` live, relative to the checkout: figures/ for config.yaml's default preset
    (what a user types: `snakemake figures/fig3_1.pdf`), figures/<preset>/ for any other, so that figures of
    different presets never overwrite each other. workflow/rules/figures.smk and the report both use this."""
    from pathlib import Path

    import yaml

    root = Path(root) if root is not None else Path(__file__).resolve().parent.parent
    default = yaml.safe_load((root / "config.yaml").read_text())["preset"]
    return "figures" if preset == default else f"figures/{preset}"
