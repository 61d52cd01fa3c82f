"""The run lifecycle shared by the three trainers (lop.train.lifecycle): the divergence policy on a finished
table, then the atomic writes and the checkpoint's deletion."""
import json

import numpy as np
import pandas as pd
import pytest

from lop.train import lifecycle


def table():
    return pd.DataFrame({"step": [1, 2, 3, 4], "layer": "online", "metric": "loss", "value": [1.0, 0.5, np.inf, 2.0]})


def test_diverged_masks_from_the_step_and_appends_the_marker():
    t, record = lifecycle.diverged(table(), "record", "run x", 3, "lower lr", table().step >= 3,
                                   {"step": 3, "layer": "online"})
    assert record == {"step": 3}
    assert t.value.iloc[:2].tolist() == [1.0, 0.5] and t.value.iloc[2:4].isna().all()
    assert t.iloc[-1].to_dict() == {"step": 3, "layer": "online", "metric": "diverged_at", "value": 3.0}
    assert list(t.dtypes) == list(table().dtypes)


def test_diverged_fails_under_fail():
    with pytest.raises(FloatingPointError, match="run x: training loss became non-finite at step 3; lower lr"):
        lifecycle.diverged(table(), "fail", "run x", 3, "lower lr", slice(2, None), {"step": 3})


def test_finish_run_writes_both_files_and_deletes_the_checkpoint(tmp_path):
    ck = tmp_path / "checkpoint.pkl"
    ck.write_bytes(b"x")
    path = lifecycle.finish_run(tmp_path / "run", table(), {"seed": 0}, ck)
    assert path == tmp_path / "run" / "metrics.parquet"
    pd.testing.assert_frame_equal(pd.read_parquet(path), table())
    assert json.loads((tmp_path / "run" / "run.json").read_text()) == {"seed": 0}
    assert not ck.exists()
    ck.write_bytes(b"x")
    assert lifecycle.finish_run(None, table(), None, ck) is None and not ck.exists()


def test_identity_names_the_family_the_cell_and_the_settings():
    assert lifecycle.identity("cloning", "abc", arch="mlp", variant="sgd", seed=1) == {
        "experiment": "cloning", "arch": "mlp", "variant": "sgd", "seed": 1, "config_hash": "abc"}
    assert lifecycle.identity("continual", "abc", seed=1) != lifecycle.identity("cloning", "abc", seed=1)
