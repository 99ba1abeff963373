"""A tiny synthetic keyword dataset (pure tones per label) for smoke tests, examples and
notebooks on small settings; real work uses Speech Commands."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .audio import SAMPLE_RATE_HZ, write_wav


def tone(freq_hz: float, seconds: float = 1.0, amp: float = 0.3) -> np.ndarray:
    """A sine tone at 16 kHz.

    Parameters
    ----------
    freq_hz : float
        Frequency, Hz.
    seconds : float
        Duration, s.
    amp : float
        Amplitude, in [0, 1].

    Returns
    -------
    numpy.ndarray
        float64 samples, shape (seconds x 16,000,).
    """
    t = np.arange(int(seconds * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    return amp * np.sin(2 * np.pi * freq_hz * t)


def make_tone_dataset(
    root: str | Path, labels=("low", "mid", "high"), per_label: int = 12, seed: int = 0
) -> Path:
    """Write a small dataset of tones: ``<label>/s<n>_nohash_0.wav`` (a frequency band per
    label, light noise), with validation_list.txt (2 clips per label) and testing_list.txt
    (3 per label).

    Parameters
    ----------
    root : str or pathlib.Path
        Destination folder.
    labels : sequence of str
        Label folders, in rising frequency.
    per_label : int
        Clips per label (at least 5 for every split to be filled).
    seed : int
        Seed of the noise.

    Returns
    -------
    pathlib.Path
        ``root``.
    """
    root = Path(root)
    rng = np.random.default_rng(seed)
    validation, testing = [], []
    for k, label in enumerate(labels):
        (root / label).mkdir(parents=True, exist_ok=True)
        for n in range(per_label):
            name = f"{label}/s{n}_nohash_0.wav"
            audio = tone(450 * (k + 1) + 10 * n) + 0.02 * rng.normal(size=SAMPLE_RATE_HZ)
            write_wav(root / name, audio)
            if n < 2:
                validation.append(name)
            elif n < 5:
                testing.append(name)
    (root / "validation_list.txt").write_text("\n".join(validation) + "\n")
    (root / "testing_list.txt").write_text("\n".join(testing) + "\n")
    return root
