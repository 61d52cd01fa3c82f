"""The audit report: Markdown and HTML (same content), rendered from verdicts.csv, written atomically.

Sections: the summary line (data verdicts and labels counted separately, the multiple-comparison note);
data-decided claims (n, per-seed effects, effect [95% CI] vs threshold, seeds needed, the evidence filter,
figure links to THAT preset's PDFs and the panel); labelled claims (theorems, numbers, errata, findings);
errata with their corrected statements; compute ledger; data-level regression; findings-file coverage;
checker errors.
"""
from __future__ import annotations

import datetime as _dt
import html
import math
import re
from pathlib import Path

from lop.config import default_preset
from lop.figures import figure_dir

from . import LABELS, NOT_RESOLVED, NOT_RUN, OPPOSITE, REPRODUCED, SMALLER, UNDERPOWERED, VERDICTS
from .stats import ALPHA, MIN_SEEDS
from .verdicts import SEP

SECTIONS = (("figure", "Figures: data-decided claims (Section 3, Appendix B figures)"),
            ("theorem", "Theorems and lemmas: proven by test (Sections 2-3, Appendix A)"),
            ("number", "Stated numbers: configured as stated (Section 3, Appendix B)"),
            ("erratum", "Statements with errata"), ("discrepancy", "Paper vs upstream code: findings"),
            ("finding", "Our findings (not claims of the paper)"))
DATA_ORDER = (REPRODUCED, OPPOSITE, SMALLER, NOT_RESOLVED, UNDERPOWERED, NOT_RUN)


def _isnum(v) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def _g(v, digits=4) -> str:
    if not _isnum(v):
        return "-"
    v = float(v)
    if math.isinf(v):
        return "inf"
    return f"{v:.3g}" if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e4) else f"{v:.{digits}g}"


def _links(row, preset: str, rel_root: str, root=None) -> str:
    """The claim's figures (that preset's PDFs), the tables and test files it read."""
    fig_dir = figure_dir(preset, default_preset(Path(root) / "config.yaml") if root is not None else default_preset())
    figs = row["figures"] if isinstance(row["figures"], str) else ""  # NaN when the claim names no figure
    links = [f"[{f}.pdf]({rel_root}/{fig_dir}/{f}.pdf)" for f in figs.split()]
    ev = row["evidence"] if isinstance(row["evidence"], str) else ""
    for t in sorted(set(re.findall(r"\b(fig\d_\d+|figB_\d+|theory/activations)\b", ev))):
        path = "results/theory/activations.csv" if t == "theory/activations" else f"results/{preset}/figures/{t}.csv"
        links.append(f"[{t.split('/')[-1]}.csv]({rel_root}/{path})")
    for f in sorted(set(re.findall(r"(tests/\S+?\.py)::", ev))):
        links.append(f"[{Path(f).name}]({rel_root}/{f})")
    if "config.yaml" in ev:
        links.append(f"[config.yaml]({rel_root}/config.yaml)")
    return ", ".join(links)


def _cell(s) -> str:
    return str("" if s is None or (isinstance(s, float) and math.isnan(s)) else s).replace("|", "\\|").replace("\n", " ")


def summary(df, expected_false: float, family_size: int) -> str:
    """One line: data verdicts out of the data-decided claims, then every label counted separately."""
    data = df[df["decided_by"] == "data"]
    counts = data["verdict"].value_counts()
    parts = [f"{counts.get(v, 0)} {v}" for v in DATA_ORDER]
    line = ", ".join(parts) + f" of {len(data)} data-decided claims"
    rest = df.drop(data.index)["verdict"].value_counts()
    goods = dict.fromkeys(good for good, _ in LABELS.values())  # ordered, "finding" once for two kinds
    line += "; " + "; ".join(f"{rest.get(g, 0)} {g}" for g in goods)
    others = {v: n for v, n in rest.items() if v not in goods}
    if others:
        line += " (" + ", ".join(f"{n} {v}" for v, n in sorted(others.items())) + ")"
    line += (f". Benjamini-Hochberg at q = {ALPHA} across the preset's fixed family of {family_size} claims "
             f"(every ungated data-decided claim; a claim without an interval counts with p = 1): expected "
             f"number of false verdicts about {expected_false:.2g} (at most q of the decided ones, the false "
             f"discovery rate BH bounds).")
    return line


