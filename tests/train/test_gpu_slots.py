"""Local multi-GPU scheduling: concurrent jobs claim different GPUs through real file locks."""
import os
import subprocess
import sys
import time

CLAIM = ("import sys, time; from lop.train.gpu_slots import claim_gpu; g = claim_gpu(sys.argv[1], poll_s=0.1); "
         "import os; print(g, os.environ['CUDA_VISIBLE_DEVICES'], flush=True); time.sleep(float(sys.argv[2]))")


def start(lock_dir, hold_s, visible="3,5"):
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": visible}
    return subprocess.Popen([sys.executable, "-c", CLAIM, str(lock_dir), str(hold_s)], env=env,
                            stdout=subprocess.PIPE, text=True)


def test_concurrent_jobs_get_distinct_gpus_and_a_third_waits(tmp_path):
    a = start(tmp_path, 3.0)
    first = a.stdout.readline().split()
    b = start(tmp_path, 0.5)
    second = b.stdout.readline().split()
    assert first[0] == first[1] and second[0] == second[1]
    assert {first[0], second[0]} == {"3", "5"}
    b.wait()
    t = time.time()
    c = start(tmp_path, 0.0)  # GPU of b is free again: claimed at once, not after a finishes
    third = c.stdout.readline().split()
    assert third[0] == second[0] and time.time() - t < 2.5
    for p in (a, c):
        p.wait()


def test_single_gpu_or_cpu_is_left_alone(tmp_path):
    from lop.train.gpu_slots import claim_gpu

    old = os.environ.get("CUDA_VISIBLE_DEVICES")
    try:
        os.environ["CUDA_VISIBLE_DEVICES"] = "7"
        assert claim_gpu(tmp_path) == "7" and not any(tmp_path.iterdir())
    finally:
        if old is None:
            os.environ.pop("CUDA_VISIBLE_DEVICES")
        else:
            os.environ["CUDA_VISIBLE_DEVICES"] = old
