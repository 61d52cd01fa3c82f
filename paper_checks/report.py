"""The audit report: Markdown and HTML (same content), written next to each other atomically.

Sections: summary counts; claims table (claim, location, measured value, verdict, evidence link);
errata (corrected statements); paper-vs-upstream discrepancies; helper findings coverage; compute
ledger; data-level regression status; checker errors.
"""
from __future__ import annotations

import datetime as _dt
import html
import math
from collections import Counter
from pathlib import Path

from . import VERDICTS

SECTIONS = (("theorem", "Theorems and lemmas (PAPER.md section 2)"), ("number", "Stated numbers (PAPER.md sections 2-4)"),
            ("figure", "Figures (PAPER.md section 6)"), ("finding", "Our findings (not claims of the paper)"),
            ("erratum", "Statements with errata"), ("discrepancy", "Paper vs upstream code (PAPER.md section 7)"))


def _link(res, rel_root: str) -> str:
    c = res.claim
    links = []
    if c.figure:
        links.append(f"[{c.figure}.pdf]({rel_root}/figures/{c.figure}.pdf)")
    tables = sorted({chk["table"] for chk in c.checks if "table" in chk})
    for t in tables:
        path = "results/theory/activations.csv" if t == "theory/activations" else f"results/{{preset}}/figures/{t}.csv"
        links.append(f"[{t}.csv]({rel_root}/{path})")
    nodes = [n for chk in c.checks if chk["comparator"] == "pytest" for n in chk["nodes"]]
    files = sorted({n.split("::")[0] for n in nodes})
    links += [f"[{Path(f).name}]({rel_root}/{f})" for f in files]
    if any(chk["comparator"] == "config" for chk in c.checks):
        links.append(f"[config.yaml]({rel_root}/config.yaml)")
    return ", ".join(links)


def _cell(s) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def markdown(results, preset: str, ledger_df, ledger_total, regression, errors, coverage, tests_info) -> str:
    rel_root = "../../.."  # results/<preset>/paper_checks/ -> repository root
    counts = Counter(r.verdict for r in results)
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    out = [f"# Paper checks: arXiv 2510.00304 v1 at preset `{preset}`", "",
           f"Generated {now} by `python -m paper_checks report --preset {preset}`. Every verdict is computed from "
           "the pipeline's outputs (figure tables, theory table, test results, resolved config) by the comparators "
           "named in `paper_checks/claims/*.yaml`; nothing is copied from a findings file.", "",
           f"**{len(results)} claims**: " + ", ".join(f"{counts.get(v, 0)} {v}" for v in VERDICTS) + ".", "",
           f"Tests: {tests_info}.", "",
           "Verdicts: *supported* (the evidence shows it, beyond seed noise where that applies), *contradicted* "
           "(the evidence shows the opposite, or printed numbers that do not reproduce), *inconclusive at this preset* "
           "(the effect is within seed noise, or the claim needs a larger preset; the note says what the data read), "
           "*not run* (its evidence does not exist yet).", ""]
    for kind, title in SECTIONS:
        rows = [r for r in results if r.claim.kind == kind]
        if not rows:
            continue
        out += [f"## {title}", "", "| id | claim | location | measured | verdict | evidence |", "|---|---|---|---|---|---|"]
        for r in rows:
            measured = "<br>".join(_cell(m) for m in r.measured)
            if r.note:
                measured += f"<br>*{_cell(r.note)}*"
            out.append(f"| `{r.claim.id}` | {_cell(r.claim.claim)} | {_cell(r.claim.location)} | {measured} | "
                       f"**{r.verdict}** | {_link(r, rel_root).replace('{preset}', preset)} |")
        out.append("")
    errata = [r for r in results if r.claim.kind == "erratum" or (r.claim.corrected_statement and r.verdict == "contradicted")]
    out += ["## Errata (the statement as printed, and what holds instead)", ""]
    for r in errata:
        out += [f"- **{r.claim.id}** ({r.claim.location}; verdict on the printed statement: {r.verdict}). "
                f"Printed: {r.claim.claim}  ", f"  Corrected: {' '.join(str(r.claim.corrected_statement).split())}"]
    out.append("")
    out += ["## Compute ledger (per figure)", "",
            "Jobs behind each figure table (from the table's provenance sidecar), their Snakemake benchmark files "
            "(wall seconds, peak resident memory) and run.json (device). Shared runs count in every figure that "
            "reads them and once in the total. Timings on a shared 2-core machine are noisy.", "",
            "| figure | table | jobs | wall s (sum) | CPU s (sum) | peak RSS MB | device | missing benchmarks |",
            "|---|---|---|---|---|---|---|---|"]
    for _, row in ledger_df.iterrows():
        peak = "-" if math.isnan(row["peak_rss_mb"]) else f"{row['peak_rss_mb']:.0f}"
        out.append(f"| {row['figure']} | {'yes' if row['table'] else 'no'} | {row['jobs']} | {row['wall_s_sum']:.0f} | "
                   f"{row['cpu_s_sum']:.0f} | {peak} | {row['devices']} | {row['missing_benchmarks']} |")
    peak = ledger_total["peak_rss_mb"]
    out += ["", f"Total: {ledger_total['jobs']} distinct jobs, {ledger_total['wall_s_sum']:.0f} s summed wall time "
            f"(~{ledger_total['wall_s_sum'] / 120:.1f} min on 2 cores if perfectly packed; wall times include waiting "
            f"for a contended CPU), {ledger_total['cpu_s_sum']:.0f} s summed CPU time, peak RSS "
            f"{'-' if math.isnan(peak) else f'{peak:.0f}'} MB; jobs above 3 GB: {ledger_total['over_3gb'] or 'none'}.", ""]
    out += ["## Data-level regression (figure tables vs paper_checks/references/)", ""]
    if regression is None:
        out.append("Not compared (no references for this preset).")
    elif not regression:
        out.append("All figure tables within tolerance of the committed references.")
    else:
        out.append(f"{len(regression)} differences:")
        out += [f"- {_cell(f)}" for f in regression[:200]]
    out.append("")
    uncovered = [k for k, v in coverage.items() if not v]
    out += ["## Helper findings (paper_checks/findings_*.yaml) and the registry", "",
            f"{len(coverage) - len(uncovered)} of {len(coverage)} findings are normalised into registry claims."]
    if uncovered:
        out += ["Not yet in the registry (no verdict computed for them):"] + [f"- `{k}`" for k in uncovered]
    out.append("")
    if errors:
        out += ["## Checker errors", ""] + [f"```\n{e}\n```" for e in errors]
    return "\n".join(out) + "\n"


