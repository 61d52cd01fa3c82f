"""python -m paper_checks <command> --preset <name>

  report             evaluate every claim, write results/<preset>/paper_checks/verdicts.csv and the
                     report.{md,html} rendered from it
                     (--run-tests: run the registry's pytest nodes first; --junit PATH: read them instead)
  compare            figure tables vs paper_checks/references/<preset>/ (exit 1 on a difference;
                     --tier exact|statistical forces a tier, default: exact on a recorded platform;
                     --margins N: the N aggregates closest to their statistical tolerance)
  update-references  rewrite the references from the current figure tables (the ONLY way they change)
  record-platform    add this platform to the references' exact tier, if its tables reproduce them bitwise
  publish            the report, then a snapshot of it for the repository (--out docs/audit/<preset>):
                     report, verdicts.csv, forest plot, claim x preset matrix, command, commit, platform,
                     wall / CPU time (paper_checks.publish)
  headline           the one-line verdict counts of a published snapshot (--out docs/audit/<preset>), for
                     the README's first screen: read from snapshot.json, never typed
  list               the registry's claims (id, kind, presets)
  register           write the registry's hash into paper_checks/claims/REGISTERED (run it in the commit
                     that changes a threshold, direction or comparator: the change is then on record)
  coverage           findings_*.yaml entries vs the registry
  mutants            planted bugs applied one at a time to a copy of the tree; caught / not caught by the
                     test modules covering each mutated file (--only ID, --list: the mutants and selections)

The exit status of `report` reflects only failures of the checker itself (a malformed registry, a
crashing comparator), never contradicted claims.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import checker, registry
from .references import REFERENCES_DIR


def _report(args) -> int:
    from .ledger import ledger
    from .references import compare
    from . import verdicts
    from .report import markdown, summary, to_html
    from .tests_evidence import read_junit, run_pytest

    from lop.provenance import write_text_atomic

    root = Path(args.root).resolve()
    claims = registry.load(args.claims)
    out_dir = root / "results" / args.preset / "paper_checks"
    junit = Path(args.junit) if args.junit else out_dir / "pytest.xml"
    tests, info = None, "not run (pass --run-tests or --junit)"
    if args.run_tests:
        nodes = checker.test_nodes(claims)
        rc = run_pytest(nodes, junit, root, workers=args.workers)
        info = f"{len(nodes)} test nodes run by the checker (pytest exit {rc}; log {junit.with_suffix('.log').name})"
    if junit.exists() and (args.run_tests or args.junit):
        tests = read_junit(junit, root)
        info = info if args.run_tests else f"read from {junit}"
        info += f"; {len(tests)} test cases"
    ctx = checker.Context(args.preset, root=root, tests=tests)
    results, errors = checker.run(claims, ctx)
    ref_dir = Path(args.references) if args.references else REFERENCES_DIR / args.preset
    tiers: dict = {}
    regression = compare(root / "results" / args.preset, ref_dir, tiers) if ref_dir.exists() else None
    led, total = ledger(root / "results" / args.preset)
    cov = registry.coverage(claims, registry.helper_findings())
    from .scale import box

    verdicts.write(results, out_dir / "verdicts.csv", args.preset, registry.registry_hash(claims))
    df = verdicts.read(out_dir / "verdicts.csv")  # the report is rendered from the file, not from `results`
    fixed = {r.claim.id: r.claim.corrected_statement for r in results if r.claim.corrected_statement}
    ext = root / "results" / args.preset / "extensions" / "extensions.md"  # present after `snakemake extensions`
    md = markdown(df, args.preset, led, total, regression, errors, cov, info, ctx.expected_false, ctx.family_size,
                  root=root, corrected_statements=fixed, regression_tiers=tiers,
                  extensions_md=ext.read_text() if ext.exists() else None, scale_box=box(args.preset))
    write_text_atomic(out_dir / "report.md", md)
    write_text_atomic(out_dir / "report.html", to_html(md, f"Paper checks ({args.preset})"))
    print(f"{len(results)} claims: {summary(df, ctx.expected_false, ctx.family_size)}", file=sys.stderr)
    print(f"verdicts: {out_dir / 'verdicts.csv'}; report: {out_dir / 'report.md'}", file=sys.stderr)
    for e in errors:
        print(e, file=sys.stderr)
    return 1 if errors else 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m paper_checks", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("report", "compare", "update-references", "record-platform", "list", "coverage", "mutants", "register",
                 "publish", "headline"):
        s = sub.add_parser(name)
        s.add_argument("--preset", default="small")
        s.add_argument("--root", default=str(checker.REPO_ROOT), help="the checkout (results/ lives under it)")
        s.add_argument("--references", default=None, help="reference folder (default paper_checks/references/<preset>)")
        s.add_argument("--claims", default=str(registry.CLAIMS_DIR), help="claims folder (default paper_checks/claims)")
        if name == "headline":
            s.add_argument("--out", default=None, help="snapshot folder (default docs/audit/<preset>)")
        if name == "publish":
            s.add_argument("--out", default=None, help="snapshot folder (default docs/audit/<preset>)")
            s.add_argument("--junit", default=None, help="read test results from this junit XML")
            s.add_argument("--run-tests", action="store_true", help="run the registry's pytest nodes first")
            s.add_argument("--workers", type=int, default=1, help="pytest-xdist workers for --run-tests")
        if name == "report":
            s.add_argument("--run-tests", action="store_true", help="run the registry's pytest nodes first")
            s.add_argument("--junit", default=None, help="read test results from this junit XML instead")
            s.add_argument("--workers", type=int, default=1, help="pytest-xdist workers for --run-tests")
        if name == "mutants":
            s.add_argument("--only", action="append", default=None, help="only this mutant id (repeatable)")
            s.add_argument("--list", action="store_true", help="list the mutants and their test selections")
            s.add_argument("--timeout", type=int, default=900, help="seconds per test run")
        if name == "compare":
            s.add_argument("--tier", choices=("auto", "exact", "statistical"), default="auto",
                           help="auto: exact on a platform the references record, else statistical")
            s.add_argument("--margins", type=int, default=0, metavar="N",
                           help="also print the N aggregates closest to their statistical-tier tolerance")
        if name == "update-references":
            s.add_argument("--fig", action="append", default=None, help="only these figures (repeatable)")
    args = p.parse_args(argv)
    root = Path(args.root).resolve()
    ref_dir = Path(args.references) if args.references else REFERENCES_DIR / args.preset
    try:
        if args.cmd == "report":
            return _report(args)
        if args.cmd == "headline":
            from .publish import headline

            print(headline(Path(args.out) if args.out else root / "docs" / "audit" / args.preset))
            return 0
        if args.cmd == "publish":
            from .publish import publish

            out = Path(args.out) if args.out else root / "docs" / "audit" / args.preset
            argv_report = ["report", "--preset", args.preset, "--root", str(root), "--claims", args.claims,
                           "--workers", str(args.workers)] + (["--run-tests"] if args.run_tests else []) + (
                          ["--references", args.references] if args.references else []) + (
                          ["--junit", args.junit] if args.junit else [])
            command = "python -m paper_checks " + " ".join(argv if argv is not None else sys.argv[1:])
            snap = publish(root, args.preset, out, args.claims, command, main(argv_report))
            print(f"snapshot of {len(snap['claims'])} claims -> {out}", file=sys.stderr)
            return snap["report_exit"]
        if args.cmd == "compare":
            from .references import compare

            tiers: dict = {}
            failures = compare(root / "results" / args.preset, ref_dir, tiers,
                               force=None if args.tier == "auto" else args.tier)
            print("\n".join(failures) or "all figure tables within tolerance")
            if args.margins:
                from .references import margins

                m = margins(root / "results" / args.preset, ref_dir)
                print(f"statistical tier: {len(m)} aggregates, largest fraction of the tolerance used "
                      f"{m['used'].max():.3g}; the {args.margins} closest:")
                print(m.head(args.margins).to_string(index=False, float_format=lambda v: f"{v:.4g}"))
            by = {t: sorted(f for f, v in tiers.items() if v == t) for t in ("exact", "statistical")}
            print(f"tiers: exact (same platform) {len(by['exact'])}, statistical {len(by['statistical'])}")
            return 1 if failures else 0
        if args.cmd == "update-references":
            from .references import update

            command = "python -m paper_checks " + " ".join(argv if argv is not None else sys.argv[1:])
            written = update(root / "results" / args.preset, ref_dir, args.fig, command=command)
            print(f"references written for {written or 'nothing'} -> {ref_dir}")
            return 0
        if args.cmd == "record-platform":
            from .references import record_platform

            failures = record_platform(root / "results" / args.preset, ref_dir)
            print("\n".join(failures) or f"this platform recorded in {ref_dir}: its tables reproduce the references bitwise")
            return 1 if failures else 0
        if args.cmd == "mutants":
            from . import mutants

            if args.list:
                for m in mutants.MUTANTS:
                    print(f"{m.id}\t{m.file}\t{m.bug}\n\t" + " ".join(mutants.select_tests(m.file, root) + m.tests))
                return 0
            res = mutants.run(root=root, timeout_s=args.timeout, only=args.only)
            return 0 if all(r["status"] == "caught" or r["below_detectability"] for r in res) else 1
        claims = registry.load(args.claims)
        if args.cmd == "register":
            path = Path(args.claims) / "REGISTERED"
            rest = path.read_text().split("\n", 1)[1] if path.exists() else ""
            h = registry.registry_hash(claims)
            path.write_text(h + "\n" + rest)
            print(f"registered {h} -> {path}")
            return 0
        if args.cmd == "list":
            for c in claims:
                print(f"{c.id}\t{c.kind}\t{','.join(c.presets) if c.presets else 'all'}\t{c.claim[:90]}")
            return 0
        cov = registry.coverage(claims, registry.helper_findings())
        for k, v in cov.items():
            print(f"{k}\t{', '.join(v) if v else 'NOT IN REGISTRY'}")
        return 0
    except registry.RegistryError as e:
        print(f"paper_checks: registry error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
