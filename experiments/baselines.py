"""DNN side of ``make run-kws``: train the baseline sweep on the run's data and compare it
with Raven at iso-accuracy. Each trained baseline is cached in ``<cache-dir>/baselines``
under a key of its family, width, configuration, data and code, so that a second run on the
same data does not retrain; run/baselines.json and run/ceiling.json record what was used."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kernels.rng import data_pass
from raven.accounting.energy import INT8_ADD_J, INT8_MULT_J
from raven.baseline.results import BaselineResult
from raven.chip.architecture import architecture_of, fit_scaler, n_inputs
from raven.chip.temporal import alif_constants, initial_weights
from raven.compare.comparison import iso_accuracy
from raven.compare.results import ComparisonResult
from raven.config.tables import RavenConfig
from raven.features.pipeline import (
    input_values,
    load_split,
    open_index,
    temporal_spikes,
    training_copies,
)

SWEEPS = ("default", "full")
# The flat pricing's int8 MAC (Horowitz, 45 nm): the arithmetic part of the "before" figures.
_INT8_MAC_J = INT8_MULT_J + INT8_ADD_J
# DNN baselines' stopping rule. On gsc12-dev (2,407 training clips) a pass is the check
# interval and 40 passes the budget: cutting it to 20 passes lowered the sweep's mean test
# accuracy from 0.667 to 0.628, a patience of 3 to 0.648, so neither is cut there. On a
# large training set a pass is too coarse (85,511 clips on GSC v0.02): validation is then
# checked every 32,768 clips (512 batches; a check reads the validation and test splits,
# 14,992 clips on GSC v0.02, so checking more often would cost more than the training) and
# the run stops after 6 checks without a new best. The budget in clips is never less than
# the chip's own (epochs x training clips: the DNN frontier is not bought with less
# training data than Raven gets) nor than 100,000 clips (about the development sweep's 40
# passes, where its baselines had plateaued or nearly); a run that ends on the budget says
# so (stopped_by).
BASELINE_MAX_EPOCHS = 40
BASELINE_PATIENCE = 6
BASELINE_CHECK_EVERY_CLIPS = 32_768
BASELINE_MIN_CLIPS = 100_000
# Baselines trained two at a time, one torch thread each (raven.baseline.parallel).
BASELINE_WORKERS = 2
# Temporal ceiling: BPTT settings, chosen on the validation split of gsc12-dev over three
# seeds (Adam at 2e-2 with a cosine schedule, batch 128, 40 epochs: 0.82 validation against
# 0.81 at 1e-2 or 3e-2 and 0.79-0.80 at 5e-3; about half a minute of training on one core).
# Patience covers the whole budget: an early stop would cut the cosine short.
CEILING_EPOCHS = 40
CEILING_PATIENCE = 40
CEILING_BATCH = 128
CEILING_LR = 2e-2
CEILING_LR_SCHEDULE = "cosine"  # or "constant" (raven.baseline.rsnn.RsnnConfig)


def _record(path: Path, result) -> None:
    """Written atomically: a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(result, indent=2))
    tmp.replace(path)


def run_splits(cfg: RavenConfig, data: Path, cache_dir: Path):
    """The run's training (its augmented copies), validation and test features."""
    index = open_index(cfg, data)
    train = load_split(cfg, index, "training", cache_dir, copies=training_copies(cfg))
    val = load_split(cfg, index, "validation", cache_dir, labels=index.labels)
    test = load_split(cfg, index, "testing", cache_dir, labels=index.labels)
    return index, train, val, test


def _baseline_data(transform, index, train, val, test):
    """BaselineData of ``transform`` (features -> float32 inputs) applied to every training
    copy and to the first (unaugmented) copy of the validation and test features."""
    from raven.baseline.train import BaselineData  # torch: the dnn extra

    return BaselineData(
        transform(train.features),
        train.labels,
        transform(val.features[0]),
        val.labels,
        transform(test.features[0]),
        test.labels,
        len(index.labels),
    )


def standardised_data(cfg: RavenConfig, data: Path, cache_dir: Path):
    """BaselineData of the run: MFCC standardised per coefficient with the statistics of
    the first (unaugmented) training copy."""
    index, train, val, test = run_splits(cfg, data, cache_dir)
    flat = np.asarray(train.features[0]).reshape(-1, train.features.shape[-1])
    mean, std = flat.mean(axis=0), flat.std(axis=0) + 1e-6

    def z(x):
        return ((np.asarray(x) - mean) / std).astype(np.float32)

    return _baseline_data(z, index, train, val, test)


