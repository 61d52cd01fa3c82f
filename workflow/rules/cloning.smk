# Cloning (PAPER.md 3.2) -> figures 2.1, B.7-B.14: one training job per (arch, variant, seed), then one
# table per figure. Variant names: sgd | adam | noisy-s<sigma0>-l<lambda> | dropout-p<p>
# (lop.experiments.cloning.variant_name). Only the cells a requested figure needs are scheduled
# (lop.figtables.cloning.figure_runs), so a run shared by several figures is trained once.
from lop.experiments.cloning import VARIANT_WILDCARD
from lop.figtables.cloning import FIGURE_METRICS as CLONING_FIGURES, figure_runs as cloning_figure_runs

CLO = CFG["cloning"]
CLO_RUN = f"{RESULTS}/cloning/{{arch}}/{{variant}}/seed{{seed}}"
# Settings a run depends on (figure choices and grids only select runs, they do not change one).
CLO_RUN_CFG = config_hash({"cloning": {k: v for k, v in CLO.items()
                                       if k not in ("archs", "seeds", "noisy_sgd", "dropout", "figure", "batch_seeds")},
                           "models": CFG["models"], "device": CFG["device"]})


def cloning_data_dir():
    if CLO["dataset"] == "cifar10":
        return dataset_dir("cifar10")
    return synthetic_dir(CLO["synthetic_classes"])


def cloning_runs(fig):
    return [f"{RESULTS}/cloning/{arch}/{variant}/seed{seed}/metrics.parquet"
            for arch, variant in cloning_figure_runs(fig, CLO) for seed in CLO["seeds"]]


rule cifar10_data:
    output:
        array_paths("results/data/cifar10"),
    params:
        archive=CFG["data"]["cifar10"]["archive"],
        url=CFG["data"]["cifar10"]["url"],
        code=source_hash("lop/data/cifar10.py", "lop/data/arrays.py"),
    log:
        "results/data/logs/cifar10.log",
    benchmark:
        "results/data/benchmarks/cifar10.tsv"
    conda:
        ENV
    script:
        "../scripts/prepare_cifar10.py"


if CLO["batch_seeds"]:
    # One job per (arch, variant) trains every seed in one process (start-up paid once per cell).
    rule cloning_run:
        input:
            data=array_paths(cloning_data_dir()),
        output:
            metrics=expand(f"{RESULTS}/cloning/{{{{arch}}}}/{{{{variant}}}}/seed{{seed}}/metrics.parquet", seed=CLO["seeds"]),
            run=expand(f"{RESULTS}/cloning/{{{{arch}}}}/{{{{variant}}}}/seed{{seed}}/run.json", seed=CLO["seeds"]),
        wildcard_constraints:
            variant=VARIANT_WILDCARD,
        params:
            cfg=CLO_RUN_CFG,
            seeds=CLO["seeds"],
            code=source_hash("lop/models", "lop/cloning", "lop/cloning_metrics.py", "lop/metrics.py", "lop/optim.py",
                             "lop/probing.py", "lop/data/device.py", "lop/data/arrays.py",
                             "lop/experiments/cloning.py"),
        log:
            f"{RESULTS}/logs/cloning/{{arch}}/{{variant}}/seeds.log",
        benchmark:
            f"{RESULTS}/benchmarks/cloning/{{arch}}/{{variant}}/seeds.tsv"
        threads: 1
        resources:
            gpu=gpu_resources(),
        conda:
            ENV
        script:
            "../scripts/train_cloning.py"

else:

    rule cloning_run:
        input:
            data=array_paths(cloning_data_dir()),
        output:
            metrics=f"{CLO_RUN}/metrics.parquet",
            run=f"{CLO_RUN}/run.json",
        wildcard_constraints:
            variant=VARIANT_WILDCARD,
        params:
            cfg=CLO_RUN_CFG,
            code=source_hash("lop/models", "lop/cloning", "lop/cloning_metrics.py", "lop/metrics.py", "lop/optim.py",
                             "lop/probing.py", "lop/data/device.py", "lop/data/arrays.py",
                             "lop/experiments/cloning.py"),
        log:
            f"{RESULTS}/logs/cloning/{{arch}}/{{variant}}/seed{{seed}}.log",
        benchmark:
            f"{RESULTS}/benchmarks/cloning/{{arch}}/{{variant}}/seed{{seed}}.tsv"
        threads: 1
        resources:
            gpu=gpu_resources(),
        conda:
            ENV
        script:
            "../scripts/train_cloning.py"


rule cloning_figure_table:
    input:
        runs=lambda w: cloning_runs(w.fig),
    output:
        table=f"{RESULTS}/figures/{{fig}}.csv",
        meta=f"{RESULTS}/figures/{{fig}}.json",
    wildcard_constraints:
        fig="|".join(CLONING_FIGURES),
    params:
        code=source_hash("lop/figtables/cloning.py", "lop/figtables/runs.py", "lop/experiments/cloning.py"),
    log:
        f"{RESULTS}/logs/tables/{{fig}}.log",
    conda:
        ENV
    script:
        "../scripts/cloning_table.py"
