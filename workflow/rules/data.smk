# Dataset preparation: raw archives (or the embedded generator) -> uint8 arrays (lop.data.arrays format).
from lop.data.arrays import array_paths


def synthetic_dir(num_classes=None):
    s = CFG["data"]["synthetic"]
    n = num_classes or s["num_classes"]
    return f"results/data/synthetic/{s['image_size']}px-{n}c-{s['train_per_class']}n-seed{s['seed']}"


def dataset_dir(name):
    """Prepared-array folder of a dataset named in the config (`tinyimagenet`, `synthetic`, `cifar10`)."""
    return synthetic_dir() if name == "synthetic" else f"results/data/{name}"


rule synthetic_data:
    output:
        array_paths("results/data/synthetic/{size}px-{classes}c-{n}n-seed{dseed}"),
    wildcard_constraints:
        size=r"\d+",
        classes=r"\d+",
        n=r"\d+",
        dseed=r"\d+",
    params:
        test_per_class=CFG["data"]["synthetic"]["test_per_class"],
        code=source_hash("lop/data/synthetic.py", "lop/data/arrays.py"),
    log:
        "results/data/logs/synthetic-{size}px-{classes}c-{n}n-seed{dseed}.log",
    conda:
        ENV
    script:
        "../scripts/prepare_synthetic.py"


rule tinyimagenet_data:
    output:
        array_paths("results/data/tinyimagenet"),
    params:
        archive=CFG["data"]["tinyimagenet"]["archive"],
        url=CFG["data"]["tinyimagenet"]["url"],
        code=source_hash("lop/data/tinyimagenet.py", "lop/data/arrays.py"),
    log:
        "results/data/logs/tinyimagenet.log",
    benchmark:
        "results/data/benchmarks/tinyimagenet.tsv"
    conda:
        ENV
    script:
        "../scripts/prepare_tinyimagenet.py"
