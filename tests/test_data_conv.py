"""Generated data of the convnet tour entries: dna_motifs (F31), the mu-law sines (F36), the
pressure-projection references (F39). Each is checked for its contract and its determinism."""

import numpy as np
import pytest

from dlcore.data import (
    divergence_fields,
    dna_motifs,
    dominant_frequency,
    jacobi,
    laplacian,
    motif_pwm,
    mulaw_decode,
    mulaw_encode,
    mulaw_sines,
    one_hot_dna,
    residual_ratio,
    solve_pressure,
)

# --- dna_motifs ---------------------------------------------------------------------------------


def test_motif_pwm_columns_and_consensus():
    pwm, cons = motif_pwm(8, seed=3)
    assert pwm.shape == (4, 8) and len(cons) == 8 and set(cons) <= set("ACGT")
    np.testing.assert_allclose(pwm.sum(0), 1.0, atol=1e-12)
    assert ((pwm.max(0) >= 0.9) & (pwm.max(0) <= 0.99)).all()
    assert cons == "".join("ACGT"[i] for i in pwm.argmax(0))
    assert not np.array_equal(motif_pwm(8, seed=4)[0], pwm)
    np.testing.assert_array_equal(motif_pwm(8, seed=3)[0], pwm)


def test_dna_motifs_shapes_one_hot_and_balance():
    d = dna_motifs(n=301, length=50, seed=1)
    assert d.x.shape == (301, 4, 50) and d.x.dtype == np.float32 and d.y.dtype == np.int64
    np.testing.assert_array_equal(d.x.sum(1), 1.0)
    assert d.y.sum() == round(301 * 0.5)
    assert ((d.positions >= 0) == (d.y == 1)).all()
    assert d.positions.max() <= 50 - 8


def test_dna_motif_is_written_where_said_and_follows_the_pwm():
    d = dna_motifs(n=4000, length=30, seed=2)
    rows = np.flatnonzero(d.y)
    counts = np.zeros((4, 8))
    for r in rows:
        counts += d.x[r][:, d.positions[r] : d.positions[r] + 8]
    freq = counts / len(rows)
    # 2000 draws per column: binomial sd <= 0.011, so 0.05 is > 4 sd
    np.testing.assert_allclose(freq, d.pwm, atol=0.05)
    # negatives are uniform: the consensus 8-mer is rare there (expected 23 / 65536 per sequence)
    cons = one_hot_dna(d.consensus)
    hits = sum((d.x[r][:, i : i + 8] * cons).sum() == 8 for r in np.flatnonzero(d.y == 0) for i in range(23))
    assert hits <= 3


def test_dna_motifs_deterministic_and_motif_shared_across_seeds():
    a, b, c = dna_motifs(100, seed=5), dna_motifs(100, seed=5), dna_motifs(100, seed=6)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)
    assert a.consensus == c.consensus and np.array_equal(a.pwm, c.pwm)
    assert not np.array_equal(dna_motifs(100, motif_seed=1).pwm, a.pwm)


@pytest.mark.parametrize(
    "kw", [dict(n=-1), dict(length=0), dict(motif_len=0), dict(motif_len=101), dict(positive_fraction=1.5)]
)
def test_dna_motifs_bad_arguments(kw):
    with pytest.raises(ValueError, match="dna_motifs"):
        dna_motifs(**kw)


def test_one_hot_dna():
    np.testing.assert_array_equal(one_hot_dna("ACGTa"), np.eye(4, 5, dtype=np.float32) + np.eye(4, 5, 4))
    with pytest.raises(ValueError, match="ACGT"):
        one_hot_dna("ACGN")


# --- mu-law -------------------------------------------------------------------------------------


def test_mulaw_matches_the_formula_and_round_trips():
    x = np.linspace(-1, 1, 400001)
    c = mulaw_encode(x)
    assert c.dtype == np.int64 and c.min() == 0 and c.max() == 255
    assert (np.diff(c) >= 0).all() and len(np.unique(c)) == 256
    mu = 255.0
    f = np.sign(x) * np.log(1 + mu * np.abs(x)) / np.log(1 + mu)
    np.testing.assert_array_equal(c, np.floor((f + 1) / 2 * mu + 0.5).astype(np.int64))
    np.testing.assert_array_equal(mulaw_encode(mulaw_decode(np.arange(256))), np.arange(256))
    # the companded step is 2 / mu: |x - decode(code)| <= (1 / mu) * max |dx/df| between the two
    dec = mulaw_decode(c)
    err = np.abs(dec - x)
    bound = (1 / mu) * np.log1p(mu) * (1 + mu * np.maximum(np.abs(x), np.abs(dec))) / mu
    assert (err <= bound * 1.0001 + 1e-12).all()
    np.testing.assert_allclose(
        mulaw_decode(np.array([0, 128, 255])), [-1.0, (256 ** (1 / 255) - 1) / 255, 1.0], atol=1e-12
    )


