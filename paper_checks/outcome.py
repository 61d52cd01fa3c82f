"""What a comparator returns, and how it says that its evidence is missing."""
from __future__ import annotations

from dataclasses import dataclass


class EvidenceMissing(LookupError):
    """The evidence a check reads does not exist (yet): the claim is 'not run'."""


@dataclass
class Outcome:
    verdict: str  # one of paper_checks.VERDICTS
    measured: str  # the measured value(s), as shown in the report
    evidence: str  # what was read (table + filter, test nodes, config)
