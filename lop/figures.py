"""The figure registry: the 18 figures of arXiv 2510.00304 v1, the one list the whole pipeline reads.

For each figure: its family (which experiment's runs it reads), the runs it reads as a function of the
resolved config, and its table builder (a function of lop/figtables/); the drawing script is
`workflow/figures/<name>.py`, the PDF `figure_dir(...)/<name>.pdf`. The Snakefile (`all`, the table
rules' inputs, the `fig` wildcard, the output layout), the figure-table script (`Figure.build`),
paper_checks and the cost projection (benchmarks.projection) all read this module, so a figure is added or
changed here only. It imports pandas (through the builders), never torch.

A family also says which of its config keys a training run reads (`Family.run_settings`) and which its
figure tables read (`Family.table_settings`: its `figure` subsection, e.g. `continual.figure`, plus the
run keys named in `table_keys`): the rules pass exactly these as Snakemake params, so changing a key
reruns exactly the runs and tables that read it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from .figtables import bitflip as bitflip_tables, cloning as cloning_tables, continual as continual_tables
from .figtables.runs import load_runs
from .variants.bitflip import switch_dir
from .variants.cloning import variant_name as cloning_variant
from .variants.continual import variant_name as continual_variant


ARCHS = ("mlp", "cnn", "resnet", "vit")  # the entries of config `models` that belong to one arch


@dataclass(frozen=True)
class Family:
    """One experiment: where its runs live and which config keys its runs read."""

    name: str
    run_dir: str  # under results/<preset>/, formatted with a cell's keys and `seed`
    grid_keys: tuple = ()  # keys of the family's section that choose WHICH runs exist; no run reads them
    per_arch_keys: tuple = ()  # {arch: value} keys of the section: a run reads only its own arch's entry
    shared: tuple = ()  # other top-level sections a run reads (models: only its arch's entry)
    loader: Callable = load_runs  # run files -> one tidy DataFrame
    table_keys: tuple = ()  # dotted keys of the section the figure tables read besides its `figure` subsection

    def run_settings(self, cfg: dict, arch: str | None = None) -> dict:
        """The part of the resolved config one run of `arch` reads - the run job's params (so it
        reruns when, and only when, one of these values changes). Other helpers' new keys inside the
        family's section flow in automatically; only the grid keys are left out."""
        sec = {k: ({arch: v[arch]} if k in self.per_arch_keys else v)
               for k, v in cfg[self.name].items() if k not in self.grid_keys}
        out = {self.name: sec}
        for s in self.shared:
            # models: this arch's sizes plus the keys every arch shares (e.g. models.init), not other archs'
            out[s] = ({k: v for k, v in cfg[s].items() if k == arch or k not in ARCHS} if s == "models" else cfg[s])
        return canonical(out)

    def table_settings(self, cfg: dict) -> dict:
        """What this family's table builders read (the table job's params and the builder's `settings`):
        the section's `figure` subsection and its `table_keys`."""
        sec = cfg[self.name]
        out = dict(sec.get("figure", {}))
        for key in self.table_keys:
            head, _, rest = key.partition(".")
            out[head] = {rest: sec[head][rest]} if rest else sec[head]
        return canonical(out)

    def run_paths(self, cells, seeds) -> list[str]:
        return [self.run_dir.format(**cell, seed=s) for cell in cells for s in seeds]


FAMILIES = {
    "continual": Family("continual", "continual/{arch}/{variant}/seed{seed}",
                        grid_keys=("archs", "seeds", "dropout", "job_group", "methods", "figure"),
                        per_arch_keys=("lr", "batch_size"), shared=("models", "device", "performance", "divergence")),
    "cloning": Family("cloning", "cloning/{arch}/{variant}/seed{seed}",
                      grid_keys=("archs", "seeds", "noisy_sgd", "dropout", "figure", "job_group"),
                      per_arch_keys=("norm",), shared=("models", "device", "performance", "divergence")),
    # The main switch point's runs sit at bitflip/, extra switch points (an extension) at bitflip/switch<p>/
    # (lop.variants.bitflip); the switch point is each run rule's own param.
    "bitflip": Family("bitflip", "bitflip{switch_dir}/width{width}/seed{seed}",
                      grid_keys=("seeds", "switch", "extra_switches", "figure"), shared=("divergence",),
                      loader=bitflip_tables.load_runs, table_keys=("n_samples", "switch", "cbp.variant")),
}


