"""The theory table (pipeline product results/theory/activations.csv): per activation and modulation,
K(0.5), kappa, both alphas and the frozen fraction, with the June-draft alpha claims alongside."""
from __future__ import annotations

import pandas as pd

from .activations import NAMES, activation
from .kernels import dual_kernel, has_closed_form
from .measures import alpha, frozen_fraction, kappa

# alpha values printed in the June 2025 draft (not in v1); the draft's formula was E f'^2 / E f^2 - 1.
JUNE_DRAFT_ALPHA = {"relu": 0.5000, "tanh": 0.6667, "gelu": 0.5449}


def activation_rows(activations=NAMES, relu_bias=(), tanh_gain=()):
    """(modulation, Activation) pairs: each base activation, then ReLU(z + b) and tanh(a z) grids."""
    rows = [("base", activation(n)) for n in activations]
    rows += [("relu_bias", activation("relu", b=b)) for b in relu_bias]
    rows += [("tanh_gain", activation("tanh", a=a)) for a in tanh_gain]
    return rows


def activation_table(activations=NAMES, relu_bias=(), tanh_gain=(), frozen_eps: float = 0.01,
                     r: float = 0.5) -> pd.DataFrame:
    """One row per (activation, modulation); `K_<r>` is K_phi(r). Columns are documented in docs/theory.md."""
    records = []
    for modulation, phi in activation_rows(activations, relu_bias, tanh_gain):
        k, r_star = kappa(phi, return_argmax=True)
        draft = JUNE_DRAFT_ALPHA.get(phi.name) if modulation == "base" else None
        records.append({
            "activation": phi.name, "modulation": modulation, "a": phi.a, "b": phi.b,
            "kernel_method": "closed" if has_closed_form(phi) else "series",
            f"K_{r:g}": dual_kernel(phi, r), "kappa": k, "kappa_argmax_r": r_star,
            "alpha_uncentered": alpha(phi), "alpha_centered": alpha(phi, centered=True),
            "frozen_eps": frozen_eps, "frozen_fraction": frozen_fraction(phi, frozen_eps),
            "june_draft_alpha": draft,
        })
    return pd.DataFrame.from_records(records)
