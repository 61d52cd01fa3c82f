"""Continual-learning variant names (paper Figs. 3.1, 4.1, B.3): one cell of the normalization x affine x
dropout grid, named like `none`, `batch`, `layer-affine`, `batch-affine_drop0.1`.

`PATTERN` is the one regular expression: `WILDCARD` (the run rules' constraint) and `Variant.parse`
are both derived from it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

NORMS = ("none", "batch", "layer")
PATTERN = r"(?:none|(?P<norm>batch|layer)(?P<affine>-affine)?)(?:_drop(?P<drop>[0-9.]+))?"
WILDCARD = re.sub(r"\(\?P<\w+>", "(?:", PATTERN)  # the same pattern without group names
_NAME = re.compile(rf"^{PATTERN}$")


@dataclass(frozen=True)
class Variant:
    """One cell of the normalization x affine x dropout grid."""

    norm: str = "none"
    affine: bool = True
    dropout: float = 0.0

    @property
    def name(self) -> str:
        base = self.norm if self.norm == "none" else f"{self.norm}{'-affine' if self.affine else ''}"
        return base + (f"_drop{self.dropout:g}" if self.dropout > 0 else "")

    @classmethod
    def parse(cls, name: str) -> "Variant":
        m = _NAME.match(name)
        if m is None:
            raise ValueError(f"bad variant name {name!r}; expected e.g. none, batch, layer-affine, none_drop0.1")
        norm = m["norm"] or "none"
        return cls(norm, norm == "none" or m["affine"] is not None, float(m["drop"]) if m["drop"] else 0.0)


def variant_name(norm: str = "none", affine: bool = True, dropout: float = 0.0) -> str:
    """`variant_name("batch", dropout=0.1)` -> 'batch-affine_drop0.1'."""
    return Variant(norm, affine, dropout).name
