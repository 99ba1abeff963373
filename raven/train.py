"""On-chip training: the loop over in-memory clips (``_fit_on_chip``, behind
``KeywordSpotter.fit``) and the run folder around it (``train``): data read from a dataset
folder, checkpoints, ``chip.npz`` and ``training.json``. ``resume`` reproduces an
uninterrupted run bit for bit."""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kernels.rng import data_pass, stream_generator

from .atomic import atomic_write, clean_debris
from .clips import _index_clips, _require_clips
from .config import RavenConfig
from .data.identity import dataset_identity
from .encoding import FeatureScaler
from .learning import make_rule
from .ledger import Ledger
from .pipeline import encode_batch, fit_scaler, frontend_ops_per_clip, n_inputs, open_index
from .progress import progress_bar
from .store import load_chip, save_chip
from .temporal import make_chip

if TYPE_CHECKING:
    from .estimator import KeywordSpotter

CHECKPOINT = "checkpoint.npz"
FINAL = "chip.npz"
DATASET = "dataset.json"  # the identity of the data the run was trained on


@dataclass(frozen=True)
class _ClipArrays:
    """Checked clips for the loop: features always (copies, n, frames, coefficients)."""

    features: np.ndarray
    labels: np.ndarray
    keys: np.ndarray

    def digest(self, sha) -> None:
        """Feed the clips into a hash (one copy at a time: bounded memory)."""
        sha.update(str(self.features.dtype).encode())
        for copy in self.features:
            sha.update(np.ascontiguousarray(copy).tobytes())
        sha.update(np.ascontiguousarray(self.labels, dtype=np.int64).tobytes())
        sha.update(np.ascontiguousarray(self.keys, dtype=np.int64).tobytes())


@dataclass
class _Fitted:
    """What the loop leaves: the chip, the scaler, and the training state (the dict stored
    in every checkpoint). ``stopped``: ``stop_after_updates`` ended it early."""

    chip: object
    scaler: FeatureScaler
    state: dict
    stopped: bool


def _data_fingerprint(train: _ClipArrays, validation: _ClipArrays | None) -> str:
    """Identity of the training (and validation) clips, kept in checkpoints: a resumed fit
    on other clips is refused, not silently mixed."""
    sha = hashlib.sha256()
    train.digest(sha)
    if validation is not None:
        sha.update(b"validation")
        validation.digest(sha)
    return sha.hexdigest()[:24]


def _write_json(path: Path, payload: dict) -> None:
    atomic_write(path, json.dumps(payload, indent=2, default=float))


def _check_dataset(out: Path, data_dir: str | Path, resuming: bool) -> dict:
    """Record the dataset's identity in the run folder; a resumed run refuses another."""
    identity = dataset_identity(data_dir)
    recorded = out / DATASET
    if resuming and recorded.is_file():
        try:
            before = json.loads(recorded.read_text())
        except (OSError, ValueError) as err:
            raise ValueError(
                f"{recorded}: unreadable ({err}); delete it to accept the dataset given now"
            ) from None
        if before.get("fingerprint") != identity["fingerprint"]:
            raise ValueError(
                f"{data_dir}: not the dataset this run was trained on ({before.get('path')},"
                f" {before.get('n_files')} files, fingerprint {before.get('fingerprint')}; this"
                f" one: {identity['n_files']} files, fingerprint {identity['fingerprint']});"
                f" resume with --data {before.get('path')} or start a new run folder"
            )
    else:
        _write_json(recorded, identity)
    return identity


def _predictions(
    chip,
    scaler: FeatureScaler,
    features: np.ndarray,
    keys: np.ndarray,
    t_s: float,
    ledger: Ledger,
    stream: int,
    gains=None,
) -> np.ndarray:
    """Predicted class of every clip of ``features`` (n, frames, coefficients) read at
    device time ``t_s``; the spikes of a clip depend on (seed, stream, key)."""
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


