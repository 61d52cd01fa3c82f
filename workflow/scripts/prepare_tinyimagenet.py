"""Snakemake script: decode the Tiny ImageNet archive into the prepared-array format."""
import sys

from lop.joblog import to_log
from tqdm import tqdm

from lop.data.tinyimagenet import EXPECTED, prepare_tinyimagenet

to_log(snakemake.log[0], "w")  # noqa: F821 - messages to the log; a failure's one line to the terminal
total = EXPECTED["classes"] * (EXPECTED["train_per_class"] + EXPECTED["val_per_class"])
with tqdm(total=total, desc="tinyimagenet", file=sys.stderr, mininterval=5) as bar:
    prepare_tinyimagenet(snakemake.params.archive, snakemake.output[0].rsplit("/", 1)[0],  # noqa: F821
                         url=snakemake.params.url, progress=bar)  # noqa: F821
