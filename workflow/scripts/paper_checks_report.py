"""Snakemake script: the paper_checks report (python -m paper_checks report, run in-process)."""
import contextlib
import os
import sys

sys.path.insert(0, os.getcwd())  # Snakemake runs scripts in the checkout; paper_checks may not be pip-installed
from paper_checks.__main__ import main  # noqa: E402

smk = snakemake  # noqa: F821 (injected by Snakemake)
with open(smk.log[0], "w") as log, contextlib.redirect_stderr(log), contextlib.redirect_stdout(log):
    rc = main(["report", "--preset", smk.params.preset, "--run-tests", "--workers", str(smk.threads),
               "--junit", smk.output.junit])
sys.exit(rc)  # non-zero only when the checker itself failed (see the log)
