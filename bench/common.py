"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def best_time_s(func: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    """Best wall time of ``repeat`` calls after ``warmup`` untimed calls (JIT compilation)."""
    for _ in range(warmup):
        func()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def best_times_interleaved(funcs: dict[str, Callable[[], object]], rounds: int = 30) -> dict:
    """Best wall time of each function over ``rounds`` rounds that call them in turn (after
    one untimed call each): on a shared machine a burst of load then hits every function
    alike, so ratios of the results are steadier than those of separate best-of runs."""
    for func in funcs.values():
        func()
    best = dict.fromkeys(funcs, float("inf"))
    for _ in range(rounds):
        for name, func in funcs.items():
            start = time.perf_counter()
            func()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def machine() -> dict:
    import numba

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "cpu_count": os.cpu_count(),
        "numba_threads": numba.get_num_threads(),
        "machine": platform.machine(),
        "load_average_1_5_15_min": [round(v, 2) for v in os.getloadavg()],
    }


def write_json(name: str, payload: dict) -> Path:
    """Write ``bench/results/<name>.json`` atomically."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    with tempfile.NamedTemporaryFile("w", dir=RESULTS_DIR, delete=False, suffix=".tmp") as fh:
        json.dump({"machine": machine(), **payload}, fh, indent=2)
        tmp = Path(fh.name)
    tmp.replace(path)
    return path
