# Theory table (paper Sec. 2-3 and App. A, lop.theory): per activation and modulation K(r), kappa, both alphas,
# the frozen fraction and the June-draft alpha claims. Pure numerics, independent of the preset, so it
# lives at results/theory/ and its provenance hashes only the `theory` config section.


rule theory_table:
    output:
        table="results/theory/activations.csv",
        meta="results/theory/activations.json",
    log:
        "results/theory/logs/activations.log",
    benchmark:
        "results/theory/benchmarks/activations.tsv"
    conda:
        ENV
    threads: 1
    params:
        theory=CFG["theory"],
        code=code_hash("workflow/scripts/theory_table.py"),
    script:
        "../scripts/theory_table.py"
