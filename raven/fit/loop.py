"""On-chip training of in-memory clips: the loop behind ``KeywordSpotter.fit``
(``fit_on_chip``), with checkpoints; ``resume`` reproduces an uninterrupted fit bit for bit.
The run folder around it (data read from a dataset folder, ``chip.npz``,
``training.json``) is ``raven.runs.train``."""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kernels.rng import data_pass, stream_generator

from .._util.progress import progress_bar
from ..accounting.ledger import Ledger
from ..chip.architecture import encode_batch, fit_scaler, make_chip, n_inputs
from ..chip.store import load_chip, save_chip
from ..config.tables import RavenConfig
from ..features.encoding import FeatureScaler
from ..features.pipeline import frontend_ops_per_clip
from ..learning.factory import make_rule

CHECKPOINT = "checkpoint.npz"


@dataclass(frozen=True)
class ClipArrays:
    """Checked clips for the loop.

    Attributes
    ----------
    features : numpy.ndarray
        Always (copies, n, frames, coefficients).
    labels : numpy.ndarray
        (n,) class indices.
    keys : numpy.ndarray
        (n,) clip keys.
    """

    features: np.ndarray
    labels: np.ndarray
    keys: np.ndarray

    def digest(self, sha) -> None:
        """Feed the clips into a hash (one copy at a time: bounded memory).

        Parameters
        ----------
        sha : hashlib hash object
            Updated with the dtype, every copy's bytes, the labels and the keys.
        """
        sha.update(str(self.features.dtype).encode())
        for copy in self.features:
            sha.update(np.ascontiguousarray(copy).tobytes())
        sha.update(np.ascontiguousarray(self.labels, dtype=np.int64).tobytes())
        sha.update(np.ascontiguousarray(self.keys, dtype=np.int64).tobytes())


@dataclass
class Fitted:
    """What the loop leaves.

    Attributes
    ----------
    chip : object
        The trained chip.
    scaler : FeatureScaler
        The scaler fitted on the training features.
    state : dict
        The training state (the dict stored in every checkpoint).
    stopped : bool
        ``stop_after_updates`` ended it early.
    """

    chip: object
    scaler: FeatureScaler
    state: dict
    stopped: bool


def _data_fingerprint(train: ClipArrays, validation: ClipArrays | None) -> str:
    """Identity of the training (and validation) clips, kept in checkpoints: a resumed fit
    on other clips is refused, not silently mixed."""
    sha = hashlib.sha256()
    train.digest(sha)
    if validation is not None:
        sha.update(b"validation")
        validation.digest(sha)
    return sha.hexdigest()[:24]


def predictions(
    chip,
    scaler: FeatureScaler,
    features: np.ndarray,
    keys: np.ndarray,
    t_s: float,
    ledger: Ledger,
    stream: int,
    gains=None,
) -> np.ndarray:
    """Predicted class of every clip of ``features`` read at device time ``t_s``; the spikes of
    a clip depend on (seed, stream, key).

    Parameters
    ----------
    chip : raven.chip.crossbar.Chip or raven.chip.temporal.TemporalChip
        The chip.
    scaler : FeatureScaler
        The fitted scaler.
    features : numpy.ndarray
        Features (n, frames, coefficients).
    keys : numpy.ndarray
        (n,) clip keys.
    t_s : float
        Device time of the reads, s.
    ledger : Ledger
        Where the inference events are booked.
    stream : int
        The pass over the data (``kernels.rng.data_pass``).
    gains : list of numpy.ndarray or None
        Drift compensation gains per layer and column.

    Returns
    -------
    numpy.ndarray
        (n,) int64 predicted class indices.
    """
    cfg, batch = chip.cfg, 64
    snaps = chip.snapshots(t_s)
    preds = np.empty(keys.size, np.int64)
    for start in range(0, keys.size, batch):
        sl = slice(start, start + batch)
        spikes = encode_batch(cfg, scaler, np.asarray(features[sl]), keys[sl], stream)
        result = chip.forward(spikes, snaps, ledger, data_pass=stream, column_gain=gains)
        preds[sl] = result.scores.argmax(axis=1)
    return preds


def _resume_or_start(
    cfg: RavenConfig, ckpt: Path | None, resume: bool, n_classes: int, fingerprint: str
) -> tuple[object, Ledger, dict]:
    """The chip, training ledger and state of a checkpoint to resume, or of a new chip."""
    if resume and ckpt is not None and ckpt.is_file():
        chip, meta = load_chip(
            ckpt, remedy=f"delete {ckpt} (or its folder {ckpt.parent}) to train from the start"
        )
        if chip.cfg != cfg:
            raise ValueError(
                f"{ckpt}: the checkpoint was made with another configuration"
                f" (see {ckpt.parent / 'config.json'} of that run, or the configuration"
                " stored in the checkpoint); resume with the same configuration or start a"
                " new run folder"
            )
        recorded = meta.get("training_data", fingerprint)
        if recorded != fingerprint:
            raise ValueError(
                f"{ckpt}: the checkpoint was made on other training or validation clips"
                f" (fingerprint {recorded}; these: {fingerprint}); resume with the same clips"
                " or start a new checkpoint folder"
            )
        state = meta["training_state"]
        return chip, Ledger("training", counts=Counter(state["ledger"])), state
    chip = make_chip(cfg, n_inputs(cfg), n_classes)
    ledger = Ledger("training")
    chip.initialise(t_s=0.0, ledger=ledger)  # the initial programming is a training cost
    state = {
        "epoch": 0,
        "batch": 0,
        "t_s": cfg.device.clip_period_s,
        "updates": 0,
        "curve": [],
        "wall_time_s": 0.0,
    }
    return chip, ledger, state


