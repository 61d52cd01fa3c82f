"""Evaluate every registry claim at one preset: the verdicts are computed here, from the evidence.

Evidence: figure tables results/<preset>/figures/<fig>.csv, the theory table results/theory/activations.csv,
test results (junit XML), the resolved config of each preset. A missing piece makes a claim 'not run'; a
claim whose `presets` exclude the current one is 'inconclusive at this preset' (the data's reading is
kept as a note). A comparator that crashes is a failure of the checker (collected in `errors`), not a
verdict.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import CONTRADICTED, FIGURES, INCONCLUSIVE, NOT_RUN, SUPPORTED
from .comparators import COMPARATORS, EvidenceMissing, combine
from .registry import Claim

REPO_ROOT = Path(__file__).resolve().parent.parent
THEORY_TABLE = "theory/activations"


@dataclass
class Result:
    claim: Claim
    verdict: str
    measured: list = field(default_factory=list)  # one line per check
    evidence: list = field(default_factory=list)
    note: str = ""


class Context:
    """What the comparators may read. Paths are relative to `root` (the checkout)."""

    def __init__(self, preset: str, root: Path = REPO_ROOT, tests: dict | None = None):
        self.preset, self.root, self.tests = preset, Path(root), tests
        self.results = self.root / "results" / preset
        self._tables: dict[str, pd.DataFrame] = {}

    def table_path(self, name: str) -> Path:
        if name == THEORY_TABLE:
            return self.root / "results" / "theory" / "activations.csv"
        return self.results / "figures" / f"{name}.csv"

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            p = self.table_path(name)
            if not p.exists():
                raise EvidenceMissing(f"{p.relative_to(self.root)} does not exist (build it with snakemake)")
            self._tables[name] = pd.read_csv(p)
        return self._tables[name]

    def available_figures(self) -> list[str]:
        return [f for f in FIGURES if self.table_path(f).exists()]

    def config(self, preset: str) -> dict:
        return _resolved(preset)


@lru_cache(maxsize=None)
def _resolved(preset: str) -> dict:
    from lop.config import resolve_config

    return resolve_config(preset=preset)


def evaluate(claim: Claim, ctx: Context, errors: list) -> Result:
    verdicts, measured, evidence = [], [], []
    for check in claim.checks:
        fn = COMPARATORS[check["comparator"]]
        try:
            out = fn(ctx, check)
        except EvidenceMissing as e:
            verdicts.append(NOT_RUN)
            measured.append(f"not run: {e}")
            evidence.append(check.get("table") or check["comparator"])
            continue
        except Exception:  # a defect of the checker or of the claim's parameters: report it, keep going
            errors.append(f"{claim.id}: {check['comparator']} crashed:\n{traceback.format_exc()}")
            verdicts.append(NOT_RUN)
            measured.append("checker error (see errors)")
            evidence.append(check.get("table") or check["comparator"])
            continue
        if check.get("negate"):  # the claim is that the comparison FAILS (e.g. printed numbers not reproducible)
            out.verdict = {SUPPORTED: CONTRADICTED, CONTRADICTED: SUPPORTED}.get(out.verdict, out.verdict)
            out.measured = "comparison expected to fail: " + out.measured
        verdicts.append(out.verdict)
        measured.append(out.measured)
        evidence.append(out.evidence)
    verdict = combine(verdicts, claim.combine)
    note = ""
    if verdict == INCONCLUSIVE:
        note = "effect within seed noise (2 standard errors) or below the claim's threshold"
    if verdict != NOT_RUN and not claim.meaningful_at(ctx.preset):
        note = f"needs preset {'/'.join(claim.presets)}; at {ctx.preset} the data read: {verdict}"
        verdict = INCONCLUSIVE
    return Result(claim, verdict, measured, evidence, note)


def run(claims: list[Claim], ctx: Context) -> tuple[list[Result], list[str]]:
    errors: list[str] = []
    return [evaluate(c, ctx, errors) for c in claims], errors


def test_nodes(claims: list[Claim]) -> list[str]:
    """Every pytest node id the registry reads."""
    return sorted({n for c in claims for chk in c.checks if chk["comparator"] == "pytest" for n in chk["nodes"]})
