"""The figure registry: the 18 figures of arXiv 2510.00304 v1, the one list the whole pipeline reads.

For each figure: its family (which experiment's runs it reads), the runs it reads as a function of the
resolved config, and its table builder; the drawing script is `workflow/figures/<name>.py`. The
Snakefile (`all`, the table rules' inputs, the `fig` wildcard), the figure-table scripts, paper_checks
and the cost projection (benchmarks.projection) all read this module, so a figure is added or changed here
only. It imports nothing heavy: builders are named as "module:function" and imported when called.

A family also says which of its config keys a training run reads (`Family.run_settings`): the rules
pass exactly that as Snakemake params, so changing a key reruns exactly the runs that read it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import import_module
from typing import Callable



ARCHS = ("mlp", "cnn", "resnet", "vit")  # the entries of config `models` that belong to one arch


@dataclass(frozen=True)
class Family:
    """One experiment: where its runs live and which config keys its runs read."""

    name: str
    run_dir: str  # under results/<preset>/, formatted with a cell's keys and `seed`
    grid_keys: tuple = ()  # keys of the family's section that choose WHICH runs exist; no run reads them
    per_arch_keys: tuple = ()  # {arch: value} keys of the section: a run reads only its own arch's entry
    shared: tuple = ()  # other top-level sections a run reads (models: only its arch's entry)
    loader: str = "lop.figtables.runs:load_runs"  # run files -> one tidy DataFrame

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

    def run_paths(self, cells, seeds) -> list[str]:
        return [self.run_dir.format(**cell, seed=s) for cell in cells for s in seeds]


FAMILIES = {
    "continual": Family("continual", "continual/{arch}/{variant}/seed{seed}",
                        grid_keys=("archs", "seeds", "dropout", "job_group", "methods"),
                        per_arch_keys=("lr", "batch_size"), shared=("models", "device", "performance", "divergence")),
    "cloning": Family("cloning", "cloning/{arch}/{variant}/seed{seed}",
                      grid_keys=("archs", "seeds", "noisy_sgd", "dropout", "figure", "job_group"),
                      per_arch_keys=("norm",), shared=("models", "device", "performance", "divergence")),
    # The main switch point's runs sit at bitflip/, extra switch points (an extension) at bitflip/switch<p>/;
    # the switch point is each run rule's own param.
    "bitflip": Family("bitflip", "bitflip{switch_dir}/width{width}/seed{seed}",
                      grid_keys=("seeds", "switch", "extra_switches", "bin", "phase_window"), shared=("divergence",),
                      loader="lop.figtables.bitflip:load_runs"),
}


@dataclass(frozen=True)
class Figure:
    """One figure: `cells(cfg)` are the runs it reads without their seeds (dicts of the family's
    run_dir keys); `table` is the "module:function" that turns the loaded runs into its figure table."""

    name: str
    family: str
    paper: str  # where the figure is in the paper
    cells: Callable[[dict], list]
    table: str

    @property
    def script(self) -> str:
        return f"workflow/figures/{self.name}.py"

    def runs(self, cfg: dict) -> list[str]:
        """Run folders (relative to results/<preset>/) this figure reads under the resolved config."""
        return list(dict.fromkeys(FAMILIES[self.family].run_paths(self.cells(cfg), cfg[self.family]["seeds"])))

    def code_files(self) -> list[str]:
        """Repo files of its table builder and its family's run loader (named, so not seen by an import walk)."""
        return [_module_file(ref) for ref in (self.table, FAMILIES[self.family].loader)]

    def build(self, run_tables, settings: dict):
        """The figure table from the runs' metrics.parquet paths and the table settings (table_settings)."""
        return _resolve(self.table)(_resolve(FAMILIES[self.family].loader)(run_tables), **settings)


def table_settings(fig: Figure, cfg: dict) -> dict:
    """What a figure's table builder reads from the config (the table job's params)."""
    if fig.family == "continual":
        return {"window": cfg["figures"]["window_steps"]}
    if fig.family == "bitflip":
        return {"p": canonical({k: cfg["bitflip"][k] for k in ("bin", "phase_window", "n_samples", "switch")}
                               | {"cbp": {"variant": cfg["bitflip"]["cbp"]["variant"]}})}
    return {}


def canonical(obj):
    """A JSON-equal copy with sorted keys: Snakemake compares params by repr, which sees key order."""
    return json.loads(json.dumps(obj, sort_keys=True))


def _module_file(ref: str) -> str:
    return ref.partition(":")[0].replace(".", "/") + ".py"


def _resolve(ref: str):
    module, _, name = ref.partition(":")
    return getattr(import_module(module), name)


