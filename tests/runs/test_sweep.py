"""Sweeps through a two-worker local Dask cluster: rows, failures, resume."""

import csv
from pathlib import Path

import pytest

from raven.runs.sweep import load_sweep, read_table, run_sweep, write_table
from tests.support.datasets import make_tones

SWEEP = """
name = "tiny"
data = "data"
seeds = [0]
eval_times_s = [1.0, 86400.0]
[base]
data = {{ task = "folder" }}
temporal = {{ n_hidden = 8 }}
network = {{ tile_cols = 8 }}
learning = {{ update_every_clips = 8 }}
training = {{ epochs = 1, checkpoint_every_updates = 50 }}
[parameters]
"temporal.lr" = [0.2, 0.33]
"data.task" = {tasks}
"""


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    base = tmp_path_factory.mktemp("sweep")
    # 23 training clips per label: more than one extraction chunk, so a worker's feature
    # extraction takes its parallel path (which must fall back to serial in Dask workers).
    make_tones(base / "data", per_label=28)
    return base


def write_sweep(base: Path, tasks: str) -> Path:
    path = base / "sweep.toml"
    path.write_text(SWEEP.format(tasks=tasks))
    return path


def test_sweep_runs_on_dask_records_failures_and_resumes(sweep_dir):
    # task "12" cannot read a folder of tones: those points fail and are recorded.
    sweep = load_sweep(write_sweep(sweep_dir, '["folder", "12"]'))
    assert len(sweep.points()) == 4
    out = sweep_dir / "out"
    rows = run_sweep(sweep, out, workers=2, cache_dir=sweep_dir / "cache", progress=False)
    by_status = {}
    for row in rows:
        by_status.setdefault(row["status"], []).append(row)
    assert len(by_status["ok"]) == 2 and len(by_status["failed"]) == 2
    assert all("task '12'" in r["error"] for r in by_status["failed"])
    table = read_table(out / "results.csv")
    assert len(table) == 4
    assert {
        "accuracy@1s",
        "accuracy@86400s",
        "power_uW",
        "param.temporal.lr",
        "wall_time_s",
    } <= set(table[0])
    # Interrupt: forget one finished point; the rerun computes only that one, identically.
    ok = [r for r in table if r["status"] == "ok"]
    write_table(out / "results.csv", [r for r in table if r["key"] != ok[0]["key"]])
    rows2 = run_sweep(sweep, out, workers=2, cache_dir=sweep_dir / "cache", progress=False)
    again = {r["key"]: r for r in rows2}[ok[0]["key"]]
    assert float(again["accuracy@1s"]) == float(ok[0]["accuracy@1s"])
    assert len(read_table(out / "results.csv")) == 4
    with open(out / "results.csv", newline="") as fh:
        assert len(list(csv.reader(fh))) == 5  # header + 4 rows


def test_bad_sweep_files_are_clear(sweep_dir, toml_file):
    with pytest.raises(ValueError, match="unknown key"):
        load_sweep(toml_file('name = "x"\ndata = "d"\nbogus = 1\n[parameters]\na = [1]\n'))
    with pytest.raises(ValueError, match="parameters"):
        load_sweep(toml_file('name = "x"\ndata = "d"\n[parameters]\na = []\n'))
    bad_value = load_sweep(write_sweep(sweep_dir, '["folder", "20"]'))
    with pytest.raises(ValueError, match=r"data\.task"):
        bad_value.points()


@pytest.mark.parametrize(
    ("parameters", "key"),
    [
        ('"network.n_hidden" = [128, 256]', r"network\.n_hidden"),
        ('"learning.lr_out_uS" = [0.15, 0.25]', r"learning\.lr_out_uS"),
        # even a value equal to the default: the sweep names a key that varies nothing
        ('"network.n_hidden" = [256]', r"network\.n_hidden"),
    ],
)
def test_a_sweep_key_the_architecture_does_not_read_is_refused(toml_file, parameters, key):
    sweep = load_sweep(toml_file(f'name = "x"\ndata = "d"\n[parameters]\n{parameters}\n'))
    with pytest.raises(ValueError, match=key + r".*'temporal' architecture does not read"):
        sweep.points(data_fingerprint="any")


def test_the_shipped_sweep_varies_what_its_network_reads():
    from raven.config.architectures import reads

    sweep = load_sweep(Path(__file__).parents[2] / "experiments/sweeps/devices_x_size.toml")
    points = sweep.points(data_fingerprint="any")
    assert len({p.key for p in points}) == len(points) == 24
    for point in points:
        for dotted in point.params:
            table, name = dotted.split(".")
            assert reads(point.config["architecture"], table, name), dotted
