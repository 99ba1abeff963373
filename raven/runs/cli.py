"""The ``raven`` command: ``raven train`` and ``raven evaluate``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from ..config.tables import load_config
from ..data.download import DownloadError


def _train(args) -> int:
    cfg = load_config(args.config)
    if args.seed is not None:
        cfg = dataclasses.replace(cfg, seed=args.seed)
    from .train import train

    summary = train(
        cfg,
        args.data,
        args.out,
        resume=args.resume,
        progress=not args.quiet,
        cache_dir=args.cache_dir,
    )
    _report_skips(summary)
    curve = summary["curve"][-1] if summary["curve"] else {}
    print(
        json.dumps(
            {
                "out": str(args.out),
                "updates": summary["updates"],
                "clips_per_s": summary["clips_per_s"],
                **curve,
            }
        )
    )
    return 0


def _report_skips(summary: dict) -> None:
    """Skipped clips are said on the console, not only in training.json."""
    for split, report in (
        ("training", summary.get("audio_report")),
        ("validation", summary.get("validation_audio_report")),
    ):
        skipped = (report or {}).get("skipped_files", [])
        if skipped:
            first = "; ".join(f"{s['file']}: {s['reason']}" for s in skipped[:3])
            more = f" (and {len(skipped) - 3} more)" if len(skipped) > 3 else ""
            print(
                f"warning: {len(skipped)} {split} clip(s) skipped: {first}{more};"
                " all are listed in training.json",
                file=sys.stderr,
            )


def _evaluate(args) -> int:
    from .evaluate import evaluate

    result = evaluate(
        args.run,
        args.data,
        split=args.split,
        t_after_s=args.t_after_s,
        compensation=not args.no_compensation,
        cache_dir=args.cache_dir,
        progress=not args.json,
    )
    skipped = result["audio_report"].get("skipped", 0)
    if skipped:
        print(f"warning: {skipped} clip(s) skipped (listed in audio_report)", file=sys.stderr)
    if args.json:
        print(json.dumps(result, allow_nan=False))
    else:
        print(
            f"accuracy {result['accuracy']:.4f} on {result['n_clips']} clips"
            f" ({args.split}), t_after={args.t_after_s:g} s,"
            f" {result['energy_per_clip_J'] * 1e6:.3f} uJ/clip,"
            f" {result['power_uW']:.3f} uW at one clip per second"
        )
    return 0


def _sweep(args) -> int:
    from .sweep import load_sweep, run_sweep

    sweep = load_sweep(args.file)
    rows = run_sweep(
        sweep,
        args.out or Path("runs") / f"sweep-{sweep.name}",
        workers=args.workers,
        scheduler=args.scheduler,
        cache_dir=args.cache_dir,
        retry_failed=args.retry_failed,
        progress=not args.quiet,
    )
    failed = [r for r in rows if r.get("status") != "ok"]
    print(json.dumps({"points": len(rows), "failed": len(failed)}))
    if rows and len(failed) == len(rows):
        print(f"error: every point of sweep {sweep.name!r} failed", file=sys.stderr)
        return 1
    return 0


def _add_shared_options(
    command: argparse.ArgumentParser, func, quiet_help: str | None = None
) -> None:
    """What every command has: the feature cache folder, ``--quiet`` (given its help) for
    the commands that show progress bars, and ``func``, the function that runs it."""
    command.add_argument("--cache-dir", type=Path, default=Path("data/cache"))
    if quiet_help is not None:
        command.add_argument("--quiet", action="store_true", help=quiet_help)
    command.set_defaults(func=func)


def main(argv: list[str] | None = None) -> int:
    """The ``raven`` command: ``train``, ``evaluate`` and ``sweep``.

    Parameters
    ----------
    argv : list of str or None
        Arguments; None: the process's.

    Returns
    -------
    int
        Exit status: the subcommand's (0 on success), 2 on an error (printed), 130 when
        interrupted.
    """
    parser = argparse.ArgumentParser(prog="raven", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train a chip on chip, with checkpoints")
    tr.add_argument("--data", type=Path, required=True, help="dataset folder")
    tr.add_argument("--out", type=Path, required=True, help="run folder")
    tr.add_argument("--config", type=Path, help="TOML configuration (defaults otherwise)")
    tr.add_argument("--seed", type=int)
    tr.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    _add_shared_options(tr, _train, quiet_help="no progress bars")
    ev = sub.add_parser("evaluate", help="accuracy and energy of a trained chip")
    ev.add_argument("--run", type=Path, required=True, help="run folder of `raven train`")
    ev.add_argument("--data", type=Path, required=True, help="any dataset folder")
    ev.add_argument("--split", default="test", choices=["test", "validation", "all"])
    ev.add_argument(
        "--t-after-s", type=float, default=1.0, help="device time after the end of training (s)"
    )
    ev.add_argument("--no-compensation", action="store_true", help="no global drift compensation")
    _add_shared_options(ev, _evaluate)
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    sw = sub.add_parser("sweep", help="run a declared parameter sweep through Dask")
    sw.add_argument("--file", type=Path, required=True, help="sweep declaration (TOML)")
    sw.add_argument("--out", type=Path, help="output folder (default runs/sweep-<name>)")
    sw.add_argument("--workers", type=int, default=2, help="local Dask workers")
    sw.add_argument("--scheduler", help="address of an existing Dask scheduler")
    sw.add_argument("--retry-failed", action="store_true", help="run failed points again")
    _add_shared_options(sw, _sweep, quiet_help="no progress bar")
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, DownloadError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted: `raven train ... --resume` continues a training,"
            " the same `raven sweep` command continues a sweep",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
