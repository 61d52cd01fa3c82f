"""Snakemake script: the official CIFAR-10 python archive -> the prepared-array format."""
import sys

from lop.joblog import to_log
from lop.data.cifar10 import prepare_cifar10

to_log(snakemake.log[0], "w")  # noqa: F821 - messages to the log; a failure's one line to the terminal
meta = prepare_cifar10(snakemake.params.archive, snakemake.output[0].rsplit("/", 1)[0],  # noqa: F821
                       url=snakemake.params.url)  # noqa: F821
print(f"cifar10 prepared from {meta['source']}", file=sys.stderr)
