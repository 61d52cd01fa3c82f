"""The claims registry: paper_checks/claims/*.yaml, loaded, expanded and validated.

One YAML list per area. An entry is one claim of the paper in our own words:

    - id: fig3_1-symptom-rises          # unique; `for_each` appends "[<value>]"
      for_each: {arch: [mlp, cnn]}      # optional: one claim per value, "{arch}" substituted everywhere,
                                        # id "fig3_1-symptom-rises[mlp]" (first list names the instance)
      claim: "{arch}: the dead fraction rises while online accuracy falls"
      location: "v1 Figure 3.1 (Section 3)"
      kind: figure                      # theorem | figure | number | discrepancy | erratum | finding
      figure: fig3_1                    # optional: the figure the claim is about (report link)
      figures: [fig3_1, figB_6]         # optional: every figure that shows the same evidence (one claim, many figures)
      presets: [paper]                  # optional, only where the claim's own text needs that scale ...
      scale_reason: "..."               # ... and then required: why (shown in the report)
      rationale: "..."                  # required for data claims: why this threshold (fixed before the data)
      checks:                           # every check must hold (combine: all) or one of them (combine: any)
        - {comparator: trend, table: fig3_1, where: {arch: "{arch}", role: symptom}, direction: up, min_change: 0.02}
      corrected_statement: ...          # errata / discrepancies: what is true instead
      source: findings_continual.yaml#cl-fig3-1   # optional: the finding (findings_*.yaml) it normalises
      notes: ...

Verdicts are never stored here: the checker computes them from the evidence (comparators.py).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import FIGURES

PACKAGE_DIR = Path(__file__).resolve().parent
CLAIMS_DIR = PACKAGE_DIR / "claims"
TABLES = set(FIGURES) | {"theory/activations"}
KINDS = ("theorem", "figure", "number", "discrepancy", "erratum", "finding")
REQUIRED = ("id", "claim", "location", "kind", "checks")
OPTIONAL = ("for_each", "figure", "figures", "presets", "scale_reason", "rationale", "combine", "corrected_statement",
            "source", "notes")
# The magnitude threshold each data comparator must state (fixed in the registry before the data).
THRESHOLD_KEYS = {"trend": ("min_change",), "greater": ("margin",), "monotone": ("min_change",), "close": ("rtol",),
                  "bound": ("at_most", "at_least"), "correlation": ("min_rho", "max_rho")}
# Comparators that were removed because they could not fail on a behaviour (string matches on source code, a
# recomputation of what the table code wrote): a claim using them must name a behaviour test instead.
REMOVED = {"source_constant": "a string / constant match on source code",
           "std_is_seed_std": "a recomputation of the very std the table code wrote (a tautology)"}


class RegistryError(ValueError):
    """A malformed claims file: a failure of the checker itself (not a verdict)."""


@dataclass
class Claim:
    id: str
    claim: str
    location: str
    kind: str
    checks: list
    file: str
    figure: str | None = None  # the first of `figures`
    figures: list = field(default_factory=list)  # every figure showing this evidence
    presets: list | None = None  # None = meaningful at every preset
    scale_reason: str | None = None  # why the claim's text needs `presets`
    rationale: str | None = None  # why the threshold (data claims)
    combine: str = "all"
    corrected_statement: str | None = None
    source: str | None = None
    notes: str | None = None
    tags: dict = field(default_factory=dict)

    def meaningful_at(self, preset: str) -> bool:
        return self.presets is None or preset in self.presets


def _substitute(obj, values: dict):
    """Replace "{key}" in every string of a nested structure (a whole-string "{key}" keeps the value's type)."""
    if isinstance(obj, str):
        for k, v in values.items():
            if obj == "{" + k + "}":
                return v
        for k, v in values.items():
            obj = obj.replace("{" + k + "}", str(v))
        return obj
    if isinstance(obj, list):
        return [_substitute(o, values) for o in obj]
    if isinstance(obj, dict):
        return {k: _substitute(v, values) for k, v in obj.items()}
    return obj


def expand(entry: dict) -> list[dict]:
    """One entry per position of its `for_each` lists (zipped, so all lists must have equal length); the id
    gets "[<value of the first list>]"."""
    loops = entry.get("for_each")
    if not loops:
        return [entry]
    keys = list(loops)
    lengths = {len(loops[k]) for k in keys}
    if len(lengths) != 1:
        raise RegistryError(f"{entry.get('id')}: for_each lists must have equal lengths, got "
                            f"{ {k: len(v) for k, v in loops.items()} }")
    out = []
    for i in range(lengths.pop()):
        values = {k: loops[k][i] for k in keys}
        e = _substitute({k: v for k, v in entry.items() if k != "for_each"}, values)
        e["id"] = f"{entry['id']}[{values[keys[0]]}]"  # the first loop variable names the instance
        e["_tags"] = values
        out.append(e)
    return out


def _validate(e: dict, file: str, known_comparators) -> Claim:
    where = f"{file}: claim {e.get('id', '?')!r}"
    missing = [k for k in REQUIRED if k not in e]
    if missing:
        raise RegistryError(f"{where} lacks {missing}")
    unknown = set(e) - set(REQUIRED) - set(OPTIONAL) - {"_tags"}
    if unknown:
        raise RegistryError(f"{where} has unknown keys {sorted(unknown)}; allowed: {REQUIRED + OPTIONAL}")
    if e["kind"] not in KINDS:
        raise RegistryError(f"{where}: kind {e['kind']!r} is not one of {KINDS}")
    if not isinstance(e["checks"], list) or not e["checks"]:
        raise RegistryError(f"{where}: checks must be a non-empty list")
    for c in e["checks"]:
        if isinstance(c, dict) and c.get("comparator") in REMOVED:
            raise RegistryError(f"{where}: comparator {c['comparator']!r} was removed ({REMOVED[c['comparator']]}); "
                                f"name a behaviour test instead: {{comparator: pytest, nodes: [tests/...::test_...]}}")
        if not isinstance(c, dict) or c.get("comparator") not in known_comparators:
            raise RegistryError(f"{where}: check {c!r} needs `comparator` in {sorted(known_comparators)}")
        for key in ("table", "table_b"):
            if key in c and c[key] not in TABLES:
                raise RegistryError(f"{where}: unknown {key} {c[key]!r}; one of the 18 figures or theory/activations")
        if c["comparator"] == "pytest" and not all(isinstance(n, str) and "::" in n for n in c.get("nodes", [None])):
            raise RegistryError(f"{where}: pytest checks need `nodes: [tests/...py::test_name, ...]`")
        keys = THRESHOLD_KEYS.get(c["comparator"], ())
        if keys and not any(k in c for k in keys):
            raise RegistryError(f"{where}: {c['comparator']} check on {c.get('table')} needs its magnitude threshold "
                                f"({' or '.join(keys)}), fixed in the registry before the data")
    data = [c for c in e["checks"] if c["comparator"] in THRESHOLD_KEYS and c.get("table") != "theory/activations"]
    if data and not e.get("rationale"):
        raise RegistryError(f"{where}: a claim decided by figure data needs `rationale` (why its threshold)")
    if e.get("combine", "all") not in ("all", "any"):
        raise RegistryError(f"{where}: combine must be 'all' or 'any'")
    presets = e.get("presets")
    if presets is not None and (not isinstance(presets, list) or not all(isinstance(p, str) for p in presets)):
        raise RegistryError(f"{where}: presets must be a list of preset names")
    if presets is not None and not e.get("scale_reason"):
        raise RegistryError(f"{where}: `presets` gates a claim only where its text needs that scale; add "
                            f"`scale_reason` saying why (or drop `presets`)")
    figures = e.get("figures") or ([e["figure"]] if e.get("figure") else [])
    unknown_figs = [f for f in figures if f not in FIGURES]
    if unknown_figs:
        raise RegistryError(f"{where}: unknown figures {unknown_figs}; one of {list(FIGURES)}")
    if e["kind"] == "erratum" and not e.get("corrected_statement"):
        raise RegistryError(f"{where}: an erratum needs a corrected_statement")
    return Claim(id=e["id"], claim=" ".join(str(e["claim"]).split()), location=e["location"], kind=e["kind"],
                 checks=e["checks"], file=file, figure=figures[0] if figures else None, figures=figures,
                 presets=presets, scale_reason=e.get("scale_reason"), rationale=e.get("rationale"),
                 combine=e.get("combine", "all"), corrected_statement=e.get("corrected_statement"),
                 source=e.get("source"), notes=e.get("notes"), tags=e.get("_tags", {}))


def load(claims_dir: str | Path = CLAIMS_DIR) -> list[Claim]:
    """All claims of all claims files, expanded and validated; raises RegistryError on any defect."""
    from .comparators import COMPARATORS

    claims, seen = [], {}
    files = sorted(Path(claims_dir).glob("*.yaml"))
    if not files:
        raise RegistryError(f"no claims files (*.yaml) in {claims_dir}")
    for f in files:
        try:
            entries = yaml.safe_load(f.read_text()) or []
        except yaml.YAMLError as err:
            raise RegistryError(f"{f.name}: not valid YAML: {err}") from None
        if not isinstance(entries, list):
            raise RegistryError(f"{f.name}: must hold a YAML list of claims")
        for raw in entries:
            if not isinstance(raw, dict):
                raise RegistryError(f"{f.name}: every entry must be a mapping, got {raw!r}")
            for e in expand(copy.deepcopy(raw)):
                c = _validate(e, f.name, COMPARATORS)
                if c.id in seen:
                    raise RegistryError(f"duplicate claim id {c.id!r} in {f.name} and {seen[c.id]}")
                seen[c.id] = f.name
                claims.append(c)
    return claims


REGISTERED = CLAIMS_DIR / "REGISTERED"  # the registered hash: changed only together with a decision field
DECISION_FIELDS = ("id", "kind", "checks", "combine", "presets")  # what decides a verdict (not the prose)


def registry_hash(claims: list[Claim]) -> str:
    """sha256 of every claim's decision fields (comparator, table, filter, direction, threshold, window, combine,
    presets), canonical JSON in id order: prose edits keep it, a threshold / direction / comparator change
    does not. verdicts.csv records it; paper_checks/claims/REGISTERED holds the registered value."""
    import hashlib
    import json

    canon = [{k: (getattr(c, k)) for k in DECISION_FIELDS} for c in sorted(claims, key=lambda c: c.id)]
    blob = json.dumps(canon, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def registered_hash(path=REGISTERED) -> str:
    """The registered hash: the first token of paper_checks/claims/REGISTERED (lines after it say why)."""
    return Path(path).read_text().split()[0]


def design_seeds(path=REGISTERED) -> dict[str, list[int]]:
    """The seeds whose readings designed each tier ("design_seeds <preset>: 0 1 2" lines of REGISTERED): a
    confirmatory run of that tier must use none of them."""
    out = {}
    for line in Path(path).read_text().splitlines():
        line = line.lstrip("# ").strip()
        if line.startswith("design_seeds "):
            preset, seeds = line[len("design_seeds "):].split(":", 1)
            out[preset.strip()] = [int(s) for s in seeds.split()]
    return out


def helper_findings(findings_dir: str | Path = PACKAGE_DIR) -> dict[str, dict]:
    """The helpers' findings files (paper_checks/findings_*.yaml): {"<file>#<id>": entry}.

    They are inputs to the registry (their claims are normalised into claims/*.yaml with `source:`),
    never evidence: their verdict fields are not read.
    """
    out = {}
    for f in sorted(Path(findings_dir).glob("findings_*.yaml")):
        try:
            entries = yaml.safe_load(f.read_text()) or []
        except yaml.YAMLError as err:
            out[f"{f.name}#<unreadable>"] = {"claim": f"not valid YAML: {err}"}
            continue
        for e in entries if isinstance(entries, list) else []:
            if isinstance(e, dict) and "id" in e:
                out[f"{f.name}#{e['id']}"] = e
    return out


def coverage(claims: list[Claim], findings: dict[str, dict]) -> dict[str, list[str]]:
    """Map every finding of the findings_*.yaml files to the registry claims that name it as `source` (empty list = not yet covered)."""
    by_source: dict[str, list[str]] = {}
    for c in claims:
        for s in (c.source or "").split(","):
            if s.strip():
                by_source.setdefault(s.strip(), []).append(c.id)
    return {key: by_source.get(key, []) for key in findings}
