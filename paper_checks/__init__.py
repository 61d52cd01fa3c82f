"""paper_checks: the audit of every claim of the paper (arXiv 2510.00304 v1) against the pipeline's outputs.

- `registry`     the claims (paper_checks/claims/*.yaml): the single source of truth.
- `comparators`  how a claim's evidence (figure table, theory table) becomes a verdict; `comparators_code`
                 the same for test results, the resolved config and source code; `outcome` their result type.
- `checker`      evaluates every claim at a preset; a verdict is always computed, never copied.
- `report`       Markdown + HTML report with the compute ledger (`ledger`).
- `references`   the data-level regression of the 18 figure tables against committed reference values.

Command line: `python -m paper_checks {report,compare,update-references,list,coverage} --preset small`.
"""

VERDICTS = ("supported", "contradicted", "inconclusive at this preset", "not run")
SUPPORTED, CONTRADICTED, INCONCLUSIVE, NOT_RUN = VERDICTS

# The 18 figures of v1 (PAPER.md section 6), in the paper's order.
FIGURES = ("fig2_1", "fig3_1", "fig3_2", "fig4_1") + tuple(f"figB_{i}" for i in range(1, 15))


def figure_dir(preset: str, root=None) -> str:
    """Where the PDFs of `preset` live, relative to the checkout: figures/ for config.yaml's default preset
    (what a user types: `snakemake figures/fig3_1.pdf`), figures/<preset>/ for any other, so that figures of
    different presets never overwrite each other. workflow/rules/figures.smk and the report both use this."""
    from pathlib import Path

    import yaml

    root = Path(root) if root is not None else Path(__file__).resolve().parent.parent
    default = yaml.safe_load((root / "config.yaml").read_text())["preset"]
    return "figures" if preset == default else f"figures/{preset}"
