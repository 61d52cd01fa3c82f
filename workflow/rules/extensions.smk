# Beyond the paper (docs/methods.md): plasticity methods x archs in the continual-learning protocol.
#   snakemake -c2 extensions   -> figures/ext_methods.pdf, results/<preset>/extensions/{effects.csv,extensions.md}
# Not part of `all`. Lengths and seeds come from config `extensions`, the methods from `continual.methods`,
# everything else from `continual` (lop.methods.grid). One job per (arch, method) trains all its seeds.
from lop.methods import METHODS
from lop.methods.grid import grid_run_config

EXT = CFG["extensions"]
EXT_OUT = f"{RESULTS}/extensions"
EXT_METHODS = CL["methods"]


def ext_data_dir():
    """The grid's dataset. The synthetic set is generated with as many classes as the grid's tasks need, so
    that `extensions.num_tasks` works at any preset (other datasets have their fixed classes)."""
    if CL["dataset"] != "synthetic":
        return dataset_dir(CL["dataset"])
    return synthetic_dir(max(CFG["data"]["synthetic"]["num_classes"], EXT["num_tasks"] * CL["classes_per_task"]))


def ext_run_settings(wildcards):
    """What a grid run reads (params change -> rerun): the continual settings of this arch with the
    grid's lengths and this cell's method (lop.methods.grid), as a training run's (lop.figures.Family)."""
    return FAMILIES["continual"].run_settings(grid_run_config(CFG, wildcards.method), wildcards.arch)


def ext_runs():
    return expand(f"{EXT_OUT}/runs/{{arch}}/{{method}}/seed{{seed}}/metrics.parquet",
                  arch=EXT["archs"], method=EXT_METHODS, seed=EXT["seeds"])


rule extension_run:
    input:
        data=array_paths(ext_data_dir()),
    output:
        metrics=expand(f"{EXT_OUT}/runs/{{{{arch}}}}/{{{{method}}}}/seed{{seed}}/metrics.parquet", seed=EXT["seeds"]),
        run=expand(f"{EXT_OUT}/runs/{{{{arch}}}}/{{{{method}}}}/seed{{seed}}/run.json", seed=EXT["seeds"]),
    wildcard_constraints:
        method="|".join(METHODS),
    params:
        cfg=ext_run_settings,
        code=code_hash("workflow/scripts/train_extension.py"),
        seeds=EXT["seeds"],
    log:
        f"{RESULTS}/logs/extensions/{{arch}}/{{method}}/seeds.log",
    benchmark:
        f"{RESULTS}/benchmarks/extensions/{{arch}}/{{method}}/seeds.tsv"
    threads: 1
    resources:
        gpu=gpu_resources(),
    conda:
        ENV
    script:
        "../scripts/train_extension.py"


rule extension_tables:
    input:
        runs=ext_runs(),
    output:
        curves=f"{EXT_OUT}/ext_methods.csv",
        curves_meta=f"{EXT_OUT}/ext_methods.json",
        effects=f"{EXT_OUT}/effects.csv",
        effects_meta=f"{EXT_OUT}/effects.json",
        md=f"{EXT_OUT}/extensions.md",
    params:
        code=code_hash("workflow/scripts/extension_tables.py"),
        settings=canonical({"preset": PRESET, "dataset": CL["dataset"], "extensions": EXT,
                            "method_params": CL["method_params"]}),
    log:
        f"{RESULTS}/logs/extensions/tables.log",
    conda:
        ENV
    script:
        "../scripts/extension_tables.py"


rule extension_figure:
    input:
        table=f"{EXT_OUT}/ext_methods.csv",
    output:
        f"{FIGURE_DIR}/ext_methods.pdf",
    params:
        preset=PRESET,
        code=code_hash("workflow/figures/ext_methods.py"),
    log:
        f"{RESULTS}/logs/render/ext_methods.log",
    conda:
        ENV
    script:
        "../figures/ext_methods.py"


rule extensions:
    input:
        f"{FIGURE_DIR}/ext_methods.pdf",
        f"{EXT_OUT}/effects.csv",
        f"{EXT_OUT}/extensions.md",