@dataclass(frozen=True)
class Figure:
    """One figure: `cells(cfg)` are the runs it reads without their seeds (dicts of the family's
    run_dir keys); `table(runs, settings)` turns the loaded runs into its figure table."""

    name: str
    family: str
    paper: str  # where the figure is in the paper
    cells: Callable[[dict], list]
    table: Callable

    @property
    def script(self) -> str:
        return f"workflow/figures/{self.name}.py"

    def runs(self, cfg: dict) -> list[str]:
        """Run folders (relative to results/<preset>/) this figure reads under the resolved config."""
        return list(dict.fromkeys(FAMILIES[self.family].run_paths(self.cells(cfg), cfg[self.family]["seeds"])))

    def code_files(self) -> list[str]:
        """Repo files of its table builder and its family's run loader: the table job's code (the import
        walk of the table script reaches every builder module, not just this figure's)."""
        return [_module_file(fn) for fn in (self.table, FAMILIES[self.family].loader)]

    def settings(self, cfg: dict) -> dict:
        """What its table builder reads from the resolved config (the table job's params)."""
        return FAMILIES[self.family].table_settings(cfg)

    def build(self, run_tables, settings: dict):
        """The figure table from the runs' metrics.parquet paths and the table settings (`settings`)."""
        return self.table(FAMILIES[self.family].loader(run_tables), settings)


def figure_dir(preset: str, default: str) -> str:
    """Where the PDFs of `preset` live, relative to the checkout: figures/ for the default preset
    (`default`: config.yaml's `preset`, lop.config.default_preset; what a user gets from `snakemake
    figures/fig3_1.pdf`), figures/<preset>/ for any other, so that figures of different presets never
    overwrite each other. The rules' targets and the audit report's links both use this."""
    return "figures" if preset == default else f"figures/{preset}"


def canonical(obj):
    """A JSON-equal copy with sorted keys: Snakemake compares params by repr, which sees key order."""
    return json.loads(json.dumps(obj, sort_keys=True))


def _module_file(fn) -> str:
    return fn.__module__.replace(".", "/") + ".py"


# -- which runs each figure reads (the paper's section for each figure says what it shows) -----------------
def _continual(*variants: tuple):
    """Every continual arch x these (norm, affine, dropout?) cells; dropout? True is the configured dropout."""
    def cells(cfg):
        cc = cfg["continual"]
        names = [continual_variant(n, a, cc["dropout"] if d else 0.0) for n, a, d in variants]
        return [{"arch": a, "variant": v} for a in cc["archs"] for v in names]
    return cells


def _cloning(which: str):
    def cells(cfg):
        c = cfg["cloning"]
        f = c["figure"]
        noisy = cloning_variant("noisy_sgd", sigma0=f["sigma0"], decay=f["decay"])
        sig, lam = c["noisy_sgd"]["sigma0"], c["noisy_sgd"]["decay"]
        grid = [cloning_variant("noisy_sgd", sigma0=s, decay=d) for s in sig for d in lam]
        panels = [cloning_variant("noisy_sgd", sigma0=s, decay=d) for s in sig for d in f["decay_panels"] if d in lam]
        drops = [cloning_variant("dropout", p=p) for p in c["dropout"]]
        three = ["sgd", noisy, cloning_variant("dropout", p=f["dropout"])]
        pairs = {
            "mlp3": [("mlp", v) for v in three],
            "all3": [(a, v) for a in c["archs"] for v in three],
            "mlp_panels": [("mlp", v) for v in ["sgd"] + panels],
            "mlp_grid": [("mlp", v) for v in ["sgd"] + grid],
            "vit_panels": [("vit", v) for v in ["sgd"] + panels],
            "vit_grid": [("vit", v) for v in ["sgd"] + grid],
            "dropout": [(a, v) for a in ("mlp", "cnn", "vit") for v in ["sgd"] + drops],
            "mlp_adam": [("mlp", "sgd"), ("mlp", "adam")],
            "vit_adam": [("vit", "sgd"), ("vit", "adam")],
        }[which]
        return [{"arch": a, "variant": v} for a, v in dict.fromkeys(pairs)]
    return cells


