"""On-chip training with checkpoints; ``--resume`` reproduces an uninterrupted run."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from tqdm import tqdm

from kernels.rng import data_pass, stream_generator

from .atomic import atomic_write, clean_debris
from .config import RavenConfig
from .data.identity import dataset_identity
from .encoding import FeatureScaler
from .learning import make_rule
from .ledger import Ledger
from .pipeline import (
    encode_batch,
    fit_scaler,
    frontend_ops_per_clip,
    load_split,
    n_inputs,
    open_index,
)
from .store import load_chip, save_chip
from .temporal import make_chip

CHECKPOINT = "checkpoint.npz"
FINAL = "chip.npz"
DATASET = "dataset.json"  # the identity of the data the run was trained on


def _write_json(path: Path, payload: dict) -> None:
    atomic_write(path, json.dumps(payload, indent=2, default=float))


def require_clips(data, split: str, root: Path) -> None:
    """A split whose every clip was skipped is an error, not an empty (NaN) result."""
    if data.labels.size == 0:
        skipped = data.report.get("skipped_files", [])
        first = f"; first: {skipped[0]['file']}: {skipped[0]['reason']}" if skipped else ""
        raise ValueError(
            f"{root}: no usable clips in the {split} split ({len(skipped)} skipped{first})"
        )


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


def accuracy_of(
    chip,
    cfg: RavenConfig,
    scaler: FeatureScaler,
    data,
    t_s: float,
    ledger: Ledger,
    stream: int,
    batch: int = 64,
    gains=None,
) -> tuple:
    """Accuracy and predictions of ``data`` read at device time ``t_s``."""
    snaps = chip.snapshots(t_s)
    preds = np.empty(data.labels.size, np.int64)
    for start in range(0, data.labels.size, batch):
        sl = slice(start, start + batch)
        spikes = encode_batch(cfg, scaler, np.asarray(data.features[0][sl]), data.keys[sl], stream)
        result = chip.forward(spikes, snaps, ledger, seed_offset=stream, column_gain=gains)
        preds[sl] = result.scores.argmax(axis=1)
    valid = data.labels >= 0
    return float(np.mean(preds[valid] == data.labels[valid])), preds


def train(
    cfg: RavenConfig,
    data_dir: str | Path,
    out_dir: str | Path,
    resume: bool = False,
    progress: bool = True,
    cache_dir: str | Path | None = None,
    stop_after_updates: int | None = None,
) -> dict:
    """Train on chip; checkpoints every ``training.checkpoint_every_updates`` updates and at
    every epoch end. ``stop_after_updates`` checkpoints and returns early (the run continues
    with ``resume=True``), to split a long run into sessions."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clean_debris(out)  # temporaries of an earlier run killed mid-write
    cache = Path(cache_dir) if cache_dir else Path("data/cache")
    resuming = resume and (out / CHECKPOINT).is_file()
    index = open_index(cfg, data_dir)
    _check_dataset(out, data_dir, resuming)
    if not resuming:
        _write_json(out / "config.json", cfg.as_dict())
    copies = cfg.training.epochs if cfg.data.augment else 1
    train_data = load_split(cfg, index, "training", cache, copies=copies, progress=progress)
    require_clips(train_data, "training", index.root)
    present = sorted({index.labels[k] for k in np.unique(train_data.labels)})
    if len(present) < 2:
        raise ValueError(
            f"{index.root}: the training split has clips of {len(present)} label(s)"
            f" {present}: a classifier needs at least 2"
        )
    val_data = (
        load_split(cfg, index, "validation", cache, labels=index.labels, progress=progress)
        if index.split("validation")
        else None
    )
    val_report = val_data.report if val_data is not None else None
    if val_data is not None and val_data.labels.size == 0:
        val_data = None  # every validation clip was skipped: no validation curve
    scaler = fit_scaler(cfg, train_data.features[0])
    n_in = n_inputs(cfg)
    period = cfg.device.clip_period_s
    lc, tc = cfg.learning, cfg.training
    ckpt = out / CHECKPOINT
    if resume and ckpt.is_file():
        chip, meta = load_chip(
            ckpt, remedy=f"delete {ckpt} (or the run folder {out}) to train from the start"
        )
        if chip.cfg != cfg:
            raise ValueError(
                f"{ckpt}: the checkpoint was made with another configuration"
                f" (see {out / 'config.json'} of that run); resume with the same"
                " configuration or start a new run folder"
            )
        state = meta["training_state"]
        ledger = Ledger("training", counts=Counter(state["ledger"]))
    else:
        chip = make_chip(cfg, n_in, len(index.labels))
        ledger = Ledger("training")
        chip.initialise(t_s=0.0, ledger=ledger)  # the initial programming is a training cost
        state = {
            "epoch": 0,
            "batch": 0,
            "t_s": period,
            "updates": 0,
            "curve": [],
            "wall_time_s": 0.0,
        }
    rule = make_rule(lc, chip)
    n = train_data.labels.size
    per_epoch = (n + lc.update_every_clips - 1) // lc.update_every_clips
    bar = tqdm(
        total=tc.epochs * per_epoch,
        initial=state["epoch"] * per_epoch + state["batch"],
        desc="train on chip",
        unit="update",
        disable=not progress,
        file=sys.stderr,
    )
    started = time.perf_counter() - state["wall_time_s"]
    while state["epoch"] < tc.epochs:
        epoch = state["epoch"]
        order = stream_generator(cfg.seed, "epoch_order", epoch).permutation(n)
        rule.start_epoch(epoch)
        copy = epoch % train_data.features.shape[0]
        while state["batch"] < per_epoch:
            b = state["batch"]
            idx = np.sort(order[b * lc.update_every_clips : (b + 1) * lc.update_every_clips])
            t_s = state["t_s"]
            snaps = chip.snapshots(t_s)
            spikes = encode_batch(
                cfg,
                scaler,
                np.asarray(train_data.features[copy][idx]),
                train_data.keys[idx],
                stream=data_pass("training", epoch),
            )
            result = rule.forward(spikes, snaps, ledger)
            labels = train_data.labels[idx]
            t_update = t_s + idx.size * period
            rule.update(result, spikes, labels, t_update, state["updates"], ledger)
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
                np.sum(result.scores.argmax(axis=1) == labels)
            )
            state["t_s"] = t_update
            state["batch"] += 1
            bar.update(1)
            stop = stop_after_updates is not None and state["updates"] >= stop_after_updates
            if state["updates"] % tc.checkpoint_every_updates == 0 or stop:
                state["wall_time_s"] = time.perf_counter() - started
                state["ledger"] = dict(ledger.counts)
                save_chip(ckpt, chip, list(index.labels), {"training_state": state})
            if stop:
                bar.close()
                return {"stopped_after_updates": state["updates"], "checkpoint": str(ckpt)}
        train_acc = state.pop("curve_acc", 0.0) / n
        entry = {"epoch": epoch + 1, "train_accuracy": train_acc, "t_s": state["t_s"]}
        # Cumulative training events at the epoch's end: charge training up to an accuracy.
        entry["ledger_counts"] = dict(ledger.counts)
        if val_data is not None:
            entry["validation_accuracy"], _ = accuracy_of(
                chip,
                cfg,
                scaler,
                val_data,
                state["t_s"],
                Ledger("validation"),
                stream=data_pass("validation", epoch),
            )
        state["curve"].append(entry)
        state["epoch"] += 1
        state["batch"] = 0
        state["wall_time_s"] = time.perf_counter() - started
        state["ledger"] = dict(ledger.counts)
        save_chip(ckpt, chip, list(index.labels), {"training_state": state})
        bar.set_postfix(val=entry.get("validation_accuracy"))
    bar.close()
    wall = time.perf_counter() - started
    state["wall_time_s"] = wall
    state["ledger"] = dict(ledger.counts)
    extra = {
        "training_state": state,
        "scaler": {
            "mean": scaler.mean.tolist(),
            "std": scaler.std.tolist(),
            "clip_sigma": scaler.clip_sigma,
        },
        "t_train_end_s": state["t_s"],
        "audio_report": train_data.report,
        "validation_audio_report": val_report,
    }
    save_chip(out / FINAL, chip, list(index.labels), extra)
    summary = {
        "curve": state["curve"],
        "t_train_end_s": state["t_s"],
        "updates": state["updates"],
        "training_clips": int(ledger.counts["clips"]),
        "wall_time_s": wall,
        "clips_per_s": ledger.counts["clips"] / max(wall, 1e-9),
        "ledger_counts": dict(ledger.counts),
        "audio_report": train_data.report,
        "validation_audio_report": val_report,
        "dataset_notes": index.notes,
    }
    _write_json(out / "training.json", summary)
    return summary
