"""Theorem checks run in float64 (tight tolerances) on one thread."""
import pytest
import torch


@pytest.fixture(autouse=True)
def float64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)
