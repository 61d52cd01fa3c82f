"""Adding a plasticity method is one new module of lop/methods/ plus one registration in
lop/methods/__init__.py (docs/methods.md, "Adding a method"): in a private copy of the checkout, a new
method written exactly so is accepted by the config (its defaults filled from its class, no schema or
config.yaml edit), joins the extension grid (`continual.methods: all`) and runs in a tiny continual loop."""
import json
import subprocess
import sys

from checkout_copy import copy_checkout, env, snakemake

NEW_METHOD = '''"""A test method: counts its hooks and adds `scale` * ||theta||^2 to the loss."""
from .base import Method


class StepCounter(Method):
    name = "step_counter"
    defaults = {"scale": 0.0, "note": "default"}

    def __init__(self, ctx, params=None):
        super().__init__(ctx, params)
        self.tasks, self.steps = 0, 0

    def task_start(self, task):
        self.tasks += 1

    def extra_loss(self):
        return self.params["scale"] * sum(p.square().sum() for p in self.ctx.model.parameters())

    def after_step(self, step):
        self.steps += 1
'''

RUN = '''
import json, sys
sys.path.insert(0, "tests/methods")
from make_reference import tiny_cfg, tiny_data
from lop.data.arrays import load_arrays
from lop.methods import build_method, METHODS
from lop.train.continual import run_continual
from lop.variants.continual import Variant

cfg = tiny_cfg()
cc = cfg["continual"]
assert "step_counter" in cc["methods"], cc["methods"]  # `methods: all` picks the registered method up
assert cc["method_params"]["step_counter"] == {"scale": 0.0, "note": "default"}  # its class's defaults
cc.update(method="step_counter", method_params={**cc["method_params"], "step_counter": {"scale": 0.5, "note": "default"}})
data = load_arrays(tiny_data(__import__("pathlib").Path("data")))
run_continual(cfg, arch="mlp", variant=Variant(), seed=0, data=data, out_dir="run", progress=False)
rec = json.load(open("run/run.json"))
print(json.dumps({"method": rec["method"], "params": rec["method_params"]}))
'''


def test_a_new_method_is_one_module_and_one_registration(tmp_path):
    root = copy_checkout(tmp_path)
    (root / "lop/methods/step_counter.py").write_text(NEW_METHOD)
    init = root / "lop/methods/__init__.py"
    text = init.read_text()
    anchor = "\nMETHODS: dict[str, type[Method]] = {m.name: m for m in ("
    assert anchor in text
    init.write_text(text.replace(anchor, "\nfrom .step_counter import StepCounter" + anchor + "StepCounter, ", 1))

    # the config accepts it with its defaults; a key it does not take is a one-line config error
    p = subprocess.run([sys.executable, "-c", RUN], cwd=root, env=env(root), capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-3000:]
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out == {"method": "step_counter", "params": {"scale": 0.5, "note": "default"}}
    bad = snakemake(root, "-n", "--config", "preset=small", "continual={method_params: {step_counter: {sclae: 1}}}",
                    check=False)
    assert bad.returncode != 0 and "`continual.method_params.step_counter`: unknown keys ['sclae']" in bad.stderr

    # ... and is in the extension grid
    plan = snakemake(root, "-n", "extensions", "--config", "preset=small").stdout
    assert "method=step_counter" in plan