def baseline_settings(cfg: RavenConfig, n_train: int):
    """The training settings of every DNN baseline of a run on ``n_train`` training clips
    (BaselineConfig): at most BASELINE_MAX_EPOCHS passes and at most
    max(chip's training clips, BASELINE_MIN_CLIPS) clips; validation checked every
    BASELINE_CHECK_EVERY_CLIPS clips and at every pass's end, BASELINE_PATIENCE checks
    without a new best end a run; the best check's weights are kept."""
    from raven.baseline.train import BaselineConfig

    chip_clips = cfg.training.epochs * n_train
    return BaselineConfig(
        max_epochs=BASELINE_MAX_EPOCHS,
        patience=BASELINE_PATIENCE,
        check_every_clips=BASELINE_CHECK_EVERY_CLIPS,
        max_training_clips=max(chip_clips, BASELINE_MIN_CLIPS),
        seed=cfg.seed,
        threads=1,
    )


def ceiling_settings(cfg: RavenConfig):
    """The temporal ceiling's BPTT settings (RsnnConfig)."""
    from raven.baseline.rsnn import RsnnConfig

    return RsnnConfig(
        max_epochs=CEILING_EPOCHS,
        patience=CEILING_PATIENCE,
        batch_size=CEILING_BATCH,
        lr=CEILING_LR,
        lr_schedule=CEILING_LR_SCHEDULE,
        # the chip's regularisation: the same L2 term added to the gradient
        weight_decay=cfg.temporal.weight_decay,
        seed=cfg.seed,
        # One thread: the BPTT kernels are serial, and their per-step BLAS product is
        # (batch x 128) x (128 x 128), too small for a second thread to pay for itself.
        threads=1,
    )


def ceiling_spec(cfg: RavenConfig, n_classes: int):
    """The temporal ceiling's network (RsnnSpec): the chip's sizes, per-neuron constants,
    initial weights and dropout."""
    from raven.baseline.rsnn import RsnnSpec

    return RsnnSpec(
        alif_constants(cfg),
        *initial_weights(cfg, n_inputs(cfg), n_classes),
        dropout=cfg.temporal.dropout,
    )


def baseline_results(
    run: Path,
    cfg: RavenConfig,
    data: Path,
    cache_dir: Path,
    sweep_name: str = "default",
    pool=None,
) -> list[BaselineResult]:
    """The DNN sweep on standardised MFCC: ``"default"`` (the two smallest widths of each family) or
    ``"full"`` (every width of raven.baseline.models.FAMILIES), BASELINE_WORKERS at a time
    (in ``pool``, a ``raven.baseline.parallel.worker_pool``, if given)."""
    from raven.baseline.models import DEFAULT_SWEEP, FAMILIES
    from raven.baseline.sweep import sweep

    if sweep_name not in SWEEPS:
        raise ValueError(f"sweep_name={sweep_name!r}: expected one of {list(SWEEPS)}")
    bdata = standardised_data(cfg, data, cache_dir)
    results = sweep(
        bdata,
        FAMILIES if sweep_name == "full" else DEFAULT_SWEEP,
        baseline_settings(cfg, int(bdata.train_y.size)),
        cache_dir=cache_dir / "baselines",
        workers=BASELINE_WORKERS,
        pool=pool,
    )
    _record(run / "baselines.json", [r.to_dict() for r in results])
    return results


def ceiling_and_baselines(
    run: Path, cfg: RavenConfig, data: Path, cache_dir: Path, sweep_name: str = "default"
) -> tuple[BaselineResult, list[BaselineResult]]:
    """The software ceiling and the DNN sweep, side by side: the ceiling is the first job of
    the baselines' pool (BASELINE_WORKERS processes, one torch thread a job), so that no
    core idles while it trains. Returns (``software_ceiling``, ``baseline_results``)."""
    from raven.baseline.parallel import worker_pool

    with worker_pool(BASELINE_WORKERS) as pool:
        ceiling = pool.submit(software_ceiling, run, cfg, data, cache_dir, progress=False)
        try:
            baselines = baseline_results(run, cfg, data, cache_dir, sweep_name, pool=pool)
        except BaseException:
            ceiling.cancel()  # if it has not started; a running job is waited for
            raise
        return ceiling.result(), baselines


