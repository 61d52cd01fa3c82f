"""Clone profiles (Theorem A.3): how the units of one tensor axis of the clone map to base units.

A profile is what two modules must agree on at their interface: the producer's output profile is the
consumer's input profile. `src[i]` is the base unit that clone unit i copies; every base unit appears
exactly `factor` times. The uncloned profile (network input and output) has `src = None`, factor 1.

Block layout: lop uses INTERLEAVED blocks, i.e. base unit j becomes clone units j*f, ..., j*f + f - 1
(`Profile.interleaved`). Interleaving keeps contiguous channel groups contiguous, so GroupNorm(G, C)
clones to GroupNorm(G, f*C) exactly, and the blocks of a probed layer are
`arange(n*f).reshape(n, f)` (see `lop.cloning.clone_blocks`, which reads the recorded `src` instead of
assuming this).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True, eq=False)
class Profile:
    src: torch.Tensor | None  # (clone_units,) long: base unit of each clone unit; None = not cloned
    factor: int = 1
    # >1 after a channel-major Flatten: each (cloned) channel owns `inner` contiguous positions.
    # None = flattened but the inner size is not known yet; the consuming Linear resolves it.
    inner: int | None = 1

    @staticmethod
    def interleaved(n: int, factor: int) -> "Profile":
        return Profile(torch.arange(n).repeat_interleave(factor), factor)

    @property
    def cloned(self) -> bool:
        return self.src is not None

    @property
    def size(self) -> int:
        return len(self.src)

    @property
    def base_size(self) -> int:
        return len(self.src) // self.factor

    def same_as(self, other: "Profile") -> bool:
        if self.cloned != other.cloned or self.inner != other.inner:
            return False
        return not self.cloned or (self.factor == other.factor and torch.equal(self.src, other.src))

    def flattened(self) -> "Profile":
        """Profile after a channel-major Flatten (B, C, *spatial) -> (B, C * prod(spatial))."""
        return self if not self.cloned else Profile(self.src, self.factor, inner=None)

    def resolve(self, base_features: int) -> "Profile":
        """Expand a flattened profile to the flat unit axis of a consumer with `base_features` inputs."""
        if not self.cloned or self.inner == 1:
            return self
        if self.inner is None:
            if base_features % self.base_size:
                raise ValueError(f"a consumer with {base_features} base inputs cannot follow a Flatten of "
                                 f"{self.base_size} cloned channels")
            inner = base_features // self.base_size
        else:
            inner = self.inner
        src = (self.src[:, None] * inner + torch.arange(inner)).reshape(-1)
        return Profile(src, self.factor)

    def select(self, t: torch.Tensor, dim: int) -> torch.Tensor:
        """Gather `t` along `dim` so clone unit i holds base unit src[i] (identity if not cloned)."""
        return t if not self.cloned else t.index_select(dim, self.src.to(t.device))

    @property
    def fan_in_scale(self) -> float:
        """Weights fed by this axis are divided by the number of copies of each input (paper Figs. 2.1, B.7-B.14)."""
        return 1.0 / self.factor

    def blocks(self) -> torch.Tensor:
        """(base_units, factor) clone-unit indices; row j lists the copies of base unit j."""
        if not self.cloned:
            raise ValueError("an uncloned profile has no clone blocks")
        order = torch.argsort(self.src, stable=True)
        return order.reshape(self.base_size, self.factor)


UNCLONED = Profile(None, 1)
