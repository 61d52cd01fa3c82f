"""Run names of each family, one module per family: how a name is built, parsed, and matched as a
Snakemake wildcard. The rules (workflow/rules/*.smk), the trainers (lop/train/), the figure tables
(lop/figtables/) and the registry (lop/figures.py) all import them from here. No torch import.

- `continual`  normalization x affine x dropout: none | batch | layer | batch-affine | layer-affine [_drop<p>]
- `cloning`    optimizer: sgd | adam | noisy-s<sigma0>-l<lambda> | dropout-p<p>
- `bitflip`    the switch point's folder: `` (the main switch) | /switch<p> (an extra switch point)
"""
