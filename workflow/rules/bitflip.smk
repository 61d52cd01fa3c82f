# Bit flipping with Continual Backprop (PAPER.md 3.3) -> figures B.1, B.2.
# Runs: SGD for the first `switch` of the samples, SGD + CBP after. The compiled
# kernel (numba, cached on disk) makes a paper-scale run take seconds; see docs/bitflip.md.
from lop.experiments.bitflip import check_params

BF = CFG["bitflip"]
try:
    check_params(BF)  # cross-field checks the schema cannot express (f <= m, sizes divisible, ...)
except ValueError as e:  # one line naming the key, like the schema's errors (common.smk)
    print(f"ConfigError: config key {e}", file=sys.stderr)
    sys.exit(1)
BF_CODE = source_hash("lop/data/bitflip.py", "lop/cbp.py", "lop/experiments/bitflip.py",
                      "lop/experiments/bitflip_kernel.py")
# What a run depends on (params change -> rerun); table-only keys (bins, windows, extra switches, the seed
# list) are left out so that changing them does not rerun the training.
BF_RUN = {"preset": PRESET, "divergence": CFG["divergence"], "bitflip": {k: v for k, v in BF.items()
                                        if k not in ("extra_switches", "bin", "phase_window", "seeds")}}
# Extra switch points (extension) live beside the main run under bitflip/switch<p>/.
BF_SWITCHES = [BF["switch"]] + [s for s in BF["extra_switches"] if s != BF["switch"]]


def bitflip_runs(switch):
    base = f"{RESULTS}/bitflip" if switch == BF["switch"] else f"{RESULTS}/bitflip/switch{switch}"
    return [f"{base}/width{w}/seed{s}/metrics.parquet" for w in BF["widths"] for s in BF["seeds"]]


# One job per seed runs every width (one process: imports and the numba cache load are paid once, and
# the per-seed jobs are equally long, so -c2 keeps both cores busy). Each (width, seed) still gets its own
# results/<preset>/bitflip/width<W>/seed<S>/{metrics.parquet, run.json}.
def bitflip_seed_outputs(base):
    return {f"{kind}_{w}": f"{base}/width{w}/seed{{seed}}/{fname}"
            for w in BF["widths"] for kind, fname in (("metrics", "metrics.parquet"), ("run", "run.json"))}


rule bitflip_seed:
    output:
        **bitflip_seed_outputs(f"{RESULTS}/bitflip"),
    params:
        cfg=BF_RUN,
        switch=BF["switch"],
        out=f"{RESULTS}/bitflip",
        code=BF_CODE,
    log:
        f"{RESULTS}/logs/bitflip/seed{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/bitflip/seed{{seed}}.tsv"
    threads: 1
    conda:
        ENV
    script:
        "../scripts/bitflip_run.py"


rule bitflip_seed_switch:
    output:
        **bitflip_seed_outputs(f"{RESULTS}/bitflip/switch{{switch}}"),
    wildcard_constraints:
        switch=r"0(\.\d+)?|1(\.0+)?",
    params:
        cfg=BF_RUN,
        switch=lambda wc: float(wc.switch),
        out=lambda wc: f"{RESULTS}/bitflip/switch{wc.switch}",
        code=BF_CODE,
    log:
        f"{RESULTS}/logs/bitflip/switch{{switch}}_seed{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/bitflip/switch{{switch}}_seed{{seed}}.tsv"
    threads: 1
    conda:
        ENV
    script:
        "../scripts/bitflip_run.py"


rule bitflip_figure_table:
    input:
        runs=[p for sw in BF_SWITCHES for p in bitflip_runs(sw)],
    output:
        table=f"{RESULTS}/figures/{{bffig}}.csv",
        meta=f"{RESULTS}/figures/{{bffig}}.json",
    wildcard_constraints:
        bffig="figB_1|figB_2",
    params:
        cfg={"preset": PRESET, "bitflip": BF},
        by_switch={sw: bitflip_runs(sw) for sw in BF_SWITCHES},
        code=BF_CODE,
    log:
        f"{RESULTS}/logs/bitflip/{{bffig}}_table.log",
    conda:
        ENV
    script:
        "../scripts/bitflip_table.py"
