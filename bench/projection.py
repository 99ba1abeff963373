"""Full-scale projection of ``make run-kws``: measure the throughput of every stage on a
dataset at hand (the development set), then project each stage's wall time on the full
GSC v0.02 12-class split from the clip counts the run's own settings imply.

Stages, as ``experiments.run_kws`` runs them: feature extraction (uncached, into a
temporary cache), on-chip training of the configured network (training clips and the
validation read at every epoch's end), its test evaluations (every evaluation time, with
and without drift compensation), the other hidden sizes (training and one evaluation
each), the temporal software ceiling (spike encoding, BPTT epochs, evaluations) and every
DNN baseline (training clips and validation checks). Throughputs are clips per second over
at least a pass of the development set's training split, so that they do not hang on a
single timing; fixed costs (loading, compiling) are measured apart and not scaled.

Epoch counts, budgets and stopping rules come from the objects ``make run-kws`` uses
(``RavenConfig``, ``experiments.baselines.baseline_settings`` and ``ceiling_settings``):
on-chip training runs its epochs in full (exact); the ceiling and the baselines may stop
early on a validation plateau, which only shortens them, so their projections are upper
bounds. The dataset comes from ``--data`` or the environment variable RAVEN_DATA; without
one the projection is recorded as skipped.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from pathlib import Path

from raven.chip.architecture import architecture_of
from raven.config.tables import RavenConfig, load_config
from raven.features.pipeline import load_split, open_index, training_copies
from raven.runs.evaluate import evaluate
from raven.runs.train import train

from .full_scale import (
    FULL_GSC_V002_12,
    GOAL_S,
    SplitSizes,
    Work,
    baseline_clips,
    ceiling_clips,
    chip_training_clips,
    feature_clips,
    makespan_s,
    stage_projection,
    total_projection,
)

DATA_ENV = "RAVEN_DATA"
# run_kws evaluates the main network at every evaluation time with drift compensation on
# and off.
COMPENSATION_SETTINGS = 2
WARM_UPDATES = 8  # updates of the short training run whose time is the fixed cost
MEASURED_PASSES = 3  # per baseline: the first pass warms up, the other two are timed
# One model of each family, the wider of the default sweep's two widths.
PARALLELISM_MODELS = (("dnn", 72), ("cnn", 16), ("ds_cnn", 32), ("gru", 32), ("lstm", 32))


def data_folder(data: str | Path | None) -> tuple[Path | None, str]:
    """The dataset folder (``data``, else $RAVEN_DATA) and, when there is none, why."""
    chosen = data or os.environ.get(DATA_ENV)
    if not chosen:
        return None, f"no dataset: pass --data DIR or set {DATA_ENV}"
    path = Path(chosen)
    if not path.is_dir():
        return None, f"dataset folder {path} does not exist"
    return path, ""


def _timed(func):
    start = time.perf_counter()
    value = func()
    return value, time.perf_counter() - start


def measure_features(cfg: RavenConfig, data: Path, cache: Path) -> dict:
    """Uncached extraction of the run's splits into ``cache`` (as the run's first step)."""
    index = open_index(cfg, data)
    copies = training_copies(cfg)
    train_split, train_s = _timed(
        lambda: load_split(cfg, index, "training", cache, copies=copies, progress=False)
    )
    plain_s, n_plain = 0.0, 0
    for split in ("validation", "testing"):
        if not index.split(split):
            continue  # a dataset without that split: nothing to extract
        part, seconds = _timed(
            lambda s=split: load_split(cfg, index, s, cache, labels=index.labels, progress=False)
        )
        plain_s += seconds
        n_plain += part.labels.size
    n_train = train_split.labels.size
    return {
        "copies": copies,
        "augmented_clips_per_s": n_train * copies / train_s,
        # No validation or test clips: the rate is never used (their counts are 0).
        "plain_clips_per_s": n_plain / plain_s if n_plain else 1.0,
        "wall_s": train_s + plain_s,
    }


def dev_sizes(cfg: RavenConfig, data: Path, cache: Path) -> SplitSizes:
    """Clips per split of the dataset at hand (from the cached features)."""
    index = open_index(cfg, data)
    copies = training_copies(cfg)

    def n(split: str, **kw) -> int:
        if not index.split(split):
            return 0
        return load_split(cfg, index, split, cache, progress=False, **kw).labels.size

    return SplitSizes(
        n("training", copies=copies),
        n("validation", labels=index.labels),
        n("testing", labels=index.labels),
    )


def measure_chip(cfg: RavenConfig, data: Path, cache: Path, work: Path, n_train: int) -> dict:
    """Training and evaluation throughput of ``cfg``'s network. After an untimed warm-up,
    two fresh runs of one epoch: a few updates (the fixed cost) and a whole pass over the
    training split; the difference is the training throughput. The second run is then
    finished and evaluated on the test split (the evaluation's throughput also prices the
    validation reads)."""
    one_epoch = dataclasses.replace(cfg, training=dataclasses.replace(cfg.training, epochs=1))
    every = cfg.learning.update_every_clips
    per_epoch = -(-n_train // every)
    warm = max(1, min(WARM_UPDATES, per_epoch // 4))

    def run(folder: str, updates: int) -> float:
        _, seconds = _timed(
            lambda: train(
                one_epoch,
                data,
                work / folder,
                progress=False,
                cache_dir=cache,
                stop_after_updates=updates,
            )
        )
        return seconds

    # Untimed: a whole pass and an evaluation, so that every kernel they call is compiled
    # (numba's cache is cold on a fresh clone) before anything is timed.
    run("warm-up", per_epoch)
    train(one_epoch, data, work / "warm-up", resume=True, progress=False, cache_dir=cache)
    evaluate(work / "warm-up", data, "test", cfg.training.eval_times_s[0], cache_dir=cache)
    short_s = run("short", warm)
    long_s = run("long", per_epoch)
    if long_s > short_s:
        clips_per_s = (n_train - warm * every) / (long_s - short_s)
        overhead_s = max(0.0, short_s - warm * every / clips_per_s)
        method = "difference of a pass and a few updates"
    else:  # a burst of load (or a tiny split): the pass's fixed cost counted as training
        clips_per_s, overhead_s = n_train / long_s, 0.0
        method = "whole pass, fixed cost included (the difference was not positive)"
    train(one_epoch, data, work / "long", resume=True, progress=False, cache_dir=cache)
    t_after = cfg.training.eval_times_s[0]
    result, eval_s = _timed(
        lambda: evaluate(work / "long", data, "test", t_after, compensation=True, cache_dir=cache)
    )
    eval_rate = float(result["clips_per_s"])
    return {
        "training_clips_per_s": clips_per_s,
        "training_overhead_s": overhead_s,
        "training_measured_by": method,
        "evaluation_clips_per_s": eval_rate,
        "evaluation_overhead_s": max(0.0, eval_s - result["n_clips"] / eval_rate),
        "measured_training_clips": n_train - warm * every,
    }


def measure_ceiling(cfg: RavenConfig, data: Path, cache: Path) -> dict:
    """Spike encoding, BPTT and evaluation throughput of the temporal ceiling (one epoch)."""
    from experiments.baselines import (
        ceiling_settings,
        ceiling_spec,
        run_splits,
        temporal_spike_data,
    )
    from raven.baseline.rsnn import train_rsnn

    index, *splits = run_splits(cfg, data, cache)
    n_classes = len(index.labels)
    encoded, encode_s = _timed(lambda: temporal_spike_data(cfg, splits, n_classes, 1))
    n_encoded = encoded.train_y.size + encoded.val_y.size + encoded.test_y.size
    one = dataclasses.replace(ceiling_settings(cfg), max_epochs=1)
    spec = ceiling_spec(cfg, n_classes)
    # Untimed, on a few clips: compiles the BPTT kernels (numba's cache may be cold).
    few = WARM_UPDATES * one.batch_size
    warm_data = dataclasses.replace(
        encoded,
        train_x=encoded.train_x[:, :few],
        train_y=encoded.train_y[:few],
        val_x=encoded.val_x[:few],
        val_y=encoded.val_y[:few],
        test_x=encoded.test_x[:few],
        test_y=encoded.test_y[:few],
    )
    train_rsnn(spec, warm_data, one, progress=False)
    result = train_rsnn(spec, encoded, one, progress=False)
    entry = result.curve[0]
    return {
        "encoding_clips_per_s": n_encoded / encode_s,
        "training_clips_per_s": entry["clips_seen"] / entry["train_wall_s"],
        "evaluation_clips_per_s": (encoded.val_y.size + encoded.test_y.size) / entry["eval_wall_s"],
    }


def measure_baselines(cfg: RavenConfig, data: Path, cache: Path) -> dict:
    """Every baseline of the full sweep for MEASURED_PASSES passes over the training split,
    trained as the run trains them (BASELINE_WORKERS at a time, the run's threads); the
    throughputs leave out the first pass (warm-up). Then ``baseline_parallelism``."""
    from experiments.baselines import BASELINE_WORKERS, baseline_settings, standardised_data
    from raven.baseline.models import FAMILIES
    from raven.baseline.sweep import sweep

    bdata, standardise_s = _timed(lambda: standardised_data(cfg, data, cache))
    n_standardised = bdata.train_x.shape[0] * bdata.train_y.size
    n_standardised += bdata.val_y.size + bdata.test_y.size
    # The run's settings, for a fixed number of passes with no stopping.
    settings = dataclasses.replace(
        baseline_settings(cfg, int(bdata.train_y.size)),
        max_epochs=MEASURED_PASSES,
        patience=MEASURED_PASSES,
        check_every_clips=None,
        max_training_clips=None,
    )
    results = sweep(bdata, FAMILIES, settings, progress=False, workers=BASELINE_WORKERS)
    models = {}
    for result in results:
        kept = result.curve[1:]
        n_eval = len(kept) * (bdata.val_y.size + bdata.test_y.size)
        models[result.name] = {
            "training_clips_per_s": len(kept)
            * bdata.train_y.size
            / sum(e["train_wall_s"] for e in kept),
            "evaluation_clips_per_s": n_eval / sum(e["eval_wall_s"] for e in kept),
        }
    return {
        "standardise_clips_per_s": n_standardised / standardise_s,
        "workers": BASELINE_WORKERS,
        "passes": MEASURED_PASSES,
        "models": models,
        "parallelism": baseline_parallelism(bdata, settings, BASELINE_WORKERS),
    }


def baseline_parallelism(bdata, settings, workers: int) -> dict:
    """The same few baselines (PARALLELISM_MODELS) trained one after another on two torch
    threads and ``workers`` at a time on one thread each, in turn in the same run: training
    clips per second of training time, and wall times with the workers' start-up."""
    from raven.baseline.sweep import sweep

    clips = len(PARALLELISM_MODELS) * settings.max_epochs * bdata.train_y.size
    families = {family: (width,) for family, width in PARALLELISM_MODELS}
    two_threads = dataclasses.replace(settings, threads=2)
    serial, serial_s = _timed(lambda: sweep(bdata, families, two_threads, progress=False))
    apart, apart_s = _timed(
        lambda: sweep(bdata, families, settings, progress=False, workers=workers)
    )

    def training_s(results: list) -> float:
        return sum(e["train_wall_s"] for r in results for e in r.curve)

    # Training alone: the workers' training times, side by side, against the serial ones.
    serial_train_s = training_s(serial)
    apart_train_s = training_s(apart) / workers
    return {
        "models": [f"{f}-{w}" for f, w in PARALLELISM_MODELS],
        "training_clips": clips,
        "one_process_two_threads": {
            "wall_s": serial_s,
            "training_clips_per_s": clips / serial_train_s,
        },
        "workers_one_thread_each": {
            "wall_s": apart_s,
            "training_clips_per_s": clips / apart_train_s,
            "workers": workers,
        },
        "training_speedup": serial_train_s / apart_train_s,
        "wall_speedup_with_start_up": serial_s / apart_s,
    }


def project(
    cfg: RavenConfig,
    measured: dict,
    sizes: SplitSizes,
    sweep: str = "default",
    curve: tuple[int, ...] = (),
    seeds: int = 3,
    budget_links: int | None = None,
) -> dict:
    """Projected wall time of every stage of ``make run-kws`` on ``sizes`` (with the
    baseline sweep ``sweep`` and the hidden sizes ``curve``, ``SIZES=...``; the default run
    trains the configured size only; ``seeds`` chips in all, ``--seeds``; ``budget_links``
    trainings of the accuracy-loss budget, default every link of ``experiments.budget``,
    0 for ``--no-budget``), from the throughputs in ``measured``."""
    from experiments.baselines import baseline_settings, ceiling_settings
    from experiments.budget import LINKS
    from experiments.sizes import hidden_size
    from raven.baseline.models import DEFAULT_SWEEP, FAMILIES
    from raven.baseline.train import check_points, training_clip_budget

    feats = measured["features"]
    n = feature_clips(sizes, feats["copies"])
    stages = {
        "features": stage_projection(
            [
                Work(
                    "augmented training copies",
                    n["training_copies"],
                    feats["augmented_clips_per_s"],
                ),
                Work(
                    "validation and test clips",
                    n["validation_and_test"],
                    feats["plain_clips_per_s"],
                ),
            ]
        )
    }

    def chip_stage(chip: dict, evaluations: int) -> dict:
        clips = chip_training_clips(sizes, cfg.training.epochs)
        return stage_projection(
            [
                Work("training clips", clips["training"], chip["training_clips_per_s"]),
                Work("validation clips", clips["validation"], chip["evaluation_clips_per_s"]),
                Work("test clips", evaluations * sizes.testing, chip["evaluation_clips_per_s"]),
            ],
            chip["training_overhead_s"] + evaluations * chip["evaluation_overhead_s"],
        )

    main = hidden_size(cfg)
    evaluations = COMPENSATION_SETTINGS * len(cfg.training.eval_times_s)
    stages["raven"] = chip_stage(measured["chip"][str(main)], evaluations)
    others = [chip_stage(measured["chip"][str(s)], 1) for s in curve if s != main]
    stages["raven_other_sizes"] = {
        "sizes": [s for s in curve if s != main],
        "per_size": others,
        "wall_s": sum(o["wall_s"] for o in others),
    }
    # Further seeds and the budget's links train the configured size again, each read once
    # (the links at the configured chip's measured throughput).
    one_more = chip_stage(measured["chip"][str(main)], 1)
    links = len(LINKS) if budget_links is None else budget_links
    for name, count in (("raven_other_seeds", seeds - 1), ("loss_budget", links)):
        stages[name] = {"chips": count, "per_chip": one_more, "wall_s": count * one_more["wall_s"]}
    ceiling = None
    if "ceiling" in measured:
        ceil, settings = measured["ceiling"], ceiling_settings(cfg)
        c = ceiling_clips(sizes, settings.max_epochs)
        ceiling = stage_projection(
            [
                Work("encoded clips", c["encoded"], ceil["encoding_clips_per_s"]),
                Work("BPTT training clips", c["training"], ceil["training_clips_per_s"]),
                Work("evaluation clips", c["evaluation"], ceil["evaluation_clips_per_s"]),
            ],
            note=f"upper bound: {settings.max_epochs} epochs unless validation plateaus",
        )
    bl = measured["baselines"]
    settings = baseline_settings(cfg, sizes.training)
    budget = training_clip_budget(sizes.training, settings)
    checks = len(check_points(sizes.training, settings))
    per_model = {}
    c = baseline_clips(sizes, budget, checks)  # the same for every model
    for family, widths in (FAMILIES if sweep == "full" else DEFAULT_SWEEP).items():
        for width in widths:
            rates = bl["models"][f"{family}-{width}"]
            per_model[f"{family}-{width}"] = stage_projection(
                [
                    Work("training clips", c["training"], rates["training_clips_per_s"]),
                    Work("evaluation clips", c["evaluation"], rates["evaluation_clips_per_s"]),
                ]
            )
    standardise = Work(
        "standardised clips",
        n["training_copies"] + n["validation_and_test"],
        bl["standardise_clips_per_s"],
    )
    # The ceiling is the first job of the baselines' pool (experiments.baselines.
    # ceiling_and_baselines); the pool's jobs start in that order on the first free worker.
    jobs_s = ([] if ceiling is None else [ceiling["wall_s"]]) + [
        m["wall_s"] for m in per_model.values()
    ]
    stages["ceiling_and_baselines"] = {
        "software_ceiling": ceiling,
        "sweep": sweep,
        "training_clips_per_model": budget,
        "checks_per_model": checks,
        "settings": settings.key() | {"threads": settings.threads},
        "standardise_wall_s": standardise.wall_s,
        "per_model": per_model,
        "workers": bl["workers"],
        "wall_s": standardise.wall_s + makespan_s(jobs_s, bl["workers"]),
        "note": "upper bound: the ceiling and every model use their whole budget unless"
        " validation plateaus; the ceiling, then the models in sweep order, run workers at a"
        " time, one core each",
    }
    stages["report"] = {
        "wall_s": 0.0,
        "note": "not projected: the comparison and the report's tables and plots do not grow"
        " with the number of clips; make run-kws records the comparison in wall_time_s",
    }
    out = total_projection(stages, GOAL_S)
    # Whether Raven's own training and evaluation fit the goal, whatever the baselines cost.
    on_chip = sum(
        stages[k]["wall_s"]
        for k in ("raven", "raven_other_sizes", "raven_other_seeds", "loss_budget")
    )
    return out | {"on_chip_wall_s": on_chip, "on_chip_meets_goal": on_chip <= GOAL_S}


def largest_arrays_bytes(cfg: RavenConfig, sizes: SplitSizes) -> dict:
    """Bytes of the largest arrays a run on ``sizes`` holds: the training features (float32,
    every augmented copy), their standardised copy for the baselines and, for the temporal
    architecture, the ceiling's inputs (graded: float32, one array per augmented copy; spike
    codes: uint8, one draw per epoch)."""
    from experiments.baselines import ceiling_settings
    from raven.chip.architecture import n_inputs

    copies = training_copies(cfg)
    frames, coeffs = cfg.features.n_frames, cfg.features.n_coefficients
    features = 4 * copies * sizes.training * frames * coeffs
    out = {"training_features": features, "baseline_features": features}
    if architecture_of(cfg).recurrent:
        steps = frames * cfg.temporal.steps_per_frame
        epochs = ceiling_settings(cfg).max_epochs
        if cfg.temporal.input_encoding == "graded":  # float32 levels, one array per copy
            passes, item_bytes = min(epochs, copies), 4
        else:  # uint8 spikes, one draw per epoch
            passes, item_bytes = epochs, 1
        out["ceiling_inputs"] = passes * sizes.training * steps * n_inputs(cfg) * item_bytes
    return out


def measure(cfg: RavenConfig, data: Path, work: Path) -> dict:
    """Every stage's throughput on ``data`` (scratch files in ``work``)."""
    from experiments.sizes import curve_sizes, with_hidden_size

    cache = work / "cache"
    started = time.perf_counter()
    measured = {"features": measure_features(cfg, data, cache)}
    sizes = dev_sizes(cfg, data, cache)
    measured["features"]["sizes"] = dataclasses.asdict(sizes)
    measured["chip"] = {
        str(s): measure_chip(
            with_hidden_size(cfg, s), data, cache, work / f"chip-{s}", sizes.training
        )
        for s in curve_sizes(cfg)
    }
    if architecture_of(cfg).recurrent:
        measured["ceiling"] = measure_ceiling(cfg, data, cache)
    measured["baselines"] = measure_baselines(cfg, data, cache)
    measured["wall_s"] = time.perf_counter() - started
    return measured


def run(data: str | Path | None = None, config: str | Path | None = None) -> dict:
    """The projection benchmark's JSON payload (skipped, with the reason, without data)."""
    folder, reason = data_folder(data)
    if folder is None:
        return {"projection": {"skipped": True, "reason": reason}}
    try:
        import torch  # noqa: F401  (the dnn extra: the baselines and the ceiling)
    except ImportError:
        return {"projection": {"skipped": True, "reason": "torch (the dnn extra) not installed"}}
    from experiments.sizes import curve_sizes

    cfg = load_config(config)
    with tempfile.TemporaryDirectory(prefix="raven-projection-") as tmp:
        measured = measure(cfg, folder, Path(tmp))
    sizes = SplitSizes(**measured["features"]["sizes"])
    return {
        "projection": {
            "skipped": False,
            "dataset": folder.name,
            "measured_on": dataclasses.asdict(sizes),
            "measured": measured,
            "full_dataset": dataclasses.asdict(FULL_GSC_V002_12),
            "full": project(cfg, measured, FULL_GSC_V002_12),
            "full_with_full_sweep": project(cfg, measured, FULL_GSC_V002_12, "full"),
            # make run-kws --seeds 1 --no-budget: one chip, no loss budget.
            "full_one_seed_no_budget": project(
                cfg, measured, FULL_GSC_V002_12, seeds=1, budget_links=0
            ),
            # make run-kws SIZES=64,128,256 (the accuracy-cost curve).
            "full_with_size_curve": project(
                cfg, measured, FULL_GSC_V002_12, curve=curve_sizes(cfg)
            ),
            "full_largest_arrays_bytes": largest_arrays_bytes(cfg, FULL_GSC_V002_12),
            # The same arithmetic on the data at hand: compare with a make run-kws on it.
            "measured_dataset": project(cfg, measured, sizes),
            "measured_dataset_with_size_curve": project(
                cfg, measured, sizes, curve=curve_sizes(cfg)
            ),
        }
    }
