"""Methods inside the real continual loop: a killed run resumes to the same table (the method's own state
is checkpointed), and the run record names the method."""
import json

import pandas as pd
import pytest
from make_reference import tiny_cfg, tiny_data

from lop.data.arrays import load_arrays
from lop.methods import METHODS
from lop.train.continual import Variant, run_continual

PARAMS = {"redo": {"tau": 0.5, "every": 5}, "cbp": {"replacement_rate": 0.05, "decay": 0.9, "maturity": 3},
          "shrink_perturb": {"shrink": 0.8, "sigma": 0.1}, "l2_init": {"coef": 1e-3}}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return load_arrays(tiny_data(tmp_path_factory.mktemp("syn")))


@pytest.mark.parametrize("name,arch", [("cbp", "cnn"), ("redo", "mlp"), ("shrink_perturb", "mlp"), ("l2_init", "vit")])
def test_killed_run_with_a_method_resumes_to_identical_tables(data, tmp_path, name, arch):
    cfg = tiny_cfg()
    cfg["continual"].update(method=name, method_params=PARAMS, checkpoint_every=7)
    kw = dict(arch=arch, variant=Variant(), seed=2, data=data, progress=False)
    run_continual(cfg, out_dir=tmp_path / "full", **kw)
    ck = tmp_path / "part" / "checkpoint.pt"
    run_continual(cfg, out_dir=tmp_path / "part", checkpoint=ck, stop_after=16, **kw)  # killed after step 16,
    run_continual(cfg, out_dir=tmp_path / "part", checkpoint=ck, **kw)                # resumed from step 14
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "full" / "metrics.parquet"),
                                  pd.read_parquet(tmp_path / "part" / "metrics.parquet"), check_exact=True)
    rec = json.loads((tmp_path / "part" / "run.json").read_text())
    # the record names every setting the method ran with: the given ones over the method's defaults
    assert rec["method"] == name and rec["method_params"] == {**METHODS[name].defaults, **PARAMS[name]}
    assert rec["resumed_from_step"] == 14
