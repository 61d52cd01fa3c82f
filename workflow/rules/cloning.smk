# Cloning (paper section 3.2) -> figures 2.1, B.7-B.14: training runs, grouped into jobs by
# `cloning.job_group` (lop.jobs), then the figure tables (workflow/rules/figures.smk). Variant names:
# sgd | adam | noisy-s<sigma0>-l<lambda> | dropout-p<p> (lop.variants.cloning). Only the
# runs a requested figure reads are scheduled (the registry lop.figures), so a shared run is trained once.
from lop.variants import cloning as cloning_variants

CLO = CFG["cloning"]
CLO_CODE = code_hash("workflow/scripts/train_cloning.py")


for job in job_templates("cloning", CFG):

    rule:
        name:
            job.name
        input:
            data=array_paths(cloning_data_dir()),
        output:
            **run_outputs("cloning", job),
        log:
            f"{RESULTS}/logs/cloning/{job.label}.log",
        benchmark:
            f"{RESULTS}/benchmarks/cloning/{job.label}.tsv"
        wildcard_constraints:
            variant=cloning_variants.WILDCARD,
        priority: job_priority("cloning", job, CFG)
        conda:
            ENV
        threads: 1
        resources:
            gpu=gpu_resources(),
        params:
            runs=job_runs("cloning", job),
            cfg=job_settings("cloning", job),
            code=CLO_CODE,
        script:
            "../scripts/train_cloning.py"