def software_ceiling(
    run: Path, cfg: RavenConfig, data: Path, cache_dir: Path, progress: bool = True
) -> BaselineResult:
    """Raven's architecture (same inputs, sizes and output) with float weights, trained off
    chip by backpropagation (run/ceiling.json). Temporal: the recurrent ALIF network on the
    same spike trains, by BPTT with a surrogate gradient (``temporal_ceiling``); static:
    spike rates replaced by their expectations."""
    from raven.baseline.train import BaselineConfig, cached_train_baseline
    from raven.features.encoding import FeatureScaler

    index, train, val, test = run_splits(cfg, data, cache_dir)
    if architecture_of(cfg).recurrent:
        splits = (train, val, test)
        result = temporal_ceiling(
            cfg, splits, len(index.labels), cache_dir / "baselines", progress=progress
        )
        _record(run / "ceiling.json", result.to_dict())
        return result
    scaler = FeatureScaler.fit(train.features[0])

    def rates(x):
        return (cfg.network.max_rate * input_values(cfg, scaler, x)).astype(np.float32)

    result = cached_train_baseline(
        cache_dir / "baselines",
        "snn_rate",
        cfg.network.n_hidden,
        _baseline_data(rates, index, train, val, test),
        # One thread, as every job of the pool it may share with the baselines.
        BaselineConfig(seed=cfg.seed, threads=1),
        progress=progress,
    )
    _record(run / "ceiling.json", result.to_dict())
    return result


def temporal_spike_data(cfg: RavenConfig, splits, n_classes: int, epochs: int):
    """BaselineData of input rows (clips, T, n_inputs), encoded as the chip sees them:
    the training scaler of ``fit_scaler``, epoch e's trains from augmented copy
    e % copies in the training pass of epoch e (as ``raven.runs.train``), one validation draw (the
    validation pass of epoch 0) and the test draw of the evaluation (``kernels.rng.data_pass``)."""
    from raven.baseline.train import BaselineData

    train, val, test = splits
    scaler = fit_scaler(cfg, train.features[0])
    copies = train.features.shape[0]
    # Graded input draws nothing: epoch e reads copy e % copies whatever the pass, so one
    # array per copy serves (the trainer reads train_x[e % len(train_x)]), in float32, the
    # ceiling's dtype. Spike codes draw anew in every pass: one array per epoch.
    graded = cfg.temporal.input_encoding == "graded"
    passes = min(epochs, copies) if graded else epochs

    def spikes(split, copy, stream):
        rows = temporal_spikes(cfg, scaler, np.asarray(split.features[copy]), split.keys, stream)
        return rows.astype(np.float32) if graded else rows

    return BaselineData(
        np.stack([spikes(train, e % copies, data_pass("training", e)) for e in range(passes)]),
        train.labels,
        spikes(val, 0, data_pass("validation")),
        val.labels,
        spikes(test, 0, data_pass("test")),
        test.labels,
        n_classes,
    )


def temporal_ceiling(
    cfg: RavenConfig, splits, n_classes: int, results_dir: Path | None, progress: bool = True
) -> BaselineResult:
    """The temporal network's software ceiling (``raven.baseline.rsnn``): same spike
    trains, sizes, constants and initial weights as the chip, float weights, BPTT, Adam,
    CEILING_EPOCHS epochs at most, early stopping and model selection on the validation
    split; the result is cached in ``results_dir`` (None: not cached)."""
    from raven.baseline.rsnn import cached_train_rsnn

    settings = ceiling_settings(cfg)
    data = temporal_spike_data(cfg, splits, n_classes, settings.max_epochs)
    return cached_train_rsnn(results_dir, ceiling_spec(cfg, n_classes), data, settings, progress)


