"""Command line: ``python -m devices.pcm stats --preset joshi2020 --g-target-uS 12.5 ...``.

Prints, as JSON, Monte Carlo moments of programming, drift and read noise next to the
model's formulas, and the pulse response the preset implies (``pulse_response``).
"""

from __future__ import annotations

import argparse
import json
import sys

from .presets import PRESETS, preset
from .stats import characterise


def main(argv: list[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0, or 2 on a bad argument.
    """
    parser = argparse.ArgumentParser(prog="python -m devices.pcm", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    stats = sub.add_parser("stats", help="Monte Carlo statistics of a preset, as JSON")
    stats.add_argument("--preset", default="joshi2020", choices=sorted(PRESETS))
    stats.add_argument(
        "--g-target-uS", type=float, default=None, help="default: middle of the preset's range"
    )
    stats.add_argument("--t-s", type=float, default=3600.0, help="read time after programming")
    stats.add_argument("--n", type=int, default=100_000, help="number of devices")
    stats.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    params = preset(args.preset)
    g_target_uS = args.g_target_uS
    if g_target_uS is None:
        g_target_uS = 0.5 * (params.g_min_uS + params.g_max_uS)
    try:
        result = characterise(params, g_target_uS, args.t_s, args.n, args.seed)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"error: --n {args.n}: not enough memory for that many devices", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
