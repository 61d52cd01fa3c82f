# Continual learning (PAPER.md 3.1): one training job per (arch, variant, seed) - or per (arch, variant)
# with `continual.batch_seeds` - then figure tables.
# Variant names: none | batch | layer | batch-affine | layer-affine, optionally with _drop<p>.
from lop.experiments.continual import Variant
from lop.figtables.continual import figure_variants

CL = CFG["continual"]
CL_RUN = f"{RESULTS}/continual/{{arch}}/{{variant}}/seed{{seed}}"
# Which variants each figure reads (PAPER.md section 6; defined in lop.figtables.continual so that the
# tests check the same mapping). B.3 uses the default affine=True norms, with and without dropout.
CL_FIGURE_VARIANTS = figure_variants(CL["dropout"])


def cl_runs(fig):
    return expand(f"{RESULTS}/continual/{{arch}}/{{variant}}/seed{{seed}}/metrics.parquet",
                  arch=CL["archs"], variant=CL_FIGURE_VARIANTS[fig], seed=CL["seeds"])


def cl_run_config(wildcards):
    """What a run of this arch depends on: the shared continual keys plus this arch's lr, batch and sizes.
    (Changing the ViT's learning rate reruns the ViT runs, not all of them.)"""
    a = wildcards.arch
    shared = {k: v for k, v in CL.items() if k not in ("lr", "batch_size", "archs", "seeds", "batch_seeds", "methods")}
    return config_hash({"continual": shared, "lr": CL["lr"][a], "batch": CL["batch_size"][a],
                        "model": CFG["models"][a], "device": CFG["device"], "performance": CFG["performance"],
                        "data": CFG["data"]["synthetic"] if CL["dataset"] == "synthetic" else CL["dataset"]})


CL_CODE = source_hash("lop/models", "lop/metrics.py", "lop/probing.py", "lop/data/device.py", "lop/data/arrays.py",
                      "lop/experiments/continual.py", "lop/experiments/checkpoint.py", "lop/methods",
                      "lop/metric_variants.py")
CL_VARIANT_RE = r"(none|batch|layer|batch-affine|layer-affine)(_drop[0-9.]+)?"

if CL["batch_seeds"]:
    # One job per (arch, variant) trains every seed in one process: start-up (imports, data to the
    # device, CUDA context) is paid once per cell instead of once per seed.
    rule continual_run:
        input:
            data=array_paths(dataset_dir(CL["dataset"])),
        output:
            metrics=expand(f"{RESULTS}/continual/{{{{arch}}}}/{{{{variant}}}}/seed{{seed}}/metrics.parquet", seed=CL["seeds"]),
            run=expand(f"{RESULTS}/continual/{{{{arch}}}}/{{{{variant}}}}/seed{{seed}}/run.json", seed=CL["seeds"]),
        wildcard_constraints:
            variant=CL_VARIANT_RE,
        params:
            cfg=cl_run_config,
            code=CL_CODE,
            seeds=CL["seeds"],
        log:
            f"{RESULTS}/logs/continual/{{arch}}/{{variant}}/seeds.log",
        benchmark:
            f"{RESULTS}/benchmarks/continual/{{arch}}/{{variant}}/seeds.tsv"
        threads: 1
        resources:
            gpu=gpu_resources(),
        conda:
            ENV
        script:
            "../scripts/train_continual.py"

else:

    rule continual_run:
        input:
            data=array_paths(dataset_dir(CL["dataset"])),
        output:
            metrics=f"{CL_RUN}/metrics.parquet",
            run=f"{CL_RUN}/run.json",
        wildcard_constraints:
            variant=CL_VARIANT_RE,
        params:
            cfg=cl_run_config,
            code=CL_CODE,
        log:
            f"{RESULTS}/logs/continual/{{arch}}/{{variant}}/seed{{seed}}.log",
        benchmark:
            f"{RESULTS}/benchmarks/continual/{{arch}}/{{variant}}/seed{{seed}}.tsv"
        threads: 1
        resources:
            gpu=gpu_resources(),
        conda:
            ENV
        script:
            "../scripts/train_continual.py"


rule continual_figure_table:
    input:
        runs=lambda w: cl_runs(w.fig),
    output:
        table=f"{RESULTS}/figures/{{fig}}.csv",
        meta=f"{RESULTS}/figures/{{fig}}.json",
    wildcard_constraints:
        fig="|".join(CL_FIGURE_VARIANTS),
    params:
        window=CFG["figures"]["window_steps"],
        code=source_hash("lop/figtables"),
    log:
        f"{RESULTS}/logs/tables/{{fig}}.log",
    conda:
        ENV
    script:
        "../scripts/continual_table.py"
