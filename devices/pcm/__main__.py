"""Command line: ``python -m devices.pcm stats --preset joshi2020 --g-target-uS 12.5 ...``."""

from __future__ import annotations

import argparse
import json
import sys

from .presets import PRESETS, preset
from .stats import characterise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devices.pcm", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    stats = sub.add_parser("stats", help="Monte Carlo statistics of a preset, as JSON")
    stats.add_argument("--preset", default="joshi2020", choices=sorted(PRESETS))
    stats.add_argument("--g-target-uS", type=float, default=12.5)
    stats.add_argument("--t-s", type=float, default=3600.0, help="read time after programming")
    stats.add_argument("--n", type=int, default=100_000, help="number of devices")
    stats.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        result = characterise(preset(args.preset), args.g_target_uS, args.t_s, args.n, args.seed)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
