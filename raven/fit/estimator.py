"""``KeywordSpotter``: Raven as an estimator on in-memory arrays (the scikit-learn contract:
the constructor stores its arguments, ``fit`` does the work, learned state ends in ``_``).

Files stay at the edges: ``raven.data.clips.load_clips`` reads a dataset folder into arrays,
``save`` / ``load`` write and read one ``.npz`` file, ``fit(checkpoint_dir=)`` checkpoints;
the run-folder functions (``raven.runs.train.train``, ``raven.runs.evaluate.evaluate``) and the
``raven`` command are built on this class."""

from __future__ import annotations

import copy
import dataclasses
import math
from pathlib import Path

import numpy as np

from .._util.atomic import clean_debris
from ..chip.store import RESERVED_KEYS, load_chip, save_chip
from ..config.tables import MAX_T_AFTER_S, RavenConfig
from ..features.cache import MAX_FEATURE
from ..features.encoding import FeatureScaler
from .evaluation import evaluate_chip
from .loop import CHECKPOINT, ClipArrays, fit_on_chip
from .results import EpochRecord, EvaluationResult, TrainingResult

_PARAMS = ("config", "labels", "progress")
# The metadata ``save`` writes besides the chip's own: ``extra`` may not replace them.
_SAVED_KEYS = frozenset({"training_state", "scaler", "t_train_end_s", "training_data"})


def _not_an_array(name: str, value, expected: str) -> ValueError:
    return ValueError(f"{name}: {type(value).__name__}: expected {expected}")


def _check_features(name: str, features, cfg: RavenConfig, copies_allowed: bool) -> np.ndarray:
    """Features as the pipeline makes them: real numbers, finite, (n, frames, coefficients)
    or, for training, (copies, n, frames, coefficients). Returns a 4-D view."""
    frames, coeffs = cfg.features.n_frames, cfg.features.n_coefficients
    expected = f"(n_clips, {frames}, {coeffs}) MFCC frames x coefficients" + (
        f" or (copies, n_clips, {frames}, {coeffs}) augmented copies" if copies_allowed else ""
    )
    try:
        arr = np.asarray(features)
    except (TypeError, ValueError):
        raise _not_an_array(name, features, f"an array {expected}") from None
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise ValueError(f"{name}: dtype {arr.dtype}: expected real numbers {expected}")
    ndims = (3, 4) if copies_allowed else (3,)
    if arr.ndim not in ndims or arr.shape[-2:] != (frames, coeffs):
        raise ValueError(
            f"{name}: shape {arr.shape}: expected {expected} (features.n_mfcc and the clip"
            " length of the configuration set the last two)"
        )
    arr4 = arr if arr.ndim == 4 else arr[None]
    if arr4.shape[0] == 0 or arr4.shape[1] == 0:
        raise ValueError(f"{name}: shape {arr.shape}: expected at least one clip")
    bad = ~np.isfinite(arr4)
    if bad.any():
        clip = int(np.argwhere(bad)[0][1])
        raise ValueError(
            f"{name}: {int(bad.sum())} NaN or infinite value(s) (first in clip {clip}):"
            " expected finite features"
        )
    huge = np.abs(arr4) > MAX_FEATURE
    if huge.any():
        clip = int(np.argwhere(huge)[0][1])
        raise ValueError(
            f"{name}: {int(huge.sum())} value(s) such as {float(arr4[huge][0]):g} (first in"
            f" clip {clip}): expected MFCC features, of magnitude <= {MAX_FEATURE:g}"
        )
    return arr4


def _check_indices(name: str, values, n: int, what: str) -> np.ndarray:
    """A (n,) array of integers (not booleans), as int64."""
    arr = np.asarray(values)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name}: dtype {arr.dtype}: expected integer {what}")
    if arr.shape != (n,):
        raise ValueError(f"{name}: shape {arr.shape}: expected ({n},), one per clip of features")
    return arr.astype(np.int64, copy=False)


def _check_keys(name: str, clip_keys, n: int) -> np.ndarray:
    """Clip keys, by default 0 .. n - 1."""
    if clip_keys is None:
        return np.arange(n, dtype=np.int64)
    return _check_indices(name, clip_keys, n, "clip keys")


