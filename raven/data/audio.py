"""Reading WAV clips with a stated policy for bad audio.

Policy (every case is counted in an ``AudioReport`` and reported by the run):
- missing, empty, corrupt or truncated file (a dangling link too), a format that is not
  PCM/float WAV, a sample rate below ``MIN_SAMPLE_RATE_HZ`` (not speech audio), or float
  samples outside [-1, 1] (not normalised audio): the clip is *skipped* (``AudioError``),
  with the file and the reason;
- wrong sample rate: *resampled* to the target rate (polyphase, scipy) and counted;
- more than one channel: *mixed down* (mean of the channels) and counted;
- length other than the clip length: zero-padded or trimmed at the end (as Speech Commands
  does for its shorter clips); counted as ``padded`` / ``trimmed``.
"""

from __future__ import annotations

import math
import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

SAMPLE_RATE_HZ = 16_000
CLIP_SAMPLES = 16_000
MIN_SAMPLE_RATE_HZ = 4_000  # below this a file carries no speech band worth resampling


class AudioError(ValueError):
    """A clip that cannot be used; the message names the file and the reason."""


@dataclass
class AudioReport:
    """What happened to the clips of a run: counts per case and the skipped files.

    Attributes
    ----------
    read : int
        Clips read successfully.
    resampled : int
        Clips resampled to the configured rate.
    mixed_down : int
        Multi-channel clips averaged to mono.
    padded, trimmed : int
        Clips zero-padded or cut to the clip length.
    skipped : list of (str, str)
        (file, reason) of every clip that could not be used.
    """

    read: int = 0
    resampled: int = 0
    mixed_down: int = 0
    padded: int = 0
    trimmed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def merge(self, other: AudioReport) -> None:
        """Add another report's counts and skipped files to this one.

        Parameters
        ----------
        other : AudioReport
            The report to fold in.
        """
        self.read += other.read
        self.resampled += other.resampled
        self.mixed_down += other.mixed_down
        self.padded += other.padded
        self.trimmed += other.trimmed
        self.skipped.extend(other.skipped)

    def as_dict(self) -> dict:
        """The report as JSON-ready data.

        Returns
        -------
        dict
            The counts, ``skipped`` (how many) and ``skipped_files`` (file and reason of each).
        """
        return {
            "read": self.read,
            "resampled": self.resampled,
            "mixed_down": self.mixed_down,
            "padded": self.padded,
            "trimmed": self.trimmed,
            "skipped": len(self.skipped),
            "skipped_files": [{"file": f, "reason": r} for f, r in self.skipped],
        }


def _to_float(data: np.ndarray, path: Path) -> np.ndarray:
    if data.dtype == np.int16:
        return data.astype(np.float32) / 32768.0
    if data.dtype == np.int32:
        return (data.astype(np.float64) / 2147483648.0).astype(np.float32)
    if data.dtype == np.uint8:
        return (data.astype(np.float32) - 128.0) / 128.0
    if data.dtype in (np.float32, np.float64):
        peak = float(np.max(np.abs(data))) if data.size else 0.0
        if peak > 1.0:  # NaN fails the finiteness check later, with its own reason
            raise AudioError(f"{path}: float samples reach {peak:g}, outside [-1, 1]")
        return data.astype(np.float32)
    raise AudioError(f"{path}: unsupported sample type {data.dtype}")


def read_wav(
    path: str | Path,
    report: AudioReport | None = None,
    sample_rate_hz: int = SAMPLE_RATE_HZ,
    n_samples: int | None = CLIP_SAMPLES,
) -> np.ndarray:
    """Mono float32 samples in [-1, 1] at ``sample_rate_hz``, padded or trimmed to
    ``n_samples``.

    Multi-channel audio is averaged to mono and other rates are resampled (polyphase); each
    case is counted in ``report``.

    Parameters
    ----------
    path : str or pathlib.Path
        The WAV file.
    report : AudioReport or None
        Where the read, resampling, mix-down, padding and trimming are counted.
    sample_rate_hz : int
        Rate of the returned samples, Hz.
    n_samples : int or None
        Length of the returned clip, samples; None keeps the length.

    Returns
    -------
    numpy.ndarray
        float32 samples, shape (n_samples,).

    Raises
    ------
    AudioError
        An unusable file: missing, empty, not a readable WAV, a rate below
        ``MIN_SAMPLE_RATE_HZ``, no samples, or NaN / infinite samples.
    """
    path = Path(path)
    report = report if report is not None else AudioReport()
    try:
        if path.stat().st_size == 0:
            raise AudioError(f"{path}: empty file")
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # scipy warns on truncated chunks: treat as corrupt
            rate, data = wavfile.read(path)
    except AudioError:
        raise
    except FileNotFoundError:
        raise AudioError(f"{path}: file not found") from None
    except (
        ValueError,
        OSError,
        EOFError,
        struct.error,
        wavfile.WavFileWarning,
        RuntimeWarning,
    ) as err:
        raise AudioError(f"{path}: not a readable WAV file ({err})") from None
    if rate < MIN_SAMPLE_RATE_HZ:
        raise AudioError(
            f"{path}: sample rate {rate} Hz is below {MIN_SAMPLE_RATE_HZ} Hz (not speech audio)"
        )
    audio = _to_float(np.asarray(data), path)
    if audio.size == 0:
        raise AudioError(f"{path}: no samples")
    if audio.ndim == 2:
        audio = audio.mean(axis=1, dtype=np.float32)
        report.mixed_down += 1
    if rate != sample_rate_hz:
        g = math.gcd(int(rate), sample_rate_hz)
        audio = resample_poly(audio, sample_rate_hz // g, int(rate) // g).astype(np.float32)
        report.resampled += 1
    if not np.all(np.isfinite(audio)):
        raise AudioError(f"{path}: contains NaN or infinite samples")
    if n_samples is not None:
        if audio.size < n_samples:
            audio = np.pad(audio, (0, n_samples - audio.size))
            report.padded += 1
        elif audio.size > n_samples:
            audio = audio[:n_samples]
            report.trimmed += 1
    report.read += 1
    return audio


def write_wav(path: str | Path, audio: np.ndarray, sample_rate_hz: int = SAMPLE_RATE_HZ) -> None:
    """Write a 16-bit PCM WAV (used by tests and tools to make small datasets).

    Parameters
    ----------
    path : str or pathlib.Path
        Destination file.
    audio : numpy.ndarray
        Mono samples in [-1, 1] (clipped to the 16-bit range).
    sample_rate_hz : int
        Sample rate, Hz.
    """
    pcm16 = np.clip(np.round(np.asarray(audio) * 32767.0), -32768, 32767).astype(np.int16)
    wavfile.write(str(path), sample_rate_hz, pcm16)
