# Continual learning (paper section 3.1) -> figures 3.1, 3.2, 4.1, B.3-B.6: training runs, grouped into
# jobs by `continual.job_group` (lop.jobs), then the figure tables (workflow/rules/figures.smk).
# Variant names: none | batch | layer | batch-affine | layer-affine, optionally with _drop<p>
# (lop.variants.continual). Which runs each figure reads is the figure registry, lop.figures.
from lop.variants import continual as continual_variants

CL = CFG["continual"]
CL_CODE = code_hash("workflow/scripts/train_continual.py")

for job in job_templates("continual", CFG):

    rule:
        name:
            job.name
        input:
            data=array_paths(dataset_dir(CL["dataset"])),
        output:
            **run_outputs("continual", job),
        log:
            f"{RESULTS}/logs/continual/{job.label}.log",
        benchmark:
            f"{RESULTS}/benchmarks/continual/{job.label}.tsv"
        wildcard_constraints:
            variant=continual_variants.WILDCARD,
        priority: job_priority("continual", job, CFG)
        conda:
            ENV
        threads: 1
        resources:
            gpu=gpu_resources(),
        params:
            runs=job_runs("continual", job),
            cfg=job_settings("continual", job),
            code=CL_CODE,
        script:
            "../scripts/train_continual.py"
