"""Parameter sweeps: each point trains and evaluates Raven; points run in parallel through
Dask (a local cluster by default, or an existing scheduler); results go to one tidy CSV
table, one row per point and seed, rewritten atomically after every finished point, so an
interrupted sweep resumes where it stopped and a finished point is never recomputed. A
failed point is recorded with its error and does not stop the sweep.

A sweep file (TOML)::

    name = "drift-vs-size"
    data = "path/to/dataset"
    seeds = [0, 1]
    eval_times_s = [1.0, 86400.0]
    [base]                      # configuration every point starts from (RavenConfig tables)
    training = { epochs = 2 }
    [parameters]                # dotted keys into the configuration, lists of values
    "device.preset" = ["nandakumar2018", "aihwkit-pcm"]
    "network.n_hidden" = [64, 128]
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import itertools
import json
import os
import sys
import time
import tomllib
import traceback
from dataclasses import dataclass
from pathlib import Path

from .config import config_from_dict


@dataclass(frozen=True)
class Point:
    key: str
    params: dict
    seed: int
    config: dict


@dataclass(frozen=True)
class Sweep:
    name: str
    data: Path
    seeds: tuple[int, ...]
    eval_times_s: tuple[float, ...]
    base: dict
    parameters: dict

    def points(self) -> list[Point]:
        names = list(self.parameters)
        out = []
        for values in itertools.product(*(self.parameters[n] for n in names)):
            params = dict(zip(names, values, strict=True))
            for seed in self.seeds:
                cfg = copy.deepcopy(self.base)
                for dotted, value in params.items():
                    _set_dotted(cfg, dotted, value)
                cfg["seed"] = seed
                config_from_dict(cfg)  # validates: a bad value fails the sweep up front
                text = json.dumps({"params": params, "seed": seed}, sort_keys=True)
                key = hashlib.sha1(text.encode()).hexdigest()[:12]
                out.append(Point(key, params, seed, cfg))
        return out


def _set_dotted(tree: dict, dotted: str, value) -> None:
    parts = dotted.split(".")
    node = tree
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ValueError(f"parameters: {dotted!r} goes through a value, not a table")
    node[parts[-1]] = value


def load_sweep(path: str | Path) -> Sweep:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ValueError(f"{path}: cannot read the sweep ({err})") from None
    known = {"name", "data", "seeds", "eval_times_s", "base", "parameters"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {unknown}; expected some of {sorted(known)}")
    for key in ("name", "data", "parameters"):
        if key not in raw:
            raise ValueError(f"{path}: missing key {key!r}")
    params = raw["parameters"]
    if (
        not isinstance(params, dict)
        or not params
        or not all(isinstance(v, list) and v for v in params.values())
    ):
        raise ValueError(f"{path}: parameters: expected dotted keys with non-empty lists")
    data = Path(raw["data"])
    if not data.is_absolute():
        data = (path.parent / data).resolve()
    return Sweep(
        str(raw["name"]),
        data,
        tuple(raw.get("seeds", [0])),
        tuple(float(t) for t in raw.get("eval_times_s", [1.0])),
        raw.get("base", {}),
        params,
    )


def run_point(
    point: Point, data: str, eval_times_s: tuple[float, ...], out_dir: str, cache_dir: str
) -> dict:
    """Train and evaluate one point; never raises: a failure becomes a row with its error."""
    from .evaluate import evaluate
    from .train import train

    row = {
        "key": point.key,
        "seed": point.seed,
        **{f"param.{k}": v for k, v in point.params.items()},
    }
    start = time.perf_counter()
    try:
        cfg = config_from_dict(point.config)
        run = Path(out_dir) / point.key
        summary = train(cfg, data, run, resume=True, progress=False, cache_dir=cache_dir)
        for t in eval_times_s:
            result = evaluate(run, data, "test", t, compensation=True, cache_dir=cache_dir)
            row[f"accuracy@{t:g}s"] = result["accuracy"]
            if t == eval_times_s[0]:
                row |= {
                    "energy_per_clip_J": result["energy_per_clip_J"],
                    "power_uW": result["power_uW"],
                    "effective_sops_per_clip": result["effective_sops_per_clip"],
                    "dense_macs_per_clip": result["dense_macs_per_clip"],
                }
        row["training_clips_per_s"] = summary["clips_per_s"]
        row["status"] = "ok"
        row["error"] = ""
    except Exception as err:  # a failed point is recorded, the sweep goes on
        row["status"] = "failed"
        row["error"] = f"{type(err).__name__}: {err}\n{traceback.format_exc(limit=3)}"
    row["wall_time_s"] = time.perf_counter() - start
    return row


def read_table(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def write_table(path: Path, rows: list[dict]) -> None:
    """Rewrite the whole table atomically (temporary file, then rename)."""
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda r: r["key"]))
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(buf.getvalue())
    tmp.replace(path)


def run_sweep(
    sweep: Sweep,
    out_dir: str | Path,
    *,
    workers: int = 2,
    scheduler: str | None = None,
    cache_dir: str | Path = "data/cache",
    retry_failed: bool = False,
    progress: bool = True,
) -> list[dict]:
    """Run every point not yet in the table (failed points too with ``retry_failed``)."""
    from dask.distributed import Client, LocalCluster, as_completed
    from tqdm import tqdm

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = out / "results.csv"
    rows = {r["key"]: r for r in read_table(table)}
    done = {k for k, r in rows.items() if r.get("status") == "ok" or not retry_failed}
    todo = [p for p in sweep.points() if p.key not in done]
    if scheduler:
        client, cluster = Client(scheduler), None
    else:
        # One numba thread per worker when the workers share the cores (dask already sets
        # the BLAS and OpenMP thread counts of its workers to 1).
        threads = max(1, (os.cpu_count() or 1) // max(1, workers))
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env={"NUMBA_NUM_THREADS": str(threads)},
        )
        client = Client(cluster)
    try:
        futures = [
            client.submit(
                run_point,
                p,
                str(sweep.data),
                sweep.eval_times_s,
                str(out / "points"),
                str(cache_dir),
                key=f"point-{p.key}",
                pure=False,
            )
            for p in todo
        ]
        bar = tqdm(
            total=len(todo),
            desc=f"sweep {sweep.name}",
            unit="point",
            disable=not progress,
            file=sys.stderr,
        )
        for future in as_completed(futures):
            row = future.result()
            rows[row["key"]] = row
            write_table(table, list(rows.values()))
            bar.update(1)
        bar.close()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return list(rows.values())