def _check_range(name: str, labels: np.ndarray, classes: tuple[str, ...]) -> None:
    bad = np.flatnonzero((labels < 0) | (labels >= len(classes)))
    if bad.size:
        k = int(bad[0])
        raise ValueError(
            f"{name}: value {int(labels[k])} at clip {k} is out of range: expected class"
            f" indices in [0, {len(classes)}) (classes {list(classes)})"
        )


def _check_time(t_after_s) -> float:
    expected = f"a finite time > 0 s and <= {MAX_T_AFTER_S:g} s (the device models' range)"
    if isinstance(t_after_s, bool) or not isinstance(t_after_s, (int, float, np.number)):
        raise ValueError(f"t_after_s={t_after_s!r}: expected {expected}")
    if not (math.isfinite(t_after_s) and 0 < t_after_s <= MAX_T_AFTER_S):
        raise ValueError(f"t_after_s={t_after_s!r}: expected {expected}")
    return float(t_after_s)


def _check_flag(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name}={value!r}: expected True or False")
    return value


def _check_count(name: str, value, optional: bool = True) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}={value!r}: expected an integer >= 1")
    return int(value)


def _training_result(state: dict) -> TrainingResult:
    """The typed result of a finished training's state (as stored in checkpoints)."""
    return TrainingResult(
        epochs=tuple(EpochRecord.from_dict(e) for e in state["curve"]),
        t_train_end_s=float(state["t_s"]),
        updates=int(state["updates"]),
        training_clips=int(state["ledger"].get("clips", 0)),
        wall_time_s=float(state["wall_time_s"]),
        ledger_counts=dict(state["ledger"]),
    )


