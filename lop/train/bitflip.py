"""Bit flipping with Continual Backprop (paper Figs. B.1 and B.2).

One run = one (width, seed): a 21 -> width -> 1 ReLU net trained online (batch 1, SGD, MSE) on the
bit-flipping stream, plain SGD for the first `switch` fraction of the samples and SGD + CBP after.
Every `metrics.every` samples: binned online loss and effective rank / duplicate / dead fraction of the
hidden layer on a fixed probe batch; every `metrics.gaussianity_every` samples: non-Gaussianity.

Two engines compute the same thing:
  numba  (default) lop.train.bitflip_kernel: the whole per-sample loop compiled, ~1e5-1e6 steps/s
  torch  the plain reference: nn.Linear + autograd + optim.SGD + lop.methods.cbp.ContinualBackprop, ~1e3 steps/s
Both take the stream, the initial weights, the probe batch and the CBP generator from `setup`, so they see
the same random numbers; tests/train/test_kernel.py checks they agree sample for sample.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lop.data.bitflip import BitFlipStream
from lop.train.runtime import progress_bar

METRICS = ("effective_rank", "duplicate_fraction", "dead_fraction")


def check_params(p: dict) -> None:
    """Clear errors for values the schema cannot express (cross-field checks)."""
    if not 0.0 <= p["switch"] <= 1.0:
        raise ValueError(f"bitflip.switch must be in [0, 1] (fraction of samples before CBP), got {p['switch']}")
    for s in p.get("extra_switches", []):
        if not 0.0 <= s <= 1.0:
            raise ValueError(f"bitflip.extra_switches entries must be in [0, 1], got {s}")
    s = p["stream"]
    if not 0 <= s["f"] <= s["m"]:
        raise ValueError(f"bitflip.stream.f ({s['f']}) must be between 0 and bitflip.stream.m ({s['m']}): "
                         f"the flipping bits are a subset of the input bits")
    if s["T"] <= 0:
        raise ValueError(f"bitflip.stream.T must be a positive number of samples, got {s['T']}")
    every = p["metrics"]["every"]
    if p["n_samples"] % every:
        raise ValueError(f"bitflip.n_samples ({p['n_samples']}) must be a multiple of bitflip.metrics.every ({every})")
    if p["chunk"] % every:
        raise ValueError(f"bitflip.chunk ({p['chunk']}) must be a multiple of bitflip.metrics.every ({every})")
    g = p["metrics"]["gaussianity_every"]
    if g and g % p["chunk"]:
        raise ValueError(f"bitflip.metrics.gaussianity_every ({g}) must be a multiple of bitflip.chunk "
                         f"({p['chunk']}): non-Gaussianity is computed between kernel chunks")
    ck = p.get("checkpoint_every", 0)
    if ck and ck % p["chunk"]:
        raise ValueError(f"bitflip.checkpoint_every ({ck}) must be a multiple of bitflip.chunk ({p['chunk']}) "
                         "(or 0): checkpoints are taken between kernel chunks")
    for w in p["widths"]:
        if not (isinstance(w, int) and w > 0):
            raise ValueError(f"bitflip.widths entries must be positive integers, got {w!r}")


def cbp_start(n_samples: int, switch: float, variant: str) -> int:
    """First sample index trained with CBP. Upstream switched on `i > n * switch_point` (and i > 0)."""
    if variant == "upstream":
        return max(1, math.floor(n_samples * switch) + 1)
    return int(round(n_samples * switch))


@dataclass
class RunState:
    """Everything one run needs, identical for both engines."""
    stream: BitFlipStream
    W1: np.ndarray  # (width, m + 1)
    b1: np.ndarray
    w2: np.ndarray  # (width,)
    b2: np.ndarray  # (1,)
    probe_x: np.ndarray  # (P, m + 1) float64
    cbp_rng: np.random.Generator
    bound: float  # Kaiming-uniform bound of the first layer (init and CBP re-init)
    extra: dict = field(default_factory=dict)


def setup(p: dict, width: int, seed: int) -> RunState:
    if not (isinstance(width, (int, np.integer)) and width > 0):
        raise ValueError(f"bitflip width must be a positive integer, got {width!r}")
    s = p["stream"]
    stream = BitFlipStream(s["m"], s["f"], s["T"], s["beta"], s["target_hidden"], seed=seed,
                           flip_mode=s["flip_mode"])
    D = stream.n_inputs
    rng = np.random.default_rng([seed, width, 1])
    # Kaiming uniform: ReLU gain sqrt(2) on the first layer, 'linear' gain 1 on the output; biases 0.
    bound = math.sqrt(2.0) * math.sqrt(3.0 / D)
    W1 = rng.uniform(-bound, bound, size=(width, D))
    w2 = rng.uniform(-math.sqrt(3.0 / width), math.sqrt(3.0 / width), size=width)
    probe_x, _ = stream.probe(p["metrics"]["probe_size"], horizon=p["n_samples"], seed=seed)
    return RunState(stream, W1, np.zeros(width), w2, np.zeros(1), probe_x.astype(np.float64),
                    np.random.default_rng([seed, width, 2]), bound)


# --- metrics in numpy (the probe batch is small; used by both engines' non-Gaussianity and by tests) -----
def hidden(probe_x, W1, b1, pre: bool):
    z = probe_x @ W1.T + b1
    return z if pre else np.maximum(z, 0.0)


def non_gaussianity(H: np.ndarray) -> float:
    """1 - Shapiro-Wilk W per unit, mean over units whose activations are not constant (NaN if none)."""
    from scipy.stats import shapiro

    vals = [1.0 - shapiro(H[:, j]).statistic for j in range(H.shape[1]) if np.ptp(H[:, j]) > 0]
    return float(np.mean(vals)) if vals else float("nan")


def _metric_args(p):
    m = p["metrics"]
    return m["activations"] == "pre", float(m["duplicate_cos"]), float(m["dead_eps"]), float(m["dead_frac"])


# --- the fast engine ----------------------------------------------------------------------------------------
def run_fast(p: dict, width: int, seed: int, n_samples: int | None = None, progress: bool = False,
             checkpoint=None, ident: dict | None = None, stop_after: int | None = None) -> dict | None:
    """The compiled engine. `checkpoint`: a file for atomic checkpoints every `checkpoint_every` samples
    (resumed from when it holds this run, `ident`); `stop_after`: return None after that many samples, as
    if killed (resume tests)."""
    from lop.train import bitflip_kernel as K
    from lop.train.checkpoint import load_state, save_state

    n = p["n_samples"] if n_samples is None else n_samples
    st = setup(p, width, seed)
    every, chunk = p["metrics"]["every"], p["chunk"]
    c = p["cbp"]
    pre, dup_thr, dead_eps, dead_frac = _metric_args(p)
    start = cbp_start(n, p["switch"], c["variant"])
    variant = K.UPSTREAM if c["variant"] == "upstream" else K.PAPER
    age, mean_act, util = np.zeros(width), np.zeros(width), np.zeros(width)
    pending, replaced = np.zeros(1), np.zeros(1, np.int64)
    decay_pow = K.decay_table(float(c["decay"]))
    nb = n // every
    loss_bins, metrics = np.zeros(nb), np.zeros((nb, 3))
    gauss_every = p["metrics"]["gaussianity_every"]
    gauss = []
    m0 = np.zeros(3)
    K.hidden_metrics(st.probe_x, st.W1, st.b1, pre, dup_thr, dead_eps, dead_frac, m0)
    bar = progress_bar(n, f"bitflip w{width} s{seed}", progress, unit="sample", unit_scale=True)
    t = 0
    ck_every = p.get("checkpoint_every", 0) if checkpoint is not None else 0
    saved = load_state(checkpoint, ident) if checkpoint is not None else None
    if saved is not None:  # everything below the loop depends on, as it was after sample t
        (t, st, age, mean_act, util, pending, replaced, loss_bins, metrics, m0, gauss) = (
            saved[k] for k in ("t", "st", "age", "mean_act", "util", "pending", "replaced", "loss_bins", "metrics",
                               "m0", "gauss"))
        print(f"resumed from {checkpoint} at sample {t}", file=sys.stderr)
        bar.update(t)
    while t < n:
        m = min(chunk, n - t)
        X, y = st.stream.take(m)
        b0 = t // every
        K.run_chunk(X, y, t, st.W1, st.b1, st.w2, st.b2, float(p["lr"]),
                    start, variant, float(c["replacement_rate"]), float(c["decay"]), decay_pow, float(c["maturity"]),
                    bool(c["accumulate"]), st.bound, st.cbp_rng,
                    age, mean_act, util, pending, replaced,
                    every, st.probe_x, pre, dup_thr, dead_eps, dead_frac,
                    loss_bins[b0: b0 + m // every], metrics[b0: b0 + m // every])
        t += m
        if gauss_every and (t % gauss_every == 0 or t == n):
            gauss.append((t, non_gaussianity(hidden(st.probe_x, st.W1, st.b1, pre))))
        bar.update(m)
        if ck_every and t % ck_every == 0 and t < n:
            save_state(checkpoint, ident, {"t": t, "st": st, "age": age, "mean_act": mean_act, "util": util,
                                           "pending": pending, "replaced": replaced, "loss_bins": loss_bins,
                                           "metrics": metrics, "m0": m0, "gauss": gauss})
        if stop_after is not None and t >= stop_after:
            return None
    bar.close()
    return _result(p, width, seed, n, start, loss_bins, metrics, m0, gauss, int(replaced[0]), st)


# --- the plain reference ----------------------------------------------------------------------------------
def run_reference(p: dict, width: int, seed: int, n_samples: int | None = None, progress: bool = False) -> dict:
    """One sample at a time through torch modules, autograd, optim.SGD and lop.methods.cbp (float64)."""
    import torch
    from torch import nn

    from lop.methods.cbp import ContinualBackprop

    n = p["n_samples"] if n_samples is None else n_samples
    st = setup(p, width, seed)
    every = p["metrics"]["every"]
    c = p["cbp"]
    pre, dup_thr, dead_eps, dead_frac = _metric_args(p)
    start = cbp_start(n, p["switch"], c["variant"])
    D = st.stream.n_inputs
    net = nn.Sequential(nn.Linear(D, width), nn.ReLU(), nn.Linear(width, 1)).double()
    with torch.no_grad():
        net[0].weight.copy_(torch.from_numpy(st.W1)); net[0].bias.zero_()
        net[2].weight.copy_(torch.from_numpy(st.w2)[None, :]); net[2].bias.zero_()
    opt = torch.optim.SGD(net.parameters(), lr=p["lr"])
    cbp = ContinualBackprop.on_linears([net[0], net[2]], replacement_rate=c["replacement_rate"], decay=c["decay"],
                                       maturity=c["maturity"], accumulate=c["accumulate"], variant=c["variant"],
                                       rng=st.cbp_rng)
    probe = torch.from_numpy(st.probe_x)

    def metrics_now():
        with torch.no_grad():
            H = net[0](probe)
            H = H if pre else torch.relu(H)
        return reference_metrics(H.numpy(), dup_thr, dead_eps, dead_frac)

    X, Y = st.stream.take(n)
    X, Y = torch.from_numpy(X.astype(np.float64)), torch.from_numpy(Y)
    nb = n // every
    loss_bins, metrics = np.zeros(nb), np.zeros((nb, 3))
    m0 = metrics_now()
    bar = progress_bar(n, f"bitflip-ref w{width} s{seed}", progress, unit="sample", unit_scale=True)
    for t in range(n):
        x, y = X[t: t + 1], Y[t: t + 1, None]
        h = torch.relu(net[0](x))
        out = net[2](h)
        loss = ((out - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss_bins[t // every] += loss.item()
        if t >= start:
            if c["variant"] == "upstream":
                with torch.no_grad():
                    h = torch.relu(net[0](x))
            cbp.step([h.detach()])
        if (t + 1) % every == 0:
            metrics[t // every] = metrics_now()
        bar.update(1)
    bar.close()
    with torch.no_grad():
        st.W1, st.b1 = net[0].weight.numpy().copy(), net[0].bias.numpy().copy()
        st.w2, st.b2 = net[2].weight.numpy()[0].copy(), net[2].bias.numpy().copy()
    gauss = [(n, non_gaussianity(hidden(st.probe_x, st.W1, st.b1, pre)))]
    return _result(p, width, seed, n, start, loss_bins, metrics, m0, gauss, cbp.replaced[0], st)


def reference_metrics(H, dup_thr, dead_eps, dead_frac) -> np.ndarray:
    """Effective rank (SVD), duplicate and dead fraction straight from the paper's definitions (Sec. 3, App. B)."""
    s = np.linalg.svd(H, compute_uv=False)
    er = float(np.exp(-sum(q * np.log(q) for q in s / s.sum() if q > 0))) if s.sum() > 0 else 0.0
    norms = np.linalg.norm(H, axis=0)
    W = H.shape[1]
    dup = 0
    for j in range(W):
        if norms[j] == 0:
            continue
        if any(norms[i] > 0 and H[:, i] @ H[:, j] / (norms[i] * norms[j]) > dup_thr for i in range(j)):
            dup += 1
    dead = sum(np.mean(np.abs(H[:, j]) < dead_eps) > dead_frac for j in range(W))
    return np.array([er, dup / W, dead / W])