def _bitflip(main_only: bool):
    def cells(cfg):
        b = cfg["bitflip"]
        switches = [b["switch"]] + ([] if main_only else [s for s in b["extra_switches"] if s != b["switch"]])
        return [{"switch_dir": switch_dir(s, b["switch"]), "width": w}
                for s in switches for w in b["widths"]]
    return cells


CL, CLO, BF = continual_tables, cloning_tables, bitflip_tables
_NONE = (("none", True, False),)  # (norm, affine, with the configured dropout)
# 4.1: every norm, with and without its affine parameters (none has none).
_ALL_NORMS = (("none", True, False), ("batch", False, False), ("batch", True, False), ("layer", False, False),
              ("layer", True, False))
# B.3: the default (affine) norms, with and without the configured dropout.
_B3 = tuple((n, True, d) for d in (False, True) for n in ("none", "batch", "layer"))

FIGURES: dict[str, Figure] = {f.name: f for f in (  # the paper's order
    Figure("fig2_1", "cloning", "Fig. 2.1", _cloning("mlp3"), CLO.full),
    Figure("fig3_1", "continual", "Fig. 3.1", _continual(*_NONE), CL.fig3_1),
    Figure("fig3_2", "continual", "Fig. 3.2", _continual(*_NONE), CL.fig3_2),
    Figure("fig4_1", "continual", "Fig. 4.1", _continual(*_ALL_NORMS), CL.fig4_1),
    Figure("figB_1", "bitflip", "Fig. B.1", _bitflip(main_only=False), BF.figB_1),
    Figure("figB_2", "bitflip", "Fig. B.2", _bitflip(main_only=True), BF.figB_2),
    Figure("figB_3", "continual", "Fig. B.3", _continual(*_B3), CL.figB_3),
    Figure("figB_4", "continual", "Fig. B.4", _continual(*_NONE), CL.figB_4),
    Figure("figB_5", "continual", "Fig. B.5", _continual(*_NONE), CL.figB_5),
    Figure("figB_6", "continual", "Fig. B.6", _continual(*_NONE), CL.figB_6),
    Figure("figB_7", "cloning", "Fig. B.7", _cloning("all3"), CLO.full),
    Figure("figB_8", "cloning", "Fig. B.8", _cloning("mlp_panels"), CLO.losses),
    Figure("figB_9", "cloning", "Fig. B.9", _cloning("mlp_grid"), CLO.losses),
    Figure("figB_10", "cloning", "Fig. B.10", _cloning("vit_panels"), CLO.losses),
    Figure("figB_11", "cloning", "Fig. B.11", _cloning("vit_grid"), CLO.losses),
    Figure("figB_12", "cloning", "Fig. B.12", _cloning("dropout"), CLO.losses),
    Figure("figB_13", "cloning", "Fig. B.13", _cloning("mlp_adam"), CLO.full),
    Figure("figB_14", "cloning", "Fig. B.14", _cloning("vit_adam"), CLO.full),
)}
NAMES = tuple(FIGURES)


def figure(name: str) -> Figure:
    if name not in FIGURES:
        raise ValueError(f"no figure {name!r} in the registry (lop.figures); known: {', '.join(NAMES)}")
    return FIGURES[name]


def of_family(family: str) -> list[Figure]:
    return [f for f in FIGURES.values() if f.family == family]
