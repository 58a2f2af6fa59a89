"""Synthetic audio for the WaveNet demo (F36): a sum of sines, the mu-law codec, an FFT peak finder.

Waveforms are float amplitudes in [-1, 1]; mu-law codes are int64 in [0, mu] (256 levels for
mu = 255), as in the WaveNet paper (ITU-T G.711 companding, uniform quantisation of the
companded value). Everything is a pure function of its seed (numpy PCG64).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


def _check_mu(mu: int, op: str) -> None:
    if not isinstance(mu, (int, np.integer)) or mu < 1:
        raise ValueError(f"{op}: mu must be an int >= 1, got {mu!r}")


def mulaw_encode(x, mu: int = 255) -> np.ndarray:
    """Amplitudes in [-1, 1] (clipped) -> int64 codes in [0, mu].

    code = round((F(x) + 1) / 2 * mu), F(x) = sign(x) * ln(1 + mu |x|) / ln(1 + mu).
    """
    _check_mu(mu, "mulaw_encode")
    x = np.clip(np.asarray(x, dtype=np.float64), -1.0, 1.0)
    f = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    return np.rint((f + 1.0) / 2.0 * mu).astype(np.int64)


def mulaw_decode(codes, mu: int = 255) -> np.ndarray:
    """int codes in [0, mu] -> float64 amplitudes in [-1, 1], the inverse of mulaw_encode's
    companding at the code's centre: x = sign(f) ((1 + mu)^|f| - 1) / mu, f = 2 code / mu - 1."""
    _check_mu(mu, "mulaw_decode")
    c = np.asarray(codes)
    if c.size and (not np.issubdtype(c.dtype, np.integer) or c.min() < 0 or c.max() > mu):
        raise ValueError(f"mulaw_decode: codes must be integers in [0, {mu}], got dtype {c.dtype}")
    f = 2.0 * c.astype(np.float64) / mu - 1.0
    return np.sign(f) * np.expm1(np.abs(f) * np.log1p(mu)) / mu


class MulawSines(NamedTuple):
    """codes int64 (n,) in [0, mu]; wave float32 (n,) the amplitudes before quantisation;
    sample_rate in Hz; dominant_hz: the frequency of the largest-amplitude sine."""

    codes: np.ndarray
    wave: np.ndarray
    sample_rate: float
    dominant_hz: float


def mulaw_sines(
    n: int = 16000,
    freqs: tuple[float, ...] = (440.0, 660.0, 1320.0),
    amps: tuple[float, ...] = (0.5, 0.25, 0.12),
    sample_rate: float = 8000.0,
    noise: float = 0.0,
    mu: int = 255,
    seed: int = 0,
) -> MulawSines:
    """n samples of sum_i amps[i] sin(2 pi freqs[i] t + phase_i) + N(0, noise^2), phases
    ~ U(0, 2 pi) from the seed, clipped to [-1, 1] and mu-law encoded."""
    if len(freqs) != len(amps) or not freqs:
        raise ValueError(f"mulaw_sines: need as many amps as freqs (>= 1), got {len(freqs)} and {len(amps)}")
    if n < 0 or sample_rate <= 0 or noise < 0:
        raise ValueError(
            f"mulaw_sines: need n >= 0, sample_rate > 0, noise >= 0, got {n}, {sample_rate}, {noise}"
        )
    if any(not 0 < f < sample_rate / 2 for f in freqs):
        raise ValueError(f"mulaw_sines: frequencies must lie in (0, {sample_rate / 2}) Hz, got {freqs}")
    rng = np.random.default_rng(seed)
    phases = rng.uniform(0.0, 2 * np.pi, size=len(freqs))
    t = np.arange(n) / sample_rate
    wave = sum(a * np.sin(2 * np.pi * f * t + p) for f, a, p in zip(freqs, amps, phases))
    wave = np.clip(wave + noise * rng.standard_normal(n), -1.0, 1.0)
    dominant = float(freqs[int(np.argmax(np.abs(amps)))])
    return MulawSines(mulaw_encode(wave, mu), wave.astype(np.float32), float(sample_rate), dominant)


def dominant_frequency(x, sample_rate: float = 1.0, oversample: int = 8) -> float:
    """Frequency (units of sample_rate) of the largest |FFT| peak of x (mean removed, Hann
    window, zero-padded `oversample` times, refined by a parabola through the peak's log magnitudes)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    if x.size < 4:
        raise ValueError(f"dominant_frequency: need at least 4 samples, got {x.size}")
    nfft = oversample * x.size
    mag = np.abs(np.fft.rfft((x - x.mean()) * np.hanning(x.size), n=nfft))
    k = int(np.argmax(mag[1:])) + 1
    shift = 0.0
    if 1 <= k < mag.size - 1:
        a, b, c = np.log(mag[k - 1 : k + 2] + 1e-300)
        den = a - 2 * b + c
        shift = 0.5 * (a - c) / den if den < 0 else 0.0
    return float((k + shift) * sample_rate / nfft)
