"""Parameter sweeps: each point trains and evaluates Raven; points run in parallel through
Dask (a local cluster by default, or an existing scheduler); results go to one tidy CSV
table (``results.csv``), one row per point and seed, rewritten atomically after every
finished point, so an interrupted sweep resumes where it stopped and a finished point is
never recomputed. A failed point is recorded with its error and does not stop the sweep.

A point is keyed by everything its result depends on: its full resolved configuration (base
+ parameters + seed), the evaluation times and the dataset's fingerprint
(``raven.data.identity``). Editing the file or the data therefore makes new points, which
are computed; rows of the table that no longer match a point are moved to ``orphaned.csv``
(and said so), so the table always follows the current file. Seeds come from ``seeds``, or
from a ``"seed"`` parameter, or from ``base.seed``; giving more than one is an error.
Every value is validated as the configuration is (``raven.config.validation``) before anything
runs.

A sweep file (TOML)::

    name = "drift-vs-size"
    data = "path/to/dataset"
    seeds = [0, 1]
    eval_times_s = [1.0, 86400.0]
    [base]                      # configuration every point starts from (RavenConfig tables)
    training = { epochs = 2 }
    [parameters]                # dotted keys into the configuration, lists of values
    "device.preset" = ["nandakumar2018", "aihwkit-pcm"]
    "temporal.n_hidden" = [64, 128]
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import hashlib
import io
import itertools
import json
import os
import sys
import time
import tomllib
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from .._util.atomic import atomic_write, clean_debris
from .._util.files import check_name
from .._util.progress import progress_bar
from ..config.architectures import refuse_unread_keys
from ..config.tables import config_from_dict
from ..config.validation import check, setting, validate
from ..data.identity import dataset_identity

ORPHANS = "orphaned.csv"


@dataclass(frozen=True)
class Point:
    """One point of a sweep: a parameter combination with one seed.

    Attributes
    ----------
    key : str
        Digest of the point's full resolved configuration, evaluation times and dataset
        fingerprint.
    params : dict
        The swept values, by dotted key.
    seed : int
        The point's seed.
    config : dict
        Its full resolved configuration.
    """

    key: str
    params: dict
    seed: int
    config: dict


@dataclass(frozen=True)
class Sweep:
    """A validated sweep declaration (the same validation path as the configuration).

    Attributes
    ----------
    name : str
        Name of the sweep; it names a folder, so it may not leave ``runs/``.
    data : pathlib.Path
        The dataset folder.
    seeds : tuple of int
        Seeds of every parameter combination, each >= 0, at least one.
    eval_times_s : tuple of float
        Device times after training at which each point is evaluated, s, each > 0.
    base : dict
        Configuration tables every point starts from.
    parameters : dict
        Non-empty lists of values by dotted configuration key (``"temporal.n_hidden"``);
        a ``"seed"`` list must hold integers.

    Raises
    ------
    ConfigError
        A field out of its range, a bad name or bad parameters.
    """

    TABLE: ClassVar[str] = "sweep"
    name: str
    data: Path
    seeds: tuple[int, ...] = setting((0,), ge=0, min_len=1)
    eval_times_s: tuple[float, ...] = setting((1.0,), gt=0, min_len=1)
    base: dict = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate(self)
        check_name("sweep name", self.name)  # it names a folder: it may not leave runs/
        params = self.parameters
        check(
            "sweep",
            "parameters",
            bool(params) and all(isinstance(v, list) and v for v in params.values()),
            params,
            "dotted keys with non-empty lists of values",
        )
        if "seed" in params:
            check(
                "sweep",
                "parameters",
                all(isinstance(v, int) and not isinstance(v, bool) for v in params["seed"]),
                params["seed"],
                "integer seeds for 'seed'",
            )

    def points(self, data_fingerprint: str | None = None) -> list[Point]:
        """Every (parameter combination, seed), keyed by the point's full resolved configuration,
        evaluation times and dataset fingerprint: a point whose any of these changed is a new
        point.

        Parameters
        ----------
        data_fingerprint : str or None
            The dataset's fingerprint; None: computed from ``data``.

        Returns
        -------
        list of Point
            The points, combinations in declaration order.
        """
        names = list(self.parameters)
        seeds = (None,) if "seed" in self.parameters else self.seeds
        resolved = []
        for values in itertools.product(*(self.parameters[n] for n in names)):
            params = dict(zip(names, values, strict=True))
            for seed in seeds:
                cfg = copy.deepcopy(self.base)
                for dotted, value in params.items():
                    _set_dotted(cfg, dotted, value)
                if seed is not None:
                    cfg["seed"] = seed
                try:
                    full = config_from_dict(cfg)  # a bad value fails the sweep up front
                    _check_settings(params, full.as_dict())
                    # A swept key the architecture does not read would vary nothing.
                    refuse_unread_keys(cfg, full.architecture)
                except ValueError as err:
                    raise ValueError(f"sweep {self.name!r}: parameters {params}: {err}") from None
                resolved.append((params, full))
        if data_fingerprint is None:
            data_fingerprint = dataset_identity(self.data)["fingerprint"]
        out = []
        for params, full in resolved:
            spec = {
                "config": full.as_dict(),
                "eval_times_s": list(self.eval_times_s),
                "data": data_fingerprint,
            }
            text = json.dumps(spec, sort_keys=True)
            key = hashlib.sha1(text.encode()).hexdigest()[:12]
            out.append(Point(key, params, full.seed, full.as_dict()))
        return out


def _check_settings(params: dict, resolved: dict) -> None:
    """Every swept key names a setting of the resolved configuration: a key that goes
    through a value (``seed.x``, overwritten by the seed) would record a column with no
    effect."""
    for dotted in params:
        node = resolved
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                raise ValueError(
                    f"{dotted!r}: not a setting of the configuration (expected a dotted key"
                    " such as 'device.preset', or 'seed')"
                )
            node = node[part]


def _set_dotted(tree: dict, dotted: str, value) -> None:
    parts = dotted.split(".")
    node = tree
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ValueError(f"parameters: {dotted!r} goes through a value, not a table")
    node[parts[-1]] = value


def load_sweep(path: str | Path) -> Sweep:
    """The sweep declared in a TOML file. Seeds come from ``seeds``, or from a ``"seed"``
    parameter, or from ``base.seed`` (one of the three; default 0). A relative ``data`` is
    resolved against the file's folder.

    Parameters
    ----------
    path : str or pathlib.Path
        The TOML file.

    Returns
    -------
    Sweep
        The validated declaration.

    Raises
    ------
    ValueError
        Naming the file: unreadable, unknown or missing keys, more than one source of
        seeds, or an invalid value.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: cannot read the sweep ({err})") from None
    known = {"name", "data", "seeds", "eval_times_s", "base", "parameters"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {unknown}; expected some of {sorted(known)}")
    for key in ("name", "data", "parameters"):
        if key not in raw:
            raise ValueError(f"{path}: missing key {key!r}")
    params, base = raw["parameters"], raw.get("base", {})
    seed_sources = [
        k
        for k, present in (
            ("seeds", "seeds" in raw),
            ('parameters "seed"', isinstance(params, dict) and "seed" in params),
            ("base.seed", isinstance(base, dict) and "seed" in base),
        )
        if present
    ]
    if len(seed_sources) > 1:
        raise ValueError(
            f"{path}: seeds are given by {' and '.join(seed_sources)}: expected one of them"
        )
    kwargs = {k: raw[k] for k in ("seeds", "eval_times_s") if k in raw}
    if isinstance(base, dict) and "seed" in base:
        kwargs["seeds"] = [base["seed"]]
    try:
        sweep = Sweep(raw["name"], raw["data"], base=base, parameters=params, **kwargs)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
    data = sweep.data if sweep.data.is_absolute() else (path.parent / sweep.data).resolve()
    return dataclasses.replace(sweep, data=data)


def run_point(
    point: Point, data: str, eval_times_s: tuple[float, ...], out_dir: str, cache_dir: str
) -> dict:
    """Train and evaluate one point; never raises: a failure becomes a row with its error.

    Parameters
    ----------
    point : Point
        The point (key, seed, resolved configuration).
    data : str
        Dataset folder.
    eval_times_s : tuple of float
        Device times after training at which the test split is read (s).
    out_dir : str
        Sweep folder; the point trains into ``out_dir/<key>`` (resuming a checkpoint).
    cache_dir : str
        Feature cache folder.

    Returns
    -------
    dict
        The point's row: parameters, accuracy at each time, energy, power and operations
        per clip at the first time, training throughput, status, error, wall time.
    """
    from ..data.clips import load_clips
    from .train import train_run

    row = {
        "key": point.key,
        "seed": point.seed,
        **{f"param.{k}": v for k, v in point.params.items()},
    }
    start = time.perf_counter()
    try:
        cfg = config_from_dict(point.config)
        run = Path(out_dir) / point.key
        spotter, summary = train_run(
            cfg, data, run, resume=True, progress=False, cache_dir=cache_dir
        )
        test = load_clips(data, cfg, "test", labels=spotter.classes_, cache_dir=cache_dir)
        results = [
            spotter.evaluate(test.features, test.labels, clip_keys=test.clip_keys, t_after_s=t)
            for t in eval_times_s
        ]
        for t, result in zip(eval_times_s, results, strict=True):
            row[f"accuracy@{t:g}s"] = result.accuracy
        first = results[0]  # energy and operations: at the first evaluation time
        row |= first.ledger_figures()
        row["training_clips_per_s"] = summary["clips_per_s"]
        row["status"] = "ok"
        row["error"] = ""
    except Exception as err:  # a failed point is recorded, the sweep goes on
        row["status"] = "failed"
        row["error"] = f"{type(err).__name__}: {err}\n{traceback.format_exc(limit=3)}"
    row["wall_time_s"] = time.perf_counter() - start
    return row


def read_table(path: Path) -> list[dict]:
    """The rows of a sweep's results table.

    Parameters
    ----------
    path : pathlib.Path
        The CSV table.

    Returns
    -------
    list of dict
        Rows as strings by column; empty when the file does not exist.

    Raises
    ------
    ValueError
        An unreadable table, or a row without a key.
    """
    if not path.is_file():
        return []
    try:
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
        if any(not r.get("key") for r in rows):
            raise csv.Error("a row has no key")
        return rows
    except (OSError, csv.Error, UnicodeDecodeError) as err:
        raise ValueError(
            f"{path}: unreadable results table ({err}); move it away to start the sweep again"
        ) from None


def write_table(path: Path, rows: list[dict]) -> None:
    """Rewrite the whole table atomically, rows sorted by key; columns in the order the rows
    name them.

    Parameters
    ----------
    path : pathlib.Path
        The CSV table.
    rows : list of dict
        Every row, each with a ``key``.
    """
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda r: r["key"]))
    atomic_write(path, buf.getvalue())


