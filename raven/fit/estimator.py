"""``KeywordSpotter``: Raven as an estimator on in-memory arrays, under scikit-learn's
contract (without depending on scikit-learn): the constructor stores its arguments, which
``get_params`` reads from its signature; ``fit`` does the work; learned state ends in ``_``;
``predict`` returns labels of ``classes_``; ``__sklearn_tags__`` describes it to
scikit-learn when scikit-learn asks.

Files stay at the edges: ``raven.data.clips.load_clips`` reads a dataset folder into arrays,
``save`` / ``load`` write and read one ``.npz`` file, ``fit(checkpoint_dir=)`` checkpoints;
the run-folder functions (``raven.runs.train.train``, ``raven.runs.evaluate.evaluate``) and the
``raven`` command are built on this class."""

from __future__ import annotations

import copy
import dataclasses
import inspect
from pathlib import Path

import numpy as np

from .._util.atomic import clean_debris
from ..chip.store import RESERVED_KEYS, load_chip, save_chip
from ..config.tables import RavenConfig
from ..features.encoding import FeatureScaler
from .checks import (
    check_count,
    check_features,
    check_flag,
    check_keys,
    check_range,
    check_real,
    check_save,
    check_targets,
    check_time,
)
from .evaluation import evaluate_chip
from .loop import CHECKPOINT, ClipArrays, fit_on_chip
from .results import EpochRecord, EvaluationResult, TrainingResult


