"""Comparators that read test results, the resolved config and source code rather than figure data."""
from __future__ import annotations

import math

from . import CONTRADICTED, INCONCLUSIVE, SUPPORTED
from .outcome import EvidenceMissing, Outcome


def pytest_nodes(ctx, c):
    """Tests that decide the claim. asserts: claim (pass = supported) or negation (the tests demonstrate the
    printed statement fails: pass = contradicted, i.e. an erratum)."""
    from .tests_evidence import FAILED, PASSED, outcomes_for

    if ctx.tests is None:
        raise EvidenceMissing("no test results (run `report --run-tests` or pass --junit)")
    statuses = {n: outcomes_for(n, ctx.tests) for n in c["nodes"]}
    missing = [n for n, s in statuses.items() if not s or all(x != PASSED and x != FAILED for x in s)]
    if missing:
        raise EvidenceMissing(f"tests not run or skipped: {missing}")
    failed = [n for n, s in statuses.items() if FAILED in s]
    n_cases = sum(len(s) for s in statuses.values())
    negation = c.get("asserts", "claim") == "negation"
    if failed:
        verdict = INCONCLUSIVE if negation else CONTRADICTED
        measured = f"{len(failed)} of {len(statuses)} test nodes FAIL: {failed}"
    else:
        verdict = CONTRADICTED if negation else SUPPORTED
        measured = f"{n_cases} test cases pass" + (" (they demonstrate the printed statement fails)" if negation else "")
    return Outcome(verdict, measured, "pytest " + " ".join(c["nodes"]))


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
    """Resolved config values of a preset equal the paper's (or upstream's) numbers."""
    bad, shown = [], []
    for item in c["items"]:
        got = _get(ctx.config(item.get("preset", "paper")), item["key"])
        want = item["equals"]
        same = _equal(got, want)
        shown.append(f"{item.get('preset', 'paper')}:{item['key']}={got}")
        if not same:
            bad.append(f"{item.get('preset', 'paper')}:{item['key']}={got} (expected {want})")
    verdict = CONTRADICTED if bad else SUPPORTED
    return Outcome(verdict, ("MISMATCH " + "; ".join(bad)) if bad else "; ".join(shown), "config.yaml (resolved presets)")


def source_constant(ctx, c):
    """What a figure script / library function does, read from its source without running it: a
    module-level constant `name` equals `equals`, or function `function`'s source contains `contains`."""
    import ast

    path = ctx.root / c["file"]
    if not path.exists():
        raise EvidenceMissing(f"{c['file']} does not exist")
    src = path.read_text()
    tree = ast.parse(src)
    if "name" in c:
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == c["name"] for t in node.targets):
                got = ast.literal_eval(node.value)
                verdict = SUPPORTED if got == c["equals"] else CONTRADICTED
                return Outcome(verdict, f"{c['name']} = {got!r} (expected {c['equals']!r})", c["file"])
        raise EvidenceMissing(f"{c['file']} defines no {c['name']}")
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == c["function"]:
            body = ast.get_source_segment(src, node) or ""
            ok = c["contains"] in body
            return Outcome(SUPPORTED if ok else CONTRADICTED,
                           f"{c['function']}() {'draws' if ok else 'does NOT contain'} `{c['contains']}`", c["file"])
    raise EvidenceMissing(f"{c['file']} defines no function {c['function']}")
