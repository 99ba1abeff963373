"""``python -m raven.data prepare --data DIR``: index a dataset, extract (or reuse) its
features for every split and print a JSON summary: clips per split and label, the audio
report (skipped files listed), extraction speed and front-end operations per clip."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ..config.inputs import FeatureConfig
from ..features.cache import extract_features
from ..features.mfcc import FeatureExtractor
from .download import DownloadError, ensure_speech_commands
from .speech_commands import index_dataset


def main(argv: list[str] | None = None) -> int:
    """``python -m raven.data prepare``: index a dataset folder (or download one), extract
    its features and cache them.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 2 for an error reported in one line, 130 when
        interrupted (finished splits stay cached).
    """
    parser = argparse.ArgumentParser(prog="python -m raven.data", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    prep = sub.add_parser("prepare", help="index, extract and cache features")
    prep.add_argument("--data", type=Path, help="dataset folder (default: download GSC)")
    prep.add_argument(
        "--download",
        default="v0.02",
        choices=["v0.02", "v0.01"],
        help="version to download into data/ when --data is not given",
    )
    prep.add_argument("--task", default="12", choices=["12", "35", "folder"])
    prep.add_argument(
        "--split",
        default="auto",
        choices=["auto", "lists", "hash", "all"],
        help="where splits come from; 'all' treats every clip as test data",
    )
    prep.add_argument("--cache-dir", type=Path, default=Path("data/cache"))
    prep.add_argument("--workers", type=int, default=2)
    prep.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        root = args.data or ensure_speech_commands(args.download, "data")
        index = index_dataset(root, task=args.task, split_source=args.split, seed=args.seed)
        cfg = FeatureConfig()
        summary = {
            "root": str(root),
            "layout": index.layout,
            "task": index.task,
            "labels": list(index.labels),
            "notes": index.notes,
            "splits": {},
            "frontend_ops_per_clip": FeatureExtractor(cfg).operation_count(),
        }
        for split, per_label in sorted(index.counts().items()):
            start = time.perf_counter()
            fs = extract_features(
                index, split, cfg, cache_dir=args.cache_dir, workers=args.workers, seed=args.seed
            )
            summary["splits"][split] = {
                "clips": sum(per_label.values()),
                "per_label": per_label,
                "features": list(fs.features.shape),
                "cache": str(fs.path),
                "extraction_clips_per_s": fs.extraction_clips_per_s,
                "wall_time_s": time.perf_counter() - start,
                "audio": fs.report,
            }
    except (ValueError, DownloadError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted: run the same command again (finished splits are cached)", file=sys.stderr
        )
        return 130
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
