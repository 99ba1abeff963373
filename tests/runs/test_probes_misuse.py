"""Probes of misuse: run folders reused, mixed or shared, saved files edited, sweeps and
benchmarks pointed at the wrong thing, devices given the wrong kind of number. Each probe
names the item of the misuse round it guards (item N) and the failure it prevents: wrong
results kept silently, mixed runs, or a traceback instead of one clear error."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from devices import pcm
from raven.config.tables import config_from_dict, load_config
from raven.data.speech_commands import index_dataset
from raven.data.synthetic import make_tone_dataset
from raven.features.cache import extract_features, load_feature_set
from raven.fit.estimator import KeywordSpotter
from raven.fit.loop import CHECKPOINT
from raven.runs.cli import main as raven_main
from raven.runs.sweep import load_sweep
from raven.runs.train import FINAL, train
from tests.support.configs import TINY_PROBE as TINY
from tests.support.configs import probe_config as tiny_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A finished run folder on a tiny tone dataset, its data and its feature cache."""
    base = tmp_path_factory.mktemp("misuse")
    data = make_tone_dataset(base / "data", per_label=8)
    train(tiny_config(), data, base / "run", progress=False, cache_dir=base / "cache")
    return base, data


def run_cli(argv, capsys) -> tuple[int, str, str]:
    code = raven_main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


def features_for(cfg, n: int, value: float = 0.0) -> np.ndarray:
    shape = (n, cfg.features.n_frames, cfg.features.n_coefficients)
    return np.full(shape, value) if value else np.random.default_rng(0).normal(size=shape)


# -- the run folder: lifecycle, lock, fresh training into a used folder (items 4, 5) -------------
def test_item04_fresh_train_into_a_finished_folder_is_refused(trained, tmp_path):
    base, data = trained
    run = shutil.copytree(base / "run", tmp_path / "run")
    before = (run / "config.json").read_text()
    other = tiny_config(epochs=2)
    with pytest.raises(ValueError, match="finished run"):
        train(other, data, run, progress=False, cache_dir=base / "cache")
    assert (run / "config.json").read_text() == before  # still describes chip.npz


def test_item04_fresh_train_into_an_interrupted_folder_is_refused(trained, tmp_path):
    base, data = trained
    run = tmp_path / "run"
    train(tiny_config(), data, run, progress=False, cache_dir=base / "cache", stop_after_updates=1)
    before = (run / "config.json").read_text()
    with pytest.raises(ValueError, match="--resume"):
        train(tiny_config(epochs=2), data, run, progress=False, cache_dir=base / "cache")
    assert (run / "config.json").read_text() == before


def test_item04_run_folder_lifecycle(trained, tmp_path):
    """new -> started -> interrupted -> finished, as raven.runs.folder documents it."""
    from raven.runs.folder import state_of

    base, data = trained
    run = tmp_path / "run"
    assert state_of(run) == "new"
    run.mkdir()
    (run / "config.json").write_text("{}")
    assert state_of(run) == "started"
    train(tiny_config(), data, run, progress=False, cache_dir=base / "cache", stop_after_updates=1)
    assert state_of(run) == "interrupted"
    train(tiny_config(), data, run, resume=True, progress=False, cache_dir=base / "cache")
    assert state_of(run) == "finished"
    assert state_of(base / "run") == "finished"
    (run / "training.json").unlink()  # killed between chip.npz and training.json
    assert state_of(run) == "interrupted"


def test_item05_two_trainings_into_one_folder_are_refused(trained, tmp_path):
    from raven.runs.folder import run_lock

    base, data = trained
    run = tmp_path / "run"
    run.mkdir()
    # another `raven train --out run` is writing it
    with run_lock(run), pytest.raises(ValueError, match="another training is writing"):
        train(tiny_config(), data, run, progress=False, cache_dir=base / "cache")
    assert not (run / FINAL).exists()


def test_item05_the_lock_is_held_across_processes(tmp_path):
    from raven.runs.folder import run_lock

    run = tmp_path / "run"
    run.mkdir()
    code = (
        "import sys; from raven.runs.folder import run_lock\n"
        "try:\n    with run_lock(sys.argv[1]): pass\n"
        "except ValueError as e:\n    print(e); sys.exit(3)\n"
    )
    with run_lock(run):
        done = subprocess.run(
            [sys.executable, "-c", code, str(run)], capture_output=True, text=True, cwd=ROOT
        )
    assert done.returncode == 3 and "another training" in done.stdout
    with run_lock(run):  # released: taken again
        pass


