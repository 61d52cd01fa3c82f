"""The bit-flipping stream (paper Figs. B.1, B.2): flip rule, target, reproducibility, bad input."""
import numpy as np
import pytest

from lop.data.bitflip import BitFlipStream


def direct_target(stream, x):
    """Per-sample evaluation straight from the text: h_i = 1[w_i . x > theta_i], y = w_out . h + b_out."""
    m = stream.m
    y = []
    for row in x:
        h = []
        for w in stream.w_target:
            S = sum(1 for j in range(m) if w[j] < 0) - 0.5 * w[m]
            theta = (m + 1) * stream.beta - S
            h.append(1 if sum(int(w[j]) * int(row[j]) for j in range(m + 1)) > theta else 0)
        y.append(sum(int(a) * b for a, b in zip(stream.w_out, h)) + stream.b_out)
    return np.array(y, dtype=float)


def test_exactly_one_flipping_bit_flips_every_T_and_nothing_else_persists():
    T, f, m = 50, 15, 20
    s = BitFlipStream(m=m, f=f, T=T, seed=3)
    x, _ = s.take(40 * T)
    flip = x[:, :f].reshape(40, T, f)
    assert (flip == flip[:, :1]).all(), "flipping bits must be constant inside a period"
    per_period = flip[:, 0]
    changes = (per_period[1:] != per_period[:-1]).sum(axis=1)
    assert (changes == 1).all(), "exactly one flipping bit changes at each period boundary"
    assert (x[:, m] == 1).all(), "bias bit"
    rnd = x[:, f:m].astype(float)
    # the other bits are redrawn every sample: about half ones, and no persistence between neighbours
    assert abs(rnd.mean() - 0.5) < 0.03
    same = (x[1:, f:m] == x[:-1, f:m]).mean()
    assert abs(same - 0.5) < 0.03
    assert set(np.unique(x)) <= {0, 1}


def test_flipped_bit_is_uniform_over_the_flipping_bits():
    s = BitFlipStream(m=20, f=15, T=1, seed=0)
    x, _ = s.take(15_001)
    which = np.argmax(x[1:, :15] != x[:-1, :15], axis=1)
    counts = np.bincount(which, minlength=15)
    assert counts.min() > 800 and counts.max() < 1200  # 1000 expected each


def test_redraw_variant_redraws_all_flipping_bits_each_period():
    s = BitFlipStream(m=20, f=15, T=20, seed=1, flip_mode="redraw")
    x, _ = s.take(20 * 400)
    flip = x[:, :15].reshape(400, 20, 15)
    assert (flip == flip[:, :1]).all()
    changes = (flip[1:, 0] != flip[:-1, 0]).sum(axis=1)
    assert changes.max() > 1 and abs(changes.mean() - 7.5) < 0.6  # each bit redrawn: 15/2 expected


def test_target_matches_direct_per_sample_evaluation():
    s = BitFlipStream(seed=7, T=25)
    x, y = s.take(300)
    np.testing.assert_array_equal(y, direct_target(s, x))
    # target distribution is not degenerate
    assert len(np.unique(y)) > 3


def test_reproducible_and_independent_of_chunking():
    a = BitFlipStream(seed=5, T=30)
    b = BitFlipStream(seed=5, T=30)
    xa, ya = a.take(1000)
    parts = [b.take(k) for k in (1, 29, 31, 300, 639)]
    np.testing.assert_array_equal(xa, np.concatenate([p[0] for p in parts]))
    np.testing.assert_array_equal(ya, np.concatenate([p[1] for p in parts]))
    xc, _ = BitFlipStream(seed=6, T=30).take(1000)
    assert (xc != xa).any()


def test_probe_batch_is_fixed_and_in_distribution():
    s = BitFlipStream(seed=2, T=100)
    p1, y1 = s.probe(200, horizon=10_000)
    p2, _ = s.probe(200, horizon=10_000)
    np.testing.assert_array_equal(p1, p2)
    np.testing.assert_array_equal(y1, s.target(p1))
    # the flipping bits of every probe row are a state the stream actually visits
    x, _ = BitFlipStream(seed=2, T=100).take(10_000)
    states = {tuple(r) for r in x[::100, :15]}
    assert all(tuple(r) in states for r in p1[:, :15])


@pytest.mark.parametrize("kwargs, key", [
    (dict(m=10, f=11), "f"), (dict(T=0), "T"), (dict(T=-5), "T"), (dict(flip_mode="all"), "flip_mode"),
    (dict(target_hidden=0), "target_hidden"),
])
def test_bad_input_gives_clear_error(kwargs, key):
    with pytest.raises(ValueError, match=key):
        BitFlipStream(**kwargs)
