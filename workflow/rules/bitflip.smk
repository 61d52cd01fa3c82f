# Bit flipping with Continual Backprop (paper section 3.3) -> figures B.1, B.2 (tables and renders:
# workflow/rules/figures.smk). Runs: SGD for the first `switch` of the samples, SGD + CBP after. The
# compiled kernel (numba, cached on disk) makes a paper-scale run take seconds; see docs/bitflip.md.
from lop.train.bitflip import check_params
from lop.variants import bitflip as bitflip_variants

BF = CFG["bitflip"]
try:
    check_params(BF)  # cross-field checks the schema cannot express (f <= m, sizes divisible, ...)
except ValueError as e:  # one line naming the key, like the schema's errors (common.smk)
    print(f"ConfigError: config key {e}", file=sys.stderr)
    sys.exit(1)
BF_CODE = code_hash("workflow/scripts/bitflip_run.py")
# What a run reads (params change -> rerun); table-only keys (bins, windows, extra switches, the seed
# list) are left out (lop.figures.FAMILIES["bitflip"]) so that changing them does not rerun the training.
BF_RUN = FAMILIES["bitflip"].run_settings(CFG)


# One job per seed runs every width (one process: imports and the numba cache load are paid once, and
# the per-seed jobs are equally long, so -c2 keeps both cores busy). Each (width, seed) still gets its own
# results/<preset>/bitflip/width<W>/seed<S>/{metrics.parquet, run.json}. Extra switch points (an
# extension) live beside the main run under bitflip/switch<p>/, from the second rule.
rule bitflip_seed:
    output:
        **bitflip_seed_outputs(f"{RESULTS}/bitflip"),
    log:
        f"{RESULTS}/logs/bitflip/seed{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/bitflip/seed{{seed}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        cfg=BF_RUN,
        switch=BF["switch"],
        out=lambda w, output: str(Path(output[0]).parents[2]),  # <out>/width<W>/seed<S>/metrics.parquet
        code=BF_CODE,
    script:
        "../scripts/bitflip_run.py"


rule bitflip_seed_switch:
    output:
        **bitflip_seed_outputs(f"{RESULTS}/bitflip/switch{{switch}}"),
    log:
        f"{RESULTS}/logs/bitflip/switch{{switch}}_seed{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/bitflip/switch{{switch}}_seed{{seed}}.tsv"
    wildcard_constraints:
        switch=bitflip_variants.WILDCARD,
    conda:
        ENV
    threads: 1
    params:
        cfg=BF_RUN,
        switch=lambda wc: float(wc.switch),
        out=lambda w, output: str(Path(output[0]).parents[2]),
        code=BF_CODE,
    script:
        "../scripts/bitflip_run.py"
