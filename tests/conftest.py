"""Test-wide settings: one torch thread per process (two 1-thread pytest workers beat two 2-thread ones
on 2 cores by 3.5x), and float64 theorem checks opt in explicitly."""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402

torch.set_num_threads(1)
