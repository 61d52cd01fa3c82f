"""Peak memory of a continual training job, and how much of it is the CUDA build of torch.

    python -m benchmarks.job_memory                      # an MLP job of the cpu tier: 2 runs of 2 tasks
    python -m benchmarks.job_memory --arch resnet --runs 1 --tasks 1

Run it in a fresh process (it measures its own peak RSS): it prepares the tier's synthetic data in a
child process (so the data generator's memory is not counted), then imports and trains like
workflow/scripts/train_continual.py, and prints the peak RSS and, from /proc/self/smaps, the resident
size of the mapped CUDA libraries (what a CPU-only torch wheel would not load). Linux only.
"""
from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

CUDA_LIBS = re.compile(r"cuda|cublas|cudnn|nccl|nvidia|cufft|curand|cusparse|cusolver|nvrtc|nvjit|cupti|triton")
MAKE_DATA = """
import sys
from benchmarks.step_profile import make_data
from lop.config import resolve_config
make_data(resolve_config(preset=sys.argv[1]), __import__('pathlib').Path(sys.argv[2]))
"""


def mapped_rss_mb() -> dict[str, float]:
    """Resident MB per mapped file (anonymous memory under '[anon]')."""
    out, name = {}, None
    with open("/proc/self/smaps") as fh:
        for line in fh:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                parts = line.split()
                name = parts[5] if len(parts) > 5 else "[anon]"
            elif line.startswith("Rss:"):
                out[name] = out.get(name, 0.0) + int(line.split()[1]) / 1024
    return out


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.job_memory", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="cpu")
    ap.add_argument("--arch", default="mlp", choices=["mlp", "cnn", "resnet", "vit"])
    ap.add_argument("--runs", type=int, default=2, help="runs (seeds) in the job")
    ap.add_argument("--tasks", type=int, default=2, help="tasks per run")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        subprocess.run([sys.executable, "-c", MAKE_DATA, args.preset, str(data)], check=True)
        import torch

        torch.set_num_threads(1)
        after_import = peak_mb()
        from lop.config import resolve_config
        from lop.data.arrays import load_arrays
        from lop.train.continual import Variant, run_continual

        cfg = resolve_config(preset=args.preset)
        cfg["continual"].update(num_tasks=args.tasks, checkpoint_every=0)
        arrays = load_arrays(data)  # once per job, as workflow/scripts/train_continual.py loads it
        for seed in range(args.runs):
            run_continual(cfg, arch=args.arch, variant=Variant(), seed=seed, data=arrays,
                          out_dir=Path(tmp) / f"run{seed}", progress=False)
        rss = mapped_rss_mb()
    cuda = {k: v for k, v in rss.items() if CUDA_LIBS.search(k)}
    print(f"{args.preset} {args.arch}, {args.runs} runs x {args.tasks} tasks: peak RSS {peak_mb():.0f} MB "
          f"(after `import torch`: {after_import:.0f} MB); resident now {sum(rss.values()):.0f} MB, of it "
          f"CUDA libraries {sum(cuda.values()):.0f} MB:")
    for k, v in sorted(cuda.items(), key=lambda kv: -kv[1])[:6]:
        print(f"  {v:6.1f} MB  {Path(k).name}")


if __name__ == "__main__":
    main()
