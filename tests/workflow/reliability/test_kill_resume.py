"""Every training family survives SIGKILL: `snakemake` is killed (its whole process group) in the middle of
training, the same command is run again, and the run's table is identical to that of an uninterrupted run.

The resumed job starts from the run's atomic checkpoint (lop.train.checkpoint), written next to its
outputs but not one of them, so Snakemake's clean-up of the killed job's outputs keeps it."""
import os
import shutil
import signal
import subprocess
import time

import pandas as pd
import pytest
from rel_helpers import SNAKEMAKE, copy_checkout, env, snakemake

# family: (tiny config, the run's table, its checkpoint). Lengths are chosen so that a run takes seconds
# and the first checkpoint comes early (kill there: most of the run is still to do).
FAMILIES = {
    "continual": ("continual: {archs: [mlp], seeds: [0], num_tasks: 3, steps_per_task: 100, checkpoint_every: 30,"
                  " probe: {size: 50}}\n",
                  "results/small/continual/mlp/none/seed0/metrics.parquet", "checkpoint.pt"),
    # stage 1 is shorter than checkpoint_every, so the kill lands in stage 2 (clone and base training);
    # the stage-1 resume is covered in test_checkpoints.py
    "cloning": ("cloning: {archs: [mlp], seeds: [0], stage1_steps: 20, stage2_steps: 160, log_every: 20,"
                " checkpoint_every: 20, eval_size: 100, probe: {size: 64}}\n",
                "results/small/cloning/mlp/noisy-s0.01-l0.999/seed0/metrics.parquet", "checkpoint.pkl"),
    "bitflip": ("bitflip: {widths: [100], seeds: [0], n_samples: 500000, chunk: 20000, checkpoint_every: 20000,"
                " metrics: {gaussianity_every: 20000}}\n",
                "results/small/bitflip/width100/seed0/metrics.parquet", "checkpoint.pkl"),
}


def _kill_when(root, args, path, timeout=600):
    """Start snakemake in its own process group; SIGKILL the group once `path` exists."""
    proc = subprocess.Popen([*SNAKEMAKE, *args], cwd=root, env=env(root), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    t0 = time.time()
    while not path.exists():
        assert proc.poll() is None, "snakemake finished before the first checkpoint was written"
        assert time.time() - t0 < timeout, f"no checkpoint {path} after {timeout} s"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.mark.parametrize("family", list(FAMILIES))
def test_killed_run_resumes_to_the_uninterrupted_table(tmp_path, family):
    config, table, ck_name = FAMILIES[family]
    root = copy_checkout(tmp_path / "checkout")
    (root / "tiny.yaml").write_text(config)
    args = ["-c1", "--configfile", "tiny.yaml", "--", table]
    out, ck = root / table, (root / table).parent / ck_name

    snakemake(root, *args)  # the uninterrupted run
    reference = pd.read_parquet(out)
    assert not ck.exists(), "a finished run leaves no checkpoint behind"
    shutil.rmtree(root / "results/small" / family)

    _kill_when(root, args, ck)
    assert ck.exists() and not out.exists(), "the kill must land in the middle of training"
    snakemake(root, "--unlock", "--", table)  # a SIGKILLed snakemake cannot remove its own lock
    p = snakemake(root, "--rerun-incomplete", *args)
    resumed = pd.read_parquet(out)
    pd.testing.assert_frame_equal(resumed, reference, check_exact=True)  # identical on CPU
    logs = "".join(f.read_text() for f in (root / "results/small/logs").rglob("*.log"))
    assert f"resumed from {ck.relative_to(root)}" in logs or f"resumed from {ck}" in logs, p.stderr[-2000:]
    assert not ck.exists()
