"""Compiled (numba) per-sample loop for the bit-flipping learner: SGD + Continual Backprop + probe metrics.

This is the same algorithm as the plain PyTorch reference in lop.train.bitflip (nn.Linear, autograd,
optim.SGD, lop.methods.cbp.ContinualBackprop), written as scalar loops so that one online step costs a few
microseconds instead of ~0.7 ms of framework overhead. It consumes the same random numbers: the stream
and the initial weights come from outside, and CBP re-initialisations draw from the same numpy Generator
(numba implements Generator.uniform/random on the same bit generator, bit for bit). Results therefore
equal the reference up to floating-point summation order; tests/train/test_kernel.py checks that.

Two exact shortcuts: inputs are bits, so w . x adds only the weights of the 1-bits (adding w * 0 = 0 is a
no-op) and the weight gradient delta * x touches only those columns.
"""
from __future__ import annotations

import numpy as np
from numba import njit

PAPER, UPSTREAM = 0, 1  # cbp variants (lop.methods.cbp.VARIANTS order)


@njit(cache=True)
def probe_activations(probe, W1, b1, pre):
    """Hidden activations on the probe batch: pre-activations z or ReLU(z)."""
    H = np.dot(probe, W1.T)
    for i in range(H.shape[0]):
        for j in range(H.shape[1]):
            z = H[i, j] + b1[j]
            H[i, j] = z if pre or z > 0.0 else 0.0
    return H


@njit(cache=True)
def hidden_metrics(probe, W1, b1, pre, dup_thr, dead_eps, dead_frac, out):
    """out[:] = effective rank, duplicate fraction, dead fraction of the hidden layer (paper Sec. 3, App. B):
    the compiled copy, for this one numpy layer, of the definitions lop.probing.probe_metrics applies to the nets.

    Singular values come from the eigenvalues of the Gram matrix H^T H (W x W): the same numbers as an SVD
    of the P x W probe matrix up to ~sqrt(eps) on the smallest ones, which change exp(entropy) by < 1e-6,
    at a fraction of the cost. The Gram matrix also gives the cosine similarities for duplicates.
    """
    H = probe_activations(probe, W1, b1, pre)
    P, W = H.shape
    G = np.dot(H.T, H)
    # All-zero columns (dead ReLU units) have exactly zero singular values: drop them before the
    # eigensolver, which would otherwise turn them into ~sqrt(eps) noise (and they cost time).
    alive = np.empty(W, np.int64)
    na = 0
    for j in range(W):
        if G[j, j] > 0.0:
            alive[na] = j
            na += 1
    Ga = np.empty((na, na))
    for a in range(na):
        for b in range(na):
            Ga[a, b] = G[alive[a], alive[b]]
    ev = np.linalg.eigvalsh(Ga) if na > 0 else np.zeros(0)
    # eigenvalues below the solver's rounding level (~ n eps lambda_max) are zeros of H, not signal
    cut = 4.0 * na * 2.220446049250313e-16 * (ev[na - 1] if na > 0 else 0.0)
    total = 0.0
    for i in range(na):
        ev[i] = np.sqrt(ev[i]) if ev[i] > cut else 0.0
        total += ev[i]
    ent = 0.0
    if total > 0.0:
        for i in range(na):
            p = ev[i] / total
            if p > 0.0:
                ent -= p * np.log(p)
        out[0] = np.exp(ent)
    else:
        out[0] = 0.0
    # duplicates: unit j counts if an earlier unit i has cosine > thr (zero columns have no direction)
    dup = 0
    for j in range(W):
        nj = np.sqrt(G[j, j])
        if nj == 0.0:
            continue
        for i in range(j):
            ni = np.sqrt(G[i, i])
            if ni > 0.0 and G[i, j] / (ni * nj) > dup_thr:
                dup += 1
                break
    out[1] = dup / W
    dead = 0
    for j in range(W):
        small = 0
        for i in range(P):
            if abs(H[i, j]) < dead_eps:
                small += 1
        if small > dead_frac * P:
            dead += 1
    out[2] = dead / W


