"""Reproduction script behind ``make run-kws``: data, features, on-chip training, evaluation
at several times after training (with and without drift compensation), and a report in
``runs/<name>/`` (report.json, report.md, plots)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from raven.config import load_config
from raven.data.download import DownloadError, ensure_speech_commands
from raven.evaluate import evaluate
from raven.report import training_ledger_summary, write_report
from raven.store import load_chip
from raven.train import CHECKPOINT, FINAL, train


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, help="dataset folder (default: download GSC v0.02)")
    parser.add_argument("--name", default="kws", help="run name: results go to runs/<name>/")
    parser.add_argument("--config", type=Path, help="TOML configuration")
    parser.add_argument("--epochs", type=int, help="override training.epochs")
    parser.add_argument("--cache-dir", type=Path, default=Path("data/cache"))
    parser.add_argument(
        "--baseline-sweep",
        choices=("default", "full"),
        default="default",
        help="DNN baselines: three widths per family (default) or every width",
    )
    args = parser.parse_args(argv)
    try:
        data = args.data or ensure_speech_commands("v0.02", "data")
        cfg = load_config(args.config)
        if args.epochs is not None:
            cfg = dataclasses.replace(
                cfg, training=dataclasses.replace(cfg.training, epochs=args.epochs)
            )
        run = Path("runs") / args.name
        resume = (run / CHECKPOINT).is_file() and not (run / FINAL).is_file()
        if (run / FINAL).is_file():
            print(
                f"{run / FINAL} exists: evaluating it (delete the run folder to retrain)",
                file=sys.stderr,
            )
            import json

            training = json.loads((run / "training.json").read_text())
        else:
            training = train(cfg, data, run, resume=resume, cache_dir=args.cache_dir)
        chip, _ = load_chip(run / FINAL)
        cfg = chip.cfg
        evaluations = []
        for t_after in cfg.training.eval_times_s:
            for comp in (True, False):
                evaluations.append(
                    evaluate(
                        run, data, "test", t_after, compensation=comp, cache_dir=args.cache_dir
                    )
                )
                print(
                    f"t_after={t_after:g} s compensation={comp}:"
                    f" accuracy {evaluations[-1]['accuracy']:.4f}",
                    file=sys.stderr,
                )
        training["ledger"] = training_ledger_summary(
            training, chip.params.energy, chip.params.read_noise.t_read_s, cfg.device.clip_period_s
        )
        n_syn = sum(layer.n_in * layer.n_out for layer in chip.layers())
        audio = evaluations[0]["audio_report"]
        report = {
            "data": str(data),
            "task": cfg.data.task,
            "device_preset": cfg.device.preset,
            "rule": cfg.learning.rule,
            "config": cfg.as_dict(),
            "training": training,
            "evaluations": evaluations,
            "footprint": {
                "synapses": n_syn,
                "pcm_devices": 2 * n_syn,
                "accumulator_bytes": 2 * n_syn,
            },
            "audio": {
                k: audio[k] + training["audio_report"][k]
                for k in ("read", "resampled", "mixed_down", "padded", "trimmed", "skipped")
            }
            | {"skipped_files": audio["skipped_files"] + training["audio_report"]["skipped_files"]},
        }
        try:
            import torch  # noqa: F401  (the dnn extra)
        except ImportError:
            report["iso_accuracy"] = {"status": "skipped: torch (the dnn extra) not installed"}
        else:
            from .baselines import baseline_results, compare, software_ceiling

            report["software_ceiling"] = software_ceiling(run, cfg, Path(data), args.cache_dir)
            report["baselines"] = baseline_results(
                run, cfg, Path(data), args.cache_dir, args.baseline_sweep
            )
            report["iso_accuracy"] = compare(report["baselines"], evaluations[0], training)
        write_report(run, report)
        print(f"report: {run / 'report.md'}", file=sys.stderr)
    except (ValueError, DownloadError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
