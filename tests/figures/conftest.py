"""Fixtures of the continual-figure tests: the small preset and a session-wide set of synthetic runs."""
from __future__ import annotations

import pytest
from cl_figure_helpers import figure_variants, probe_names, write_run

from lop.config import resolve_config


@pytest.fixture(scope="session")
def small_cfg():
    return resolve_config(preset="small")


@pytest.fixture(scope="session")
def small_runs(tmp_path_factory, small_cfg):
    """{(arch, variant, seed): metrics.parquet} for every run any CL figure reads at the small preset,
    plus {arch: probe names}."""
    cc = small_cfg["continual"]
    root = tmp_path_factory.mktemp("continual")
    variants = sorted({v for vs in figure_variants(cc["dropout"]).values() for v in vs})
    layers = {a: probe_names(small_cfg, a, "none") for a in cc["archs"]}
    runs = {(a, v, s): write_run(root, small_cfg, a, v, s, layers[a])
            for a in cc["archs"] for v in variants for s in cc["seeds"]}
    return runs, layers
