"""Clips of a dataset folder as in-memory arrays: the edge between files and
``raven.KeywordSpotter``. Features come through the feature cache (computed once, reused),
in the shape the estimator takes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config.tables import RavenConfig
from ..features.pipeline import SplitData, load_split, open_index, training_copies
from .speech_commands import DatasetIndex

# The splits a caller may name, and the index split each reads ("test" is "testing";
# "all" reads every clip of the folder as test data).
_SPLIT_NAMES = {
    "training": "training",
    "validation": "validation",
    "testing": "testing",
    "test": "testing",
    "all": "testing",
}


@dataclass(frozen=True)
class Clips:
    """The clips of one split, ready for ``KeywordSpotter``.

    Parameters
    ----------
    features : numpy.ndarray
        float32 MFCC features, (n_clips, frames, coefficients); a training split with
        augmentation on has one augmented copy per epoch, (copies, n_clips, frames,
        coefficients).
    labels : numpy.ndarray
        (n_clips,) int64 class indices into ``label_names``.
    clip_keys : numpy.ndarray
        (n_clips,) int64 stable keys of the clips (from their file names): the spike
        encoding of a clip depends on the seed, the pass and its key only.
    label_names : tuple of str
        Class names; class k is ``label_names[k]``.
    files : tuple of str
        The clips' files, relative to the dataset folder.
    report : dict
        The audio report: clips read, resampled, padded, trimmed, skipped (with reasons).
    """

    features: np.ndarray
    labels: np.ndarray
    clip_keys: np.ndarray
    label_names: tuple[str, ...]
    files: tuple[str, ...]
    report: dict

    def __len__(self) -> int:
        return int(self.labels.size)


def _split_name(split: str) -> str:
    if split not in _SPLIT_NAMES:
        raise ValueError(f"split={split!r}: expected one of {sorted(_SPLIT_NAMES)}")
    return _SPLIT_NAMES[split]


def _clips_of(data: SplitData, label_names: tuple[str, ...]) -> Clips:
    features = data.features[0] if data.features.shape[0] == 1 else data.features
    return Clips(
        features=features,
        labels=np.asarray(data.labels, dtype=np.int64),
        clip_keys=np.asarray(data.keys, dtype=np.int64),
        label_names=tuple(label_names),
        files=tuple(data.files),
        report=data.report,
    )


def index_clips(
    cfg: RavenConfig,
    index: DatasetIndex,
    split: str,
    cache_dir: Path,
    labels: tuple[str, ...] | None = None,
    progress: bool = False,
) -> Clips:
    """The clips of ``split`` of an opened dataset (possibly none: callers decide).

    Training clips come as the configured number of augmented copies (one per epoch).

    Parameters
    ----------
    cfg : RavenConfig
        Configuration (features, augmentation, seed).
    index : DatasetIndex
        The opened dataset.
    split : str
        "training", "validation", "test" (or "testing"), or "all".
    cache_dir : pathlib.Path
        Folder of the feature cache.
    labels : tuple of str or None
        Class names to label the clips with (a fitted spotter's classes); None: the
        dataset's.
    progress : bool
        Show a progress bar while features are extracted.

    Returns
    -------
    Clips
        The split's features and labels.
    """
    name = _split_name(split)
    copies = training_copies(cfg) if name == "training" else 1
    data = load_split(cfg, index, name, cache_dir, labels=labels, copies=copies, progress=progress)
    # labels may be any sequence of names (a spotter's classes_ is an array)
    return _clips_of(data, tuple(map(str, labels)) if labels is not None else index.labels)


def require_clips(clips: Clips, split: str, root: Path) -> None:
    """A split whose every clip was skipped is an error, not an empty (NaN) result.

    Parameters
    ----------
    clips : Clips
        The loaded split.
    split : str
        Its name, for the message.
    root : pathlib.Path
        The dataset folder, for the message.

    Raises
    ------
    ValueError
        Naming the folder, the split and the first skipped file, when no clip is usable.
    """
    if len(clips) == 0:
        skipped = clips.report.get("skipped_files", [])
        first = f"; first: {skipped[0]['file']}: {skipped[0]['reason']}" if skipped else ""
        raise ValueError(
            f"{root}: no usable clips in the {split} split ({len(skipped)} skipped{first})"
        )


def load_clips(
    data_dir: str | Path,
    config: RavenConfig | None = None,
    split: str = "training",
    *,
    labels: tuple[str, ...] | None = None,
    cache_dir: str | Path = "data/cache",
    progress: bool = False,
) -> Clips:
    """The clips of one split of a dataset folder, as arrays for ``KeywordSpotter``.

    Parameters
    ----------
    data_dir : str or pathlib.Path
        A dataset folder: a Speech Commands layout or ``<label>/<clip>.wav``.
    config : RavenConfig, optional
        Task, split rule, features and augmentation (defaults otherwise). The training
        split has one augmented copy per epoch when ``data.augment`` is on.
    split : str
        "training", "validation", "test" (or "testing"), or "all" (every clip of the
        folder, as test data).
    labels : tuple of str, optional
        Class names to index the labels by (those of a trained spotter,
        ``KeywordSpotter.classes_``); by default the dataset's.
    cache_dir : str or pathlib.Path
        Feature cache folder.
    progress : bool
        Show progress bars while features are computed.

    Returns
    -------
    Clips

    Raises
    ------
    ValueError
        For an unknown split, a clip of a label outside ``labels``, or a split with no
        usable clip (the message names the folder and the first skipped file).
    """
    cfg = config if config is not None else RavenConfig()
    source = "all" if split == "all" else None
    index = open_index(cfg, data_dir, split_source=source)
    clips = index_clips(cfg, index, split, Path(cache_dir), labels=labels, progress=progress)
    require_clips(clips, _split_name(split), index.root)
    return clips
