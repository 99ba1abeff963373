"""The tables of what enters the chip: the dataset and its split (``[data]``), the
augmentation of training clips (``[augment]``) and the feature front end (``[features]``).
They are part of ``raven.config.tables.RavenConfig``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar

from .validation import check, setting, validate


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """The ``[features]`` table: the audio front end (sample rate, clip length, frames and
    coefficients of the MFCC or log-mel feature map).

    Each field is documented where it is declared (attribute docstrings). A window no
    longer than the clip, a stride of at least one sample, an FFT at least as long as the
    window, f_min_hz < f_max_hz <= Nyquist and n_mfcc <= n_mels are checked across fields.
    """

    TABLE: ClassVar[str] = "features"
    kind: str = setting("mfcc", choices=("mfcc", "logmel"))
    """Front end: "mfcc" (log mel energies, then a DCT, first ``n_mfcc`` coefficients) or "logmel"
    (the ``n_mels`` log mel energies).
    """
    sample_rate_hz: int = setting(16_000, gt=0)
    """Sample rate, Hz: audio is read (resampled when needed) at this rate."""
    clip_samples: int = setting(16_000, ge=1)
    """Samples per clip: every clip is cut (or padded) to this length (16,000: 1 s at 16 kHz)."""
    window_ms: float = setting(40.0, gt=0)
    """Analysis window of one frame, ms; at most the clip's length."""
    stride_ms: float = setting(20.0, gt=0)
    """Hop between frames, ms (at least one sample); with ``stride_ms / steps_per_frame``, the
    temporal network's time step.
    """
    n_fft: int = setting(1024, ge=1)
    """FFT length, samples; at least the window length."""
    n_mels: int = setting(40, ge=1)
    """Triangular mel filters."""
    n_mfcc: int = setting(10, ge=1)
    """Cepstral coefficients kept per frame (mfcc: between 1 and ``n_mels``)."""
    f_min_hz: float = setting(20.0, ge=0)
    """Lowest frequency of the mel filterbank, Hz."""
    f_max_hz: float = setting(4000.0, gt=0)
    """Highest frequency of the mel filterbank, Hz: above ``f_min_hz``, at most the Nyquist
    frequency.
    """
    log_floor: float = setting(1e-6, gt=0)
    """Added to the mel energies before the logarithm (log(mel + log_floor))."""

    def __post_init__(self) -> None:
        validate(self)
        t = self.TABLE
        check(
            t,
            "window_ms",
            self.window_samples <= self.clip_samples,
            self.window_ms,
            "a window no longer than the clip",
        )
        check(t, "stride_ms", self.stride_samples >= 1, self.stride_ms, "a stride of >= 1 sample")
        check(
            t,
            "n_fft",
            self.n_fft >= self.window_samples,
            self.n_fft,
            f"at least the window length ({self.window_samples} samples)",
        )
        check(
            t,
            "f_max_hz",
            self.f_min_hz < self.f_max_hz <= self.sample_rate_hz / 2,
            self.f_max_hz,
            f"f_min_hz < f_max_hz <= Nyquist ({self.sample_rate_hz / 2} Hz)",
        )
        check(
            t,
            "n_mfcc",
            self.kind != "mfcc" or self.n_mfcc <= self.n_mels,
            self.n_mfcc,
            f"between 1 and n_mels={self.n_mels}",
        )

    @property
    def window_samples(self) -> int:
        """Analysis window of one frame, samples."""
        return round(self.window_ms * self.sample_rate_hz / 1000)

    @property
    def stride_samples(self) -> int:
        """Hop between frames, samples."""
        return round(self.stride_ms * self.sample_rate_hz / 1000)

    @property
    def n_frames(self) -> int:
        """Frames per clip: 1 + (clip_samples - window_samples) // stride_samples."""
        return 1 + (self.clip_samples - self.window_samples) // self.stride_samples

    @property
    def n_coefficients(self) -> int:
        """Coefficients per frame: ``n_mfcc`` (mfcc) or ``n_mels`` (logmel)."""
        return self.n_mfcc if self.kind == "mfcc" else self.n_mels

    @property
    def shape(self) -> tuple[int, int]:
        """Shape of a clip's feature map: (n_frames, n_coefficients)."""
        return (self.n_frames, self.n_coefficients)

    def as_dict(self) -> dict:
        """The table's fields as a dictionary.

        Returns
        -------
        dict
            Field values by name.
        """
        return asdict(self)


@dataclass(frozen=True, slots=True)
class AugmentConfig:
    """The ``[augment]`` table: time shift and background noise of training clips, and the
    noise silence clips are made of (``raven.data.augment``).

    Each field is documented where it is declared (attribute docstrings).
    """

    TABLE: ClassVar[str] = "augment"
    background_frequency: float = setting(0.8, ge=0, le=1)
    """Probability that a training clip is mixed with background noise, in [0, 1]."""
    background_volume_max: float = setting(0.1, ge=0, le=1)
    """Volume of the mixed background noise: uniform in [0, this], in [0, 1]."""
    time_shift_ms: float = setting(100.0, ge=0, le=500)
    """Training clips are shifted in time by up to +- this, ms (zero fill), in [0, 500]."""
    silence_volume_max: float = setting(1.0, ge=0, le=1)
    """Volume of the background noise a silence clip is made of: uniform in [0, this], in [0, 1]."""

    def __post_init__(self) -> None:
        validate(self)

    def as_dict(self) -> dict:
        """The table's fields as a dictionary.

        Returns
        -------
        dict
            Field values by name.
        """
        return asdict(self)


@dataclass(frozen=True, slots=True)
class DataConfig:
    """The ``[data]`` table: the task (classes), how clips are split, the shares of silence and
    unknown clips, and whether training clips are augmented.

    Each field is documented where it is declared (attribute docstrings).
    """

    TABLE: ClassVar[str] = "data"
    task: str = setting("12", choices=("12", "35", "folder"))
    """Classes: "12" (10 keywords + silence + unknown), "35" (every word of the full dataset) or
    "folder" (the folder names, whatever they are).
    """
    split_source: str = setting("auto", choices=("auto", "lists", "hash", "all"))
    """How clips are split: "auto" (the official lists when present, else the hash rule), "lists",
    "hash" or "all" (every clip is test data).
    """
    silence_percentage: float = setting(10.0, ge=0, le=100)
    """Silence clips added to each split, percent of its keyword clips, in [0, 100]."""
    unknown_percentage: float = setting(10.0, ge=0, le=100)
    """Clips of non-keyword words kept as "unknown", percent of the split's keyword clips, in [0,
    100].
    """
    augment: bool = True
    """Augment training clips (time shift and background noise, ``AugmentConfig``)."""

    def __post_init__(self) -> None:
        validate(self)
