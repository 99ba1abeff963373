"""Run benchmarks and write bench/results/<name>.json.

``python -m bench.run [NAME ...] [--data DIR]``: every benchmark by default; ``--data``
(or $RAVEN_DATA) is the dataset the projection benchmark measures on."""

from __future__ import annotations

import argparse
import json
import sys

from . import devices_bench, kernels_bench, projection, torch_bench
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
    for name in selected:
        payload = BENCHMARKS[name](args)
        path = write_json(name, payload)
        print(f"{path.name}:")
        print(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
