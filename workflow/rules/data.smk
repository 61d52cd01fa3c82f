# Dataset preparation: raw archives (or the embedded generator) -> uint8 arrays (lop.data.arrays format).
rule synthetic_data:
    output:
        array_paths("results/data/synthetic/{size}px-{classes}c-{n}n-seed{dseed}"),
    log:
        "results/data/logs/synthetic-{size}px-{classes}c-{n}n-seed{dseed}.log",
    benchmark:
        "results/data/benchmarks/synthetic-{size}px-{classes}c-{n}n-seed{dseed}.tsv"
    wildcard_constraints:
        size=r"\d+",
        classes=r"\d+",
        n=r"\d+",
        dseed=r"\d+",
    conda:
        ENV
    params:
        test_per_class=CFG["data"]["synthetic"]["test_per_class"],
        code=code_hash("workflow/scripts/prepare_synthetic.py"),
    script:
        "../scripts/prepare_synthetic.py"


rule tinyimagenet_data:
    output:
        array_paths("results/data/tinyimagenet"),
    log:
        "results/data/logs/tinyimagenet.log",
    benchmark:
        "results/data/benchmarks/tinyimagenet.tsv"
    conda:
        ENV
    params:
        archive=CFG["data"]["tinyimagenet"]["archive"],
        url=CFG["data"]["tinyimagenet"]["url"],
        code=code_hash("workflow/scripts/prepare_tinyimagenet.py"),
    script:
        "../scripts/prepare_tinyimagenet.py"


rule cifar10_data:
    output:
        array_paths("results/data/cifar10"),
    log:
        "results/data/logs/cifar10.log",
    benchmark:
        "results/data/benchmarks/cifar10.tsv"
    conda:
        ENV
    params:
        archive=CFG["data"]["cifar10"]["archive"],
        url=CFG["data"]["cifar10"]["url"],
        code=code_hash("workflow/scripts/prepare_cifar10.py"),
    script:
        "../scripts/prepare_cifar10.py"
