"""A tiny continual-learning setup shared by tests/train/ (test_continual_run.py, test_probe_switches.py)
and tests/tools/test_power_and_tiers_bench.py (tests/ is on sys.path through tests/conftest.py): a
synthetic 6-class dataset fixture (its folder, and its arrays as run_continual takes them) and a 3-task
config."""
import pytest

from lop.config import resolve_config
from lop.data.arrays import load_arrays, save_arrays
from lop.data.synthetic import make_synthetic


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("syn")
    x, y = make_synthetic(num_classes=6, per_class=30, image_size=8, seed=0)
    xt, yt = make_synthetic(num_classes=6, per_class=5, image_size=8, seed=0, split="test")
    save_arrays(d, x_train=x, y_train=y, x_test=xt, y_test=yt, meta={"name": "synthetic"})
    return d


@pytest.fixture(scope="module")
def data(data_dir):
    return load_arrays(data_dir)


def tiny_cfg(**continual):
    cfg = resolve_config(preset="small")
    cfg["continual"]["probe"].update(size=20, every=5, selection="balanced", max_rank_rows=1024)
    cfg["continual"].update(num_tasks=3, classes_per_task=2, steps_per_task=12, checkpoint_every=7, **continual)
    cfg["models"]["cnn"] = {"channels": [4, 4], "fc": 8}
    return cfg