@njit(cache=True)
def run_chunk(X, y, t0, W1, b1, w2, b2, lr,
              cbp_start, variant, rate, decay, decay_pow, maturity, accumulate, bound, rng,
              age, mean_act, util, pending, replaced,
              metric_every, probe, pre, dup_thr, dead_eps, dead_frac, loss_bins, metrics):
    """Train on samples X[i], y[i] (global index t0 + i) one at a time; updates all state in place.

    CBP is on for global indices >= cbp_start. decay_pow[a] = decay ** a for the ages a where 1 - decay ** a
    still differs from 1 in float64 (a table lookup instead of a pow per unit per step; beyond the table
    1 - decay ** a == 1.0 exactly). loss_bins[b] accumulates squared errors of bin b (samples
    t0 + b*metric_every ...); metrics[b] gets the probe metrics after that bin's last sample.
    """
    n, D = X.shape
    H = W1.shape[0]
    z = np.empty(H)
    h = np.empty(H)
    h_hat = np.empty(H)
    uhat = np.empty(H)
    chosen = np.zeros(H, np.bool_)
    ones = np.empty(D, np.int64)
    n_pow = decay_pow.shape[0]
    tail_one = 1.0 - decay ** n_pow == 1.0  # beyond the table the bias correction is exactly 1
    for i in range(n):
        t = t0 + i
        nnz = 0
        for k in range(D):
            if X[i, k]:
                ones[nnz] = k
                nnz += 1
        # forward
        out = b2[0]
        for j in range(H):
            s = b1[j]
            for q in range(nnz):
                s += W1[j, ones[q]]
            z[j] = s
            h[j] = s if s > 0.0 else 0.0
        for j in range(H):
            out += w2[j] * h[j]
        err = out - y[i]
        loss_bins[i // metric_every] += err * err
        g = 2.0 * err  # d(err^2)/d(out)
        # backward + SGD (deltas use the pre-update output weights)
        for j in range(H):
            d = g * w2[j] if z[j] > 0.0 else 0.0
            w2[j] -= lr * (g * h[j])
            if d != 0.0:
                step = lr * d
                for q in range(nnz):
                    W1[j, ones[q]] -= step
                b1[j] -= step
        b2[0] -= lr * g

        if t >= cbp_start:
            if variant == UPSTREAM:  # upstream recomputed the features after the step
                for j in range(H):
                    s = b1[j]
                    for q in range(nnz):
                        s += W1[j, ones[q]]
                    h[j] = s if s > 0.0 else 0.0
            n_elig = 0
            for j in range(H):
                age[j] += 1.0
                a_int = int(age[j])
                if a_int < n_pow:
                    corr = 1.0 - decay_pow[a_int]
                else:
                    corr = 1.0 if tail_one else 1.0 - decay ** age[j]
                mean_act[j] = mean_act[j] * decay + (1.0 - decay) * h[j]
                h_hat[j] = mean_act[j] / corr
                a = 0.0  # sum |w_in|
                for k in range(D):
                    a += abs(W1[j, k])
                if variant == PAPER:
                    u = abs(h[j] - h_hat[j]) * abs(w2[j]) / (a / D)
                else:
                    u = abs(h[j] - h_hat[j]) * abs(w2[j]) / (a + 1e-10)
                util[j] = util[j] * decay + (1.0 - decay) * u
                uhat[j] = util[j] / corr
                if age[j] > maturity:
                    n_elig += 1
            if n_elig > 0 and rate > 0.0:
                if variant == UPSTREAM:
                    kk = max(1, int(H * rate))
                elif accumulate:
                    pending[0] += rate * n_elig
                    kk = int(pending[0])
                    pending[0] -= kk
                else:
                    expected = rate * n_elig
                    kk = int(expected)
                    if expected < 1.0 and rng.random() <= expected:
                        kk = 1
                kk = min(kk, n_elig)
                for j in range(H):
                    chosen[j] = False
                for r in range(kk):
                    best = -1
                    for j in range(H):  # lowest utility among eligible, ties -> lowest index
                        if age[j] > maturity and not chosen[j]:
                            if best < 0 or uhat[j] < uhat[best]:
                                best = j
                    chosen[best] = True
                    b2[0] += w2[best] * h_hat[best]
                    w2[best] = 0.0
                    if variant == PAPER:
                        for k in range(D):
                            W1[best, k] = rng.uniform(-bound, bound)
                        b1[best] = 0.0
                    else:
                        for j in range(H):
                            b1[j] = 0.0
                    replaced[0] += 1
                # resets after all selections (selection reads ages of the current step)
                for j in range(H):
                    if chosen[j]:
                        age[j] = 0.0
                        util[j] = 0.0
                        mean_act[j] = 0.0

        if (i + 1) % metric_every == 0:
            hidden_metrics(probe, W1, b1, pre, dup_thr, dead_eps, dead_frac, metrics[i // metric_every])


def decay_table(decay: float) -> np.ndarray:
    """decay ** a for a = 0 .. A, where A is the first age at which 1 - decay ** A rounds to 1.0."""
    A = int(np.ceil(-54 * np.log(2.0) / np.log(decay))) + 1
    return decay ** np.arange(min(A, 1 << 20), dtype=np.float64)
