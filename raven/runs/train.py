"""On-chip training into a run folder (``train``): data read from a dataset folder,
checkpoints, ``chip.npz`` and ``training.json``, around the in-memory loop of
``raven.fit.loop``. ``resume`` reproduces an uninterrupted run bit for bit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .._util.atomic import atomic_write, clean_debris
from ..config.tables import RavenConfig
from ..data.clips import index_clips, require_clips
from ..data.identity import dataset_identity
from ..features.pipeline import open_index
from ..fit.estimator import KeywordSpotter
from .folder import (
    CHECKPOINT,
    CONFIG,
    DATASET,
    FINAL,
    SUMMARY,
    check_fresh_start,
    recorded,
    run_lock,
)


def _write_json(path: Path, payload: dict) -> None:
    atomic_write(path, json.dumps(payload, indent=2, default=float))


def _check_dataset(out: Path, data_dir: str | Path, resuming: bool) -> dict:
    """Record the dataset's identity in the run folder; a resumed run refuses another."""
    identity = dataset_identity(data_dir)
    before = recorded(out, DATASET) if resuming else None
    if before is not None:
        if before.get("fingerprint") != identity["fingerprint"]:
            raise ValueError(
                f"{data_dir}: not the dataset this run was trained on ({before.get('path')},"
                f" {before.get('n_files')} files, fingerprint {before.get('fingerprint')}; this"
                f" one: {identity['n_files']} files, fingerprint {identity['fingerprint']});"
                f" resume with --data {before.get('path')} or start a new run folder"
            )
    else:
        _write_json(out / DATASET, identity)
    return identity


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
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: a file: expected a run folder")
    out.mkdir(parents=True, exist_ok=True)
    with run_lock(out):  # one writer per run folder (raven.runs.folder)
        return _train_locked(cfg, data_dir, out, resume, progress, cache_dir, stop_after_updates)


def _train_locked(
    cfg: RavenConfig,
    data_dir: str | Path,
    out: Path,
    resume: bool,
    progress: bool,
    cache_dir: str | Path | None,
    stop_after_updates: int | None,
) -> tuple[KeywordSpotter, dict]:
    clean_debris(out)  # temporaries of an earlier run killed mid-write
    cache = Path(cache_dir) if cache_dir else Path("data/cache")
    resuming = resume and (out / CHECKPOINT).is_file()
    if not resuming:
        check_fresh_start(out)
    index = open_index(cfg, data_dir)
    _check_dataset(out, data_dir, resuming)
    if not resuming:
        _write_json(out / CONFIG, cfg.as_dict())
    train_clips = index_clips(cfg, index, "training", cache, progress=progress)
    require_clips(train_clips, "training", index.root)
    present = sorted({index.labels[k] for k in np.unique(train_clips.labels)})
    if len(present) < 2:
        raise ValueError(
            f"{index.root}: the training split has clips of {len(present)} label(s)"
            f" {present}: a classifier needs at least 2"
        )
    val_clips = (
        index_clips(cfg, index, "validation", cache, labels=index.labels, progress=progress)
        if index.split("validation")
        else None
    )
    val_report = val_clips.report if val_clips is not None else None
    if val_clips is not None and len(val_clips) == 0:
        val_clips = None  # every validation clip was skipped: no validation curve
    spotter = KeywordSpotter(cfg, labels=index.labels, warm_start=resume, progress=progress)
    spotter.fit(
        train_clips.features,
        train_clips.labels,
        clip_keys=train_clips.clip_keys,
        validation=None
        if val_clips is None
        else (val_clips.features, val_clips.labels, val_clips.clip_keys),
        checkpoint_dir=out,
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
    _write_json(out / SUMMARY, summary)
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
