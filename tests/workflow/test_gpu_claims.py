"""Every rule that requests a GPU (`gpu=gpu_resources()`) runs a script that claims one
(lop.train.gpu_slots.claim_gpu) before torch starts CUDA: on a multi-GPU box each job gets its own GPU.
Static: reads the rule files and scripts (no Snakemake run)."""
import re

from lop.provenance import REPO_ROOT


def _gpu_rule_scripts():
    for smk in sorted((REPO_ROOT / "workflow/rules").glob("*.smk")):
        for block in re.split(r"\n(?=\S)", smk.read_text()):
            if "gpu=gpu_resources()" in block:
                script = re.search(r'script:\s*\n\s*"\.\./scripts/(\w+\.py)"', block)
                assert script, f"{smk.name}: a GPU rule without a script"
                yield REPO_ROOT / "workflow/scripts" / script.group(1)


def test_every_gpu_rule_claims_its_gpu_before_importing_torch():
    scripts = sorted(set(_gpu_rule_scripts()))
    assert {p.name for p in scripts} == {"train_continual.py", "train_cloning.py", "train_extension.py"}
    for p in scripts:
        text = p.read_text()
        assert "claim_gpu()" in text, p.name
        assert text.index("claim_gpu()") < text.index("import torch"), p.name
