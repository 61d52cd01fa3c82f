"""The three families' entry points share one signature (lop.train.lifecycle.EntryPoint): cfg, then the
grid cell's keys (keyword-only, no defaults), then the same keywords with the same defaults in the same
order, and the same return type. Only the cell keys may differ."""
import inspect

import pytest

from lop.train.bitflip import run_bitflip
from lop.train.cloning import run_cloning
from lop.train.continual import run_continual
from lop.train.lifecycle import EntryPoint

ENTRY_POINTS = {"continual": run_continual, "cloning": run_cloning, "bitflip": run_bitflip}


def shape(params):
    """What must agree: each parameter's name, kind and default (the annotations are the family's own)."""
    return [(p.name, p.kind, p.default) for p in params]


def split(fn):
    """(cfg, the cell's keys, the shared keywords) of an entry point."""
    params = list(inspect.signature(fn).parameters.values())
    names = [p.name for p in params]
    first = names.index("seed") if "seed" in names else len(params)  # the first shared keyword
    return params[:1], params[1:first], params[first:]


@pytest.mark.parametrize("family", ENTRY_POINTS)
def test_entry_point_has_the_shared_signature(family):
    fn = ENTRY_POINTS[family]
    spec = list(inspect.signature(EntryPoint.__call__).parameters.values())[1:]  # drop self
    cfg, cell, shared = split(fn)
    assert shape(cfg) == shape(spec[:1]), f"run_{family}: the first parameter must be cfg, positional"
    assert cell, f"run_{family}: no cell keys between cfg and {spec[1].name}"
    for p in cell:
        assert p.kind is p.KEYWORD_ONLY and p.default is p.empty, \
            f"run_{family}: cell key {p.name} must be keyword-only without a default"
    assert shape(shared) == shape(spec[1:]), f"run_{family}: the shared keywords differ from EntryPoint's"
    assert inspect.signature(fn).return_annotation == inspect.signature(EntryPoint.__call__).return_annotation


def test_the_families_differ_only_in_their_cell_keys():
    cells = {family: [p.name for p in split(fn)[1]] for family, fn in ENTRY_POINTS.items()}
    assert cells == {"continual": ["arch", "variant"], "cloning": ["arch", "variant"], "bitflip": ["width", "switch"]}
    shared = {family: shape(split(fn)[2]) for family, fn in ENTRY_POINTS.items()}
    assert shared["continual"] == shared["cloning"] == shared["bitflip"]


def test_a_diverging_entry_point_is_caught():
    """The check above is not vacuous: an extra keyword, a reordering or a changed default fails it."""
    def extra(cfg, *, arch, seed, data, out_dir=None, checkpoint=None, progress=True, stop_after=None,
              engine=None):
        ...

    def reordered(cfg, *, arch, seed, data, out_dir=None, progress=True, checkpoint=None, stop_after=None):
        ...

    def defaulted(cfg, *, arch, seed, data, out_dir=None, checkpoint=None, progress=False, stop_after=None):
        ...

    spec = shape(list(inspect.signature(EntryPoint.__call__).parameters.values())[2:])
    for fn in (extra, reordered, defaulted):
        assert shape(split(fn)[2]) != spec, fn.__name__