def to_html(md: str, title: str) -> str:
    """A small Markdown -> HTML converter for exactly what markdown() writes (headings, tables, lists, links)."""
    import re

    def inline(s: str) -> str:
        s = html.escape(s, quote=False).replace("&lt;br&gt;", "<br>")
        s = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r'<a href="\2">\1</a>', s)
        s = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", s)
        s = re.sub(r"\*([^*]+)\*", r"<i>\1</i>", s)
        s = re.sub(r"`([^`]+)`", r"<code>\1</code>", s)
        return s.replace("\\|", "|")

    out, lines, i = [], md.splitlines(), 0
    in_list = in_pre = False
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            out.append("</pre>" if in_pre else "<pre>")
            in_pre = not in_pre
        elif in_pre:
            out.append(html.escape(line))
        elif line.startswith("|") and i + 1 < len(lines) and lines[i + 1].startswith("|---"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            out.append("<table><tr>" + "".join(f"<th>{inline(c)}</th>" for c in cells) + "</tr>")
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in re.split(r"(?<!\\)\|", lines[i])[1:-1]]
                cls = next((v.replace(" ", "-") for v in VERDICTS if f"**{v}**" in lines[i]), "")
                out.append(f'<tr class="{cls}">' + "".join(f"<td>{inline(c)}</td>" for c in cells) + "</tr>")
                i += 1
            out.append("</table>")
            continue
        elif line.startswith("- ") or (in_list and line.startswith("  ")):
            if not in_list:
                out.append("<ul>")
                in_list = True
            if line.startswith("- "):
                out.append(f"<li>{inline(line[2:])}")
            else:
                out.append("<br>" + inline(line.strip()))
        else:
            if in_list:
                out.append("</ul>")
                in_list = False
            m = re.match(r"(#+) (.*)", line)
            if m:
                n = len(m.group(1))
                out.append(f"<h{n}>{inline(m.group(2))}</h{n}>")
            elif line.strip():
                out.append(f"<p>{inline(line)}</p>")
        i += 1
    if in_list:
        out.append("</ul>")
    style = ("body{font-family:sans-serif;max-width:1400px;margin:auto;font-size:13px}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}th{background:#eee}"
             "tr.supported td:nth-child(5){background:#d8f5d8}tr.contradicted td:nth-child(5){background:#f8d0d0}"
             "tr.inconclusive-at-this-preset td:nth-child(5){background:#fff3c4}tr.not-run td:nth-child(5){background:#e4e4e4}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(out) + "\n</body></html>\n")
