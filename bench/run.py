"""Run benchmarks and write bench/results/<name>.json.

``python -m bench.run [NAME ...] [--data DIR]``: every benchmark by default; ``--data``
(or $RAVEN_DATA) is the dataset the projection benchmark measures on."""

from __future__ import annotations

import argparse
import json
import os
import sys

from raven.config.tables import load_config
from raven.features.pipeline import open_index

from . import common, devices_bench, kernels_bench, projection, torch_bench
from .common import write_json

BENCHMARKS = {
    "devices": lambda args: devices_bench.run(),
    "kernels": lambda args: kernels_bench.run(),
    "projection": lambda args: projection.run(args.data, args.config),
    "torch": lambda args: torch_bench.run(),
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks (default: all of {list(BENCHMARKS)})")
    parser.add_argument(
        "--data",
        help=f"dataset folder of the projection benchmark (default: ${projection.DATA_ENV})",
    )
    parser.add_argument(
        "--config", help="TOML configuration of the projected run (default: defaults)"
    )
    args = parser.parse_args(argv)
    selected = args.names or list(BENCHMARKS)
    for name in selected:
        if name not in BENCHMARKS:
            print(
                f"unknown benchmark {name!r}; expected one of {sorted(BENCHMARKS)}", file=sys.stderr
            )
            return 2
    try:
        if "projection" in selected:
            _check_projection_args(args)
        for name in selected:
            payload = BENCHMARKS[name](args)
            if name == "projection" and _keeps_measurement(payload):
                reason = payload["projection"].get("reason")
                print(
                    f"projection: skipped ({reason}); {common.RESULTS_DIR / 'projection.json'} kept"
                )
                continue
            path = write_json(name, payload)
            print(f"{path.name}:")
            print(json.dumps(payload, indent=2))
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


def _keeps_measurement(payload: dict) -> bool:
    """A skip measures nothing: it is recorded only where no measured projection is (an
    unreadable file is not a measurement)."""
    if not payload["projection"].get("skipped"):
        return False
    try:
        stored = json.loads((common.RESULTS_DIR / "projection.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(stored, dict) and stored.get("projection", {}).get("skipped") is False


def _check_projection_args(args) -> None:
    """A dataset or configuration that was asked for and is not usable is an error, found
    before any benchmark runs (not a skip, and not a traceback half-way)."""
    chosen = args.data or os.environ.get(projection.DATA_ENV)
    if chosen:
        folder, reason = projection.data_folder(chosen)
        if folder is None:
            raise ValueError(f"--data {chosen}: {reason}")
        open_index(load_config(args.config), folder)  # a folder that is no dataset fails here
    elif args.config is not None:
        load_config(args.config)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
