"""Run every benchmark and write bench/results/<name>.json."""

from __future__ import annotations

import json
import sys

from . import devices_bench, kernels_bench
from .common import write_json

BENCHMARKS = {"devices": devices_bench.run, "kernels": kernels_bench.run}


def main(argv: list[str]) -> int:
    selected = argv or list(BENCHMARKS)
    for name in selected:
        if name not in BENCHMARKS:
            print(
                f"unknown benchmark {name!r}; expected one of {sorted(BENCHMARKS)}", file=sys.stderr
            )
            return 2
        payload = BENCHMARKS[name]()
        path = write_json(name, payload)
        print(f"{path.name}:")
        print(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