def fit_on_chip(
    cfg: RavenConfig,
    train: ClipArrays,
    validation: ClipArrays | None,
    labels: tuple[str, ...],
    ckpt: Path | None = None,
    resume: bool = False,
    stop_after_updates: int | None = None,
    progress: bool = False,
) -> Fitted:
    """Train a chip on checked clips; checkpoints into ``ckpt`` (if given) every
    ``training.checkpoint_every_updates`` updates and at every epoch end.
    ``stop_after_updates`` checkpoints and returns early (``stopped``); the training
    continues with ``resume=True``.

    Parameters
    ----------
    cfg : RavenConfig
        Configuration.
    train : ClipArrays
        Training clips (one copy per epoch, cycled).
    validation : ClipArrays or None
        Validation clips, measured at every epoch end; None: none.
    labels : tuple of str
        Class names.
    ckpt : pathlib.Path or None
        Checkpoint file; None: no checkpoints.
    resume : bool
        Continue from ``ckpt``.
    stop_after_updates : int or None
        Return after this many updates (checkpointed).
    progress : bool
        Show a progress bar.

    Returns
    -------
    Fitted
        The chip, scaler, training state and whether it stopped early.
    """
    scaler = fit_scaler(cfg, train.features[0])
    period = cfg.device.clip_period_s
    lc, tc = cfg.learning, cfg.training
    fingerprint = _data_fingerprint(train, validation)
    chip, ledger, state = _resume_or_start(cfg, ckpt, resume, len(labels), fingerprint)

    def checkpoint() -> None:
        if ckpt is not None:
            extra = {"training_state": state, "training_data": fingerprint}
            save_chip(ckpt, chip, list(labels), extra)

    rule = make_rule(lc, chip)
    n = train.labels.size
    per_epoch = (n + lc.update_every_clips - 1) // lc.update_every_clips
    bar = progress_bar(
        total=tc.epochs * per_epoch,
        initial=state["epoch"] * per_epoch + state["batch"],
        desc="train on chip",
        unit="update",
        enabled=progress,
    )
    started = time.perf_counter() - state["wall_time_s"]
    while state["epoch"] < tc.epochs:
        epoch = state["epoch"]
        order = stream_generator(cfg.seed, "epoch_order", epoch).permutation(n)
        rule.start_epoch(epoch)
        copy = epoch % train.features.shape[0]
        while state["batch"] < per_epoch:
            b = state["batch"]
            idx = np.sort(order[b * lc.update_every_clips : (b + 1) * lc.update_every_clips])
            t_s = state["t_s"]
            snaps = chip.snapshots(t_s)
            spikes = encode_batch(
                cfg,
                scaler,
                np.asarray(train.features[copy][idx]),
                train.keys[idx],
                stream=data_pass("training", epoch),
            )
            result = rule.forward(spikes, snaps, ledger)
            batch_labels = train.labels[idx]
            t_update = t_s + idx.size * period
            rule.update(result, spikes, batch_labels, t_update, state["updates"], ledger)
            state["updates"] += 1
            if state["updates"] % lc.refresh_every_updates == 0:
                for layer in chip.layers():
                    layer.refresh(
                        t_update,
                        lc.refresh_upper_frac,
                        lc.refresh_lower_frac,
                        cfg.seed,
                        state["updates"],
                        ledger,
                    )
            ledger.add(frontend_ops=idx.size * frontend_ops_per_clip(cfg))
            state["curve_acc"] = state.get("curve_acc", 0.0) + float(
                np.sum(result.scores.argmax(axis=1) == batch_labels)
            )
            state["t_s"] = t_update
            state["batch"] += 1
            bar.update(1)
            stop = stop_after_updates is not None and state["updates"] >= stop_after_updates
            if state["updates"] % tc.checkpoint_every_updates == 0 or stop:
                state["wall_time_s"] = time.perf_counter() - started
                state["ledger"] = dict(ledger.counts)
                checkpoint()
            if stop:
                bar.close()
                return Fitted(chip, scaler, state, stopped=True)
        train_acc = state.pop("curve_acc", 0.0) / n
        entry = {"epoch": epoch + 1, "train_accuracy": train_acc, "t_s": state["t_s"]}
        # Cumulative training events at the epoch's end: charge training up to an accuracy.
        entry["ledger_counts"] = dict(ledger.counts)
        if validation is not None:
            preds = predictions(
                chip,
                scaler,
                validation.features[0],
                validation.keys,
                state["t_s"],
                Ledger("validation"),
                stream=data_pass("validation", epoch),
            )
            entry["validation_accuracy"] = float(np.mean(preds == validation.labels))
        state["curve"].append(entry)
        state["epoch"] += 1
        state["batch"] = 0
        state["wall_time_s"] = time.perf_counter() - started
        state["ledger"] = dict(ledger.counts)
        checkpoint()
        bar.set_postfix(val=entry.get("validation_accuracy"))
    bar.close()
    state["wall_time_s"] = time.perf_counter() - started
    state["ledger"] = dict(ledger.counts)
    return Fitted(chip, scaler, state, stopped=False)
