"""Run names (lop.variants): each family's names round-trip through build and parse, and the run rules'
wildcard pattern accepts exactly the names the parser accepts (both come from one PATTERN)."""
import re

import pytest

from lop.config import resolve_config
from lop.figures import FIGURES
from lop.variants import bitflip, cloning, continual
from lop.variants.continual import Variant

BAD_CONTINUAL = ["none-affine", "batchaffine", "batch_drop", "group", "layer-affine_drop", ""]
BAD_CLONING = ["noisy-s0.01", "dropout-p", "sgd2", "noisy_sgd", ""]


@pytest.mark.parametrize("preset", ["small", "paper"])
def test_every_registry_name_round_trips_and_matches_the_wildcard(preset):
    cfg = resolve_config(preset=preset)
    for f in FIGURES.values():
        for cell in f.cells(cfg):
            if f.family == "continual":
                assert Variant.parse(cell["variant"]).name == cell["variant"]
                assert re.fullmatch(continual.WILDCARD, cell["variant"])
            elif f.family == "cloning":
                spec = cloning.parse_variant(cell["variant"])
                assert spec["method"] in cloning.OPTIMIZERS
                assert re.fullmatch(cloning.WILDCARD, cell["variant"])


@pytest.mark.parametrize("name", BAD_CONTINUAL)
def test_continual_parser_and_wildcard_reject_the_same_names(name):
    assert re.fullmatch(continual.WILDCARD, name) is None
    with pytest.raises(ValueError, match="bad variant name"):
        Variant.parse(name)


@pytest.mark.parametrize("name", BAD_CLONING)
def test_cloning_parser_and_wildcard_reject_the_same_names(name):
    assert re.fullmatch(cloning.WILDCARD, name) is None
    with pytest.raises(ValueError, match="bad cloning variant"):
        cloning.parse_variant(name)


def test_continual_names():
    assert Variant("batch", True, 0.1).name == "batch-affine_drop0.1" == continual.variant_name("batch", dropout=0.1)
    assert Variant.parse("none_drop0.1") == Variant("none", True, 0.1)
    assert Variant.parse("layer") == Variant("layer", False, 0.0)


def test_bitflip_switch_folders():
    assert bitflip.switch_dir(0.5, 0.5) == "" and bitflip.switch_dir(0.25, 0.5) == "/switch0.25"
    assert re.fullmatch(bitflip.WILDCARD, "0.25") and not re.fullmatch(bitflip.WILDCARD, "1.5")
