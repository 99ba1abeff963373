"""From measured pulse responses to a fitted device and a keyword spotter trained on it.

The measurements here stand in for a lab's: conductance after each of 20 nominal partial-SET
pulses from RESET, for 2,000 devices, and the programmed conductance of 2,000 devices at
known targets. They are generated from a device that is not one of the presets (the
``nandakumar2018`` population with a 40 % larger step and 30 % more programming noise), so
that the example can show the fit finding it again. With real measurements, replace
``measure`` by loading your arrays (``devices.pcm.fit.read_table`` reads a CSV).

Steps:
1. fit the partial-SET response and the programming noise (``devices.pcm.fit``), with
   standard errors;
2. write the fitted device as a JSON parameter record (``devices.pcm.save_params``);
3. train a keyword spotter on chip with that device (``[device] preset = "<record>.json"``)
   on a generated two-word dataset of tones, and read it 1 s and 1 day after training.

Run: ``python examples/fit_device_kws.py [--quick] [--out DIR]`` (needs the ``kws`` extra).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from pathlib import Path

import numpy as np

from devices import pcm
from devices.pcm import fit


def true_device() -> pcm.PCMParams:
    """The device the "lab" measured: not a preset."""
    base = pcm.preset("nandakumar2018")
    pulse = dataclasses.replace(
        base.pulse,
        mean_offset_uS=1.4 * base.pulse.mean_offset_uS,
        mean_g_coeff=1.4 * base.pulse.mean_g_coeff,
    )
    programming = dataclasses.replace(base.programming, scale=1.3)
    return dataclasses.replace(base, name="measured-device", pulse=pulse, programming=programming)


def measure(params: pcm.PCMParams, n_devices: int, rng: np.random.Generator) -> dict:
    """Pulse-response curves (devices x 21: from RESET, after each of 20 pulses) and
    programming targets (ten levels) with their programmed conductances."""
    state = pcm.init((n_devices,), params, rng)
    state, _ = pcm.reset(state, np.ones(n_devices, bool), 0.0, params, rng)
    curves = [state.g_prog_uS.copy()]
    for _ in range(20):  # one nominal pulse each, no time (no drift) between them
        state, _ = pcm.pulse(state, np.ones(n_devices, np.int64), 0.0, params, rng)
        curves.append(state.g_prog_uS.copy())
    # ten target levels, each programmed into a tenth of the devices
    levels = np.linspace(0.1 * params.g_max_uS, 0.9 * params.g_max_uS, 10)
    targets = np.repeat(levels, n_devices // 10)
    programmed = pcm.init(targets.shape, params, rng)
    programmed, _ = pcm.program(programmed, targets, 0.0, params, rng)
    return {
        "pulse_curves_uS": np.stack(curves, axis=1),
        "targets_uS": targets,
        "programmed_uS": programmed.g_prog_uS.copy(),
    }


def fitted_device(measured: dict, base: pcm.PCMParams) -> tuple[pcm.PCMParams, dict]:
    """The preset ``base`` with the fitted pulse response and programming noise."""
    pulse_fit = fit.fit_pulse_response(measured["pulse_curves_uS"], base.g_min_uS, base.g_max_uS)
    prog_fit = fit.fit_programming_noise(
        measured["targets_uS"], measured["programmed_uS"], base.g_max_uS
    )
    params = dataclasses.replace(
        base, name="fitted-device", pulse=pulse_fit.params, programming=prog_fit.params
    )
    report = {
        name: {"value": f.values[name], "std_error": f.std_errors[name]}
        for f in (pulse_fit, prog_fit)
        for name in f.values
    }
    return params, report


def true_values(truth: pcm.PCMParams, fitted: pcm.PCMParams) -> dict:
    """The measured device's values in the fit's units: the pulse response as it is; the
    programming noise s_p = scale (c0 + c1 x + c2 x^2) with x = G / g_ref, re-expressed on
    the fitted record's g_ref (c_k times (g_ref fitted / g_ref true)^k, scale folded in)."""
    p, prog = truth.pulse, truth.programming
    ratio = fitted.programming.g_ref_uS / prog.g_ref_uS
    fitted_pulse = dataclasses.asdict(fitted.pulse)
    return {
        **{name: getattr(p, name) for name in fitted_pulse if name != "g_ref_uS"},
        **{f"c{k}_uS": prog.scale * getattr(prog, f"c{k}_uS") * ratio**k for k in range(3)},
    }


def train_keyword_spotter(record: Path, work: Path, quick: bool) -> dict:
    """A chip with the fitted device, trained on chip on generated tones."""
    from raven import KeywordSpotter, load_clips
    from raven.config.tables import config_from_dict
    from raven.data.synthetic import make_tone_dataset

    data = make_tone_dataset(work / "tones", per_label=8 if quick else 24)
    cfg = config_from_dict(
        {
            "device": {"preset": str(record)},
            "temporal": {"n_hidden": 16},
            "training": {"epochs": 2 if quick else 8, "eval_times_s": [1.0, 86400.0]},
            "data": {"task": "folder"},
        }
    )
    train = load_clips(data, cfg, "training", cache_dir=work / "cache")
    test = load_clips(data, cfg, "test", labels=train.label_names, cache_dir=work / "cache")
    spotter = KeywordSpotter(cfg, labels=train.label_names).fit(
        train.features, train.labels, clip_keys=train.clip_keys
    )
    return {
        f"test_accuracy_{t:g}s": spotter.score(
            test.features, test.labels, clip_keys=test.clip_keys, t_after_s=t
        )
        for t in cfg.training.eval_times_s
    }


def main(argv: list[str] | None = None) -> dict:
    """Run the three steps; print and return what they found."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer devices and clips")
    parser.add_argument("--out", type=Path, help="folder for the record and the run")
    args = parser.parse_args(argv)
    if args.out is None:
        with tempfile.TemporaryDirectory(prefix="fit-device-") as scratch:
            return run(Path(scratch), args.quick)
    args.out.mkdir(parents=True, exist_ok=True)
    return run(args.out, args.quick)


def run(work: Path, quick: bool) -> dict:
    """The three steps in the folder ``work``."""
    rng = np.random.default_rng(0)
    truth = true_device()
    measured = measure(truth, 500 if quick else 2000, rng)
    params, report = fitted_device(measured, pcm.preset("nandakumar2018"))
    record = pcm.save_params(params, work / "fitted-device.json")
    result = {
        "record": str(record),
        "fitted": report,
        "true": true_values(truth, params),
        "keyword_spotter": train_keyword_spotter(record, work, quick),
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
