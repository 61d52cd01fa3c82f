"""The protocol at a task boundary (paper Sec. 3.1): the shared head is zeroed at the start of every task,
and Adam's state is carried over from task to task (never reset). Both are invisible to the kill-resume
and provenance tests (a change applied to a run and to its resumed twin keeps them equal)."""
import math

import pandas as pd

from lop.methods import METHODS, Method
from lop.train.continual import Variant, run_continual
from tiny_continual import data, data_dir, tiny_cfg  # noqa: F401 - the shared synthetic-data fixtures

STEPS = 12  # tiny_cfg's steps per task; 3 tasks of 2 classes


def test_each_task_starts_from_a_zero_head(data, tmp_path):
    # A zero head gives all-zero logits whatever the features: the first step's loss is ln(2) exactly.
    run_continual(tiny_cfg(), arch="mlp", variant=Variant(), seed=0, data=data, out_dir=tmp_path,
                  progress=False)
    df = pd.read_parquet(tmp_path / "metrics.parquet")
    loss = df[(df.layer == "online") & (df.metric == "loss")].set_index("step")["value"]
    for task in range(3):
        assert abs(loss[task * STEPS + 1] - math.log(2)) < 1e-6, task
    assert abs(loss[STEPS + 2] - math.log(2)) > 1e-3  # one step later the head has learnt something


class _StepCounts(Method):
    """Records Adam's own step count of every parameter right after each optimizer step."""
    name = "step_counts"
    seen: dict = {}

    def after_step(self, step: int) -> None:
        _StepCounts.seen[step] = {int(s["step"]) for s in self.ctx.opt.state.values()}


def test_adam_state_is_carried_across_tasks(data, tmp_path, monkeypatch):
    monkeypatch.setitem(METHODS, _StepCounts.name, _StepCounts)  # a plug-in of lop.methods, as a user adds one
    cfg = tiny_cfg(method=_StepCounts.name)
    run_continual(cfg, arch="mlp", variant=Variant(), seed=0, data=data, out_dir=tmp_path, progress=False)
    # every parameter's Adam step count equals the global step, also at the first step of tasks 2 and 3
    for step in (1, STEPS, STEPS + 1, 2 * STEPS + 1, 3 * STEPS):
        assert _StepCounts.seen[step] == {step}, (step, _StepCounts.seen[step])
