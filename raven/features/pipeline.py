"""Data for the chip: features (cached) -> scaled -> spike trains, per split."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kernels.rng import CLIP_PASS_KEY

from ..config.tables import RavenConfig
from ..data.augment import clip_key
from ..data.speech_commands import DatasetIndex, index_dataset
from .cache import FeatureSet, extract_features
from .encoding import EncoderConfig, FeatureScaler, encode
from .mfcc import FeatureExtractor


@dataclass
class SplitData:
    """A split's features ready for the chip, labelled in the run's classes.

    Attributes
    ----------
    features : numpy.ndarray
        Shape (copies, n, frames, coeffs); copies is 1 outside augmented training.
    labels : numpy.ndarray
        (n,) indices into the run's labels.
    files : list of str
        The clip of each row.
    keys : numpy.ndarray
        (n,) stable clip keys (``raven.data.augment.clip_key``).
    report : dict
        The extraction's audio report.
    """

    features: np.ndarray  # (copies, n, frames, coeffs) or (1, n, ...)
    labels: np.ndarray  # (n,) indices into the run's labels
    files: list[str]
    keys: np.ndarray  # (n,) stable clip keys
    report: dict


def open_index(
    cfg: RavenConfig, data_dir: str | Path, split_source: str | None = None
) -> DatasetIndex:
    """Index the dataset folder as the configuration's ``[data]`` table says.

    Parameters
    ----------
    cfg : RavenConfig
        Configuration (task, split source, silence and unknown shares, seed).
    data_dir : str or pathlib.Path
        The dataset folder.
    split_source : str or None
        Overrides ``cfg.data.split_source`` when given.

    Returns
    -------
    DatasetIndex
        The index.
    """
    d = cfg.data
    return index_dataset(
        data_dir,
        task=d.task,
        split_source=split_source or d.split_source,
        silence_percentage=d.silence_percentage,
        unknown_percentage=d.unknown_percentage,
        seed=cfg.seed,
    )


def training_copies(cfg: RavenConfig) -> int:
    """Augmented copies of the training split a run reads: one per epoch, or one without
    augmentation.

    Parameters
    ----------
    cfg : RavenConfig
        The run's configuration (``training.epochs``, ``data.augment``).

    Returns
    -------
    int
        The number of copies (>= 1).
    """
    return cfg.training.epochs if cfg.data.augment else 1


def load_split(
    cfg: RavenConfig,
    index: DatasetIndex,
    split: str,
    cache_dir: Path,
    labels: tuple[str, ...] | None = None,
    copies: int = 1,
    progress: bool = True,
) -> SplitData:
    """Features of a split; ``copies`` > 1 gives that many augmented versions (training).

    Training clips are augmented when ``cfg.data.augment`` is on, or whenever ``copies``
    > 1.

    Parameters
    ----------
    cfg : RavenConfig
        Configuration (features, augmentation, seed).
    index : DatasetIndex
        The dataset.
    split : str
        Split name.
    cache_dir : pathlib.Path
        Folder of the feature cache.
    labels : tuple of str or None
        The run's class names; None: the dataset's.
    copies : int
        Versions of every clip.
    progress : bool
        Show a progress bar.

    Returns
    -------
    SplitData
        The split's features (copies, n, frames, coeffs), labels, files and keys.

    Raises
    ------
    ValueError
        The split holds labels that are not among the run's.
    """
    augment = cfg.augment if copies > 1 or (split == "training" and cfg.data.augment) else None
    fs: FeatureSet = extract_features(
        index,
        split,
        cfg.features,
        cache_dir=cache_dir,
        augment=augment,
        copies=copies,
        seed=cfg.seed,
        progress=progress,
    )
    names = fs.label_names
    target = tuple(map(str, labels)) if labels is not None else names
    unknown = sorted(set(names[i] for i in np.unique(fs.labels)) - set(target))
    if unknown:
        raise ValueError(
            f"{index.root}: labels {unknown} are not among the run's labels {list(target)}"
        )
    mapping = np.array([target.index(n) if n in target else -1 for n in names])
    n = len(fs) // copies
    feats = np.asarray(fs.features).reshape(n, copies, *fs.features.shape[1:]).transpose(1, 0, 2, 3)
    files = fs.files[::copies]
    keys = np.array([clip_key(f) for f in files], dtype=np.int64)
    return SplitData(feats, mapping[fs.labels[::copies]], files, keys, fs.report)


def frontend_ops_per_clip(cfg: RavenConfig) -> int:
    """Arithmetic operations of the front end per clip (``FeatureExtractor.operation_count``).

    Parameters
    ----------
    cfg : RavenConfig
        Configuration (``cfg.features``).

    Returns
    -------
    int
        Total operations per clip.
    """
    return FeatureExtractor(cfg.features).operation_count()["total"]


def input_values(cfg: RavenConfig, scaler: FeatureScaler, features: np.ndarray) -> np.ndarray:
    """Values in [0, 1] of the static network's inputs: the scaled feature map, flattened,
    split into ON / OFF channels with ``input_encoding="on_off"``.

    Parameters
    ----------
    cfg : RavenConfig
        Configuration (``cfg.network.input_encoding``).
    scaler : FeatureScaler
        The fitted scaler.
    features : numpy.ndarray
        Features (..., frames, coeffs).

    Returns
    -------
    numpy.ndarray
        Shape (..., 1, n_inputs).
    """
    flat = scaler(features).reshape(*np.shape(features)[:-2], 1, -1)
    if cfg.network.input_encoding == "on_off":
        centred = 2.0 * flat - 1.0
        flat = np.concatenate([np.clip(centred, 0, 1), np.clip(-centred, 0, 1)], axis=-1)
    return flat


def temporal_spikes(
    cfg: RavenConfig, scaler: FeatureScaler, features: np.ndarray, keys: np.ndarray, stream: int
) -> np.ndarray:
    """Inputs of the temporal network, fed frame by frame, by its ``input_encoding``.

    "graded": DAC levels of the standardised values (``graded_levels``), one channel per
    coefficient; "rate": the ON (OFF) channel of a coefficient fires with probability
    max_rate x how far the standardised value lies above (below) its mean, relative to the
    clip; "send_on_delta": ON (OFF) spikes each time the scaled value rises (falls) by
    delta_threshold.

    Parameters
    ----------
    cfg : RavenConfig
        Configuration (``cfg.temporal``, the seed).
    scaler : FeatureScaler
        The fitted scaler.
    features : numpy.ndarray
        Features (B, frames, coeffs).
    keys : numpy.ndarray
        (B,) clip keys (the rate code's streams).
    stream : int
        The pass over the data (``kernels.rng.data_pass``).

    Returns
    -------
    numpy.ndarray
        Shape (B, frames x steps_per_frame, channels): float64 levels in [-1, 1]
        (graded, one channel per coefficient) or uint8 spikes (two channels per
        coefficient).
    """
    tc = cfg.temporal
    scaled = scaler(features)
    if tc.input_encoding == "graded":
        return graded_levels(2.0 * scaled - 1.0, tc.dac_bits, tc.steps_per_frame)
    if tc.input_encoding == "send_on_delta":
        enc = EncoderConfig(
            kind="send_on_delta", steps_per_frame=tc.steps_per_frame, threshold=tc.delta_threshold
        )
        return encode(scaled, enc).spikes
    centred = 2.0 * scaled - 1.0
    values = np.concatenate([np.clip(centred, 0, 1), np.clip(-centred, 0, 1)], axis=-1)
    enc = EncoderConfig(kind="rate", steps_per_frame=tc.steps_per_frame, max_rate=tc.max_rate)
    return encode(values, enc, clip_keys=clip_pass_keys(keys, stream), seed=cfg.seed).spikes


def graded_levels(values: np.ndarray, dac_bits: int, steps_per_frame: int) -> np.ndarray:
    """(B, frames, coeffs) values in [-1, 1] -> (B, frames x steps_per_frame, coeffs) DAC
    levels: a signed DAC of ``dac_bits`` bits has 2^(bits-1) - 1 levels on each side of zero
    (0 bits: ideal, no rounding); each frame's level is held for its steps.

    Parameters
    ----------
    values : numpy.ndarray
        Standardised, clipped and scaled features, in [-1, 1].
    dac_bits : int
        DAC resolution (>= 0; 1 bit gives levels -1, 0 and 1 only through the sign).
    steps_per_frame : int
        Time steps per feature frame (>= 1).

    Returns
    -------
    numpy.ndarray
        float64 row amplitudes (weight-unit multipliers).
    """
    levels = np.clip(np.asarray(values, dtype=np.float64), -1.0, 1.0)
    if dac_bits > 0:
        half = max(2 ** (dac_bits - 1) - 1, 1)
        levels = np.round(levels * half) / half
    return np.repeat(levels, steps_per_frame, axis=1)


class FrameEncoder:
    """The temporal architecture's input: the feature map fed frame by frame, each
    coefficient one DAC-driven row ("graded") or an ON and an OFF spike channel ("rate",
    "send_on_delta"), as ``[temporal]`` configures (``temporal_spikes``)."""

    def n_inputs(self, cfg: RavenConfig) -> int:
        """Input rows of the chip.

        Parameters
        ----------
        cfg : RavenConfig
            The run's configuration.

        Returns
        -------
        int
            One row per coefficient ("graded"), two otherwise.
        """
        if cfg.temporal.input_encoding == "graded":
            return cfg.features.n_coefficients  # one DAC-driven row per coefficient
        return 2 * cfg.features.n_coefficients  # ON and OFF channel per coefficient

    def fit_scaler(self, cfg: RavenConfig, features: np.ndarray) -> FeatureScaler:
        """Per-coefficient standardisation fitted on the training features, clipped at
        ``temporal.input_clip_sigma``.

        Parameters
        ----------
        cfg : RavenConfig
            The run's configuration.
        features : numpy.ndarray
            (n, frames, coefficients) training features.

        Returns
        -------
        FeatureScaler
        """
        return FeatureScaler.fit(features, clip_sigma=cfg.temporal.input_clip_sigma)

    def encode(
        self,
        cfg: RavenConfig,
        scaler: FeatureScaler,
        features: np.ndarray,
        keys: np.ndarray,
        stream: int,
    ) -> np.ndarray:
        """(B, frames, coeffs) features -> (B, frames x steps_per_frame, n_inputs) rows.

        Parameters
        ----------
        cfg : RavenConfig
            The run's configuration.
        scaler : FeatureScaler
            The training scaler.
        features : numpy.ndarray
            (B, frames, coefficients) features.
        keys : numpy.ndarray
            (B,) clip keys.
        stream : int
            The pass over the data (``kernels.rng.data_pass``).

        Returns
        -------
        numpy.ndarray
            Spikes (uint8) or graded DAC levels (float64).
        """
        return temporal_spikes(cfg, scaler, features, keys, stream)


class MapEncoder:
    """The static architecture's input: the whole feature map at once, every (frame,
    coefficient) an input channel (two with ``network.input_encoding = "on_off"``),
    rate-coded over ``network.time_steps`` steps."""

    def n_inputs(self, cfg: RavenConfig) -> int:
        """Input rows of the chip.

        Parameters
        ----------
        cfg : RavenConfig
            The run's configuration.

        Returns
        -------
        int
            frames x coefficients, twice that with ON/OFF channels.
        """
        n = cfg.features.n_frames * cfg.features.n_coefficients
        return 2 * n if cfg.network.input_encoding == "on_off" else n

    def fit_scaler(self, cfg: RavenConfig, features: np.ndarray) -> FeatureScaler:
        """Per-coefficient standardisation fitted on the training features.

        Parameters
        ----------
        cfg : RavenConfig
            The run's configuration.
        features : numpy.ndarray
            (n, frames, coefficients) training features.

        Returns
        -------
        FeatureScaler
        """
        return FeatureScaler.fit(features)

    def encode(
        self,
        cfg: RavenConfig,
        scaler: FeatureScaler,
        features: np.ndarray,
        keys: np.ndarray,
        stream: int,
    ) -> np.ndarray:
        """(B, frames, coeffs) features -> (B, time_steps, n_inputs) rate-coded spikes; the
        spikes of a clip depend on (seed, stream, clip key) only.

        Parameters
        ----------
        cfg : RavenConfig
            The run's configuration.
        scaler : FeatureScaler
            The training scaler.
        features : numpy.ndarray
            (B, frames, coefficients) features.
        keys : numpy.ndarray
            (B,) clip keys.
        stream : int
            The pass over the data (``kernels.rng.data_pass``).

        Returns
        -------
        numpy.ndarray
            uint8 spikes.
        """
        net = cfg.network
        enc = EncoderConfig(kind="rate", steps_per_frame=net.time_steps, max_rate=net.max_rate)
        values = input_values(cfg, scaler, features)
        return encode(values, enc, clip_keys=clip_pass_keys(keys, stream), seed=cfg.seed).spikes


def clip_pass_keys(keys: np.ndarray, stream: int) -> np.ndarray:
    """The encoder's key of each clip in one pass over the data (``kernels.rng.data_pass``):
    clip key and pass packed by ``kernels.rng.CLIP_PASS_KEY``.

    Parameters
    ----------
    keys : numpy.ndarray
        Clip keys.
    stream : int
        The pass.

    Returns
    -------
    numpy.ndarray
        Packed keys, the shape of ``keys``.
    """
    return CLIP_PASS_KEY.pack(clip=np.asarray(keys), data_pass=stream)