# --- results -------------------------------------------------------------------------------------------------
def _result(p, width, seed, n, start, loss_bins, metrics, m0, gauss, replaced, st) -> dict:
    every = p["metrics"]["every"]
    steps = np.arange(1, n // every + 1) * every
    return {"width": width, "seed": seed, "n_samples": n, "cbp_start": start, "steps": steps,
            "loss": loss_bins / every, "metrics": metrics, "metrics0": np.asarray(m0), "gauss": gauss,
            "replaced": replaced, "W1": st.W1, "b1": st.b1, "w2": st.w2, "b2": st.b2}


def to_frame(res: dict) -> pd.DataFrame:
    """Tidy long table: step (samples seen), width, seed, phase, metric, value."""
    steps = res["steps"]
    phase = np.where(steps > res["cbp_start"], "cbp", "sgd")
    parts = [pd.DataFrame({"step": steps, "metric": "loss", "value": res["loss"], "phase": phase})]
    for k, name in enumerate(METRICS):
        parts.append(pd.DataFrame({"step": np.r_[0, steps], "metric": name,
                                   "value": np.r_[res["metrics0"][k], res["metrics"][:, k]],
                                   "phase": np.concatenate([["sgd"], phase])}))
    if res["gauss"]:
        g = np.array(res["gauss"], dtype=float)
        parts.append(pd.DataFrame({"step": g[:, 0].astype(np.int64), "metric": "non_gaussianity",
                                   "value": g[:, 1], "phase": np.where(g[:, 0] > res["cbp_start"], "cbp", "sgd")}))
    df = pd.concat(parts, ignore_index=True)
    df.insert(1, "width", res["width"])
    df.insert(2, "seed", res["seed"])
    return df[["step", "width", "seed", "phase", "metric", "value"]]


def run_bitflip(cfg: dict, *, width: int, switch: float, seed: int, data: None, out_dir=None,
                checkpoint: Path | None = None, progress: bool = True,
                stop_after: int | None = None) -> pd.DataFrame | None:
    """Run one (width, switch, seed); return the tidy table (lop.train.lifecycle.EntryPoint) and write
    metrics.parquet + run.json into out_dir if given (atomically).

    switch: the fraction of the samples before CBP, bitflip.switch or an extra switch point. It is a cell
    key (recorded in run.json as the figure tables read it), not a cfg override, so that run.json's config
    stays the config the job was given. data: None, the stream is generated from cfg['bitflip'] and the
    seed. The engine is bitflip.engine; the numba engine checkpoints to `checkpoint` every
    bitflip.checkpoint_every samples (0 = never) and resumes from it; `stop_after` stops there as if killed.
    """
    from lop.provenance import config_hash, run_record
    from lop.train import lifecycle

    if data is not None:
        raise ValueError("bit flipping generates its stream from cfg['bitflip'] and the seed; pass data=None")
    p = dict(cfg["bitflip"])
    p["switch"] = switch
    check_params(p)
    engine = p["engine"]
    ck = checkpoint if engine == "numba" and p.get("checkpoint_every", 0) else None
    ident = lifecycle.identity("bitflip", config_hash({k: v for k, v in p.items() if k != "checkpoint_every"}),
                               width=width, seed=seed)
    t0 = time.perf_counter()
    if engine == "numba":
        res = run_fast(p, width, seed, progress=progress, checkpoint=ck, ident=ident, stop_after=stop_after)
        if res is None:
            return None
    else:
        res = run_reference(p, width, seed, progress=progress)
    wall = time.perf_counter() - t0
    frame = to_frame(res)
    diverged = None
    bad = ~np.isfinite(res["loss"])
    if bad.any():  # policy: lop.train.divergence; every value from the first non-finite bin on is NaN
        at = int(res["steps"][int(np.argmax(bad))])
        frame, diverged = lifecycle.diverged(
            frame, cfg.get("divergence", "record"), f"bitflip width {width} seed {seed}", at, "lower bitflip.lr",
            frame.step >= at - p["metrics"]["every"] + 1,
            {"step": at, "width": width, "seed": seed, "phase": "cbp" if at > res["cbp_start"] else "sgd"})
    lifecycle.finish_run(out_dir, frame, run_record(config=cfg, seed=seed, wall_time_s=wall, extra={
        "experiment": "bitflip", "width": width, "switch": p["switch"], "engine": engine,
        "cbp_start": res["cbp_start"], "replaced_units": res["replaced"],
        "samples_per_s": res["n_samples"] / wall, "diverged": diverged}), ck)
    return frame