# -- saved chip and checkpoint (items 6, 7) ------------------------------------------------------
def _rewrite_npz(src: Path, dst: Path, edit) -> Path:
    with np.load(src, allow_pickle=False) as data:
        arrays = {k: np.array(data[k]) for k in data.files}
    meta = json.loads(str(arrays["meta.json"]))
    edit(arrays, meta)
    arrays["meta.json"] = np.array(json.dumps(meta))
    dst.parent.mkdir(parents=True, exist_ok=True)
    with open(dst, "wb") as fh:
        np.savez(fh, **arrays)
    return dst


def _set(key, value):
    def edit(arrays, meta):
        arrays[key] = np.full_like(arrays[key], value)

    return edit


def _first(suffix):
    def edit(arrays, meta):
        key = next(k for k in arrays if k.endswith(suffix))
        arrays[key] = arrays[key].copy()
        arrays[key].flat[0] = {"g_prog_uS": 1e9, "fault": 7}.get(suffix.split("/")[-1], np.nan)

    return edit


def _meta(path, value):
    def edit(arrays, meta):
        node = meta
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return edit


def _drop(suffix):
    def edit(arrays, meta):
        del arrays[next(k for k in arrays if k.endswith(suffix))]

    return edit


TAMPERED = {
    "13 labels for the outputs": (lambda a, m: m["labels"].append("extra"), "labels"),
    "1-element scaler": (_meta(("scaler", "mean"), [0.0]), "scaler.mean"),
    "std 0": (lambda a, m: m["scaler"].update(std=[0.0] * len(m["scaler"]["std"])), "scaler.std"),
    "conductance 1e9 uS": (_first("plus/g_prog_uS"), "g_prog_uS"),
    "NaN conductance": (
        lambda a, m: _set(next(k for k in a if "g_prog" in k), np.nan)(a, m),
        "g_prog_uS",
    ),
    "negative conductance": (
        lambda a, m: _set(next(k for k in a if "g_prog" in k), -1.0)(a, m),
        "g_prog_uS",
    ),
    "fault code 7": (_first("minus/fault"), "fault"),
    "NaN accumulators": (_first("chi_uS"), "chi_uS"),
    "epoch 99": (_meta(("training_state", "epoch"), 99), "training_state.epoch"),
    "layers as a list": (_meta(("layers",), []), "layers"),
    "missing array": (_drop("minus/nu"), "minus/nu"),
    "n_classes as text": (_meta(("n_classes",), "2"), "n_classes"),
    "conductances as float32": (
        lambda a, m: a.update({k: v.astype(np.float32) for k, v in a.items() if "g_max" in k}),
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_item06_tampered_chip_is_refused_naming_file_and_field(trained, tmp_path, case, capsys):
    base, data = trained
    edit, field = TAMPERED[case]
    chip = _rewrite_npz(base / "run" / FINAL, tmp_path / "run" / FINAL, edit)
    if field is None:  # a harmless edit (same values, another float width) still loads
        KeywordSpotter.load(chip)
        return
    with pytest.raises(ValueError) as err:
        KeywordSpotter.load(chip)
    assert str(err.value).startswith(str(chip)) and field in str(err.value), err.value
    code, _out, stderr = run_cli(
        ["evaluate", "--run", chip.parent, "--data", data, "--cache-dir", base / "cache"], capsys
    )
    assert code == 2 and str(chip) in one_error_line(stderr)


def test_item06_tampered_checkpoint_is_refused_naming_file_and_field(trained, tmp_path):
    base, data = trained
    run = tmp_path / "run"
    train(tiny_config(), data, run, progress=False, cache_dir=base / "cache", stop_after_updates=1)
    _rewrite_npz(run / CHECKPOINT, run / CHECKPOINT, _first("chi_uS"))
    with pytest.raises(ValueError) as err:
        train(tiny_config(), data, run, resume=True, progress=False, cache_dir=base / "cache")
    assert str(run / CHECKPOINT) in str(err.value) and "chi_uS" in str(err.value)


@pytest.mark.parametrize("key", ["scaler", "labels", "config", "training_state"])
def test_item07_save_refuses_reserved_extra_keys(trained, tmp_path, key):
    base, _data = trained
    spotter = KeywordSpotter.load(base / "run" / FINAL)
    with pytest.raises(ValueError, match=f"extra: key.*{key}"):
        spotter.save(tmp_path / "x.npz", extra={key: 1})
    assert not (tmp_path / "x.npz").exists()
    spotter.save(tmp_path / "y.npz", extra={"note": "kept"})
    assert list(KeywordSpotter.load(tmp_path / "y.npz").classes_) == list(spotter.classes_)


# -- feature cache (item 8) ----------------------------------------------------------------------
def _cache_entry(trained, tmp_path) -> Path:
    base, _data = trained
    cache = shutil.copytree(base / "cache", tmp_path / "cache")
    return sorted(cache.glob("validation-*"))[0]


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (
            lambda e: np.save(
                e / "labels.npy", np.full(np.load(e / "labels.npy").shape, 40, np.int16)
            ),
            "labels",
        ),
        (
            lambda e: np.save(
                e / "labels.npy", np.full(np.load(e / "labels.npy").shape, -1, np.int16)
            ),
            "labels",
        ),
        (lambda e: np.save(e / "labels.npy", np.load(e / "labels.npy").astype(float)), "labels"),
        (lambda e: (e / "meta.json").write_text(json.dumps({"files": []})), "keys"),
        (lambda e: (e / "meta.json").write_text("[1, 2]"), "JSON object"),
        (
            lambda e: np.save(
                e / "features.npy", np.full(np.load(e / "features.npy").shape, np.inf, np.float32)
            ),
            "features",
        ),
    ],
)
def test_item08_edited_feature_cache_says_delete_the_folder(trained, tmp_path, edit, field, capsys):
    base, data = trained
    entry = _cache_entry(trained, tmp_path)
    edit(entry)
    with pytest.raises(ValueError) as err:
        load_feature_set(entry)
    assert str(err.value).startswith(str(entry)) and f"delete that folder ({entry})" in str(
        err.value
    )
    assert field in str(err.value)
    argv = ["evaluate", "--run", base / "run", "--data", data, "--split", "validation"]
    code, _out, stderr = run_cli([*argv, "--cache-dir", entry.parent], capsys)
    assert code == 2 and f"delete that folder ({entry})" in one_error_line(stderr)


