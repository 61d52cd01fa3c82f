# Beyond the paper (docs/methods.md): plasticity methods x archs in the continual-learning protocol.
#   snakemake -c2 extensions   -> figures/ext_methods.pdf, results/<preset>/extensions/{effects.csv,extensions.md}
# Not part of `all`. Lengths and seeds come from config `extensions`, the methods from `continual.methods`,
# everything else from `continual` (lop.methods.grid). One job per (arch, method) trains all its seeds.
from lop.methods import METHODS
from lop.methods.grid import grid_run_config

EXT = CFG["extensions"]
EXT_OUT = f"{RESULTS}/extensions"
EXT_METHODS = CL["methods"]


# The grid's dataset. The synthetic set is generated with as many classes as the grid's tasks need, so that
# `extensions.num_tasks` works at any preset (other datasets have their fixed classes).
EXT_DATA = (
    synthetic_dir(max(CFG["data"]["synthetic"]["num_classes"], EXT["num_tasks"] * CL["classes_per_task"]))
    if CL["dataset"] == "synthetic"
    else dataset_dir(CL["dataset"])
)
EXT_RUNS = expand(
    f"{EXT_OUT}/runs/{{arch}}/{{method}}/seed{{seed}}/metrics.parquet",
    arch=EXT["archs"],
    method=EXT_METHODS,
    seed=EXT["seeds"],
)


rule extension_run:
    input:
        data=array_paths(EXT_DATA),
    output:
        metrics=expand(f"{EXT_OUT}/runs/{{{{arch}}}}/{{{{method}}}}/seed{{seed}}/metrics.parquet", seed=EXT["seeds"]),
        run=expand(f"{EXT_OUT}/runs/{{{{arch}}}}/{{{{method}}}}/seed{{seed}}/run.json", seed=EXT["seeds"]),
    log:
        f"{RESULTS}/logs/extensions/{{arch}}/{{method}}/seeds.log",
    benchmark:
        f"{RESULTS}/benchmarks/extensions/{{arch}}/{{method}}/seeds.tsv"
    wildcard_constraints:
        method="|".join(METHODS),
    conda:
        ENV
    threads: 1
    resources:
        gpu=gpu_resources(),
    params:
        # what a grid run reads: this arch's continual settings with the grid's lengths and this method
        cfg=lambda wc: FAMILIES["continual"].run_settings(grid_run_config(CFG, wc.method), wc.arch),
        code=code_hash("workflow/scripts/train_extension.py"),
        seeds=EXT["seeds"],
    script:
        "../scripts/train_extension.py"


rule extension_tables:
    input:
        runs=EXT_RUNS,
    output:
        curves=f"{EXT_OUT}/ext_methods.csv",
        curves_meta=f"{EXT_OUT}/ext_methods.json",
        effects=f"{EXT_OUT}/effects.csv",
        effects_meta=f"{EXT_OUT}/effects.json",
        md=f"{EXT_OUT}/extensions.md",
    log:
        f"{RESULTS}/logs/extensions/tables.log",
    benchmark:
        f"{RESULTS}/benchmarks/extensions/tables.tsv"
    conda:
        ENV
    params:
        code=code_hash("workflow/scripts/extension_tables.py"),
        settings=canonical(
            {"preset": PRESET, "dataset": CL["dataset"], "extensions": EXT, "method_params": CL["method_params"]}
        ),
    script:
        "../scripts/extension_tables.py"


rule extension_figure:
    input:
        table=f"{EXT_OUT}/ext_methods.csv",
    output:
        f"{FIGURE_DIR}/ext_methods.pdf",
    log:
        f"{RESULTS}/logs/render/ext_methods.log",
    benchmark:
        f"{RESULTS}/benchmarks/render/ext_methods.tsv"
    conda:
        ENV
    params:
        preset=PRESET,
        code=code_hash("workflow/figures/ext_methods.py"),
    script:
        "../figures/ext_methods.py"


rule extensions:
    input:
        f"{FIGURE_DIR}/ext_methods.pdf",
        f"{EXT_OUT}/effects.csv",
        f"{EXT_OUT}/extensions.md",