def _data_table(rows, preset, rel_root, root) -> list[str]:
    out = ["| id | claim | figure / panel | seeds used / configured (diverged) | per-seed effect | "
           "effect [95% CI] vs threshold | seeds for power 0.8 (range) | evidence (filter) | verdict |",
           "|---|---|---|---|---|---|---|---|---|"]
    for _, r in rows.iterrows():
        need = f"need {'<=' if r['side'] == 'below' else '>='} {_g(r['threshold'])}" if _isnum(r["threshold"]) else ""
        eff = (f"{_g(r['effect'])} [{_g(r['ci_low'])}, {_g(r['ci_high'])}] {need}" if _isnum(r["effect"]) else "-")
        measured = "<br>".join(_cell(m) for m in str(r["measured"] or "").split(SEP))
        if _isnum(r["note"]) and str(r["note"]):
            measured += f"<br>*{_cell(r['note'])}*"
        n = "-" if not _isnum(r["n_seeds"]) else int(r["n_seeds"])
        if _isnum(r.get("n_configured")):
            n = f"{int(r['n_used'])} / {int(r['n_configured'])}"
            if _isnum(r.get("n_diverged")) and int(r["n_diverged"]):
                n += f" ({int(r['n_diverged'])}: {_cell(str(r['diverged_seeds']).replace(';', ', '))})"
        per_seed = _cell(str(r["per_seed"]).replace(";", ", ")) if _isnum(r["per_seed"]) else "-"
        out.append(f"| `{r['claim']}` | {_cell(r['text'])} | {_links(r, preset, rel_root, root)}<br>{_cell(r['location'])} | "
                   f"{n} | {per_seed} | {eff} | {_needed(r)} | {_cell(r['evidence'])}<br>{measured} | "
                   f"**{r['verdict']}** |")
    return out


def _needed(r) -> str:
    """'7 to reproduce (5-19)': seeds for power 0.8 at the family's BH level, with the sd's range."""
    if not _isnum(r.get("seeds_needed")):
        return "-"
    rep, con = r.get("seeds_to_reproduce"), r.get("seeds_to_contradict")
    which = "to reproduce" if _isnum(rep) and not math.isinf(float(rep)) else "to contradict" if _isnum(con) else ""
    rng = ""
    if _isnum(r.get("seeds_needed_low")) and _isnum(r.get("seeds_needed_high")):
        rng = f" ({_g(r['seeds_needed_low'])}-{_g(r['seeds_needed_high'])})"
    return f"{_g(r['seeds_needed'])} {which}{rng}".strip()


def _label_table(rows, preset, rel_root, root) -> list[str]:
    out = ["| id | claim | location | measured | label | evidence |", "|---|---|---|---|---|---|"]
    for _, r in rows.iterrows():
        measured = "<br>".join(_cell(m) for m in str(r["measured"] or "").split(SEP))
        out.append(f"| `{r['claim']}` | {_cell(r['text'])} | {_cell(r['location'])} | {measured} | **{r['verdict']}** | "
                   f"{_links(r, preset, rel_root, root)} |")
    return out


