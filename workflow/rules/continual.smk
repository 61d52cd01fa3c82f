# Continual learning (PAPER.md 3.1): one training job per (arch, variant, seed), then figure tables.
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


rule continual_run:
    input:
        data=array_paths(dataset_dir(CL["dataset"])),
    output:
        metrics=f"{CL_RUN}/metrics.parquet",
        run=f"{CL_RUN}/run.json",
    wildcard_constraints:
        variant=r"(none|batch|layer|batch-affine|layer-affine)(_drop[0-9.]+)?",
    params:
        cfg=config_hash({k: CFG[k] for k in ("continual", "models", "device")}),
        code=source_hash("lop/models", "lop/metrics.py", "lop/probing.py", "lop/data/device.py",
                         "lop/data/arrays.py", "lop/experiments/continual.py", "lop/experiments/checkpoint.py"),
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
