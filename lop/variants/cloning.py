"""Cloning variant names (paper Figs. 2.1, B.7-B.14; paths, figure tables, Snakemake wildcards): the
optimizer of stage 2, sgd | adam | noisy-s<sigma0>-l<lambda> | dropout-p<p>.

`PATTERN` is the one regular expression: `WILDCARD` (the run rules' constraint) and `parse_variant` are
both derived from it. No torch import, so the workflow and the figure tables read it cheaply."""
from __future__ import annotations

import re

import numpy as np

OPTIMIZERS = ("sgd", "noisy_sgd", "dropout", "adam")  # what stage 2 trains with (`method` of a parsed name)
PATTERN = r"sgd|adam|noisy-s(?P<sigma>[0-9.]+)-l(?P<decay>[0-9.]+)|dropout-p(?P<p>[0-9.]+)"
WILDCARD = re.sub(r"\(\?P<\w+>", "(?:", PATTERN)  # the same pattern without group names
_NAME = re.compile(rf"^(?:{PATTERN})$")


# -- variant names ---------------------------------------------------------------------------------------
def _num(v: float) -> str:
    """Short exact decimal for a grid value (0.01 -> '0.01', 1.0 -> '1', 0.0 -> '0')."""
    s = repr(float(v))
    if "e" in s:
        s = np.format_float_positional(float(v), trim="-")
    return s[:-2] if s.endswith(".0") else s


def variant_name(method: str, *, sigma0: float | None = None, decay: float | None = None, p: float | None = None) -> str:
    """'sgd', 'adam', 'noisy-s0.01-l0.999', 'dropout-p0.1' (used in paths and figure tables)."""
    if method in ("sgd", "adam"):
        return method
    if method == "noisy_sgd":
        return f"noisy-s{_num(sigma0)}-l{_num(decay)}"
    if method == "dropout":
        return f"dropout-p{_num(p)}"
    raise ValueError(f"unknown cloning method {method!r}; choose one of {OPTIMIZERS}")


def parse_variant(variant: str) -> dict:
    """'noisy-s0.01-l0.999' -> {'method': 'noisy_sgd', 'sigma0': 0.01, 'decay': 0.999, 'dropout': 0.0}."""
    m = _NAME.match(variant)
    if m is None:
        raise ValueError(f"bad cloning variant {variant!r}: expected sgd, adam, noisy-s<sigma0>-l<lambda> "
                         f"or dropout-p<p> (e.g. noisy-s0.01-l0.999, dropout-p0.1)")
    if m["sigma"] is not None:
        out = {"method": "noisy_sgd", "sigma0": float(m["sigma"]), "decay": float(m["decay"]), "dropout": 0.0}
        if not 0.0 <= out["decay"] <= 1.0:
            raise ValueError(f"variant {variant!r}: lambda must be in [0, 1]")
        return out
    if m["p"] is not None:
        p = float(m["p"])
        if not 0.0 <= p < 1.0:
            raise ValueError(f"variant {variant!r}: dropout p must be in [0, 1)")
        return {"method": "dropout", "dropout": p}
    return {"method": variant, "dropout": 0.0}
