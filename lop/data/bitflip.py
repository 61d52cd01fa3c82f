"""The bit-flipping ("slowly changing regression") stream of paper Figs. B.1, B.2 (Dohare et al.).

Input x in {0,1}^m plus a constant bias bit (m + 1 inputs). The first f bits are *flipping* bits: they
stay fixed for T samples, then one of them, chosen uniformly, is inverted (`flip_mode="one"`, the
paper) or all f are redrawn (`flip_mode="redraw"`, the variant the brief calls Dohare's). The other
m - f bits are redrawn every sample. The target is a fixed random net of `target_hidden` linear
threshold units: h_i = 1[w_i . x > theta_i], theta_i = (m + 1) beta - S_i,
S_i = #{j < m: w_ij < 0} - 0.5 w_i,m, and y = w_out . h + b_out, all weights in {-1, +1}.

The stream is generated period by period (one period = T samples), so `take(n)` returns the same samples
whatever chunk sizes it is called with. Because the flipping bits are constant inside a period and the
m - f random bits take at most 2^(m-f) values, the target of a period is a lookup table over the codes
of the random bits: exact (the same threshold sums) and 100x cheaper than a dense matmul per sample.
"""
from __future__ import annotations

import numpy as np

FLIP_MODES = ("one", "redraw")


