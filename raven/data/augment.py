"""Training-time augmentation of Speech Commands clips (the dataset's reference recipe):
background noise mixed into a fraction of clips at a random volume, a random time shift,
and silence clips cut from the background recordings. Deterministic: the random choices of
a clip come from a generator seeded by (seed, copy, clip key)."""

from __future__ import annotations

import zlib

import numpy as np

from ..config.inputs import AugmentConfig
from .audio import CLIP_SAMPLES, SAMPLE_RATE_HZ


def clip_key(path: str, silence_index: int = -1) -> int:
    """A stable integer per clip, for seeding its random choices.

    Parameters
    ----------
    path : str
        The clip's path relative to the dataset root.
    silence_index : int
        For a silence clip (which has no file), its index, >= 0; -1 for a real clip.

    Returns
    -------
    int
        CRC-32 of the path (or of ``_silence_/<index>``).
    """
    text = path if silence_index < 0 else f"_silence_/{silence_index}"
    return zlib.crc32(text.encode("utf-8"))


def clip_rng(seed: int, copy: int, key: int) -> np.random.Generator:
    """The generator of one clip's random choices in one augmented copy.

    Parameters
    ----------
    seed : int
        The run's seed.
    copy : int
        Index of the augmented copy (epoch).
    key : int
        The clip's key (``clip_key``).

    Returns
    -------
    numpy.random.Generator
        Seeded with [seed, copy, key].
    """
    return np.random.default_rng([seed, copy, key])


def _noise_segment(
    rng: np.random.Generator, backgrounds: list[np.ndarray], n_samples: int
) -> np.ndarray:
    noise = backgrounds[int(rng.integers(len(backgrounds)))]
    if noise.size <= n_samples:
        return np.pad(noise, (0, n_samples - noise.size))
    start = int(rng.integers(0, noise.size - n_samples))
    return noise[start : start + n_samples]


def silence_clip(
    rng: np.random.Generator,
    backgrounds: list[np.ndarray],
    cfg: AugmentConfig,
    n_samples: int = CLIP_SAMPLES,
) -> np.ndarray:
    """A clip-long excerpt of a background recording at a volume uniform in [0,
    ``silence_volume_max``].

    Parameters
    ----------
    rng : numpy.random.Generator
        The clip's generator (recording, offset and volume).
    backgrounds : list of numpy.ndarray
        Background recordings; none gives a clip of zeros.
    cfg : AugmentConfig
        Augmentation settings.
    n_samples : int
        Clip length, samples.

    Returns
    -------
    numpy.ndarray
        float32 samples, shape (n_samples,).
    """
    if not backgrounds:
        return np.zeros(n_samples, np.float32)
    volume = rng.uniform(0.0, cfg.silence_volume_max)
    return (volume * _noise_segment(rng, backgrounds, n_samples)).astype(np.float32)


def augment_clip(
    audio: np.ndarray,
    rng: np.random.Generator,
    backgrounds: list[np.ndarray],
    cfg: AugmentConfig,
    sample_rate_hz: int = SAMPLE_RATE_HZ,
) -> np.ndarray:
    """Time shift by up to +-time_shift_ms (zero fill), then background noise with probability
    background_frequency at a volume uniform in [0, background_volume_max], clipped to
    [-1, 1].

    Parameters
    ----------
    audio : numpy.ndarray
        The clip's samples, at ``sample_rate_hz``.
    rng : numpy.random.Generator
        The clip's generator (``clip_rng``).
    backgrounds : list of numpy.ndarray
        Background recordings at ``sample_rate_hz``; none: no noise is added.
    cfg : AugmentConfig
        Augmentation settings.
    sample_rate_hz : int
        Sample rate, Hz.

    Returns
    -------
    numpy.ndarray
        float32 samples, the shape of ``audio``.
    """
    max_shift = min(round(cfg.time_shift_ms * sample_rate_hz / 1000), audio.size)
    shift = int(rng.integers(-max_shift, max_shift + 1)) if max_shift else 0
    out = np.zeros_like(audio)
    if shift >= 0:
        out[shift:] = audio[: audio.size - shift]
    else:
        out[:shift] = audio[-shift:]
    if backgrounds and rng.random() < cfg.background_frequency:
        volume = rng.uniform(0.0, cfg.background_volume_max)
        out = np.clip(out + volume * _noise_segment(rng, backgrounds, audio.size), -1.0, 1.0)
    return out.astype(np.float32)
