"""A real Snakemake run of the small preset in a private copy of the checkout (nothing is mocked).

The copy holds the files git would see (tracked and untracked-not-ignored), so results/ of the
developer's checkout are neither read nor touched. One session-wide run serves all pipeline tests.
"""
import pytest
from checkout_copy import copy_checkout, snakemake  # noqa: F401 - the pipeline tests import them from here

# The targets the pipeline tests inspect (kept in one run so that shared jobs are built once).
TARGETS = ["all"]  # the 18 figures and the paper_checks report (workflow/rules/checks.smk)
# The CI tier, named explicitly: the default preset is the heavier `cpu` tier (config.yaml).
CI_TIER = ["--config", "preset=small"]  # after the targets: --config swallows the words that follow it


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """The checkout copy after `snakemake -c2 <TARGETS> --config preset=small` (the CI tier)."""
    root = copy_checkout(tmp_path_factory.mktemp("checkout"))
    snakemake(root, "-c2", *TARGETS, *CI_TIER)
    return root
