"""Tiny generated Speech Commands-like datasets (tests write their own WAV files)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from raven.data.audio import write_wav
from raven.data.speech_commands import KEYWORDS_12
from raven.data.synthetic import make_tone_dataset

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def tone(freq_hz: float, seconds: float = 1.0, rate: int = 16_000, amp: float = 0.3):
    t = np.arange(int(seconds * rate)) / rate
    return amp * np.sin(2 * np.pi * freq_hz * t)


def make_full_layout(
    root: Path, speakers: int = 6, extra_words=("cat", "dog", "bird"), with_background: bool = True
) -> Path:
    """One folder per word (the 10 keywords and a few others), clips named
    <speaker>_nohash_<n>.wav, and optionally _background_noise_/."""
    rng = np.random.default_rng(0)
    for w, word in enumerate((*KEYWORDS_12, *extra_words)):
        folder = root / word
        folder.mkdir(parents=True)
        for s in range(speakers):
            write_wav(
                folder / f"{s:08x}_nohash_0.wav", tone(200 + 40 * w) + 0.01 * rng.normal(size=16000)
            )
    if with_background:
        (root / "_background_noise_").mkdir()
        write_wav(root / "_background_noise_" / "white.wav", 0.2 * rng.normal(size=48000))
        write_wav(root / "_background_noise_" / "hum.wav", tone(50, seconds=3.0))
    return root


def make_folder_layout(root: Path, labels=("alpha", "beta"), per_label: int = 4) -> Path:
    for k, label in enumerate(labels):
        (root / label).mkdir(parents=True)
        for n in range(per_label):
            write_wav(root / label / f"clip{n}.wav", tone(300 + 100 * k + 7 * n))
    return root


def make_tones(root: Path, per_label: int = 12) -> Path:
    """The generated tone dataset (folder layout) under ``root``."""
    return make_tone_dataset(root, per_label=per_label)