# -- settings bounded where declared (item 9) ---------------------------------------------------
@pytest.mark.parametrize("t_after_s", [1e100, 1e10])
def test_item09_read_time_is_bounded(trained, t_after_s):
    base, _data = trained
    spotter = KeywordSpotter.load(base / "run" / FINAL)
    x = features_for(spotter.chip_.cfg, 3)
    with pytest.raises(ValueError, match="t_after_s="):
        spotter.evaluate(x, [0, 1, 0], t_after_s=t_after_s)


@pytest.mark.parametrize(
    ("table", "values", "field"),
    [
        ("device", {"clip_period_s": 1e300}, "clip_period_s"),
        ("training", {"eval_times_s": [1.0, 1e100]}, "eval_times_s"),
        ("temporal", {"w_max_hidden": 1e-300}, "w_max_hidden"),
        ("temporal", {"w_max_output": 1e300}, "w_max_output"),
    ],
)
def test_item09_device_settings_are_bounded(table, values, field):
    with pytest.raises(ValueError, match=field):
        config_from_dict({table: values})


# -- projection benchmark (item 11) --------------------------------------------------------------
@pytest.fixture
def bench_results(tmp_path, monkeypatch):
    import bench.common

    monkeypatch.setattr(bench.common, "RESULTS_DIR", tmp_path / "results")
    monkeypatch.delenv("RAVEN_DATA", raising=False)
    (tmp_path / "results").mkdir()
    measured = tmp_path / "results" / "projection.json"
    measured.write_text(json.dumps({"projection": {"skipped": False, "full": {"total_s": 1}}}))
    return measured


def test_item11_projection_with_a_missing_dataset_fails_and_keeps_the_file(
    bench_results, tmp_path, capsys
):
    from bench.run import main

    before = bench_results.read_text()
    assert main(["projection", "--data", str(tmp_path / "nonexistent")]) == 2
    assert "does not exist" in one_error_line(capsys.readouterr().err)
    assert bench_results.read_text() == before
    assert main(["projection"]) == 0  # no dataset at all: skipped, the measurement stays
    assert bench_results.read_text() == before