def _fit_on_chip(
    cfg: RavenConfig,
    train: _ClipArrays,
    validation: _ClipArrays | None,
    labels: tuple[str, ...],
    ckpt: Path | None = None,
    resume: bool = False,
    stop_after_updates: int | None = None,
    progress: bool = False,
) -> _Fitted:
    """Train a chip on checked clips; checkpoints into ``ckpt`` (if given) every
    ``training.checkpoint_every_updates`` updates and at every epoch end.
    ``stop_after_updates`` checkpoints and returns early (``stopped``); the training
    continues with ``resume=True``."""
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
                return _Fitted(chip, scaler, state, stopped=True)
        train_acc = state.pop("curve_acc", 0.0) / n
        entry = {"epoch": epoch + 1, "train_accuracy": train_acc, "t_s": state["t_s"]}
        # Cumulative training events at the epoch's end: charge training up to an accuracy.
        entry["ledger_counts"] = dict(ledger.counts)
        if validation is not None:
            preds = _predictions(
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
    return _Fitted(chip, scaler, state, stopped=False)


def train_run(
    cfg: RavenConfig,
    data_dir: str | Path,
    out_dir: str | Path,
    resume: bool = False,
    progress: bool = True,
    cache_dir: str | Path | None = None,
    stop_after_updates: int | None = None,
) -> tuple[KeywordSpotter, dict]:
    """Train a ``KeywordSpotter`` on a dataset folder into a run folder.

    The run folder gets ``config.json``, ``dataset.json`` (the identity of the data),
    ``checkpoint.npz`` (every ``training.checkpoint_every_updates`` updates and at every
    epoch end), and at the end ``chip.npz`` and ``training.json``.

    Parameters
    ----------
    cfg : RavenConfig
        The run's configuration.
    data_dir : str or pathlib.Path
        Dataset folder; its training split trains, its validation split (if any) gives the
        validation curve.
    out_dir : str or pathlib.Path
        Run folder (made if missing).
    resume : bool
        Continue from the folder's checkpoint (same configuration and dataset), if any.
    progress : bool
        Show progress bars.
    cache_dir : str or pathlib.Path, optional
        Feature cache folder (default ``data/cache``).
    stop_after_updates : int, optional
        Checkpoint and return after this many updates (the run continues with
        ``resume=True``), to split a long run into sessions.

    Returns
    -------
    tuple of (KeywordSpotter, dict)
        The fitted spotter and the summary written to ``training.json``; when stopped
        early, the spotter is not fitted and the dict is ``{"stopped_after_updates",
        "checkpoint"}``.
    """
    from .estimator import KeywordSpotter  # the estimator is built on this module's loop

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clean_debris(out)  # temporaries of an earlier run killed mid-write
    cache = Path(cache_dir) if cache_dir else Path("data/cache")
    resuming = resume and (out / CHECKPOINT).is_file()
    index = open_index(cfg, data_dir)
    _check_dataset(out, data_dir, resuming)
    if not resuming:
        _write_json(out / "config.json", cfg.as_dict())
    train_clips = _index_clips(cfg, index, "training", cache, progress=progress)
    _require_clips(train_clips, "training", index.root)
    present = sorted({index.labels[k] for k in np.unique(train_clips.labels)})
    if len(present) < 2:
        raise ValueError(
            f"{index.root}: the training split has clips of {len(present)} label(s)"
            f" {present}: a classifier needs at least 2"
        )
    val_clips = (
        _index_clips(cfg, index, "validation", cache, labels=index.labels, progress=progress)
        if index.split("validation")
        else None
    )
    val_report = val_clips.report if val_clips is not None else None
    if val_clips is not None and len(val_clips) == 0:
        val_clips = None  # every validation clip was skipped: no validation curve
    spotter = KeywordSpotter(cfg, labels=index.labels, progress=progress)
    spotter.fit(
        train_clips.features,
        train_clips.labels,
        clip_keys=train_clips.clip_keys,
        validation=None
        if val_clips is None
        else (val_clips.features, val_clips.labels, val_clips.clip_keys),
        checkpoint_dir=out,
        resume=resume,
        stop_after_updates=stop_after_updates,
    )
    if spotter.stopped_after_updates_ is not None:
        return spotter, {
            "stopped_after_updates": spotter.stopped_after_updates_,
            "checkpoint": str(out / CHECKPOINT),
        }
    reports = {"audio_report": train_clips.report, "validation_audio_report": val_report}
    spotter.save(out / FINAL, extra=reports)
    summary = spotter.training_.to_dict() | reports | {"dataset_notes": index.notes}
    _write_json(out / "training.json", summary)
    return spotter, summary


def train(cfg: RavenConfig, data_dir: str | Path, out_dir: str | Path, **options) -> dict:
    """Train on chip from a dataset folder into a run folder (``train_run``).

    Parameters
    ----------
    cfg, data_dir, out_dir
        As for ``train_run``.
    **options
        ``resume``, ``progress``, ``cache_dir``, ``stop_after_updates`` of ``train_run``.

    Returns
    -------
    dict
        The summary written to ``training.json`` (curve, updates, training clips, wall
        time, throughput, ledger counts, audio reports, dataset notes), or
        ``{"stopped_after_updates", "checkpoint"}`` when stopped early.
    """
    return train_run(cfg, data_dir, out_dir, **options)[1]
