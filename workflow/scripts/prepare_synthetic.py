"""Snakemake script: write the embedded synthetic dataset in the prepared-array format."""
import sys

from lop.joblog import to_log
from lop.data.arrays import save_arrays
from lop.data.synthetic import make_synthetic

to_log(snakemake.log[0], "w")  # noqa: F821 - messages to the log; a failure's one line to the terminal
w = snakemake.wildcards  # noqa: F821
kw = dict(num_classes=int(w.classes), image_size=int(w.size), seed=int(w.dseed))
x_train, y_train = make_synthetic(per_class=int(w.n), split="train", **kw)
x_test, y_test = make_synthetic(per_class=snakemake.params.test_per_class, split="test", **kw)  # noqa: F821
save_arrays(snakemake.output[0].rsplit("/", 1)[0], x_train=x_train, y_train=y_train, x_test=x_test,  # noqa: F821
            y_test=y_test, meta={"name": "synthetic", **kw, "train_per_class": int(w.n)})
print(f"synthetic: train {x_train.shape}, test {x_test.shape}", file=sys.stderr)
