"""DNN side of ``make run-kws``: train the baseline sweep on the run's data and compare it
with Raven at iso-accuracy. Each trained baseline is cached in ``<cache-dir>/baselines``
under a key of its family, width, configuration, data and code, so that a second run on the
same data does not retrain; run/baselines.json and run/ceiling.json record what was used."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from raven.comparison import iso_accuracy
from raven.config import RavenConfig
from raven.pipeline import input_values, load_split, open_index

SWEEPS = ("default", "full")


def _record(path: Path, result) -> None:
    """Written atomically: a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(result, indent=2))
    tmp.replace(path)


def _splits(cfg: RavenConfig, data: Path, cache_dir: Path):
    """The run's training (its augmented copies), validation and test features."""
    index = open_index(cfg, data)
    copies = cfg.training.epochs if cfg.data.augment else 1
    train = load_split(cfg, index, "training", cache_dir, copies=copies)
    val = load_split(cfg, index, "validation", cache_dir, labels=index.labels)
    test = load_split(cfg, index, "testing", cache_dir, labels=index.labels)
    return index, train, val, test


def standardised_data(cfg: RavenConfig, data: Path, cache_dir: Path):
    """BaselineData of the run: MFCC standardised per coefficient with the statistics of
    the first (unaugmented) training copy."""
    from raven.baseline.train_dnn import BaselineData  # torch: the dnn extra

    index, train, val, test = _splits(cfg, data, cache_dir)
    flat = np.asarray(train.features[0]).reshape(-1, train.features.shape[-1])
    mean, std = flat.mean(axis=0), flat.std(axis=0) + 1e-6

    def z(x):
        return ((np.asarray(x) - mean) / std).astype(np.float32)

    return BaselineData(
        z(train.features),
        train.labels,
        z(val.features[0]),
        val.labels,
        z(test.features[0]),
        test.labels,
        len(index.labels),
    )


def baseline_results(
    run: Path, cfg: RavenConfig, data: Path, cache_dir: Path, sweep_name: str = "default"
) -> list[dict]:
    """The DNN sweep on standardised MFCC: ``"default"`` (three widths per family) or
    ``"full"`` (every width of raven.baseline.models.FAMILIES)."""
    from raven.baseline.models import DEFAULT_SWEEP, FAMILIES
    from raven.baseline.train_dnn import BaselineConfig, sweep

    if sweep_name not in SWEEPS:
        raise ValueError(f"sweep_name={sweep_name!r}: expected one of {list(SWEEPS)}")
    results = sweep(
        standardised_data(cfg, data, cache_dir),
        FAMILIES if sweep_name == "full" else DEFAULT_SWEEP,
        BaselineConfig(seed=cfg.seed),
        cache_dir=cache_dir / "baselines",
    )
    _record(run / "baselines.json", results)
    return results


def software_ceiling(run: Path, cfg: RavenConfig, data: Path, cache_dir: Path) -> dict:
    """Raven's architecture (same inputs, sizes and output) with float weights and spike
    rates replaced by their expectations, trained by backpropagation (run/ceiling.json)."""
    from raven.baseline.train_dnn import BaselineConfig, BaselineData, cached_train_baseline
    from raven.encoding import FeatureScaler

    index, train, val, test = _splits(cfg, data, cache_dir)
    scaler = FeatureScaler.fit(train.features[0])

    def rates(x):
        return (cfg.network.max_rate * input_values(cfg, scaler, x)).astype(np.float32)

    rate_data = BaselineData(
        rates(train.features),
        train.labels,
        rates(val.features[0]),
        val.labels,
        rates(test.features[0]),
        test.labels,
        len(index.labels),
    )
    result = cached_train_baseline(
        cache_dir / "baselines",
        "snn_rate",
        cfg.network.n_hidden,
        rate_data,
        BaselineConfig(seed=cfg.seed),
    )
    _record(run / "ceiling.json", result)
    return result


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


def compare(baselines: list[dict], evaluation: dict, training: dict) -> dict:
    raven = raven_costs(evaluation, training)
    out = iso_accuracy(baselines, raven)
    out["raven"] = raven
    out["definitions"] = {
        "inference_ops": "Raven: synaptic operations actually performed (spike x fan-out)"
        " plus neuron updates per clip; DNN: MACs per inference",
        "training_ops": "whole run. Raven: forward synaptic ops, accumulator updates, SET"
        " pulses, controller MACs, neuron updates; DNN: (3 x forward MACs + parameters) per"
        " sample x samples seen",
        "energy": "without the MFCC front end, which both sides share",
    }
    return out