# -- which runs each figure reads (the paper's section for each figure says what it shows) -----------------
def _continual(*variants: str):
    """Every continual arch x these variants; `{drop}` is the configured dropout, e.g. `_drop0.1`."""
    def cells(cfg):
        cc = cfg["continual"]
        drop = f"_drop{cc['dropout']:g}"
        return [{"arch": a, "variant": v.format(drop=drop)} for a in cc["archs"] for v in variants]
    return cells


def _cloning(which: str):
    def cells(cfg):
        from .train.cloning_variants import variant_name

        c = cfg["cloning"]
        f = c["figure"]
        noisy = variant_name("noisy_sgd", sigma0=f["sigma0"], decay=f["decay"])
        sig, lam = c["noisy_sgd"]["sigma0"], c["noisy_sgd"]["decay"]
        grid = [variant_name("noisy_sgd", sigma0=s, decay=d) for s in sig for d in lam]
        panels = [variant_name("noisy_sgd", sigma0=s, decay=d) for s in sig for d in f["decay_panels"] if d in lam]
        drops = [variant_name("dropout", p=p) for p in c["dropout"]]
        three = ["sgd", noisy, variant_name("dropout", p=f["dropout"])]
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
        return [{"switch_dir": "" if s == b["switch"] else f"/switch{s}", "width": w}
                for s in switches for w in b["widths"]]
    return cells


CL, CLO, BF = "lop.figtables.continual", "lop.figtables.cloning", "lop.figtables.bitflip"
_ALL_NORMS = ("none", "batch", "batch-affine", "layer", "layer-affine")
# B.3: the default (affine) norms, with and without the configured dropout.
_B3 = ("none", "batch-affine", "layer-affine", "none{drop}", "batch-affine{drop}", "layer-affine{drop}")

FIGURES: dict[str, Figure] = {f.name: f for f in (  # the paper's order
    Figure("fig2_1", "cloning", "Fig. 2.1", _cloning("mlp3"), f"{CLO}:full"),
    Figure("fig3_1", "continual", "Fig. 3.1", _continual("none"), f"{CL}:fig3_1"),
    Figure("fig3_2", "continual", "Fig. 3.2", _continual("none"), f"{CL}:fig3_2"),
    Figure("fig4_1", "continual", "Fig. 4.1", _continual(*_ALL_NORMS), f"{CL}:fig4_1"),
    Figure("figB_1", "bitflip", "Fig. B.1", _bitflip(main_only=False), f"{BF}:figB_1"),
    Figure("figB_2", "bitflip", "Fig. B.2", _bitflip(main_only=True), f"{BF}:figB_2"),
    Figure("figB_3", "continual", "Fig. B.3", _continual(*_B3), f"{CL}:figB_3"),
    Figure("figB_4", "continual", "Fig. B.4", _continual("none"), f"{CL}:figB_4"),
    Figure("figB_5", "continual", "Fig. B.5", _continual("none"), f"{CL}:figB_5"),
    Figure("figB_6", "continual", "Fig. B.6", _continual("none"), f"{CL}:figB_6"),
    Figure("figB_7", "cloning", "Fig. B.7", _cloning("all3"), f"{CLO}:full"),
    Figure("figB_8", "cloning", "Fig. B.8", _cloning("mlp_panels"), f"{CLO}:losses"),
    Figure("figB_9", "cloning", "Fig. B.9", _cloning("mlp_grid"), f"{CLO}:losses"),
    Figure("figB_10", "cloning", "Fig. B.10", _cloning("vit_panels"), f"{CLO}:losses"),
    Figure("figB_11", "cloning", "Fig. B.11", _cloning("vit_grid"), f"{CLO}:losses"),
    Figure("figB_12", "cloning", "Fig. B.12", _cloning("dropout"), f"{CLO}:losses"),
    Figure("figB_13", "cloning", "Fig. B.13", _cloning("mlp_adam"), f"{CLO}:full"),
    Figure("figB_14", "cloning", "Fig. B.14", _cloning("vit_adam"), f"{CLO}:full"),
)}
NAMES = tuple(FIGURES)


def figure(name: str) -> Figure:
    if name not in FIGURES:
        raise ValueError(f"no figure {name!r} in the registry (lop.figures); known: {', '.join(NAMES)}")
    return FIGURES[name]


def of_family(family: str) -> list[Figure]:
    return [f for f in FIGURES.values() if f.family == family]


def family_runs(family: str, cfg: dict, figures=None) -> list[str]:
    """Every run folder the given figures (default: all of the family) read, each once, in order."""
    figs = of_family(family) if figures is None else [FIGURES[f] for f in figures if FIGURES[f].family == family]
    return list(dict.fromkeys(r for f in figs for r in f.runs(cfg)))