def test_item11_projection_with_a_folder_that_is_no_dataset_or_a_bad_config(
    bench_results, tmp_path, capsys
):
    from bench.run import main

    (tmp_path / "notdata").mkdir()
    (tmp_path / "notdata" / "passwd").write_text("root:x:0:0\n")
    assert main(["projection", "--data", str(tmp_path / "notdata")]) == 2
    one_error_line(capsys.readouterr().err)
    bad = tmp_path / "bad.toml"
    bad.write_text("[training]\nepochs = 'ten'\n")
    assert main(["projection", "--config", str(bad)]) == 2
    assert str(bad) in one_error_line(capsys.readouterr().err)


# -- sweeps (items 12, 19) -----------------------------------------------------------------------
def _sweep_file(tmp_path, name="s", parameters='"training.epochs" = [1, 2]') -> Path:
    path = tmp_path / "s.toml"
    path.write_text(f'name = "{name}"\ndata = "data"\n[parameters]\n{parameters}\n')
    return path


@pytest.mark.parametrize("key", ["seed.x", "seed.x.y"])
def test_item12_sweep_key_that_is_no_setting_is_refused(tmp_path, key):
    sweep = load_sweep(_sweep_file(tmp_path, parameters=f'"{key}" = [1, 2]'))
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        sweep.points("fingerprint")


@pytest.mark.parametrize("name", ["a/../../../../escaped", "..", ".hidden", "a\\\\b", "/abs"])
def test_item19_sweep_name_may_not_leave_the_output_folder(tmp_path, name):
    with pytest.raises(ValueError, match="sweep name"):
        load_sweep(_sweep_file(tmp_path, name=name))


def test_item19_run_kws_name_may_not_leave_runs(tmp_path, monkeypatch, capsys):
    from experiments import run_kws

    monkeypatch.chdir(tmp_path)
    data = make_tone_dataset(tmp_path / "data", per_label=3)
    code = run_kws.main(["--data", str(data), "--name", "../../escaped"])
    assert code == 2 and "--name" in one_error_line(capsys.readouterr().err)


# -- make run-kws: mixed runs, published results, Ctrl-C (items 2, 3, 13) -----------------------
class _ReachedError(Exception):
    """Raised by a stand-in for a step the probe must not reach."""


@pytest.fixture
def kws_dir(trained, tmp_path, monkeypatch):
    """A working folder with runs/p1 (the trained run, made from ``data``) and a second
    dataset ``tiny2``; training and clip loading stand in with ``_ReachedError``."""
    from experiments import run_kws

    base, data = trained
    monkeypatch.chdir(tmp_path)
    shutil.copytree(base / "run", tmp_path / "runs" / "p1")
    shutil.copytree(data, tmp_path / "tiny")
    other = make_tone_dataset(tmp_path / "tiny2", per_label=3)
    config = tmp_path / "tiny.toml"
    config.write_text(_toml(TINY))

    def reached(*args, **kwargs):
        raise _ReachedError

    monkeypatch.setattr(run_kws, "load_clips", reached)
    monkeypatch.setattr(run_kws, "train_run", reached)
    return tmp_path / "tiny", other, config


def _toml(tables: dict) -> str:
    out = []
    for table, values in tables.items():
        out.append(f"[{table}]")
        out += [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    return "\n".join(out) + "\n"


def test_item02_rerun_with_other_data_is_refused(kws_dir, capsys):
    from experiments import run_kws

    _tiny, other, config = kws_dir
    code = run_kws.main(["--data", str(other), "--name", "p1", "--config", str(config)])
    line = one_error_line(capsys.readouterr().err)
    assert code == 2 and "other data" in line and "--fresh" in line


def test_item02_rerun_with_other_settings_is_refused(kws_dir, capsys):
    from experiments import run_kws

    tiny, _other, config = kws_dir
    argv = ["--data", str(tiny), "--name", "p1", "--config", str(config), "--epochs", "3"]
    code = run_kws.main(argv)
    line = one_error_line(capsys.readouterr().err)
    assert code == 2 and "training.epochs" in line and "--fresh" in line
    with pytest.raises(_ReachedError):  # the same data and settings: the run is reused
        run_kws.main(argv[:-2])
    with pytest.raises(_ReachedError):  # --fresh: the folder goes, training starts again
        run_kws.main([*argv, "--fresh"])
    assert not Path("runs/p1").exists()


def test_item03_results_of_another_dataset_are_not_overwritten(kws_dir, capsys):
    from experiments import run_kws

    tiny, _other, config = kws_dir
    published = Path("results") / "tiny.json"
    published.parent.mkdir()
    published.write_text(json.dumps({"test_accuracy": 0.9, "dataset_fingerprint": "0" * 24}))
    code = run_kws.main(["--data", str(tiny), "--name", "new", "--config", str(config)])
    line = one_error_line(capsys.readouterr().err)
    assert code == 2 and str(published) in line and "--replace-results" in line
    with pytest.raises(_ReachedError):
        run_kws.main(
            ["--data", str(tiny), "--name", "new", "--config", str(config), "--replace-results"]
        )


def test_item03_published_readme_results_carry_their_dataset_fingerprint():
    results = json.loads((ROOT / "results" / "gsc12-dev.json").read_text())
    assert len(results.get("dataset_fingerprint", "")) == 24


def test_item13_ctrl_c_in_run_kws_prints_one_line(monkeypatch, capsys):
    from experiments import run_kws

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run_kws, "load_config", interrupted)
    try:
        code = run_kws.main(["--data", "d"])
    except KeyboardInterrupt:
        pytest.fail("the KeyboardInterrupt reached the user as a traceback")
    assert code == 130
    err = capsys.readouterr().err
    assert err.strip() == "interrupted; rerun the same command to continue"