def test_mulaw_other_mu_and_errors():
    assert mulaw_encode(np.array([-1.0, 0.0, 1.0]), mu=15).tolist() == [0, 8, 15]
    assert mulaw_encode(np.array([-3.0, 3.0])).tolist() == [0, 255]
    with pytest.raises(ValueError, match="mulaw_decode"):
        mulaw_decode(np.array([256]))
    with pytest.raises(ValueError, match="mulaw_decode"):
        mulaw_decode(np.array([0.5]))
    with pytest.raises(ValueError, match="mu"):
        mulaw_encode(np.zeros(3), mu=0)


def test_mulaw_sines_signal_and_dominant_frequency():
    s = mulaw_sines(n=8000, seed=0)
    assert s.codes.shape == (8000,) and s.codes.dtype == np.int64 and s.wave.dtype == np.float32
    assert s.dominant_hz == 440.0 and s.sample_rate == 8000.0
    np.testing.assert_array_equal(s.codes, mulaw_encode(s.wave.astype(np.float64)))
    assert abs(dominant_frequency(s.wave, 8000.0) - 440.0) < 0.5
    assert abs(dominant_frequency(mulaw_decode(s.codes), 8000.0) - 440.0) < 0.5
    np.testing.assert_array_equal(mulaw_sines(n=100, seed=3).codes, mulaw_sines(n=100, seed=3).codes)
    assert not np.array_equal(mulaw_sines(n=100, seed=3).codes, mulaw_sines(n=100, seed=4).codes)
    noisy = mulaw_sines(n=100, noise=0.1, seed=3)
    assert not np.array_equal(noisy.codes, mulaw_sines(n=100, seed=3).codes)


@pytest.mark.parametrize("f", [123.4, 440.0, 1000.0, 3210.7])
def test_dominant_frequency_resolves_off_bin_tones(f):
    t = np.arange(2048) / 8000.0
    x = np.sin(2 * np.pi * f * t + 0.3) + 0.3 * np.sin(2 * np.pi * 0.37 * f * t)
    assert abs(dominant_frequency(x, 8000.0) - f) < 0.002 * f


def test_mulaw_sines_bad_arguments():
    with pytest.raises(ValueError, match="mulaw_sines"):
        mulaw_sines(freqs=(440.0,), amps=(0.5, 0.1))
    with pytest.raises(ValueError, match="mulaw_sines"):
        mulaw_sines(freqs=(5000.0,), amps=(0.5,))
    with pytest.raises(ValueError, match="dominant_frequency"):
        dominant_frequency(np.zeros(3))


# --- pressure projection ------------------------------------------------------------------------


def test_laplacian_is_the_zero_padded_stencil():
    rng = np.random.default_rng(0)
    p = rng.standard_normal((3, 7, 7))
    q = np.pad(p, [(0, 0), (1, 1), (1, 1)])
    ref = np.zeros_like(p)
    for i in range(7):
        for j in range(7):
            ref[:, i, j] = (
                q[:, i, j + 1] + q[:, i + 2, j + 1] + q[:, i + 1, j] + q[:, i + 1, j + 2] - 4 * p[:, i, j]
            )
    np.testing.assert_allclose(laplacian(p), ref, atol=1e-12)


def test_exact_and_jacobi_solvers():
    d = divergence_fields(20, size=16, seed=1).astype(np.float64)
    p = solve_pressure(d)
    assert p.shape == d.shape and residual_ratio(d, p).max() < 1e-12
    r = [residual_ratio(d, jacobi(d, k)).mean() for k in (0, 1, 10, 100, 1200)]
    assert r[0] == 1.0 and all(a > b for a, b in zip(r, r[1:])) and r[-1] < 1e-8
    np.testing.assert_allclose(jacobi(d, 1200), p, atol=1e-7)
    # the exact solution is a fixed point of a sweep
    np.testing.assert_allclose(jacobi(d, 1, p0=p), p, atol=1e-12)


def test_divergence_fields_contract():
    d = divergence_fields(8, size=16, seed=2)
    assert d.shape == (8, 1, 16, 16) and d.dtype == np.float32
    np.testing.assert_allclose(np.sqrt((d.astype(np.float64) ** 2).mean(axis=(1, 2, 3))), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(d, divergence_fields(8, size=16, seed=2))
    assert not np.array_equal(d, divergence_fields(8, size=16, seed=3))
    with pytest.raises(ValueError, match="jacobi"):
        jacobi(d, 1, p0=np.zeros((8, 16, 16), np.float32))
    with pytest.raises(ValueError, match="laplacian"):
        laplacian(np.zeros((4, 5)))