def markdown(df, preset: str, ledger_df, ledger_total, regression, errors, coverage, tests_info,
             expected_false: float = 0.0, family_size: int = 0, root=None, corrected_statements=None,
             regression_tiers=None, extensions_md: str | None = None, scale_box: list | None = None) -> str:
    """The report, rendered from the verdicts table `df` (paper_checks.verdicts.read); `extensions_md` is
    results/<preset>/extensions/extensions.md when `snakemake extensions` has built it."""
    rel_root = "../../.."  # results/<preset>/paper_checks/ -> repository root
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    fam = df[df["in_family"].astype(str).isin(["True", "true", "1"])] if "in_family" in df else df.iloc[0:0]
    reg = str(df["registry_hash"].iloc[0]) if "registry_hash" in df and len(df) else ""
    out = [f"# Paper checks: arXiv 2510.00304 v1 at preset `{preset}`", ""]
    out += scale_box if scale_box is not None else []
    out += [f"**Hypothesis family**: {family_size} claims, every data-decided claim of the registry not gated away "
            f"from preset `{preset}` (fixed by the registry, whatever is built; a member without evidence counts with "
            f"p = 1). Registry hash `{reg[:16]}`." if reg else
            f"**Hypothesis family**: {family_size} claims (every ungated data-decided claim of preset `{preset}`).", ""]
    if len(fam):
        out += ["Members: " + ", ".join(f"`{c}`" for c in fam["claim"]), ""]
    out += [f"Generated {now} by `python -m paper_checks report --preset {preset}` from "
           "[verdicts.csv](verdicts.csv) (one row per claim). Every verdict is computed from the pipeline's outputs "
           "by the comparators named in `paper_checks/claims/*.yaml`; nothing is copied from a findings file.", "",
           f"**Summary**: {summary(df, expected_false, family_size)}", "",
           f"Tests: {tests_info}.", "",
           "Data verdicts (per-seed effects, 95% Student-t interval with n - 1 df, threshold fixed in the registry): "
           "*reproduced* (the interval clears the threshold on the claimed side), *opposite* (it lies on the other "
           "side of no effect: the data go the other way; for a bound, past the bound), *smaller than claimed* "
           "(entirely short of the threshold, not entirely past no effect: the claimed size is excluded at this "
           "scale, the direction may hold or be undecided), "
           "*not resolved* (it straddles the threshold, or the claim's text needs a larger preset; "
           "`seeds for power 0.8` says how many seeds would reproduce or contradict it at the observed sd, at the "
           "family's Benjamini-Hochberg level, never below 5, with the range from the sd's own 95% interval; "
           "diverged seeds are counted and named, and a verdict stands only if it survives them set at the "
           "threshold), *underpowered* (fewer "
           f"than {MIN_SEEDS} seeds: no verdict either way), *not run* (its evidence does not exist yet). Labels: "
           "*proven by test* (theorem tests pass; residual vs tolerance where recorded), *configured as stated* "
           "(a config equals the paper's value: not evidence), *erratum* (tests show the printed statement false), "
           "*finding* (a discrepancy with upstream, with its measured effect).", ""]
    for kind, title in SECTIONS:
        rows = df[df["kind"] == kind]
        if rows.empty:
            continue
        out += [f"## {title}", ""]
        data = rows["decided_by"] == "data"
        if data.any():
            out += _data_table(rows[data], preset, rel_root, root) + [""]
        if (~data).any():
            out += _label_table(rows[~data], preset, rel_root, root) + [""]
    errata = df[df["kind"] == "erratum"]
    out += ["## Errata (the statement as printed, and what holds instead)", ""]
    for _, r in errata.iterrows():
        fixed = (corrected_statements or {}).get(r["claim"], "")
        out += [f"- **{r['claim']}** ({r['location']}; {r['verdict']}). Printed: {r['text']}  ",
                f"  Corrected: {' '.join(str(fixed).split())}"]
    out.append("")
    if extensions_md:  # beyond the paper: our findings, kept apart from the paper's claims and their verdicts
        body = extensions_md.split("\n", 1)[1] if extensions_md.startswith("# ") else extensions_md
        out += ["## Extensions (beyond the paper: our findings, not claims of the paper)", "",
                "From [extensions.md](../extensions/extensions.md) (`snakemake extensions`); not counted in the "
                "summary above.", ""]
        out += [("#" + ln) if ln.startswith("## ") else ln for ln in body.strip().splitlines()] + [""]
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
    if regression_tiers:
        ex = sorted(f for f, t in regression_tiers.items() if t == "exact")
        out += [f"Tiers: exact (same platform as the reference, every aggregate within 1e-12) for {len(ex)} tables"
                f"{': ' + ', '.join(ex) if ex else ''}; statistical (per-series seed sd) for the other "
                f"{len(regression_tiers) - len(ex)}.", ""]
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

    # the scale box is a Markdown blockquote: rendered as its content (its table included)
    out, lines, i = [], [ln[2:] if ln.startswith("> ") else ln[1:] if ln.startswith(">") else ln
                         for ln in md.splitlines()], 0
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
             "tr.reproduced td:last-child,tr.proven-by-test td,tr.configured-as-stated td:nth-child(5){background:#d8f5d8}"
             "tr.opposite td:last-child{background:#f8d0d0}tr.smaller-than-claimed td:last-child{background:#fbe0d0}tr.not-resolved td:last-child{background:#fff3c4}"
             "tr.underpowered td:last-child{background:#ffe6c4}tr.not-run td:last-child{background:#e4e4e4}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(out) + "\n</body></html>\n")