class BitFlipStream:
    def __init__(self, m: int = 20, f: int = 15, T: int = 10_000, beta: float = 0.7, target_hidden: int = 100,
                 seed: int = 0, flip_mode: str = "one"):
        if not (isinstance(m, (int, np.integer)) and m >= 1):
            raise ValueError(f"bitflip.stream.m must be a positive integer, got {m!r}")
        if not (isinstance(f, (int, np.integer)) and 0 <= f <= m):
            raise ValueError(f"bitflip.stream.f must satisfy 0 <= f <= m (got f={f!r}, m={m}); "
                             f"the flipping bits are a subset of the m input bits")
        if not (isinstance(T, (int, np.integer)) and T > 0):
            raise ValueError(f"bitflip.stream.T (samples between flips) must be a positive integer, got {T!r}")
        if not (isinstance(target_hidden, (int, np.integer)) and target_hidden >= 1):
            raise ValueError(f"bitflip.stream.target_hidden must be a positive integer, got {target_hidden!r}")
        if flip_mode not in FLIP_MODES:
            raise ValueError(f"bitflip.stream.flip_mode must be one of {FLIP_MODES}, got {flip_mode!r}")
        if m - f > 16:
            raise ValueError(f"bitflip.stream: m - f = {m - f} random bits per sample; the lookup-table "
                             f"target supports at most 16")
        self.m, self.f, self.T, self.beta = int(m), int(f), int(T), float(beta)
        self.flip_mode, self.seed = flip_mode, int(seed)
        self.n_inputs = self.m + 1
        ss = np.random.SeedSequence([self.seed, 0xB17F])
        target_ss, flip_ss, bits_ss = ss.spawn(3)

        # Target net: weights, output weights and output bias all uniform on {-1, +1}.
        rng = np.random.default_rng(target_ss)
        self.w_target = rng.integers(0, 2, size=(target_hidden, self.n_inputs)).astype(np.int64) * 2 - 1
        self.w_out = rng.integers(0, 2, size=target_hidden).astype(np.int64) * 2 - 1
        self.b_out = int(rng.integers(0, 2)) * 2 - 1
        S = (self.w_target[:, : self.m] < 0).sum(axis=1) - 0.5 * self.w_target[:, self.m]
        self.theta = self.n_inputs * self.beta - S

        self._flip_rng = np.random.default_rng(flip_ss)
        self._bits_rng = np.random.default_rng(bits_ss)
        self._state = self._flip_rng.integers(0, 2, size=self.f).astype(np.uint8)  # flipping bits, period 0
        self._period = 0
        self._buf_x = np.empty((0, self.n_inputs), np.uint8)
        self._buf_y = np.empty(0, np.float64)
        self.position = 0  # samples handed out so far
        # All codes of the m - f random bits, bit k of code c = column f + k.
        r = self.m - self.f
        codes = np.arange(2 ** r)
        self._code_bits = ((codes[:, None] >> np.arange(r)[None, :]) & 1).astype(np.int64)

    # -- the flip rule -------------------------------------------------------------------------------------
    def _advance_period(self):
        """Move the flipping bits to the next period (called once per T samples)."""
        if self.f > 0:
            if self.flip_mode == "one":
                i = int(self._flip_rng.integers(0, self.f))
                self._state[i] ^= 1
            else:
                self._state = self._flip_rng.integers(0, 2, size=self.f).astype(np.uint8)
        self._period += 1

    def _period_samples(self):
        """The T samples (x, y) of the current period, then advance."""
        r, T = self.m - self.f, self.T
        codes = self._bits_rng.integers(0, 2 ** r, size=T) if r > 0 else np.zeros(T, np.int64)
        x = np.empty((T, self.n_inputs), np.uint8)
        x[:, : self.f] = self._state
        x[:, self.f: self.m] = self._code_bits[codes]
        x[:, self.m] = 1
        y = self.period_table()[codes]
        self._advance_period()
        return x, y

    def period_table(self) -> np.ndarray:
        """Target value for every code of the random bits under the current flipping bits."""
        xs = np.empty((len(self._code_bits), self.n_inputs), np.int64)
        xs[:, : self.f] = self._state
        xs[:, self.f: self.m] = self._code_bits
        xs[:, self.m] = 1
        return self.target(xs)

    def target(self, x) -> np.ndarray:
        """Direct evaluation of the target net on inputs x (n, m + 1) with the bias bit included."""
        x = np.asarray(x, dtype=np.int64)
        h = (x @ self.w_target.T > self.theta[None, :]).astype(np.int64)
        return (h @ self.w_out + self.b_out).astype(np.float64)

    # -- public API ----------------------------------------------------------------------------------------
    def take(self, n: int):
        """The next n samples: x (n, m + 1) uint8 with the bias bit last, y (n,) float64."""
        if n < 0:
            raise ValueError(f"take(n) needs n >= 0, got {n}")
        while len(self._buf_y) < n:
            k = max(1, (n - len(self._buf_y) + self.T - 1) // self.T)
            parts = [self._period_samples() for _ in range(k)]
            self._buf_x = np.concatenate([self._buf_x] + [p[0] for p in parts])
            self._buf_y = np.concatenate([self._buf_y] + [p[1] for p in parts])
        x, y = self._buf_x[:n], self._buf_y[:n]
        self._buf_x, self._buf_y = self._buf_x[n:], self._buf_y[n:]
        self.position += n
        return x, y

    def probe(self, n: int, horizon: int, seed: int = 0):
        """A fixed probe batch: n samples at uniformly random positions of the first `horizon` samples.

        Upstream drew its probe batch from the whole pre-generated stream; this draws the same
        distribution (flipping bits of a random period, fresh random bits) without generating the stream.
        Uses its own generator, so it does not disturb `take`.
        """
        twin = BitFlipStream(self.m, self.f, self.T, self.beta, len(self.w_out), self.seed, self.flip_mode)
        rng = np.random.default_rng([self.seed, seed, 0x9B0E])
        pos = np.sort(rng.integers(0, max(1, horizon), size=n))
        periods = pos // self.T
        xs = np.empty((n, self.n_inputs), np.uint8)
        r = self.m - self.f
        for p in range(int(periods.max()) + 1 if n else 0):
            sel = periods == p
            if sel.any():
                xs[sel, : self.f] = twin._state
            if p < periods.max():
                twin._advance_period()
        xs[:, self.f: self.m] = rng.integers(0, 2, size=(n, r))
        xs[:, self.m] = 1
        return xs, self.target(xs)
