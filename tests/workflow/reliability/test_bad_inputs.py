"""A catalogue of bad inputs, each through the real command line: `snakemake` exits non-zero, ONE line of
its output names the key or file and the fix, and nothing that looks complete is written.

Config mistakes stop the plan (`-n`, seconds); data, device and training mistakes fail a job, whose one
line reaches the terminal through lop.joblog (not only the job's log)."""
import io
import zipfile
from pathlib import Path

import pytest
import torch

from rel_helpers import SYNTHETIC, snakemake

TINY = """
continual: {archs: [mlp], seeds: [0], num_tasks: 2, steps_per_task: 10, probe: {size: 20}}
"""
RUN = "results/small/continual/mlp/none/seed0"

# (id, --config / --configfile arguments, fragments that must all be on one output line)
CONFIG_CASES = [
    ("value below minimum", ["--config", "continual={num_tasks: 0}"],
     ["config key `continual.num_tasks`", "less than the minimum of 1", "fix:"]),
    ("wrong type", ["--config", "continual={num_tasks: many}"],
     ["config key `continual.num_tasks`", "'many' is not of type 'integer'", "fix:"]),
    ("misspelt nested key", ["--config", "continual={num_task: 4}"],
     ["config key `continual.num_task`", "unknown key", "did you mean `num_tasks`", "fix:"]),
    ("misspelt top-level key", ["--config", "devcie=cpu"],
     ["config key `devcie`", "did you mean `device`", "fix:"]),
    ("unknown preset", ["--config", "preset=huge"],
     ["unknown preset 'huge'", "choose one of ['cpu', 'decisive', 'paper', 'small', 'upstream']"]),
    ("unknown architecture", ["--config", "continual={archs: [mlp, transformer]}"],
     ["config key `continual.archs.1`", "'transformer' is not one of", "fix:"]),
    ("unknown device", ["--config", "device=tpu"],
     ["config key `device`", "'tpu' is not one of ['auto', 'cpu', 'cuda']", "fix:"]),
    ("repeated seeds", ["--config", "continual={seeds: [0, 0]}"],
     ["config key `continual.seeds`", "non-unique", "fix:"]),
    ("malformed nested YAML", ["--config", "continual={seeds: [}"],
     ["--config value of `continual` is not valid YAML", "fix: quote the whole value"]),
    ("cross-field bit-flip sizes", ["--config", "bitflip={stream: {f: 30}}"],
     ["bitflip.stream.f (30) must be between 0 and bitflip.stream.m"]),
    ("unknown plasticity method", ["--config", "continual={method: redoo}"],
     ["config key `continual.method`", "unknown method 'redoo'", "register a new one in lop/methods/__init__.py"]),
    ("unknown plasticity method setting", ["--config", "continual={method_params: {redo: {period: 3}}}"],
     ["config key `continual.method_params.redo`", "unknown keys ['period']", "this method takes"]),
    ("unknown divergence policy", ["--config", "divergence=ignore"],
     ["config key `divergence`", "'ignore' is not one of ['record', 'fail']", "fix:"]),
    ("bad value in a --configfile", ["--configfile", "bad_dropout.yaml"],
     ["config key `cloning.figure.dropout`", "1.5", "fix:"]),
    # this checkout's default preset is `small`: figures/fig3_1.pdf is its figure, not cpu's
    ("default preset's figure at another preset", ["--config", "preset=cpu"],
     ["figures/fig3_1.pdf is the default preset's figure", "at preset=cpu ask for figures/cpu/fig3_1.pdf"]),
]


def one_line_with(output: str, fragments) -> str:
    lines = [ln for ln in output.splitlines() if all(f in ln for f in fragments)]
    assert lines, f"no single line holds all of {fragments}:\n{output[-4000:]}"
    return lines[0]


@pytest.mark.parametrize("args,fragments", [c[1:] for c in CONFIG_CASES], ids=[c[0] for c in CONFIG_CASES])
def test_config_mistake_is_one_line(checkout, args, fragments):
    (checkout / "bad_dropout.yaml").write_text("cloning: {figure: {dropout: 1.5}}\n")
    before = _files(checkout)
    p = snakemake(checkout, "-c1", *args, "--", "figures/fig3_1.pdf", check=False)  # a real run: no -n
    assert p.returncode != 0
    one_line_with(p.stdout + p.stderr, fragments)
    assert _files(checkout) == before  # stopped before any job: nothing written


def _files(root):
    return {p for d in ("results", "figures") for p in (root / d).rglob("*") if p.is_file()}


# --- job failures: the reason reaches the terminal ------------------------------------------------------------
def _fails(root, *args, fragments, absent):
    p = snakemake(root, "-c1", *args, check=False)
    assert p.returncode != 0
    line = one_line_with(p.stdout + p.stderr, ["lop job failed:", *fragments])
    for f in absent:
        assert not (root / f).exists(), f"{f} was written by a failed job"
    return line


TINY_IMAGENET_OUT = ["results/data/tinyimagenet/x_train.npy", "results/data/tinyimagenet/meta.json"]


def test_missing_tinyimagenet_archive(checkout):
    _fails(checkout, "--config", "preset=paper", "--", "results/data/tinyimagenet/meta.json",
           fragments=["DatasetError: Tiny ImageNet archive not found at data/tiny-imagenet-200.zip",
                      "set data.tinyimagenet.archive"], absent=TINY_IMAGENET_OUT)