def test_item13_ctrl_c_leaves_baseline_workers_silent():
    """A SIGINT to a worker of the baseline pool ends it without a traceback."""
    code = (
        "import os, signal, time\n"
        "from raven.baseline.parallel import worker_pool\n"
        "pool = worker_pool(1)\n"
        "pid = pool.submit(os.getpid).result()\n"  # the worker is up, its initializer ran
        "future = pool.submit(time.sleep, 60)\n"
        "time.sleep(1)\n"
        "os.kill(pid, signal.SIGINT)\n"
        "try:\n    future.result(timeout=60)\n"
        "except Exception as err:\n    print(type(err).__name__)\n"
        "pool.shutdown()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=180
    )
    assert "BrokenProcessPool" in done.stdout, done.stderr
    assert "Traceback" not in done.stderr and "KeyboardInterrupt" not in done.stderr


# -- disk full, folders for files, non-UTF-8 and huge values (items 14, 15, 16) ------------------
def test_item14_full_disk_under_the_cache_names_the_path(trained, tmp_path, monkeypatch):
    _base, data = trained

    def short_write(*args, **kwargs):
        raise OSError("35280 requested and 25568 written")

    monkeypatch.setattr(np, "save", short_write)
    index = index_dataset(data, task="folder")
    with pytest.raises(OSError) as err:
        extract_features(index, "testing", cache_dir=tmp_path / "cache", progress=False)
    assert "no space left" in str(err.value) and str(tmp_path / "cache") in str(err.value)
    assert "requested" not in str(err.value)
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.endswith(".tmp")]


def test_item15_save_to_a_folder_and_checkpoints_into_a_file(trained, tmp_path):
    base, _data = trained
    spotter = KeywordSpotter.load(base / "run" / FINAL)
    with pytest.raises(ValueError, match="a folder"):
        spotter.save(tmp_path)
    afile = tmp_path / "passwd"
    afile.write_text("root\n")
    cfg = spotter.chip_.cfg
    with pytest.raises(ValueError, match=r"checkpoint_dir=.*a file"):
        KeywordSpotter(cfg).fit(features_for(cfg, 4), [0, 1, 0, 1], checkpoint_dir=afile)
    assert afile.read_text() == "root\n"


def test_item16_non_utf8_config_names_the_file(tmp_path, capsys):
    bad = tmp_path / "latin1.toml"
    bad.write_bytes("[training]\n# d\xe9j\xe0\nepochs = 1\n".encode("latin-1"))
    with pytest.raises(ValueError) as err:
        load_config(bad)
    assert str(bad) in str(err.value) and "UTF-8" in str(err.value)
    sweep = tmp_path / "s.toml"
    sweep.write_bytes(b'name = "s\xff"\n')
    with pytest.raises(ValueError, match=re.escape(str(sweep))):
        load_sweep(sweep)


@pytest.mark.parametrize("value", [1e308, -1e300, 1e20])
def test_item16_huge_features_name_the_argument(value):
    cfg = tiny_config()
    with pytest.raises(ValueError, match=r"^features: .*(magnitude|finite)"):
        KeywordSpotter(cfg).fit(features_for(cfg, 4, value), [0, 1, 0, 1])


# -- devices.pcm argument checks (item 17) -------------------------------------------------------
@pytest.fixture
def device():
    params, rng = pcm.preset("joshi2020"), np.random.default_rng(0)
    return params, rng, pcm.init((4,), params, rng)