def _current_row(row: dict, point: Point, eval_times_s: tuple[float, ...]) -> dict:
    """A stored row under the current declaration: its parameter columns are the point's
    (a renamed parameter resolving to the same configuration keeps its result)."""
    out = {"key": point.key, "seed": point.seed}
    out |= {f"param.{k}": v for k, v in point.params.items()}
    out |= {f"accuracy@{t:g}s": row.get(f"accuracy@{t:g}s", "") for t in eval_times_s}
    out |= {k: v for k, v in row.items() if k not in out and not k.startswith(("param.", "acc"))}
    return out


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
    """Run every point not yet in the table (failed points too with ``retry_failed``), in
    parallel through Dask, each point's row written to ``results.csv`` as it ends.

    Rows of points the declaration no longer has are moved to the orphans table, never
    mixed with current results.

    Parameters
    ----------
    sweep : Sweep
        The declaration.
    out_dir : str or pathlib.Path
        The sweep's folder (created if needed).
    workers : int
        Local Dask workers (one numba thread each when they share the cores).
    scheduler : str or None
        Address of an existing Dask scheduler; None: a local cluster.
    cache_dir : str or pathlib.Path
        Folder of the feature cache.
    retry_failed : bool
        Run failed points again.
    progress : bool
        Show a progress bar.

    Returns
    -------
    list of dict
        Every current row of the table.
    """
    from dask.distributed import Client, LocalCluster, as_completed

    identity = dataset_identity(sweep.data)  # a missing folder fails before Dask starts
    points = sweep.points(identity["fingerprint"])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clean_debris(out)
    table = out / "results.csv"
    stored = {r["key"]: r for r in read_table(table)}
    by_key = {p.key: p for p in points}
    orphans = [r for k, r in stored.items() if k not in by_key]
    if orphans:
        # Rows of points the declaration no longer has (or whose configuration, evaluation
        # times or data changed): kept apart, never mixed with current results.
        kept = {r["key"]: r for r in read_table(out / ORPHANS)}
        write_table(out / ORPHANS, list((kept | {r["key"]: r for r in orphans}).values()))
        print(
            f"sweep {sweep.name}: {len(orphans)} row(s) of {table} do not match the current"
            f" declaration (changed configuration, evaluation times or data); moved to"
            f" {out / ORPHANS}",
            file=sys.stderr,
        )
    rows = {
        k: _current_row(r, by_key[k], sweep.eval_times_s) for k, r in stored.items() if k in by_key
    }
    write_table(table, list(rows.values()))
    done = {k for k, r in rows.items() if r.get("status") == "ok" or not retry_failed}
    todo = [p for p in points if p.key not in done]
    if not todo:
        return list(rows.values())
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
        bar = progress_bar(
            total=len(todo), desc=f"sweep {sweep.name}", unit="point", enabled=progress
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
