"""Fixtures of the paper_checks tests; the helpers live in pc_helpers.py."""
import sys
from pathlib import Path

import pytest

# tests/ is on sys.path (tests/conftest.py), so this folder could shadow the package as a namespace
# `paper_checks`; put the checkout first so the real package is imported even without `pip install -e .`.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


@pytest.fixture
def root(tmp_path):
    """A checkout-like folder with results/small/figures/."""
    (tmp_path / "results/small/figures").mkdir(parents=True)
    return tmp_path