def reprice(
    baselines: Sequence[BaselineResult],
    frames: int,
    coeffs: int,
    n_classes: int,
    profile: str = "pcm45",
    clip_period_s: float = 1.0,
) -> list[BaselineResult]:
    """Every DNN run priced again under the one memory model (no retraining): its
    inference and training ledger summaries (``memory_model``, from
    ``raven.baseline.counting.ledger_summaries``), its energies and learning curve
    re-priced from them (dynamic energy, as Raven's in the same tables), the earlier flat
    figures kept under ``pricing_before``, and its accuracy taken in the comparison's state
    (``raven.compare.comparison.with_state``: the last check, as the chip's)."""
    from raven.baseline.counting import ledger_summaries
    from raven.baseline.models import make_model
    from raven.compare.comparison import with_state

    out = []
    for b in baselines:
        model = make_model(b.family, b.width, frames, coeffs, n_classes)
        summaries = ledger_summaries(
            model, frames, coeffs, profile=profile, clip_period_s=clip_period_s
        )
        inf_J = summaries["inference"]["dynamic_energy_per_clip_J"]
        per_sample_J = summaries["training"]["dynamic_energy_per_clip_J"]
        macs = b.inference_macs
        old_per_sample = b.training_energy_per_sample_J or b.training_energy_total_J / max(
            1, b.samples_seen
        )
        before = {
            "inference_energy_J": b.inference_energy_J,
            "inference_arithmetic_J": macs * _INT8_MAC_J,
            "training_energy_per_sample_J": old_per_sample,
            "training_energy_total_J": b.training_energy_total_J,
        }

        def repriced(c: dict, new=per_sample_J, old=old_per_sample) -> dict:
            # cumulative energy = energy per sample x clips seen
            if "clips_seen" in c:
                return c | {"training_energy_cumulative_J": new * c["clips_seen"]}
            return c | {
                "training_energy_cumulative_J": c["training_energy_cumulative_J"] * new / old
            }

        out.append(
            dataclasses.replace(
                b,
                pricing_before=before if b.pricing_before is None else b.pricing_before,
                memory_model=summaries,
                inference_energy_J=inf_J,
                training_energy_per_sample_J=per_sample_J,
                training_energy_total_J=per_sample_J * b.samples_seen,
                curve=tuple(repriced(c) for c in b.curve),
            )
        )
    return with_state(out)


def raven_costs(evaluation: dict, training: dict) -> dict:
    """Raven's side, without the MFCC front end (common to both sides)."""
    inf = evaluation["ledger"]
    tr = training["ledger"]
    counts = training["ledger_counts"]
    front_inf = inf["energy_breakdown_per_clip_J"]["frontend_ops"]
    front_tr = tr["energy_breakdown_per_clip_J"]["frontend_ops"]
    training_ops = (
        counts.get("synaptic_ops", 0)
        + counts.get("accumulator_updates", 0)
        + counts.get("set_pulses", 0)
        + counts.get("digital_macs", 0)
        + counts.get("neuron_updates", 0)
    )
    return {
        "accuracy": evaluation["accuracy"],
        "inference_ops": inf["effective_sops_per_clip"]
        + inf["counts_per_clip"].get("neuron_updates", 0),
        "training_ops_total": training_ops,
        "inference_energy_J": inf["energy_per_clip_J"] - front_inf,
        "training_energy_total_J": (tr["energy_per_clip_J"] - front_tr) * tr["clips"],
    }


def untrained_widths_above(
    baselines: Sequence[BaselineResult], accuracy: float
) -> dict[str, list[int]]:
    """The families of raven.baseline.models.FAMILIES of which no trained width reaches
    ``accuracy`` and wider widths were left untrained: {family: those widths} (every width
    of a family with none trained). Such a family drops out of a comparison at that
    accuracy, although a wider model of it might reach it at a lower cost than the families
    that remain."""
    from raven.baseline.models import FAMILIES

    out = {}
    for family, widths in FAMILIES.items():
        trained = [b for b in baselines if b.family == family]
        if any(b.test_accuracy >= accuracy for b in trained):
            continue
        widest = max((b.width for b in trained), default=0)
        if wider := sorted(w for w in widths if w > widest):
            out[family] = wider
    return out


def untrained_caution(baselines: Sequence[BaselineResult], accuracy: float) -> dict | None:
    """``untrained_widths_above`` at ``accuracy`` as a record for the report (None when no
    family is concerned)."""
    families = untrained_widths_above(baselines, accuracy)
    if not families:
        return None
    return {
        "accuracy": accuracy,
        "families": families,
        "note": "every trained width of these families is below Raven's accuracy and"
        " wider ones were not trained: they are left out of the comparison there, so a"
        " ratio may be in Raven's favour for want of them (make run-kws BASELINE_SWEEP=full)",
    }


