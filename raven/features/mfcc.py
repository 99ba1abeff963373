"""MFCC and log-mel features in numpy/scipy, vectorised over a batch of clips.

Pipeline per frame (Hello Edge / MLPerf Tiny defaults: 40 ms window, 20 ms stride,
40 mel bands, 10 coefficients; 1 s at 16 kHz -> 49 x 10):
    frame * Hann window -> real FFT (n_fft) -> power |X|^2 -> mel filterbank (HTK mel scale,
    triangular, unnormalised) -> log(mel + log_floor) -> DCT-II (orthonormal), first n_mfcc.
``operation_count`` gives the arithmetic of each stage per clip for the energy ledger.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.fft import dct, rfft

from ..config.inputs import FeatureConfig


def hz_to_mel(f_hz):
    """HTK mel scale: 2595 log10(1 + f / 700).

    Parameters
    ----------
    f_hz : float or array_like
        Frequencies, Hz.

    Returns
    -------
    numpy.ndarray
        Mels.
    """
    return 2595.0 * np.log10(1.0 + np.asarray(f_hz) / 700.0)


def mel_to_hz(mel):
    """Inverse of ``hz_to_mel``: 700 (10^(mel / 2595) - 1).

    Parameters
    ----------
    mel : float or array_like
        Mels.

    Returns
    -------
    numpy.ndarray
        Frequencies, Hz.
    """
    return 700.0 * (10.0 ** (np.asarray(mel) / 2595.0) - 1.0)


def mel_filterbank(cfg: FeatureConfig) -> np.ndarray:
    """Triangular filters on the HTK mel scale, peak 1, evenly spaced in mels between
    ``f_min_hz`` and ``f_max_hz``.

    Parameters
    ----------
    cfg : FeatureConfig
        Sample rate, FFT length, band edges and number of filters.

    Returns
    -------
    numpy.ndarray
        Filter weights, shape (n_fft // 2 + 1, n_mels).
    """
    fft_hz = np.arange(cfg.n_fft // 2 + 1) * cfg.sample_rate_hz / cfg.n_fft
    edges_hz = mel_to_hz(
        np.linspace(hz_to_mel(cfg.f_min_hz), hz_to_mel(cfg.f_max_hz), cfg.n_mels + 2)
    )
    lower, centre, upper = edges_hz[:-2], edges_hz[1:-1], edges_hz[2:]
    rising = (fft_hz[:, None] - lower) / (centre - lower)
    falling = (upper - fft_hz[:, None]) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling))


class FeatureExtractor:
    """Computes features for batches of clips; precomputes window, filters and DCT once.

    Calling it on audio (batch, clip_samples) or (clip_samples,) returns float32 features
    (batch, frames, coeffs) (or (frames, coeffs)), computed a chunk of clips at a time.

    Parameters
    ----------
    cfg : FeatureConfig or None
        Front-end settings; None: the defaults.
    """

    def __init__(self, cfg: FeatureConfig | None = None):
        self.cfg = cfg or FeatureConfig()
        c = self.cfg
        # float32 throughout: five times faster than float64 here, and the features agree
        # with a float64 reference to ~1e-5 relative (tests/features/test_features.py).
        self.window = np.hanning(c.window_samples + 1)[:-1].astype(np.float32)  # periodic Hann
        self.filters = mel_filterbank(c).astype(np.float32)

    def __call__(self, audio: np.ndarray, chunk: int = 16) -> np.ndarray:
        """audio (batch, clip_samples) or (clip_samples,) -> float32 (batch, frames, coeffs),
        computed ``chunk`` clips at a time (bounded memory). The default keeps a chunk's
        padded frames and spectrum (1.6 MB each) in cache: 64 clips at a time (6.4 MB each)
        took 390-500 us per clip, 16 at a time 230-360 us, with identical features."""
        audio = np.asarray(audio, dtype=np.float32)
        single = audio.ndim == 1
        audio = audio[None] if single else audio
        c = self.cfg
        if audio.ndim != 2 or audio.shape[1] != c.clip_samples:
            raise ValueError(
                f"audio: shape {audio.shape}: expected (batch, {c.clip_samples})"
                " samples (FeatureConfig.clip_samples)"
            )
        out = np.empty((audio.shape[0], *c.shape), np.float32)
        for start in range(0, audio.shape[0], chunk):
            out[start : start + chunk] = self._features(audio[start : start + chunk])
        return out[0] if single else out

    def _features(self, audio: np.ndarray) -> np.ndarray:
        c = self.cfg
        # Windowed frames written straight into a zero-padded FFT buffer: the same values
        # as gathering the frames, windowing them and letting rfft pad them to n_fft, at
        # half the cost (no gathered copy, no padded copy inside rfft).
        padded = np.zeros((audio.shape[0], c.n_frames, c.n_fft), np.float32)
        frames = sliding_window_view(audio, c.window_samples, axis=-1)[:, :: c.stride_samples]
        np.multiply(frames[:, : c.n_frames], self.window, out=padded[..., : c.window_samples])
        spectrum = rfft(padded, axis=-1)
        power = spectrum.real**2 + spectrum.imag**2
        logmel = np.log(power @ self.filters + c.log_floor)
        if c.kind == "logmel":
            return logmel
        return dct(logmel, type=2, norm="ortho", axis=-1)[..., : c.n_mfcc]

    def operation_count(self) -> dict[str, int]:
        """Arithmetic operations per clip by stage (a multiply-add counts as 2): window
        multiplies; real FFT ~ 2.5 N log2 N per frame (half a complex split-radix FFT,
        5 N log2 N); power 3 per bin; mel filterbank 2 per non-zero weight; one log per band;
        DCT 2 per (coefficient, band).

        Returns
        -------
        dict of str to int
            Operations by stage and their ``total``.
        """
        c = self.cfg
        frames = c.n_frames
        bins = c.n_fft // 2 + 1
        ops = {
            "window_mults": frames * c.window_samples,
            "fft_flops": int(frames * 2.5 * c.n_fft * math.log2(c.n_fft)),
            "power_flops": frames * 3 * bins,
            "mel_flops": frames * 2 * int(np.count_nonzero(self.filters)),
            "log_ops": frames * c.n_mels,
            "dct_flops": frames * 2 * c.n_mfcc * c.n_mels if c.kind == "mfcc" else 0,
        }
        ops["total"] = sum(ops.values())
        return ops
