"""Fixtures of the reliability tests: a private copy of the checkout per module (the developer's results/
are neither read nor touched), optionally with the small preset's synthetic arrays prepared."""
import pytest
from rel_helpers import SYNTHETIC, copy_checkout, snakemake


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    return copy_checkout(tmp_path_factory.mktemp("reliability_checkout"))


@pytest.fixture(scope="module")
def checkout_with_data(checkout):
    """The checkout with the small preset's synthetic arrays prepared (once per module)."""
    snakemake(checkout, "-c1", "--", f"{SYNTHETIC}/meta.json")
    return checkout
