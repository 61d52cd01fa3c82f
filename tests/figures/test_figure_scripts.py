"""The jupytext figure scripts of the continual family draw a PDF from a complete figure table and fail
loudly (lop.plots.FigureDataError) when a variant / arch / cell the figure shows is missing.
Scripts run in-process through runpy with --table/--out (as `python workflow/figures/<fig>.py` does),
one of them also as a subprocess. Runtime: ~15 s."""
from __future__ import annotations

import runpy
import sys

import pandas as pd
import pytest
from cl_figure_helpers import build, figure_script, paths_for, run_script_cli

from lop.plots import FigureDataError
from lop.provenance import write_figure_table

FIGS = ["fig3_2", "fig4_1", "figB_3", "figB_4", "figB_5", "figB_6"]
# What to delete from a complete table to make each figure incomplete: (arch, variant) rows.
BREAK = {
    "fig3_2": ("vit", "none"),
    "fig4_1": ("cnn", "layer"),  # only the non-affine LN curve of one arch
    "figB_3": ("resnet", "batch-affine_drop0.1"),  # one bar cell of one arch
    "figB_4": ("mlp", "none"),
    "figB_5": ("cnn", "none"),
    "figB_6": ("resnet", "none"),
}


@pytest.fixture(scope="module")
def tables(small_runs, small_cfg, tmp_path_factory):
    runs, _ = small_runs
    root = tmp_path_factory.mktemp("tables")
    out = {}
    for fig in FIGS:
        paths = paths_for(runs, small_cfg, fig)
        out[fig] = root / f"{fig}.csv"
        write_figure_table(build(fig, paths, small_cfg["continual"]["figure"]["window_steps"]), out[fig], config=small_cfg,
                           sources=paths)
    return out


def run_script(fig, table, pdf, monkeypatch):
    monkeypatch.setattr(sys, "argv", [str(figure_script(fig)), "--table", str(table), "--out", str(pdf)])
    runpy.run_path(str(figure_script(fig)), run_name="__main__")


def broken_copy(table, fig, dest, small_cfg):
    t = pd.read_csv(table)
    arch, variant = BREAK[fig]
    t = t[~((t["arch"] == arch) & (t["variant"] == variant))]
    write_figure_table(t, dest, config=small_cfg)
    return dest


@pytest.mark.parametrize("fig", FIGS)
def test_script_draws_pdf_with_provenance(fig, tables, tmp_path, monkeypatch):
    pdf = tmp_path / f"{fig}.pdf"
    run_script(fig, tables[fig], pdf, monkeypatch)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and b"preset=small" in data


@pytest.mark.parametrize("fig", FIGS)
def test_script_fails_loudly_on_missing_variant(fig, tables, tmp_path, monkeypatch, small_cfg):
    bad = broken_copy(tables[fig], fig, tmp_path / f"{fig}.csv", small_cfg)
    pdf = tmp_path / f"{fig}.pdf"
    arch, variant = BREAK[fig]
    with pytest.raises(FigureDataError, match=f"{variant}|{arch}|cell|lacks"):
        run_script(fig, bad, pdf, monkeypatch)
    assert not pdf.exists()


def test_cli_subprocess_fails_loudly(tables, tmp_path, small_cfg):
    bad = broken_copy(tables["fig4_1"], "fig4_1", tmp_path / "fig4_1.csv", small_cfg)
    proc = run_script_cli("fig4_1", bad, tmp_path / "bad.pdf")
    assert proc.returncode != 0 and "FigureDataError" in proc.stderr and "layer" in proc.stderr
    assert not (tmp_path / "bad.pdf").exists()