class KeywordSpotter:
    """Raven keyword spotter: a PCM chip trained on chip, on in-memory MFCC features.

    The estimator takes MFCC feature maps, as ``raven.features`` makes them (and
    ``raven.load_clips`` returns them), not spike trains: the spike encoding belongs to
    the chip (its input scaler is fitted on the training features, and every pass draws
    fresh rate-coded spikes from its own stream), so training and inference see the same
    encoder.

    Parameters
    ----------
    config : RavenConfig, optional
        Network, device, learning and training settings (``raven.load_config`` reads a TOML
        file); defaults otherwise.
    labels : sequence of str, optional
        Class names: class k is ``labels[k]``. By default classes are named "0", "1", ...
        up to the largest label given to ``fit``.
    progress : bool
        Show a progress bar while training.

    Attributes
    ----------
    chip_ : Chip or TemporalChip
        The trained chip (device state, noise streams, scales).
    scaler_ : FeatureScaler
        Input standardisation fitted on the training features.
    classes_ : tuple of str
        Class names.
    training_ : TrainingResult
        Learning curve, updates, clips, wall time and training ledger counts.
    stopped_after_updates_ : int or None
        Set when ``fit(stop_after_updates=)`` ended early (the spotter is then not fitted;
        ``fit(..., resume=True)`` continues from the checkpoint).

    References
    ----------
    .. [1] G. Bellec et al., "A solution to the learning dilemma for recurrent networks of
       spiking neurons", Nat. Commun. 11, 3625 (2020) (e-prop, the default rule).
    .. [2] V. Miriyala, M. Ishii, "Ultra-low power on-chip learning of speech commands with
       phase-change memories", arXiv:2010.11741 (2020).

    Examples
    --------
    >>> spotter = KeywordSpotter(config, labels=("yes", "no"))  # doctest: +SKIP
    >>> spotter.fit(features, labels).score(test_features, test_labels)  # doctest: +SKIP
    """

    def __init__(
        self,
        config: RavenConfig | None = None,
        *,
        labels: tuple[str, ...] | list[str] | None = None,
        progress: bool = False,
    ):
        self.config = config
        self.labels = labels
        self.progress = progress

    # -- scikit-learn parameter protocol ----------------------------------------------------
    def get_params(self, deep: bool = True) -> dict:
        """The constructor's arguments.

        Parameters
        ----------
        deep : bool
            Unused (no nested estimators); kept for the scikit-learn protocol.

        Returns
        -------
        dict
            ``config``, ``labels`` and ``progress``.
        """
        return {name: getattr(self, name) for name in _PARAMS}

    def set_params(self, **params) -> KeywordSpotter:
        """Set constructor arguments (the learned state is left as it is until ``fit``).

        Parameters
        ----------
        **params
            Any of ``config``, ``labels``, ``progress``.

        Returns
        -------
        KeywordSpotter
            self.
        """
        unknown = sorted(set(params) - set(_PARAMS))
        if unknown:
            raise ValueError(f"set_params: unknown parameter(s) {unknown}; expected {_PARAMS}")
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = [f"labels={self.labels!r}"] if self.labels is not None else []
        return f"KeywordSpotter({', '.join(args)})"

    # -- checks -----------------------------------------------------------------------------
    def _config(self) -> RavenConfig:
        if self.config is None:
            return RavenConfig()
        if not isinstance(self.config, RavenConfig):
            raise ValueError(
                f"config: {type(self.config).__name__}: expected a RavenConfig"
                " (raven.load_config(path) reads one from TOML) or None for the defaults"
            )
        return self.config

    def _classes(self, largest_label: int, n_clips: int) -> tuple[str, ...]:
        if self.labels is None:
            # Unnamed classes are 0 .. the largest label; more classes than clips is a
            # mistaken label, not a task (and would size the output layer by it).
            if largest_label >= max(n_clips, 2):
                raise ValueError(
                    f"labels: largest class index {largest_label} for {n_clips} clips;"
                    " name the classes (KeywordSpotter(labels=...)) or fix the labels"
                )
            return tuple(str(k) for k in range(max(largest_label + 1, 2)))
        if isinstance(self.labels, str) or not all(isinstance(x, str) for x in self.labels):
            raise ValueError(f"labels={self.labels!r}: expected a sequence of class names")
        names = tuple(self.labels)
        if len(names) < 2 or len(set(names)) != len(names):
            raise ValueError(f"labels={self.labels!r}: expected at least 2 distinct class names")
        return names

    def _fitted(self) -> None:
        if not hasattr(self, "chip_"):
            stopped = getattr(self, "stopped_after_updates_", None)
            why = (
                f": fit stopped after {stopped} updates (stop_after_updates); call fit again"
                " with the same checkpoint_dir and resume=True to finish"
                if stopped is not None
                else ": call fit(features, labels) or KeywordSpotter.load(path) first"
            )
            raise ValueError(f"KeywordSpotter: not fitted{why}")

    def _clip_arrays(
        self, names: tuple[str, str, str], arrays: tuple, cfg: RavenConfig, copies: bool
    ) -> ClipArrays:
        features = _check_features(names[0], arrays[0], cfg, copies)
        n = features.shape[1]
        labels = _check_indices(names[1], arrays[1], n, "class indices")
        return ClipArrays(features, labels, _check_keys(names[2], arrays[2], n))

    def _validation(self, validation, cfg: RavenConfig) -> ClipArrays | None:
        if validation is None:
            return None
        if not isinstance(validation, (tuple, list)) or len(validation) not in (2, 3):
            raise ValueError(
                f"validation: {type(validation).__name__}: expected (features, labels) or"
                " (features, labels, clip_keys)"
            )
        parts = (*validation, None)[:3]
        names = ("validation[0] (features)", "validation[1] (labels)", "validation[2] (keys)")
        return self._clip_arrays(names, parts, cfg, copies=False)

    def _read(self, features, labels, clip_keys, t_after_s, compensation) -> EvaluationResult:
        """Check the inputs and read a copy of the trained chip (``labels`` None: predict,
        nothing to check and nothing counted against)."""
        t_after_s = _check_time(t_after_s)
        _check_flag("compensation", compensation)
        self._fitted()
        features = _check_features("features", features, self.chip_.cfg, copies_allowed=False)
        n = features.shape[1]
        if labels is None:
            checked = np.zeros(n, np.int64)
        else:
            checked = _check_indices("labels", labels, n, "class indices")
            _check_range("labels", checked, self.classes_)
        return evaluate_chip(
            copy.deepcopy(self.chip_),  # reads move noise streams: the trained chip stays
            self.scaler_,
            features[0],
            checked,
            _check_keys("clip_keys", clip_keys, n),
            self.classes_,
            self.training_.t_train_end_s,
            t_after_s,
            compensation,
        )

    # -- learning ---------------------------------------------------------------------------
    def fit(
        self,
        features,
        labels,
        *,
        clip_keys=None,
        validation=None,
        epochs: int | None = None,
        checkpoint_dir: str | Path | None = None,
        resume: bool = False,
        stop_after_updates: int | None = None,
    ) -> KeywordSpotter:
        """Train a new chip on chip (pulses only) on the given clips.

        Parameters
        ----------
        features : array_like
            MFCC features, (n_clips, frames, coefficients); or (copies, n_clips, frames,
            coefficients) augmented copies, epoch e reading copy e mod copies.
        labels : array_like
            (n_clips,) integer class indices in [0, n_classes).
        clip_keys : array_like, optional
            (n_clips,) integer keys: the spikes of a clip depend on (seed, pass, key);
            default 0 .. n_clips - 1. ``raven.load_clips`` gives the keys of the files.
        validation : tuple, optional
            (features, labels) or (features, labels, clip_keys) read at the end of every
            epoch for the learning curve.
        epochs : int, optional
            Overrides ``training.epochs`` of the configuration.
        checkpoint_dir : str or pathlib.Path, optional
            Folder for ``checkpoint.npz``, written every
            ``training.checkpoint_every_updates`` updates and at every epoch end.
        resume : bool
            Continue from the checkpoint in ``checkpoint_dir`` (same configuration and
            clips); the result is bit-identical to an uninterrupted fit.
        stop_after_updates : int, optional
            Checkpoint and stop after this many updates (needs ``checkpoint_dir``).

        Returns
        -------
        KeywordSpotter
            self, fitted (unless stopped early: ``stopped_after_updates_``).

        Raises
        ------
        ValueError
            Naming the argument: wrong shape or dtype, NaN features, a label out of range,
            fewer than 2 classes, a checkpoint of another configuration or other clips.
        """
        for name in ("chip_", "scaler_", "classes_", "training_"):
            self.__dict__.pop(name, None)
        self.stopped_after_updates_ = None
        cfg = self._config()
        if _check_count("epochs", epochs) is not None:
            cfg = dataclasses.replace(
                cfg, training=dataclasses.replace(cfg.training, epochs=epochs)
            )
        stop = _check_count("stop_after_updates", stop_after_updates)
        _check_flag("resume", resume)
        if checkpoint_dir is None and (resume or stop is not None):
            what = "resume=True" if resume else "stop_after_updates"
            raise ValueError(f"checkpoint_dir: None: {what} needs a checkpoint folder")
        train = self._clip_arrays(
            ("features", "labels", "clip_keys"), (features, labels, clip_keys), cfg, copies=True
        )
        val = self._validation(validation, cfg)
        # The classes come from the training labels (or ``labels``): a class seen only in
        # validation is a mistaken label, never a reason to grow the output layer.
        classes = self._classes(int(train.labels.max()), train.labels.size)
        _check_range("labels", train.labels, classes)
        if val is not None:
            _check_range("validation[1] (labels)", val.labels, classes)
        present = sorted({classes[k] for k in np.unique(train.labels)})
        if len(present) < 2:
            raise ValueError(
                f"labels: the training clips have {len(present)} class(es) {present}:"
                " a classifier needs at least 2"
            )
        ckpt = None
        if checkpoint_dir is not None:
            folder = Path(checkpoint_dir)
            if folder.exists() and not folder.is_dir():
                raise ValueError(f"checkpoint_dir={str(folder)!r}: a file: expected a folder")
            folder.mkdir(parents=True, exist_ok=True)
            clean_debris(folder)  # temporaries of an earlier fit killed mid-write
            ckpt = folder / CHECKPOINT
        fitted = fit_on_chip(cfg, train, val, classes, ckpt, resume, stop, self.progress)
        if fitted.stopped:
            self.stopped_after_updates_ = int(fitted.state["updates"])
            return self
        self.chip_ = fitted.chip
        self.scaler_ = fitted.scaler
        self.classes_ = classes
        self.training_ = _training_result(fitted.state)
        return self

    # -- inference --------------------------------------------------------------------------
    def evaluate(
        self,
        features,
        labels,
        *,
        clip_keys=None,
        t_after_s: float = 1.0,
        compensation: bool = True,
    ) -> EvaluationResult:
        """Accuracy, confusion and inference ledger on labelled clips.

        Every call reads a copy of the trained chip, so evaluations do not depend on each
        other or on their order, and equal those of the chip reloaded from its file.

        Parameters
        ----------
        features : array_like
            (n_clips, frames, coefficients) MFCC features.
        labels : array_like
            (n_clips,) integer class indices.
        clip_keys : array_like, optional
            (n_clips,) integer clip keys (default 0 .. n_clips - 1).
        t_after_s : float
            Device time after the end of training at which the chip is read (s), > 0.
        compensation : bool
            Apply global drift compensation (a digital gain per column from reference
            reads at the end of training and now; Joshi et al., Nat. Commun. 2020).

        Returns
        -------
        EvaluationResult
        """
        return self._read(features, labels, clip_keys, t_after_s, compensation)

    def predict(
        self, features, *, clip_keys=None, t_after_s: float = 1.0, compensation: bool = True
    ) -> np.ndarray:
        """Predicted class index of every clip.

        Parameters
        ----------
        features, clip_keys, t_after_s, compensation
            As for ``evaluate``.

        Returns
        -------
        numpy.ndarray
            (n_clips,) int64 class indices into ``classes_``.
        """
        return self._read(features, None, clip_keys, t_after_s, compensation).predictions

    def score(self, features, labels, **read_options) -> float:
        """Accuracy on labelled clips (``evaluate(...).accuracy``).

        Parameters
        ----------
        features, labels
            As for ``evaluate``.
        **read_options
            ``clip_keys``, ``t_after_s`` and ``compensation``, as for ``evaluate``.

        Returns
        -------
        float
            Fraction of the clips classified right.
        """
        return self.evaluate(features, labels, **read_options).accuracy

    # -- files ------------------------------------------------------------------------------
    def save(self, path: str | Path, *, extra: dict | None = None) -> Path:
        """Write the trained spotter to one ``.npz`` file, atomically (``raven.chip.store``).

        Parameters
        ----------
        path : str or pathlib.Path
            Destination file.
        extra : dict, optional
            Further JSON-serialisable metadata to store (e.g. the audio reports).

        Returns
        -------
        pathlib.Path
            The file written.
        """
        self._fitted()
        path = Path(path)
        if path.is_dir():
            raise ValueError(f"path={str(path)!r}: a folder: expected a file name (.npz)")
        if extra is not None and not isinstance(extra, dict):
            raise ValueError(f"extra: {type(extra).__name__}: expected a dict")
        clash = sorted((RESERVED_KEYS | _SAVED_KEYS) & set(extra or {}))
        if clash:
            raise ValueError(
                f"extra: key(s) {clash} are the saved spotter's own metadata (configuration,"
                " labels, scaler, training state): expected other names"
            )
        t = self.training_
        state = {
            "epoch": len(t.epochs),
            "batch": 0,
            "t_s": t.t_train_end_s,
            "updates": t.updates,
            "curve": [e.to_dict() for e in t.epochs],
            "wall_time_s": t.wall_time_s,
            "ledger": dict(t.ledger_counts),
        }
        meta = {
            "training_state": state,
            "scaler": {
                "mean": self.scaler_.mean.tolist(),
                "std": self.scaler_.std.tolist(),
                "clip_sigma": self.scaler_.clip_sigma,
            },
            "t_train_end_s": t.t_train_end_s,
            **(extra or {}),
        }
        return save_chip(path, self.chip_, list(self.classes_), meta)

    @classmethod
    def load(cls, path: str | Path, *, remedy: str = "train the chip again") -> KeywordSpotter:
        """A fitted spotter from a file of ``save`` (a run's ``chip.npz``).

        Parameters
        ----------
        path : str or pathlib.Path
            The file.
        remedy : str
            What the error message tells the user to do if the file is unusable.

        Returns
        -------
        KeywordSpotter

        Raises
        ------
        ValueError
            Naming the file: missing, corrupt, another format, or a checkpoint of an
            unfinished training.
        """
        chip, meta = load_chip(path, remedy=remedy)
        if "scaler" not in meta or "t_train_end_s" not in meta:
            raise ValueError(
                f"{path}: a checkpoint of an unfinished training, not a trained chip; finish"
                " the training (fit(..., resume=True) or raven train --resume)"
            )
        s = meta["scaler"]
        spotter = cls(chip.cfg, labels=tuple(meta["labels"]))
        spotter.chip_ = chip
        spotter.scaler_ = FeatureScaler(np.array(s["mean"]), np.array(s["std"]), s["clip_sigma"])
        spotter.classes_ = tuple(meta["labels"])
        spotter.training_ = dataclasses.replace(
            _training_result(meta["training_state"]), t_train_end_s=float(meta["t_train_end_s"])
        )
        spotter.stopped_after_updates_ = None
        return spotter
