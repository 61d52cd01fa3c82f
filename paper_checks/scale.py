"""How a preset differs from the paper's scale, derived from the resolved configs (lop.config.resolve_config),
never typed: the box at the top of the report and the `scale` column of verdicts.csv.

A verdict at a 16x16 toy preset is a statement about that preset. `config_diff(preset)` lists every
resolved setting whose value differs from preset `paper` (the paper's text); `scale_note(figures, preset)`
says, for one claim, how many settings of the families its figures read differ, and the first few.
"""
from __future__ import annotations

from functools import lru_cache

PAPER = "paper"
IGNORED = ("preset",)  # the preset's own name, not a setting
NOTE_ITEMS = 4  # settings named in a claim's scale note (the report's box lists all)


def _flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


@lru_cache(maxsize=None)
def _resolved_flat(preset: str) -> tuple:
    from lop.config import resolve_config

    return tuple(sorted(_flatten(resolve_config(preset=preset)).items(), key=lambda kv: kv[0]))


def config_diff(preset: str) -> list[tuple[str, object, object]]:
    """(dotted key, value at `preset`, value at `paper`) for every resolved setting that differs."""
    if preset == PAPER:
        return []
    mine, paper = dict(_resolved_flat(preset)), dict(_resolved_flat(PAPER))
    out = []
    for key in sorted(set(mine) | set(paper)):
        if key.split(".")[0] in IGNORED:
            continue
        a, b = mine.get(key, "(absent)"), paper.get(key, "(absent)")
        if a != b:
            out.append((key, a, b))
    return out


def families_of(figures) -> list[str]:
    """The experiment families (config sections) whose runs the figures read (lop.figures)."""
    from lop.figures import figure

    fams = []
    for f in figures:
        try:
            fam = figure(f).family
        except (KeyError, ValueError):
            continue
        if fam not in fams:
            fams.append(fam)
    return fams


def _short(v) -> str:
    s = repr(v) if not isinstance(v, str) else v
    return s if len(s) <= 24 else s[:21] + "..."


def scale_note(figures, preset: str) -> str:
    """One claim's scale: 'paper scale', or how many of its families' settings differ from the paper."""
    if preset == PAPER:
        return "paper scale"
    fams = families_of(figures)
    diff = [d for d in config_diff(preset) if d[0].split(".")[0] in fams + ["data", "models"]] if fams else []
    if not fams:
        return f"preset {preset} (not a figure claim)"
    if not diff:
        return f"preset {preset}: {'/'.join(fams)} configured as in the paper"
    shown = "; ".join(f"{k} {_short(a)} (paper {_short(b)})" for k, a, b in diff[:NOTE_ITEMS])
    more = f"; +{len(diff) - NOTE_ITEMS} more" if len(diff) > NOTE_ITEMS else ""
    return f"preset {preset}: {len(diff)} {'/'.join(fams)} settings differ from the paper: {shown}{more}"


def box(preset: str, limit: int = 60) -> list[str]:
    """The report's opening box (Markdown): every setting of `preset` that differs from `paper`."""
    if preset == PAPER:
        return ["> **Scale**: preset `paper`, the paper's own settings: verdicts speak about the paper's scale.", ""]
    diff = config_diff(preset)
    out = [f"> **Scale**: preset `{preset}` differs from the paper's settings (preset `paper`) in {len(diff)} "
           "resolved settings (lop.config.resolve_config of both). Its verdicts speak about this scale: "
           "*smaller than claimed* here is not *the paper is wrong*.", ">",
           "> | setting | this preset | paper |", "> |---|---|---|"]
    for k, a, b in diff[:limit]:
        out.append(f"> | `{k}` | {_cell(a)} | {_cell(b)} |")
    if len(diff) > limit:
        out.append(f"> | ... {len(diff) - limit} more | | |")
    return out + [""]


def _cell(v) -> str:
    s = repr(v) if not isinstance(v, str) else v
    s = s if len(s) <= 80 else s[:77] + "..."
    return s.replace("|", "\\|")
