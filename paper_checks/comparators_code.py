"""Exact checks: test results and the resolved config (holds / fails; never counted as data evidence)."""
from __future__ import annotations

import math

from . import FAILS, HOLDS
from .outcome import EvidenceMissing, Outcome


def pytest_nodes(ctx, c):
    """The named tests pass (holds) or some fail (fails). asserts: negation documents that the tests
    demonstrate the printed statement is false (an erratum): passing tests then show the erratum."""
    from .tests_evidence import FAILED, PASSED, outcomes_for, residuals_for

    if ctx.tests is None:
        raise EvidenceMissing("no test results (run `report --run-tests` or pass --junit)")
    statuses = {n: outcomes_for(n, ctx.tests) for n in c["nodes"]}
    missing = [n for n, s in statuses.items() if not s or all(x != PASSED and x != FAILED for x in s)]
    if missing:
        raise EvidenceMissing(f"tests not run or skipped: {missing}")
    failed = [n for n, s in statuses.items() if FAILED in s]
    n_cases = sum(len(s) for s in statuses.values())
    negation = c.get("asserts", "claim") == "negation"
    details = [(nid, *props) for n in c["nodes"] for nid, props in residuals_for(n, ctx.tests).items()]
    if failed:
        verdict, measured = FAILS, f"{len(failed)} of {len(statuses)} test nodes FAIL: {failed}"
    else:
        verdict = HOLDS
        measured = f"{n_cases} test cases pass" + (" (they demonstrate the printed statement fails)" if negation else "")
    shown = [f"{nid.split('::')[-1]}: residual {r:.3g} vs tolerance {t:.3g}" for nid, r, t in details]
    if shown:
        measured += "; " + "; ".join(shown[:12]) + (f"; ... {len(shown) - 12} more" if len(shown) > 12 else "")
    return Outcome(verdict, measured, "pytest " + " ".join(c["nodes"]), details=details)


def _get(cfg: dict, dotted: str):
    cur = cfg
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            raise EvidenceMissing(f"config has no key {dotted!r}")
        cur = cur[part]
    return cur


def _equal(got, want) -> bool:
    """Equality of config values; numbers compare with rtol 1e-9 (YAML 1.0e-3 vs 0.001), bools exactly."""
    if isinstance(want, dict):
        return isinstance(got, dict) and set(got) == set(want) and all(_equal(got[k], want[k]) for k in want)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(_equal(g, w) for g, w in zip(got, want))
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return math.isclose(got, want, rel_tol=1e-9, abs_tol=0.0)
    return got == want


def config(ctx, c):
    """Resolved config values equal the paper's (or upstream's) numbers. An item is read at the preset the
    report is for (an item may name another preset explicitly): "configured as stated" at a small preset
    means that preset runs with the paper's value, and a scaled-down value reads "configured differently"."""
    bad, shown = [], []
    for item in c["items"]:
        preset = item.get("preset", ctx.preset)
        got = _get(ctx.config(preset), item["key"])
        want = item["equals"]
        same = _equal(got, want)
        shown.append(f"{preset}:{item['key']}={got}")
        if not same:
            bad.append(f"{preset}:{item['key']}={got} (expected {want})")
    verdict = FAILS if bad else HOLDS
    return Outcome(verdict, ("MISMATCH " + "; ".join(bad)) if bad else "; ".join(shown), "config.yaml (resolved presets)")