def _changed(obj) -> str:
    """``obj``'s repr with only the fields that differ from their defaults (nested tables
    alike): the estimator's repr stays short and shows what was set."""
    if not dataclasses.is_dataclass(obj):
        return repr(obj)
    default = type(obj)()
    parts = [
        f"{f.name}={_changed(getattr(obj, f.name))}"
        for f in dataclasses.fields(obj)
        if getattr(obj, f.name) != getattr(default, f.name)
    ]
    return f"{type(obj).__name__}({', '.join(parts)})"


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
        Class names: class k is ``labels[k]``; ``fit`` then takes class indices (or these
        names) as targets. By default the classes are the distinct values of the targets
        given to ``fit`` (``numpy.unique``), as in scikit-learn.
    max_iter : int, optional
        Epochs (passes over the training clips); None: ``training.epochs`` of the
        configuration.
    warm_start : bool
        ``fit`` continues from the checkpoint in its ``checkpoint_dir`` (same configuration
        and clips; the result is bit-identical to an uninterrupted fit) instead of training
        a new chip. A fit with no checkpoint there starts from the beginning.
    progress : bool
        Show a progress bar while training.

    Attributes
    ----------
    chip_ : Chip or TemporalChip
        The trained chip (device state, noise streams, scales).
    scaler_ : FeatureScaler
        Input standardisation fitted on the training features.
    classes_ : numpy.ndarray
        (n_classes,) the class labels ``predict`` returns: ``labels`` when given, otherwise
        the sorted distinct targets of ``fit``.
    training_ : TrainingResult
        Learning curve, updates, clips, wall time and training ledger counts.
    stopped_after_updates_ : int or None
        Set when ``fit(stop_after_updates=)`` ended early (the spotter is then not fitted;
        ``warm_start=True`` and ``fit`` again continue from the checkpoint).

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
        max_iter: int | None = None,
        warm_start: bool = False,
        progress: bool = False,
    ):
        self.config = config
        self.labels = labels
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.progress = progress

    # -- scikit-learn parameter protocol ----------------------------------------------------
    @classmethod
    def _param_names(cls) -> tuple[str, ...]:
        """The constructor's parameters, read from its signature (as scikit-learn does):
        adding one there is all it takes."""
        signature = inspect.signature(cls.__init__)
        return tuple(name for name in signature.parameters if name != "self")

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's arguments.

        Parameters
        ----------
        deep : bool
            Unused (no nested estimators); kept for the scikit-learn protocol.

        Returns
        -------
        dict
            Every parameter of ``__init__`` by name.
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params) -> KeywordSpotter:
        """Set constructor arguments (the learned state is left as it is until ``fit``).

        Parameters
        ----------
        **params
            Any parameters of ``__init__``.

        Returns
        -------
        KeywordSpotter
            self.

        Raises
        ------
        ValueError
            Naming an unknown parameter and the known ones.
        """
        names = self._param_names()
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise ValueError(f"set_params: unknown parameter(s) {unknown}; expected {names}")
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        # As scikit-learn prints estimators: the parameters that differ from the defaults,
        # the configuration by its settings that differ from theirs.
        defaults = inspect.signature(type(self).__init__).parameters
        args = []
        for name, value in self.get_params().items():
            default = defaults[name].default
            if value is default or (type(value) is type(default) and value == default):
                continue
            text = _changed(value) if isinstance(value, RavenConfig) else repr(value)
            args.append(f"{name}={text}")
        return f"{type(self).__name__}({', '.join(args)})"

    def __sklearn_is_fitted__(self) -> bool:
        """Whether ``fit`` (or ``load``) has left a trained chip (scikit-learn's
        ``check_is_fitted`` asks this).

        Returns
        -------
        bool
        """
        return hasattr(self, "chip_")

    def __sklearn_tags__(self):
        """How scikit-learn should treat the estimator: a classifier that needs targets and
        a fit, takes real, finite feature maps (flattened 2-D or 3-D) and scores poorly on
        the tiny synthetic problems of scikit-learn's checks. Only scikit-learn calls it,
        so scikit-learn is imported here, not by Raven.

        Returns
        -------
        sklearn.utils.Tags
        """
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True),
            transformer_tags=None,
            classifier_tags=ClassifierTags(poor_score=True),
            regressor_tags=None,
            input_tags=InputTags(two_d_array=True, three_d_array=True, allow_nan=False),
            requires_fit=True,
        )

    # -- checks -----------------------------------------------------------------------------
    def _config(self) -> RavenConfig:
        if self.config is None:
            cfg = RavenConfig()
        elif not isinstance(self.config, RavenConfig):
            raise ValueError(
                f"config: {type(self.config).__name__}: expected a RavenConfig"
                " (raven.load_config(path) reads one from TOML) or None for the defaults"
            )
        else:
            cfg = self.config
        epochs = check_count("max_iter", self.max_iter)
        if epochs is not None:
            training = dataclasses.replace(cfg.training, epochs=epochs)
            cfg = dataclasses.replace(cfg, training=training)
        return cfg

    def _named(self) -> tuple[str, ...] | None:
        """The class names of ``labels``, checked; None when the classes are unnamed."""
        if self.labels is None:
            return None
        if isinstance(self.labels, str) or not all(isinstance(x, str) for x in self.labels):
            raise ValueError(f"labels={self.labels!r}: expected a sequence of class names")
        names = tuple(self.labels)
        if len(names) < 2 or len(set(names)) != len(names):
            raise ValueError(f"labels={self.labels!r}: expected at least 2 distinct class names")
        return names

    def _indices(self, name: str, targets, n: int, classes: np.ndarray) -> np.ndarray:
        """Targets as class indices into ``classes``: integers are indices when the classes
        are named (``labels``), names and unnamed classes' labels are looked up."""
        arr = np.asarray(targets)
        if arr.shape != (n,):
            raise ValueError(
                f"{name}: shape {arr.shape}: expected ({n},), one per clip of features"
            )
        if self.labels is not None and arr.dtype != bool and np.issubdtype(arr.dtype, np.integer):
            check_range(name, arr, tuple(classes))
            return arr.astype(np.int64, copy=False)
        check_targets(name, arr)
        lookup = {c: k for k, c in enumerate(classes.tolist())}
        out = np.empty(n, np.int64)
        for k, value in enumerate(arr.tolist()):
            if value not in lookup:
                raise ValueError(
                    f"{name}: {value!r} at clip {k} is not a class: expected one of"
                    f" {classes.tolist()} (classes not in the training targets are refused)"
                )
            out[k] = lookup[value]
        return out

    def _fitted(self) -> None:
        if not hasattr(self, "chip_"):
            stopped = getattr(self, "stopped_after_updates_", None)
            why = (
                f": fit stopped after {stopped} updates (stop_after_updates); set"
                " warm_start=True and call fit again with the same checkpoint_dir to finish"
                if stopped is not None
                else ": call fit(features, labels) or KeywordSpotter.load(path) first"
            )
            raise ValueError(f"KeywordSpotter: not fitted{why}")

    def _names(self) -> tuple[str, ...]:
        """The class names the chip file and the results carry."""
        return tuple(str(c) for c in self.classes_.tolist())

    def _split(self, names: tuple[str, str, str], arrays: tuple, cfg: RavenConfig, copies: bool):
        """Checked features and keys, and the targets as given."""
        features = check_features(names[0], arrays[0], cfg, copies)
        n = features.shape[1]
        targets = np.asarray(arrays[1])
        if targets.shape != (n,):
            raise ValueError(
                f"{names[1]}: shape {targets.shape}: expected ({n},), one per clip of features"
            )
        return features, targets, check_keys(names[2], arrays[2], n)

    def _validation(self, validation, cfg: RavenConfig):
        if validation is None:
            return None
        if not isinstance(validation, (tuple, list)) or len(validation) not in (2, 3):
            raise ValueError(
                f"validation: {type(validation).__name__}: expected (features, labels) or"
                " (features, labels, clip_keys)"
            )
        parts = (*validation, None)[:3]
        names = ("validation[0] (features)", "validation[1] (labels)", "validation[2] (keys)")
        return self._split(names, parts, cfg, copies=False)

    def _read(self, features, labels, clip_keys, t_after_s, compensation) -> EvaluationResult:
        """Check the inputs and read a copy of the trained chip (``labels`` None: predict,
        nothing to check and nothing counted against)."""
        t_after_s = check_time(t_after_s)
        check_flag("compensation", compensation)
        self._fitted()
        features = check_features("features", features, self.chip_.cfg, copies_allowed=False)
        n = features.shape[1]
        if labels is None:
            checked = np.zeros(n, np.int64)
        else:
            checked = self._indices("labels", labels, n, self.classes_)
        return evaluate_chip(
            copy.deepcopy(self.chip_),  # reads move noise streams: the trained chip stays
            self.scaler_,
            features[0],
            checked,
            check_keys("clip_keys", clip_keys, n),
            self._names(),
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
        checkpoint_dir: str | Path | None = None,
        stop_after_updates: int | None = None,
    ) -> KeywordSpotter:
        """Train a new chip on chip (pulses only) on the given clips, or continue the
        checkpoint of ``checkpoint_dir`` with ``warm_start=True``.

        Parameters
        ----------
        features : array_like
            MFCC features, (n_clips, frames, coefficients) or flattened (n_clips, frames x
            coefficients); or (copies, n_clips, frames, coefficients) augmented copies,
            epoch e reading copy e mod copies.
        labels : array_like
            (n_clips,) targets: class indices into ``labels`` (or its names) when the
            spotter was given class names, otherwise any integer or string class labels.
        clip_keys : array_like, optional
            (n_clips,) integer keys: the spikes of a clip depend on (seed, pass, key);
            default 0 .. n_clips - 1. ``raven.load_clips`` gives the keys of the files.
        validation : tuple, optional
            (features, labels) or (features, labels, clip_keys) read at the end of every
            epoch for the learning curve; its classes must be among the training ones.
        checkpoint_dir : str or pathlib.Path, optional
            Folder for ``checkpoint.npz``, written every
            ``training.checkpoint_every_updates`` updates and at every epoch end.
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
        stop = check_count("stop_after_updates", stop_after_updates)
        resume = check_flag("warm_start", self.warm_start)
        if checkpoint_dir is None and (resume or stop is not None):
            what = "warm_start=True" if resume else "stop_after_updates"
            raise ValueError(f"checkpoint_dir: None: {what} needs a checkpoint folder")
        # The targets first: a target that is not a classification one is the first thing
        # to say (scikit-learn's checks expect it too).
        check_real("features", features)
        targets = check_targets("labels", labels)
        distinct = np.unique(targets)
        if distinct.size < 2:
            raise ValueError(
                f"labels: the training clips have {distinct.size} class(es)"
                f" {distinct.tolist()}: a classifier needs at least 2"
            )
        features, targets, keys = self._split(
            ("features", "labels", "clip_keys"), (features, targets, clip_keys), cfg, copies=True
        )
        named = self._named()
        classes = np.array(named) if named is not None else distinct
        train = ClipArrays(features, self._indices("labels", targets, targets.size, classes), keys)
        val = self._validation(validation, cfg)
        if val is not None:
            name = "validation[1] (labels)"
            val = ClipArrays(val[0], self._indices(name, val[1], val[1].size, classes), val[2])
        present = sorted({str(classes[k]) for k in np.unique(train.labels)})
        if len(present) < 2:
            raise ValueError(
                f"labels: the training clips have {len(present)} class(es) {present}:"
                " a classifier needs at least 2"
            )
        ckpt = None
        if checkpoint_dir is not None:
            folder = Path(checkpoint_dir)
            check_save(folder, None, frozenset(), folder=True)
            folder.mkdir(parents=True, exist_ok=True)
            clean_debris(folder)  # temporaries of an earlier fit killed mid-write
            ckpt = folder / CHECKPOINT
        names = tuple(str(c) for c in classes.tolist())
        fitted = fit_on_chip(cfg, train, val, names, ckpt, resume, stop, self.progress)
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
        """Predicted class of every clip.

        Parameters
        ----------
        features, clip_keys, t_after_s, compensation
            As for ``evaluate``.

        Returns
        -------
        numpy.ndarray
            (n_clips,) the predicted labels, values of ``classes_``.
        """
        result = self._read(features, None, clip_keys, t_after_s, compensation)
        return self.classes_[result.predictions]

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
        check_save(path, extra, RESERVED_KEYS)
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
        if self.labels is None:
            # Unnamed classes keep their values (integers stay integers) across a reload.
            meta["classes"] = self.classes_.tolist()
        return save_chip(path, self.chip_, list(self._names()), meta)

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
                " the training (KeywordSpotter(..., warm_start=True).fit(...) or raven train"
                " --resume)"
            )
        s = meta["scaler"]
        unnamed = "classes" in meta
        spotter = cls(chip.cfg, labels=None if unnamed else tuple(meta["labels"]))
        spotter.chip_ = chip
        spotter.scaler_ = FeatureScaler(np.array(s["mean"]), np.array(s["std"]), s["clip_sigma"])
        spotter.classes_ = np.array(meta["classes"] if unnamed else meta["labels"])
        spotter.training_ = dataclasses.replace(
            _training_result(meta["training_state"]), t_train_end_s=float(meta["t_train_end_s"])
        )
        spotter.stopped_after_updates_ = None
        return spotter
