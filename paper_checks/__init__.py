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

# The 18 figures of v1, in the paper's order: the names of the figure registry (lop.figures).
from lop.figures import NAMES as FIGURES  # noqa: E402
