"""Evaluation of a trained chip on any dataset folder, at any time after training."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from kernels.rng import data_pass

from .encoding import FeatureScaler
from .energy import chip_profile
from .ledger import Ledger
from .pipeline import frontend_ops_per_clip, load_split, open_index
from .store import load_chip
from .train import FINAL, accuracy_of, require_clips


def evaluate(
    run_dir: str | Path,
    data_dir: str | Path,
    split: str = "testing",
    t_after_s: float = 1.0,
    compensation: bool = True,
    cache_dir: str | Path | None = None,
    progress: bool = False,
) -> dict:
    run = Path(run_dir)
    if not (run / FINAL).is_file():
        raise ValueError(f"{run}: no trained chip ({FINAL}); run `raven train` first")
    if not t_after_s > 0:
        raise ValueError(f"t_after_s={t_after_s!r}: expected a time > 0 s")
    chip, meta = load_chip(
        run / FINAL, remedy=f"train the chip again (raven train --out {run}) or restore the file"
    )
    cfg = chip.cfg
    labels = tuple(meta["labels"])
    split_source = "all" if split == "all" else None
    index = open_index(cfg, data_dir, split_source=split_source)
    split_name = {"test": "testing", "all": "testing"}.get(split, split)
    data = load_split(
        cfg, index, split_name, Path(cache_dir or "data/cache"), labels=labels, progress=progress
    )
    require_clips(data, split_name, index.root)
    s = meta["scaler"]
    scaler = FeatureScaler(np.array(s["mean"]), np.array(s["std"]), s["clip_sigma"])
    t_end = float(meta["t_train_end_s"])
    ledger = Ledger("inference")
    gains = None
    if compensation:
        # Reference reads at the end of training and now: counted once for the evaluation.
        reference = chip.reference_columns(t_end, Ledger("reference"))
        gains = chip.compensation_gains(reference, t_end + t_after_s, ledger)
    start = time.perf_counter()
    accuracy, preds = accuracy_of(
        chip, cfg, scaler, data, t_end + t_after_s, ledger, stream=data_pass("test"), gains=gains
    )
    wall = time.perf_counter() - start
    ledger.add(frontend_ops=data.labels.size * frontend_ops_per_clip(cfg))
    valid = data.labels >= 0
    per_class = {}
    confusion = np.zeros((len(labels), len(labels)), np.int64)
    for true, pred in zip(data.labels[valid], preds[valid], strict=True):
        confusion[true, pred] += 1
    for k, name in enumerate(labels):
        total = confusion[k].sum()
        per_class[name] = float(confusion[k, k] / total) if total else None
    summary = ledger.summary(
        chip_profile(),
        chip.params.energy,
        chip.params.read_noise.t_read_s,
        cfg.device.clip_period_s,
    )
    return {
        "accuracy": accuracy,
        "n_clips": int(valid.sum()),
        "per_class_accuracy": per_class,
        "energy_per_clip_J": summary["energy_per_clip_J"],
        "power_uW": summary["power_uW"],
        "effective_sops_per_clip": summary["effective_sops_per_clip"],
        "dense_macs_per_clip": summary["dense_macs_per_clip"],
        "t_after_s": t_after_s,
        "drift_compensation": compensation,
        "split": split,
        "labels": list(labels),
        "confusion": confusion.tolist(),
        "ledger": summary,
        "clips_per_s": valid.sum() / max(wall, 1e-9),
        "audio_report": data.report,
    }
