"""Head reset only: the protocol already zeroes the shared head at every task start (the paper's protocol); this
baseline makes the reset complete by also dropping the head's Adam state (moments and step count), so
the head restarts as a freshly built, zero-initialised layer with a fresh optimizer. The rest of the
network is untouched: it is the "reset the last layer only" baseline of the reset literature
(Nikishin et al. 2022). Under `none` the head's old moments carry over into the next task."""
from __future__ import annotations

from .base import Method


class HeadReset(Method):
    name = "head_reset"

    def task_start(self, task: int) -> None:
        for p in self.ctx.model.head.parameters():
            self.ctx.opt.state.pop(p, None)  # Adam re-creates empty state (step 0, zero moments) lazily
