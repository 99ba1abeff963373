"""Spike encoders for feature maps (frames x coefficients) of each clip.

All encoders take features scaled to [0, 1] (``FeatureScaler``) and return a binary array
(batch, time steps, channels) with ``steps_per_frame`` time steps per feature frame:
- ``rate``: Bernoulli spikes with probability max_rate x value at every step;
- ``send_on_delta``: an ON (OFF) spike each time a coefficient rises (falls) by
  ``threshold`` from its last reference level; 2 channels per coefficient; crossings of one
  frame are spread over its steps (at most one spike per step and channel);
- ``latency``: one spike per coefficient and frame, earlier for larger values, none below
  ``min_value``.
Randomness (rate coding only) comes from a generator seeded by (seed, clip key), so a clip
is encoded the same way whatever batch it is in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..config.validation import setting, validate


@dataclass(frozen=True, slots=True)
class EncoderConfig:
    """Settings of the spike encoders (module docstring).

    Attributes
    ----------
    kind : str
        "rate", "send_on_delta" or "latency".
    steps_per_frame : int
        Time steps per feature frame, >= 1.
    max_rate : float
        Rate code: spike probability per step at the value 1, in (0, 1].
    threshold : float
        send_on_delta: level change that fires a spike, in (0, 1].
    min_value : float
        latency: values below it fire no spike, in [0, 1].

    Raises
    ------
    ConfigError
        A setting out of its range.
    """

    TABLE: ClassVar[str] = "encoder"
    kind: str = setting("rate", choices=("rate", "send_on_delta", "latency"))
    steps_per_frame: int = setting(2, ge=1)
    max_rate: float = setting(0.5, gt=0, le=1)
    threshold: float = setting(0.1, gt=0, le=1)
    min_value: float = setting(0.1, ge=0, le=1)

    def __post_init__(self) -> None:
        validate(self)

    def n_channels(self, n_coefficients: int) -> int:
        """Channels of the encoded spike trains.

        Parameters
        ----------
        n_coefficients : int
            Coefficients per feature frame.

        Returns
        -------
        int
            Two per coefficient for send_on_delta (ON and OFF), one otherwise.
        """
        return 2 * n_coefficients if self.kind == "send_on_delta" else n_coefficients


@dataclass
class FeatureScaler:
    """Per-coefficient standardisation fitted on training features, then a linear map of
    [-clip_sigma, +clip_sigma] standard deviations onto [0, 1] (clipped). Calling it on
    features (..., coefficients) returns float32 values in [0, 1].

    Attributes
    ----------
    mean, std : numpy.ndarray
        Per-coefficient mean and standard deviation (1 where the training std is 0).
    clip_sigma : float
        Standard deviations mapped onto each end of [0, 1].
    """

    mean: np.ndarray
    std: np.ndarray
    clip_sigma: float = 2.5

    @classmethod
    def fit(cls, features: np.ndarray, clip_sigma: float = 2.5) -> FeatureScaler:
        """Fit the scaler on training features.

        Parameters
        ----------
        features : numpy.ndarray
            Training features, last axis the coefficients.
        clip_sigma : float
            Standard deviations mapped onto each end of [0, 1].

        Returns
        -------
        FeatureScaler
            The fitted scaler.
        """
        flat = np.asarray(features, dtype=np.float64).reshape(-1, features.shape[-1])
        std = flat.std(axis=0)
        return cls(flat.mean(axis=0), np.where(std > 0, std, 1.0), clip_sigma)

    def __call__(self, features: np.ndarray) -> np.ndarray:
        z = (np.asarray(features, dtype=np.float64) - self.mean) / self.std
        return np.clip((z + self.clip_sigma) / (2 * self.clip_sigma), 0.0, 1.0).astype(np.float32)


@dataclass
class SpikeTrains:
    """Encoded spike trains and their spike count.

    Attributes
    ----------
    spikes : numpy.ndarray
        uint8 spikes, shape (batch, steps, channels).
    n_spikes : int
        Total spikes.
    sparsity : float
        Fraction of (step, channel) slots without a spike.
    """

    spikes: np.ndarray  # (batch, steps, channels) uint8
    n_spikes: int
    sparsity: float  # fraction of (step, channel) slots without a spike

    @classmethod
    def of(cls, spikes: np.ndarray) -> SpikeTrains:
        """Spike trains with their count and sparsity.

        Parameters
        ----------
        spikes : numpy.ndarray
            uint8 spikes, shape (batch, steps, channels).

        Returns
        -------
        SpikeTrains
            The trains (sparsity 1 for an empty array).
        """
        n = int(spikes.sum())
        return cls(spikes, n, 1.0 - n / spikes.size if spikes.size else 1.0)


def encode(
    values: np.ndarray, cfg: EncoderConfig, clip_keys: np.ndarray | None = None, seed: int = 0
) -> SpikeTrains:
    """Encode scaled features as spike trains.

    The rate code draws clip b from the generator of (seed, clip_keys[b]); the other codes
    are deterministic and take no keys.

    Parameters
    ----------
    values : numpy.ndarray
        Features scaled to [0, 1] (``FeatureScaler``), shape (batch, frames, coefficients).
    cfg : EncoderConfig
        The encoder.
    clip_keys : numpy.ndarray or None
        One integer key per clip, shape (batch,); required by the rate code.
    seed : int
        Seed of the rate code.

    Returns
    -------
    SpikeTrains
        Shape (batch, frames x steps_per_frame, channels).

    Raises
    ------
    ValueError
        Values not of shape (batch, frames, coefficients) or not in [0, 1], or missing or
        misshapen keys for the rate code.
    """
    values = np.asarray(values, dtype=np.float32)
    if values.ndim != 3:
        raise ValueError(f"values: shape {values.shape}: expected (batch, frames, coefficients)")
    if values.size and (values.min() < 0.0 or values.max() > 1.0 or not np.isfinite(values).all()):
        raise ValueError("values: expected features scaled to [0, 1] (use FeatureScaler)")
    if cfg.kind == "rate":
        if clip_keys is None:
            raise ValueError(
                "clip_keys: required by the rate code (one integer per clip, e.g."
                " kernels.rng.CLIP_PASS_KEY): a clip's spikes must not depend on its place in"
                " the batch"
            )
        keys = np.asarray(clip_keys)
        if keys.shape != (values.shape[0],):
            raise ValueError(f"clip_keys: shape {keys.shape}: expected ({values.shape[0]},)")
        return SpikeTrains.of(_rate(values, cfg, keys, seed))
    if cfg.kind == "send_on_delta":
        return SpikeTrains.of(_send_on_delta(values, cfg))
    return SpikeTrains.of(_latency(values, cfg))


def _rate(values, cfg, keys, seed):
    batch, frames, n = values.shape
    steps = cfg.steps_per_frame
    p = np.repeat(values * cfg.max_rate, steps, axis=1)
    out = np.empty((batch, frames * steps, n), np.uint8)
    for b in range(batch):
        rng = np.random.default_rng([seed, int(keys[b])])
        out[b] = rng.random((frames * steps, n)) < p[b]
    return out


def _send_on_delta(values, cfg):
    batch, frames, n = values.shape
    steps = cfg.steps_per_frame
    out = np.zeros((batch, frames * steps, 2 * n), np.uint8)
    ref = values[:, 0, :].astype(np.float64).copy()
    for f in range(1, frames):
        diff = values[:, f, :] - ref
        crossings = np.trunc(diff / cfg.threshold).astype(np.int64)  # signed count
        emitted = np.clip(crossings, -steps, steps)
        ref += emitted * cfg.threshold
        for s in range(steps):
            out[:, f * steps + s, :n] = emitted > s
            out[:, f * steps + s, n:] = -emitted > s
    return out


def _latency(values, cfg):
    batch, frames, n = values.shape
    steps = cfg.steps_per_frame
    out = np.zeros((batch, frames * steps, n), np.uint8)
    fire = values >= cfg.min_value
    offset = np.floor((1.0 - values) * (steps - 1) + 0.5).astype(np.int64)
    b, f, c = np.nonzero(fire)
    out[b, f * steps + offset[b, f, c], c] = 1
    return out
