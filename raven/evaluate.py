"""Evaluation of a trained chip: on in-memory clips (``_evaluate_chip``, behind
``KeywordSpotter.evaluate``) and on any dataset folder from a run folder (``evaluate``), at
any time after training."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from kernels.rng import data_pass

from .clips import load_clips
from .encoding import FeatureScaler
from .energy import chip_profile
from .ledger import Ledger
from .pipeline import frontend_ops_per_clip
from .results import EvaluationResult
from .train import FINAL, _predictions


def _evaluate_chip(
    chip,
    scaler: FeatureScaler,
    features: np.ndarray,
    labels: np.ndarray,
    keys: np.ndarray,
    label_names: tuple[str, ...],
    t_train_end_s: float,
    t_after_s: float,
    compensation: bool,
) -> EvaluationResult:
    """Accuracy, confusion and inference ledger of checked clips read ``t_after_s`` after
    the end of training. Reads change the chip's noise streams: callers pass a copy."""
    ledger = Ledger("inference")
    gains = None
    if compensation:
        # Reference reads at the end of training and now: counted once for the evaluation.
        reference = chip.reference_columns(t_train_end_s, Ledger("reference"))
        gains = chip.compensation_gains(reference, t_train_end_s + t_after_s, ledger)
    start = time.perf_counter()
    preds = _predictions(
        chip,
        scaler,
        features,
        keys,
        t_train_end_s + t_after_s,
        ledger,
        stream=data_pass("test"),
        gains=gains,
    )
    wall = time.perf_counter() - start
    ledger.add(frontend_ops=labels.size * frontend_ops_per_clip(chip.cfg))
    confusion = np.zeros((len(label_names), len(label_names)), np.int64)
    np.add.at(confusion, (labels, preds), 1)
    summary = ledger.summary(
        chip_profile(),
        chip.params.energy,
        chip.params.read_noise.t_read_s,
        chip.cfg.device.clip_period_s,
    )
    return EvaluationResult(
        accuracy=float(np.mean(preds == labels)),
        labels=tuple(label_names),
        confusion=confusion,
        predictions=preds,
        t_after_s=t_after_s,
        drift_compensation=compensation,
        ledger_summary=summary,
        clips_per_s=labels.size / max(wall, 1e-9),
    )


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
    from .estimator import KeywordSpotter  # the estimator is built on this module

    run = Path(run_dir)
    if not (run / FINAL).is_file():
        raise ValueError(f"{run}: no trained chip ({FINAL}); run `raven train` first")
    if not t_after_s > 0:
        raise ValueError(f"t_after_s={t_after_s!r}: expected a time > 0 s")
    spotter = KeywordSpotter.load(
        run / FINAL, remedy=f"train the chip again (raven train --out {run}) or restore the file"
    )
    clips = load_clips(
        data_dir,
        spotter.chip_.cfg,
        split,
        labels=spotter.classes_,
        cache_dir=cache_dir or "data/cache",
        progress=progress,
    )
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