@pytest.mark.parametrize("level", [-5, -2, 99])
def test_item17_amplitude_level_does_not_wrap(device, level):
    params, rng, state = device
    with pytest.raises(ValueError, match="amplitude_level"):
        pcm.pulse(state, 1, 1.0, params, rng, amplitude_level=level)
    pcm.pulse(state, 1, 1.0, params, rng, amplitude_level=-1)  # documented: the largest


@pytest.mark.parametrize("shape", [(2.5,), 2.5, (True, 2), "3", (2, None)])
def test_item17_init_shape_is_not_truncated(device, shape):
    params, rng, _state = device
    with pytest.raises(ValueError, match="shape="):
        pcm.init(shape, params, rng)


@pytest.mark.parametrize("target", ["10", np.full(4, 10 + 1j), np.full(4, True)])
def test_item17_program_targets_are_real_numbers(device, target):
    params, rng, state = device
    with pytest.raises(ValueError, match="g_target_uS"):
        pcm.program(state, target, 1.0, params, rng)


@pytest.mark.parametrize("field", ["g_max_uS", "g_min_uS"])
def test_item17_booleans_are_not_numbers(device, field):
    params, _rng, _state = device
    with pytest.raises(ValueError, match=field):
        dataclasses.replace(params, **{field: True})
    with pytest.raises(ValueError, match="t_s"):
        pcm.read(_state, True, params, _rng)


@pytest.mark.parametrize("value", [np.nan, -3.0])
def test_item17_reads_of_a_broken_state_are_refused(device, value):
    params, rng, state = device
    state.g_prog_uS[1] = value
    with pytest.raises(ValueError, match=r"state\.g_prog_uS"):
        pcm.read(state, 10.0, params, rng)


def test_item17_huge_populations_are_refused(capsys):
    from devices.pcm.__main__ import main
    from devices.pcm.stats import characterise

    with pytest.raises(ValueError, match=r"^n="):
        characterise(pcm.preset("joshi2020"), 10.0, 1.0, 3_000_000_000, 0)
    assert main(["stats", "--n", "3000000000"]) == 2
    assert "n=3000000000" in one_error_line(capsys.readouterr().err)
    with pytest.raises(ValueError, match="shape="):
        pcm.init((100_000, 100_000), pcm.preset("joshi2020"), np.random.default_rng(0))


# -- evaluate on a subset of the labels; classes only in validation (item 18) --------------------
def test_item18_evaluate_a_subset_of_the_labels_of_a_task12_chip(trained, tmp_path, capsys):
    base, data = trained
    chip = _rewrite_npz(
        base / "run" / FINAL,
        tmp_path / "run12" / FINAL,
        lambda a, m: m["config"]["data"].update(task="12"),
    )
    spotter = KeywordSpotter.load(chip)
    subset = tmp_path / "subset"  # two of the chip's three classes
    for label in spotter.classes_[:2]:
        shutil.copytree(data / label, subset / label)
    code, out, err = run_cli(
        [
            "evaluate",
            "--run",
            chip.parent,
            "--data",
            subset,
            "--split",
            "all",
            "--cache-dir",
            tmp_path / "c",
            "--json",
        ],
        capsys,
    )
    assert code == 0, err
    assert json.loads(out)["n_clips"] == 16
    (subset / "stranger").mkdir()
    shutil.copy(next((subset / spotter.classes_[0]).iterdir()), subset / "stranger" / "x.wav")
    code, _out, err = run_cli(
        ["evaluate", "--run", chip.parent, "--data", subset, "--split", "all", "--json"], capsys
    )
    line = one_error_line(err)
    assert code == 2 and "task='folder'" not in line.split("(")[0] and "classes" in line


def test_item18_classes_only_in_validation_are_refused():
    cfg = tiny_config()
    x = features_for(cfg, 4)
    with pytest.raises(ValueError, match=r"validation\[1\] \(labels\): (value )?5 "):
        KeywordSpotter(cfg).fit(x, [0, 1, 0, 1], validation=(x, np.array([0, 1, 0, 1]) + 5))


def test_probe_suite_keeps_zip_files_whole(trained):
    """The tampering helpers rewrite copies: the shared run stays loadable."""
    base, _data = trained
    assert zipfile.is_zipfile(base / "run" / FINAL)
    KeywordSpotter.load(base / "run" / FINAL)
