"""Evaluation of a trained chip on in-memory clips (``evaluate_chip``, behind
``KeywordSpotter.evaluate``), at any time after training."""

from __future__ import annotations

import time

import numpy as np

from kernels.rng import data_pass

from ..accounting.energy import chip_profile
from ..accounting.ledger import Ledger
from ..features.encoding import FeatureScaler
from ..features.pipeline import frontend_ops_per_clip
from .loop import predictions
from .results import EvaluationResult


def evaluate_chip(
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
    """Accuracy, confusion and inference ledger of checked clips read ``t_after_s`` after the
    end of training. Reads change the chip's noise streams: callers pass a copy.

    Parameters
    ----------
    chip : raven.chip.crossbar.Chip or raven.chip.temporal.TemporalChip
        The trained chip (a copy: its noise streams advance).
    scaler : FeatureScaler
        The scaler fitted on the training features.
    features : numpy.ndarray
        Features (n, frames, coefficients).
    labels : numpy.ndarray
        (n,) class indices.
    keys : numpy.ndarray
        (n,) clip keys.
    label_names : tuple of str
        Class names, in class-index order.
    t_train_end_s : float
        Device time at the end of training, s.
    t_after_s : float
        Time after the end of training at which the chip is read, s.
    compensation : bool
        Apply global drift compensation (its reference reads are booked once).

    Returns
    -------
    EvaluationResult
        Accuracy, confusion matrix, predictions, the inference ledger's summary and
    throughput (clips per second).
    """
    ledger = Ledger("inference")
    gains = None
    if compensation:
        # Reference reads at the end of training and now: counted once for the evaluation.
        reference = chip.reference_columns(t_train_end_s, Ledger("reference"))
        gains = chip.compensation_gains(reference, t_train_end_s + t_after_s, ledger)
    start = time.perf_counter()
    preds = predictions(
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