def compare(
    baselines: Sequence[BaselineResult], evaluation: dict, training: dict
) -> ComparisonResult:
    """Raven against the DNN sweep at Raven's accuracy (``raven.compare.comparison.iso_accuracy``),
    with Raven's costs and the definitions of each cost; ``untrained_widths_above`` names
    the families a wider sweep (``BASELINE_SWEEP=full``) could change the result for."""
    raven = raven_costs(evaluation, training)
    return dataclasses.replace(
        iso_accuracy(baselines, raven),
        untrained_widths_above=untrained_caution(baselines, raven["accuracy"]),
        raven=raven,
        definitions={
            "inference_ops": "Raven: synaptic operations actually performed (spike x fan-out)"
            " plus neuron updates per clip; DNN: MACs per inference",
            "training_ops": "whole run. Raven: forward synaptic ops, accumulator updates, SET"
            " pulses, controller MACs, neuron updates; DNN: (3 x forward MACs + parameters) per"
            " sample x samples seen",
            "energy": "without the MFCC front end, which both sides share",
        },
    )


def _table_run(
    baselines: Sequence[BaselineResult], family: str | None, accuracy: float
) -> BaselineResult | None:
    """The run whose memories the report lists for the DNN side: the cheapest run of
    ``family`` (by inference energy) reaching ``accuracy``, else its most accurate."""
    runs = [b for b in baselines if b.family == family and b.memory_model]
    if not runs:
        return None
    reaching = [b for b in runs if b.test_accuracy >= accuracy]
    if reaching:
        return min(reaching, key=lambda b: b.inference_energy_J)
    return max(runs, key=lambda b: b.test_accuracy)


def energy_model(
    evaluation: dict,
    training: dict,
    baselines: Sequence[BaselineResult],
    calibration: Sequence[dict],
    chip,
    profile: str = "pcm45",
    power_gated: bool = True,
) -> dict:
    """The one-memory-model sections of the report: every memory of each side, energy per
    clip against duty cycle with the crossover, the assumption budget (before and after)
    and the ledger's calibration beside its figures.

    Parameters
    ----------
    evaluation : dict
        The evaluation compared, its ``ledger`` priced.
    training : dict
        The training record, its ``ledger`` priced.
    baselines : sequence of BaselineResult
        The DNN runs, re-priced by ``reprice``.
    calibration : sequence of dict
        The ledger against silicon (``raven.accounting.calibration.calibration_report``).
    chip : raven chip
        The trained chip (device energies, read time, clip period).
    profile : str
        The chip profile's name.
    power_gated : bool
        As the run's summaries.

    Returns
    -------
    dict
        ``memories``, ``duty_cycle`` (inference, training), ``budget``, ``where``,
        ``calibration``.
    """
    from raven.accounting.calibration import calibrated_figures
    from raven.accounting.energy import chip_profile
    from raven.accounting.ledger import ledger_from_summary
    from raven.compare.budget import assumption_budget, grouped, legacy_dnn_groups, memory_table
    from raven.compare.duty_cycle import duty_cycle_comparison

    accuracy = evaluation["accuracy"]
    raven = {"inference": evaluation["ledger"], "training": training["ledger"]}

    def legacy(summary: dict) -> dict:
        return ledger_from_summary(summary).summary(
            chip_profile(profile),
            chip.params.energy,
            chip.params.read_noise.t_read_s,
            chip.cfg.device.clip_period_s,
            power_gated=power_gated,
            legacy=True,
        )

    raven_legacy = {phase: legacy(s) for phase, s in raven.items()}
    duty = {
        phase: duty_cycle_comparison(raven[phase], baselines, accuracy, phase)
        for phase in ("inference", "training")
    }
    at_1s = duty["inference"]["points"][0]["dnn"] or {}
    run = _table_run(baselines, at_1s.get("family"), accuracy)
    memories = {
        "raven": {phase: memory_table(s) for phase, s in raven.items()},
        "dnn": None
        if run is None
        else {
            "model": run.name,
            **{phase: memory_table(s) for phase, s in run.memory_model.items()},
        },
    }
    where = {
        "raven": {
            "before": grouped(raven_legacy["inference"]),
            "after": grouped(raven["inference"]),
        },
        "dnn": None
        if run is None
        else {
            "model": run.name,
            "before": legacy_dnn_groups(run),
            "after": grouped(run.memory_model["inference"]),
        },
    }
    return {
        "accuracy": accuracy,
        "state_rule": baselines[0].state_rule if baselines else None,
        "memories": memories,
        "duty_cycle": duty,
        "budget": assumption_budget(raven, raven_legacy, baselines, accuracy) if baselines else [],
        "where": where,
        "calibration": calibrated_figures(evaluation["ledger"], list(calibration or [])),
    }
