"""Bit-flipping run folders (paper Figs. B.1, B.2): runs of the main switch point (config `bitflip.switch`)
sit at bitflip/width<W>/seed<S>/, those of an extra switch point p (`bitflip.extra_switches`) at
bitflip/switch<p>/width<W>/seed<S>/. `WILDCARD` matches p in the run rule; `switch_dir` builds the folder."""
from __future__ import annotations

WILDCARD = r"0(?:\.\d+)?|1(?:\.0+)?"  # a switch point in [0, 1]


def switch_dir(switch: float, main: float) -> str:
    """'' for the main switch point, '/switch<p>' for any other."""
    return "" if switch == main else f"/switch{switch}"
