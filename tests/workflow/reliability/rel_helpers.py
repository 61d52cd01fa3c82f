"""Helpers of the reliability tests: real `snakemake` runs in a private copy of the checkout
(tests/checkout_copy.py), with tiny configs so that each run takes seconds."""
from checkout_copy import REPO, SNAKEMAKE, env, snakemake  # noqa: F401 - the reliability tests' runner
from checkout_copy import copy_checkout as _copy_checkout

# The synthetic dataset of the small preset (lop.data.synthetic; data.synthetic in config.yaml).
SYNTHETIC = "results/data/synthetic/16px-50c-300n-seed0"


def copy_checkout(dest):
    """The checkout copy at the CI tier (`small`), whatever config.yaml's default preset is."""
    return _copy_checkout(dest, preset="small")