def _zip_bytes(files: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def test_truncated_tinyimagenet_archive(checkout):
    blob = _zip_bytes({f"tiny-imagenet-200/train/n{i:08d}/images/x.JPEG": "y" * 5000 for i in range(20)})
    (checkout / "data").mkdir(exist_ok=True)
    (checkout / "data/truncated.zip").write_bytes(blob[: len(blob) // 2])  # a download cut off half-way
    _fails(checkout, "--config", "preset=paper", "data={tinyimagenet: {archive: data/truncated.zip}}", "--",
           "results/data/tinyimagenet/meta.json",
           fragments=["DatasetError: data/truncated.zip is not a readable zip archive", "delete it and download"],
           absent=TINY_IMAGENET_OUT)


def test_wrong_tinyimagenet_archive(checkout):
    (checkout / "data").mkdir(exist_ok=True)
    (checkout / "data/other.zip").write_bytes(_zip_bytes({"other/wnids.txt": "a\nb\nc\n"}))
    _fails(checkout, "--config", "preset=paper", "data={tinyimagenet: {archive: data/other.zip}}", "--",
           "results/data/tinyimagenet/meta.json",
           fragments=["DatasetError: wnids.txt lists 3 classes, expected 200", "wrong or partial archive"],
           absent=TINY_IMAGENET_OUT)


def test_missing_cifar10_archive(checkout):
    _fails(checkout, "--config", "preset=paper", "--", "results/data/cifar10/meta.json",
           fragments=["DatasetError: CIFAR-10 archive not found", "data.cifar10.archive"],
           absent=["results/data/cifar10/x_train.npy", "results/data/cifar10/meta.json"])


@pytest.fixture
def tiny(checkout_with_data):
    (checkout_with_data / "tiny.yaml").write_text(TINY)
    return checkout_with_data


def test_more_task_classes_than_the_dataset_has(tiny):
    _fails(tiny, "--configfile", "tiny.yaml", "--config", "continual={num_tasks: 20}", "--", f"{RUN}/metrics.parquet",
           fragments=["20 tasks x 5 classes = 100 classes, but the dataset has 50",
                      "lower continual.num_tasks / classes_per_task"], absent=[f"{RUN}/metrics.parquet", f"{RUN}/run.json"])


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is visible here, so device=cuda is valid")
def test_cuda_requested_without_a_gpu(tiny):
    _fails(tiny, "--configfile", "tiny.yaml", "--config", "device=cuda", "--", f"{RUN}/metrics.parquet",
           fragments=["config key `device`: cuda, but no CUDA device is visible", "fix: set device: auto or cpu"],
           absent=[f"{RUN}/metrics.parquet", f"{RUN}/run.json"])


def test_divergence_under_the_fail_policy(tiny):
    _fails(tiny, "--configfile", "tiny.yaml", "--config", "divergence=fail", "continual={lr: {mlp: 1.0e12}}", "--",
           f"{RUN}/metrics.parquet",
           fragments=["FloatingPointError: continual mlp/none/seed0: training loss became non-finite at step",
                      "lower continual.lr.mlp"], absent=[f"{RUN}/metrics.parquet", f"{RUN}/run.json"])


@pytest.fixture
def restore_arrays(tiny):
    """Prepared arrays the test may damage; put back afterwards (the module shares them)."""
    saved = {f: (tiny / SYNTHETIC / f).read_bytes() for f in ("x_train.npy", "y_train.npy")}
    yield tiny
    for f, blob in saved.items():
        (tiny / SYNTHETIC / f).write_bytes(blob)


def test_changed_prepared_array(restore_arrays):
    root = restore_arrays
    f = root / SYNTHETIC / "x_train.npy"
    blob = bytearray(f.read_bytes())
    blob[-100] ^= 0xFF  # same size and header: only the checksum can tell
    f.write_bytes(bytes(blob))
    _fails(root, "--configfile", "tiny.yaml", "--", f"{RUN}/metrics.parquet",
           fragments=[f"PreparedDataError: {SYNTHETIC}/x_train.npy fails its SHA-256 check",
                      f"delete {SYNTHETIC} and rerun snakemake"], absent=[f"{RUN}/metrics.parquet"])


def test_truncated_prepared_array(restore_arrays):
    root = restore_arrays
    f = root / SYNTHETIC / "y_train.npy"
    f.write_bytes(f.read_bytes()[:200])  # a copy killed part-way
    _fails(root, "--configfile", "tiny.yaml", "--", f"{RUN}/metrics.parquet",
           fragments=[f"PreparedDataError: {SYNTHETIC}/y_train.npy is 200 bytes, its manifest says",
                      f"delete {SYNTHETIC} and rerun snakemake"], absent=[f"{RUN}/metrics.parquet"])


def test_unreadable_run_table(tiny):
    snakemake(tiny, "-c1", "--configfile", "tiny.yaml", "--", f"{RUN}/metrics.parquet")
    table = tiny / RUN / "metrics.parquet"
    table.write_bytes(table.read_bytes()[:300])  # disk full / killed copy, outside Snakemake's control
    _fails(tiny, "--configfile", "tiny.yaml", "--", "results/small/figures/fig3_1.csv",
           fragments=[f"RunTableError: run table {RUN}/metrics.parquet cannot be read",
                      f"delete {RUN} and rerun snakemake"],
           absent=["results/small/figures/fig3_1.csv", "results/small/figures/fig3_1.json"])
