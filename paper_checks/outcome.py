"""What a comparator returns, and how it says that its evidence is missing."""
from __future__ import annotations

from dataclasses import dataclass, field


class EvidenceMissing(LookupError):
    """The evidence a check reads does not exist (yet): the claim is 'not run'."""


@dataclass
class Outcome:
    verdict: str  # a data verdict (paper_checks.DATA_VERDICTS) or, for exact checks, holds / fails
    measured: str  # the measured value(s), as shown in the report
    evidence: str  # what was read (table + filter, test nodes, config)
    effect: object = None  # paper_checks.stats.Effect of a data check (per-seed values, interval)
    n_seeds: int | None = None  # seeds behind a data check (also when the table holds seed means only)
    details: list = field(default_factory=list)  # e.g. per test case: (node, residual, tolerance)
