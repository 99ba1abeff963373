"""Reproduction script behind ``make run-kws``: data, features, on-chip training, evaluation
at several times after training (with and without drift compensation), and a report in
``runs/<name>/`` (report.json, report.md, plots)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import time
from pathlib import Path

from raven._util.atomic import atomic_write
from raven._util.files import check_name, read_json
from raven.accounting.calibration import calibration_report, pcm_macro_check
from raven.accounting.energy import PROFILES
from raven.chip.architecture import architecture_of
from raven.compare.comparison import fair_training, raven_curve
from raven.compare.frontier import frontier_comparison
from raven.compare.neurobench import NEUROBENCH_GSC_CONTEXT, neurobench_baseline, neurobench_raven
from raven.config.tables import load_config
from raven.data.clips import load_clips
from raven.data.download import DownloadError, ensure_speech_commands
from raven.data.identity import dataset_identity
from raven.fit.estimator import KeywordSpotter
from raven.report.report import training_ledger_summary, training_price, write_report
from raven.report.results import RunReport
from raven.runs.evaluate import evaluation_record
from raven.runs.folder import CONFIG, DATASET, FINAL, SUMMARY, recorded, state_of
from raven.runs.train import train_run

from .budget import run_budget
from .seeds import run_seeds
from .sizes import hidden_size, parse_sizes, point_of, price_evaluation, run_sizes


def _dynamic_only(summary: dict) -> dict:
    return summary | {"energy_per_clip_J": summary["dynamic_energy_per_clip_J"]}


def _seed_count(text: str) -> int:
    """``--seeds``: an integer >= 1 (checked before any training)."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected an integer >= 1")
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, help="dataset folder (default: download GSC v0.02)")
    parser.add_argument("--name", default="kws", help="run name: results go to runs/<name>/")
    parser.add_argument("--config", type=Path, help="TOML configuration")
    parser.add_argument("--epochs", type=int, help="override training.epochs")
    parser.add_argument("--cache-dir", type=Path, default=Path("data/cache"))
    parser.add_argument(
        "--chip-profile", default="pcm45", choices=sorted(PROFILES), help="energy profile"
    )
    parser.add_argument(
        "--no-power-gating",
        action="store_true",
        help="the chip stays powered between clips (default: power-gated between clips)",
    )
    parser.add_argument(
        "--baseline-sweep",
        choices=("default", "full"),
        default="default",
        help="DNN baselines: the two smallest widths of each family (default) or every width",
    )
    parser.add_argument(
        "--sizes",
        help="hidden-layer sizes of Raven's accuracy-cost curve, comma-separated (e.g."
        " 64,128,256; the configured size is the main run, each other trains into"
        " runs/<name>/size-<n>/); default or 'none': the configured size only",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="delete runs/<name>/ first and train from the start (needed when the data or"
        " the settings differ from those the run folder was made with)",
    )
    parser.add_argument(
        "--replace-results",
        action="store_true",
        help="overwrite results/<dataset>.json even when it was made from another dataset"
        " (another fingerprint) of the same folder name",
    )
    parser.add_argument(
        "--seeds",
        type=_seed_count,
        default=3,
        help="seeds the chip is trained with (the configured one and the next ones); the"
        " report gives test and validation accuracy as mean and spread (default 3)",
    )
    parser.add_argument(
        "--no-budget",
        action="store_true",
        help="skip the accuracy-loss budget (five more trainings along the device chain)",
    )
    args = parser.parse_args(argv)
    clock = time.perf_counter()
    wall_s = {}

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        wall_s[step] = wall_s.get(step, 0.0) + now - clock
        clock = now

    try:
        data = args.data or ensure_speech_commands("v0.02", "data")
        cfg = load_config(args.config)
        if args.epochs is not None:
            cfg = dataclasses.replace(
                cfg, training=dataclasses.replace(cfg.training, epochs=args.epochs)
            )
        sizes = parse_sizes(args.sizes) if args.sizes else ()
        run = Path("runs") / check_name("--name", args.name)
        identity = dataset_identity(data)
        published = (
            Path("results") / f"{check_name('dataset folder name', Path(data).resolve().name)}.json"
        )
        _check_published(published, identity, args.replace_results)
        if args.fresh and run.exists():
            shutil.rmtree(run)
        _check_same_run(run, cfg, identity)
        lap("data")
        resume = state_of(run) == "interrupted"
        if state_of(run) == "finished":
            print(f"{run / FINAL} exists: evaluating it (--fresh to retrain)", file=sys.stderr)
            training = recorded(run, SUMMARY)
            spotter = KeywordSpotter.load(run / FINAL)
        else:
            spotter, training = train_run(cfg, data, run, resume=resume, cache_dir=args.cache_dir)
        chip = spotter.chip_
        cfg = chip.cfg
        lap("training")
        # The test clips are read once; every evaluation reads its own copy of the chip.
        test = load_clips(data, cfg, "test", labels=spotter.classes_, cache_dir=args.cache_dir)
        evaluations = []
        for t_after in cfg.training.eval_times_s:
            for comp in (True, False):
                result = spotter.evaluate(
                    test.features,
                    test.labels,
                    clip_keys=test.clip_keys,
                    t_after_s=t_after,
                    compensation=comp,
                )
                evaluations.append(evaluation_record(result, "test", test.report))
                print(
                    f"t_after={t_after:g} s compensation={comp}:"
                    f" accuracy {evaluations[-1]['accuracy']:.4f}",
                    file=sys.stderr,
                )
        gated = not args.no_power_gating
        # Price every evaluation with the chosen profile.
        evaluations = [price_evaluation(e, chip, args.chip_profile, gated) for e in evaluations]
        training["ledger"] = training_ledger_summary(training, chip, args.chip_profile, gated)
        lap("evaluation")
        extra = run_sizes(cfg, Path(data), run, sizes, args.cache_dir, args.chip_profile, gated)
        lap("other_sizes")
        seeds = run_seeds(
            cfg,
            Path(data),
            run,
            args.seeds,
            args.cache_dir,
            {
                "test_accuracy": evaluations[0]["accuracy"],
                "validation_accuracy": (training["curve"] or [{}])[-1].get("validation_accuracy"),
            },
        )
        lap("other_seeds")
        price = training_price(chip, args.chip_profile, gated)
        points = [
            point_of(hidden_size(cfg), evaluations[0], training, price),
            *(size["point"] for size in extra),
        ]
        n_syn = sum(layer.n_in * layer.n_out for layer in chip.layers())
        audio = evaluations[0]["audio_report"]
        footprint = {"synapses": n_syn, "pcm_devices": 2 * n_syn, "bytes": chip.footprint_bytes()}
        calibration = calibration_report(
            chip.params.energy, chip.params.read_noise.t_read_s, cfg.device.clip_period_s
        )
        skipped = ceiling = baselines = budget = iso = fair = energy = None
        try:
            import torch  # noqa: F401  (the dnn extra)
        except ImportError:
            skipped = "skipped: torch (the dnn extra) not installed"
        else:
            from .baselines import ceiling_and_baselines, reprice

            ceiling, baselines = ceiling_and_baselines(
                run, cfg, Path(data), args.cache_dir, args.baseline_sweep
            )
            lap("ceiling_and_baselines")
            # One memory model on both sides; each DNN scored in the chip's state rule.
            baselines = reprice(
                baselines,
                *cfg.features.shape,
                chip.n_classes,
                args.chip_profile,
                cfg.device.clip_period_s,
            )
        # the budget is defined for e-prop (experiments.budget)
        if not args.no_budget and architecture_of(cfg).rule_name(cfg) == "eprop":
            budget = run_budget(
                cfg,
                Path(data),
                run,
                args.cache_dir,
                {e["t_after_s"]: e["accuracy"] for e in evaluations if e["drift_compensation"]},
                None if ceiling is None else ceiling.test_accuracy,
            )
            lap("budget")
        if baselines:
            from .baselines import compare

            # Like for like in these tables: dynamic energy on both sides; static power,
            # wake-up and retention on both sides are in the energy model's duty-cycle
            # tables (the report's energy_model).
            iso = compare(
                baselines,
                evaluations[0] | {"ledger": _dynamic_only(evaluations[0]["ledger"])},
                training | {"ledger": _dynamic_only(training["ledger"])},
            )
            iso = dataclasses.replace(
                iso,
                definitions=iso.definitions
                | {
                    "energy_basis": "dynamic energy on both sides, one memory model; static"
                    " power, wake-up and retention on both sides in the duty-cycle tables"
                },
            )
            per_epoch = training["training_clips"] / max(1, len(training["curve"]))
            fair = fair_training(
                baselines,
                iso.raven | {"training_clips_per_epoch": per_epoch},
                raven_curve(training["curve"], training_price(chip, args.chip_profile, gated)),
            )
        frontier = frontier_comparison(baselines or [], points)
        if baselines:
            from .baselines import energy_model, untrained_caution

            # Raven's other sizes are compared with the same sweep: checked at the most
            # accurate point of the curve, where families drop out first.
            top = max(p["accuracy"] for p in points)
            if caution := untrained_caution(baselines, top):
                frontier["untrained_widths_above"] = caution
                print(
                    f"warning: at accuracy {top:.3f}, {caution['note']}: {caution['families']}",
                    file=sys.stderr,
                )
            energy = energy_model(
                evaluations[0], training, baselines, calibration, chip, args.chip_profile, gated
            )
        neurobench = [
            neurobench_raven(
                evaluations[0]["ledger"],
                sum(footprint["bytes"].values()),
                evaluations[0]["accuracy"],
            ),
            *(neurobench_baseline(b) for b in baselines or []),
            *NEUROBENCH_GSC_CONTEXT,
        ]
        pcm_check = pcm_macro_check(
            chip.params.energy, chip.params.read_noise.t_read_s, args.chip_profile
        )
        lap("comparison")
        report = RunReport(
            data=str(data),
            task=cfg.data.task,
            device_preset=cfg.device.preset,
            architecture=cfg.architecture,
            rule=architecture_of(cfg).rule_name(cfg),
            n_hidden=hidden_size(cfg),
            config=cfg.as_dict(),
            training=training,
            evaluations=tuple(evaluations),
            sizes=tuple(extra),
            seeds=seeds,
            footprint=footprint,
            calibration=tuple(calibration),
            audio={
                k: audio[k] + training["audio_report"][k]
                for k in ("read", "resampled", "mixed_down", "padded", "trimmed", "skipped")
            }
            | {"skipped_files": audio["skipped_files"] + training["audio_report"]["skipped_files"]},
            iso_accuracy_skipped=skipped,
            software_ceiling=ceiling,
            baselines=None if baselines is None else tuple(baselines),
            budget=budget,
            iso_accuracy=iso,
            fair_training=fair,
            frontier=frontier,
            energy_model=energy,
            pcm_macro_check=pcm_check,
            neurobench=tuple(neurobench),
            wall_time_s=wall_s | {"total": sum(wall_s.values())},
        )
        write_report(run, report)
        # The README's results block is generated from this copy (experiments.readme_results).
        headline = json.loads((run / "results.json").read_text())
        # Keyed by the dataset's fingerprint: another dataset of the same folder name is
        # refused before it can replace these results (_check_published).
        headline |= {
            "dataset_fingerprint": identity["fingerprint"],
            "dataset_files": identity["n_files"],
        }
        atomic_write(published, json.dumps(headline, indent=2))
        print(f"results: {published}", file=sys.stderr)
        print(f"report: {run / 'report.md'}", file=sys.stderr)
    except (ValueError, DownloadError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # The workers of the feature extraction and of the baselines leave quietly; the
        # trained chip's checkpoint and the cached baselines are kept.
        print("interrupted; rerun the same command to continue", file=sys.stderr)
        return 130
    return 0


def _check_same_run(run: Path, cfg, identity: dict) -> None:
    """Refuse to continue or reuse a run folder made with other data or other settings:
    its chip would be reported under settings and data it was not trained with."""
    if state_of(run) not in ("interrupted", "finished"):
        return
    before = recorded(run, DATASET)
    if before is not None and before["fingerprint"] != identity["fingerprint"]:
        raise ValueError(
            f"{run}: made from other data ({before.get('path')}, fingerprint"
            f" {before['fingerprint']}; now {identity['path']}, fingerprint"
            f" {identity['fingerprint']}); pass --fresh to delete it and train again, or"
            " choose another --name"
        )
    stored = recorded(run, CONFIG)
    now = json.loads(json.dumps(cfg.as_dict()))
    if stored is not None and stored != now:
        changed = sorted(_differences(stored, now))
        raise ValueError(
            f"{run}: made with other settings ({', '.join(changed[:5])}); pass --fresh to"
            " delete it and train again, or choose another --name"
        )


def _differences(before: dict, now: dict, prefix: str = "") -> list[str]:
    out = []
    for key in sorted(set(before) | set(now)):
        a, b = before.get(key), now.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += _differences(a, b, f"{prefix}{key}.")
        elif a != b:
            out.append(f"{prefix}{key}: {a!r} there, {b!r} now")
    return out


def _check_published(path: Path, identity: dict, replace: bool) -> None:
    """Refuse to overwrite results of another dataset that has the same folder name."""
    if replace or not path.is_file():
        return
    before = read_json(path, remedy="pass --replace-results to overwrite it")
    if before.get("dataset_fingerprint") != identity["fingerprint"]:
        raise ValueError(
            f"{path}: results of another dataset (fingerprint"
            f" {before.get('dataset_fingerprint') or 'not recorded'}; {identity['path']}:"
            f" {identity['fingerprint']}); pass --replace-results to overwrite them, or"
            " rename the dataset folder"
        )


if __name__ == "__main__":
    sys.exit(main())
