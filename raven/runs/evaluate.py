"""Evaluation of the chip of a run folder on any dataset folder (``evaluate``), at any
time after training, through ``KeywordSpotter.evaluate``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..data.clips import load_clips
from ..fit.estimator import KeywordSpotter
from ..fit.results import EvaluationResult
from .folder import FINAL


def evaluation_record(result: EvaluationResult, split: str, audio_report: dict) -> dict:
    """An evaluation as ``raven evaluate --json`` prints it and reports store it.

    Parameters
    ----------
    result : EvaluationResult
        The evaluation.
    split : str
        The split of the dataset folder it was made on.
    audio_report : dict
        The audio report of those clips (``Clips.report``).

    Returns
    -------
    dict
        ``result.to_dict()`` with ``split`` (after ``drift_compensation``) and
        ``audio_report`` (last).
    """
    out = result.to_dict()
    tail = {k: out.pop(k) for k in ("labels", "confusion", "ledger", "clips_per_s")}
    return out | {"split": split} | tail | {"audio_report": audio_report}


def evaluate(
    run_dir: str | Path,
    data_dir: str | Path,
    split: str = "testing",
    t_after_s: float = 1.0,
    compensation: bool = True,
    cache_dir: str | Path | None = None,
    progress: bool = False,
) -> dict:
    """Evaluate the chip of a run folder on a split of any dataset folder.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        Run folder of ``raven train`` (its ``chip.npz``).
    data_dir : str or pathlib.Path
        Dataset folder.
    split : str
        "test" (or "testing"), "validation", "training" or "all".
    t_after_s : float
        Device time after the end of training at which the chip is read (s), > 0.
    compensation : bool
        Apply global drift compensation.
    cache_dir : str or pathlib.Path, optional
        Feature cache folder (default ``data/cache``).
    progress : bool
        Show progress bars while features are computed.

    Returns
    -------
    dict
        ``evaluation_record`` of the ``EvaluationResult``.
    """
    run = Path(run_dir)
    if not (run / FINAL).is_file():
        raise ValueError(f"{run}: no trained chip ({FINAL}); run `raven train` first")
    if not t_after_s > 0:
        raise ValueError(f"t_after_s={t_after_s!r}: expected a time > 0 s")
    spotter = KeywordSpotter.load(
        run / FINAL, remedy=f"train the chip again (raven train --out {run}) or restore the file"
    )
    clips = _clips_for(spotter, run, data_dir, split, cache_dir or "data/cache", progress)
    # A training split comes with one augmented copy per epoch: the first is evaluated.
    features = clips.features[0] if clips.features.ndim == 4 else clips.features
    result = spotter.evaluate(
        features,
        clips.labels,
        clip_keys=clips.clip_keys,
        t_after_s=t_after_s,
        compensation=compensation,
    )
    return evaluation_record(result, split, clips.report)


def _clips_for(spotter, run: Path, data_dir, split: str, cache_dir, progress: bool):
    """The clips of ``data_dir`` labelled by the chip's classes. A chip trained on the
    Speech Commands task (``data.task = "12"``) also reads a folder of ``<label>/*.wav``
    whose folders are some of its classes (a subset of the labels); any other folder gets
    an error saying what layout ``evaluate`` needs."""
    cfg = spotter.chip_.cfg
    try:
        return load_clips(
            data_dir, cfg, split, labels=spotter.classes_, cache_dir=cache_dir, progress=progress
        )
    except ValueError as err:
        if cfg.data.task == "folder" or "use task='folder'" not in str(err):
            raise
    by_folder = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, task="folder"))
    try:
        return load_clips(
            data_dir,
            by_folder,
            split,
            labels=spotter.classes_,
            cache_dir=cache_dir,
            progress=progress,
        )
    except ValueError as err:
        raise ValueError(
            f"{data_dir}: not readable for the chip of {run}, trained on task"
            f" {cfg.data.task!r} with classes {list(spotter.classes_)}: give a Speech"
            " Commands folder, or a folder of <label>/*.wav whose folders are among those"
            f" classes (read by folder: {err})"
        ) from None
