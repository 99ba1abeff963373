"""Probes of the commands as a demanding new user would try them: bad configuration, bad
audio, edited sweeps, interruptions (SIGINT/SIGTERM/SIGKILL mid-run). Each probe states
the failure it guards against; all run on small generated data."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from scipy.io import wavfile

from raven.chip.store import load_chip, save_chip
from raven.config.inputs import FeatureConfig
from raven.config.tables import load_config, setting, validate
from raven.data.audio import AudioError, AudioReport, read_wav, write_wav
from raven.data.speech_commands import index_dataset
from raven.data.synthetic import make_tone_dataset
from raven.features.cache import extract_features
from raven.features.mfcc import FeatureExtractor
from raven.fit.loop import CHECKPOINT
from raven.runs.cli import main as raven_main
from raven.runs.sweep import load_sweep, read_table, run_sweep, write_table
from raven.runs.train import FINAL, train
from tests.support.configs import probe_config as tiny_config
from tests.support.datasets import make_folder_layout, tone

ROOT = Path(__file__).resolve().parents[2]


def run_cli(argv, capsys) -> tuple[int, str, str]:
    code = raven_main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def run_train_cli(data: Path, config: Path, work: Path, capsys) -> tuple[int, str, str]:
    """``raven train --quiet`` on ``data`` with ``config``; run and cache under ``work``."""
    return run_cli(
        [
            "train",
            "--data",
            data,
            "--out",
            work / "run",
            "--config",
            config,
            "--cache-dir",
            work / "cache",
            "--quiet",
        ],
        capsys,
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    base = tmp_path_factory.mktemp("probes")
    data = make_tone_dataset(base / "data", per_label=8)
    train(tiny_config(), data, base / "run", progress=False, cache_dir=base / "cache")
    return base, data


def corrupt(path: Path) -> None:
    path.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")


# 1. Sweeps returned stale results: a point's key hashed only its parameters and seed.

SWEEP = """
name = "probe"
data = "data"
eval_times_s = {times}
[base]
data = {{ task = "folder" }}
training = {{ epochs = {epochs} }}
[parameters]
"temporal.lr" = [0.3, 0.5]
"""


def write_sweep(base: Path, epochs: int = 3, times: str = "[1.0]") -> Path:
    path = base / "sweep.toml"
    path.write_text(SWEEP.format(epochs=epochs, times=times))
    return path


def test_probe_01_edited_sweep_gets_new_keys_and_orphans_are_kept_apart(tmp_path, monkeypatch):
    make_folder_layout(tmp_path / "data")
    before = load_sweep(write_sweep(tmp_path)).points()
    after = load_sweep(write_sweep(tmp_path, epochs=1, times="[1.0, 86400.0]")).points()
    assert not {p.key for p in before} & {p.key for p in after}
    # Adding a file to the dataset changes the points too.
    write_wav(tmp_path / "data" / "alpha" / "extra.wav", tone(500))
    assert {p.key for p in after}.isdisjoint(
        p.key for p in load_sweep(write_sweep(tmp_path, 1, "[1.0, 86400.0]")).points()
    )

    # A table from the old declaration: every row is an orphan of the new one; the current
    # points (marked done here so no cluster starts) follow the new columns.
    sweep = load_sweep(write_sweep(tmp_path, epochs=1, times="[1.0, 86400.0]"))
    out = tmp_path / "out"
    out.mkdir()
    stale = [{"key": "0" * 12, "seed": 0, "accuracy@1s": 0.5, "status": "ok", "error": ""}]
    current = [
        {"key": p.key, "seed": 0, "accuracy@1s": 0.6, "accuracy@86400s": 0.55, "status": "ok"}
        for p in sweep.points()
    ]
    write_table(out / "results.csv", stale + current)
    import dask.distributed

    def no_cluster(*a, **k):
        raise AssertionError("nothing to compute: no cluster may start")

    monkeypatch.setattr(dask.distributed, "LocalCluster", no_cluster)
    monkeypatch.setattr(dask.distributed, "Client", no_cluster)
    rows = run_sweep(sweep, out, workers=1, cache_dir=tmp_path / "cache", progress=False)
    assert {r["key"] for r in rows} == {p.key for p in sweep.points()}
    table = read_table(out / "results.csv")
    assert {r["key"] for r in table} == {p.key for p in sweep.points()}
    assert "accuracy@86400s" in table[0] and "param.temporal.lr" in table[0]
    assert [r["key"] for r in read_table(out / "orphaned.csv")] == ["0" * 12]


# 2. Booleans accepted strings (and ints) as true.


@pytest.mark.parametrize(
    ("toml", "field"),
    [
        ('[device]\nread_noise = "no"\n', "device.read_noise"),
        ('[device]\ndrift = "false"\n', "device.drift"),
        ('[data]\naugment = "false"\n', "data.augment"),
        ("[training]\nepochs = true\n", "training.epochs"),
        ("[training]\ndrift_compensation = 1\n", "training.drift_compensation"),
    ],
)
def test_probe_02_booleans_must_be_booleans(toml_file, toml, field):
    with pytest.raises(ValueError, match=rf"{field}=.*expected"):
        load_config(toml_file(toml))


def test_probe_02_python_api_uses_the_same_validation():
    from raven.config.tables import DeviceConfig, NetworkConfig, TrainingConfig

    with pytest.raises(ValueError, match=r"device\.read_noise='no': expected true or false"):
        DeviceConfig(read_noise="no")
    with pytest.raises(ValueError, match=r"training\.epochs=True: expected an integer >= 1"):
        TrainingConfig(epochs=True)
    with pytest.raises(ValueError, match=r"network\.max_rate=2: expected a number in \(0, 1\]"):
        NetworkConfig(max_rate=2)
    # Normalised on the way in: a list becomes a tuple, an int a float.
    cfg = TrainingConfig(eval_times_s=[1, 2])
    assert cfg.eval_times_s == (1.0, 2.0) and isinstance(cfg.eval_times_s[0], float)


@dataclass(frozen=True, slots=True)
class _NewTable:
    """A table added later: declaring its fields is all it takes to be validated."""

    TABLE: ClassVar[str] = "new"
    size: int = setting(4, ge=1)
    gain: float | None = setting(None, gt=0)
    times_s: tuple[float, ...] = setting((1.0,), gt=0, min_len=1)
    mode: str = setting("a", choices=("a", "b"))
    on: bool = False

    def __post_init__(self) -> None:
        validate(self)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": True}, r"new\.size=True: expected an integer >= 1, got bool"),
        ({"size": 0}, r"new\.size=0: expected an integer >= 1$"),
        ({"gain": "2"}, r"new\.gain='2': expected None or a number > 0, got str"),
        ({"times_s": [1, "x"]}, r"new\.times_s=\[1, 'x'\]: expected a non-empty list of numbers"),
        ({"times_s": ()}, r"new\.times_s=\(\): expected a non-empty list"),
        ({"mode": "c"}, r"new\.mode='c': expected one of 'a', 'b'"),
        ({"on": "false"}, r"new\.on='false': expected true or false, got str"),
        ({"on": 0}, r"new\.on=0: expected true or false, got int"),
    ],
)
def test_probe_02_a_new_table_is_validated_by_its_declaration(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _NewTable(**kwargs)
    ok = _NewTable(size=np.int64(3), gain=2, times_s=[5], on=np.bool_(True))
    assert (type(ok.size), ok.gain, ok.times_s, ok.on) == (int, 2.0, (5.0,), True)


# 3. Sweeping "seed" was silently overridden by `seeds`.


def test_probe_03_seed_parameter_is_the_points_seed(tmp_path, toml_file):
    make_folder_layout(tmp_path / "data")
    path = toml_file('name = "s"\ndata = "data"\n[parameters]\n"seed" = [1, 2]\n', "s.toml")
    points = load_sweep(path).points()
    assert sorted(p.seed for p in points) == [1, 2]
    assert sorted(p.config["seed"] for p in points) == [1, 2]
    path.write_text('name = "s"\ndata = "data"\nseeds = [0]\n[parameters]\n"seed" = [1, 2]\n')
    with pytest.raises(ValueError, match="seeds"):
        load_sweep(path)


# 4. Resume did not check the dataset.


def test_probe_04_resume_refuses_another_dataset(tmp_path):
    a = make_tone_dataset(tmp_path / "a", per_label=8)
    b = make_tone_dataset(tmp_path / "b", labels=("low", "mid", "high"), per_label=9)
    cfg, cache = tiny_config(epochs=2), tmp_path / "cache"
    train(cfg, a, tmp_path / "run", progress=False, cache_dir=cache, stop_after_updates=1)
    with pytest.raises(ValueError, match="not the dataset this run was trained on"):
        train(cfg, b, tmp_path / "run", resume=True, progress=False, cache_dir=cache)
    assert json.loads((tmp_path / "run" / "dataset.json").read_text())["n_files"] == 3 * 8 + 2


# 5. Splits where every clip fails: ZeroDivisionError; NaN accuracy in JSON, exit 0.


def test_probe_05_all_training_clips_corrupt_is_a_clear_error(tmp_path, toml_file, capsys):
    data = make_tone_dataset(tmp_path / "d", per_label=8)
    testing = set((data / "testing_list.txt").read_text().split())
    validation = set((data / "validation_list.txt").read_text().split())
    for wav in data.glob("*/*.wav"):
        if f"{wav.parent.name}/{wav.name}" not in testing | validation:
            corrupt(wav)
    config = toml_file('[data]\ntask = "folder"\n[training]\nepochs = 1\n')
    code, _out, err = run_train_cli(data, config, tmp_path, capsys)
    assert code == 2 and "no usable clips in the training split" in err


def test_probe_05_all_test_clips_corrupt_fails_evaluate(trained, tmp_path, capsys):
    base, data = trained
    copy = shutil.copytree(data, tmp_path / "d")
    for rel in (copy / "testing_list.txt").read_text().split():
        corrupt(copy / rel)
    code, out, err = run_cli(
        [
            "evaluate",
            "--run",
            base / "run",
            "--data",
            copy,
            "--json",
            "--cache-dir",
            tmp_path / "cache",
        ],
        capsys,
    )
    assert code != 0 and "NaN" not in out and "no usable clips in the testing split" in err


# 6. Corrupt or truncated checkpoint / chip: BadZipFile / EOFError tracebacks.


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_probe_06_corrupt_chip_names_the_file(trained, tmp_path, capsys, damage):
    base, data = trained
    run = shutil.copytree(base / "run", tmp_path / "run")
    raw = (run / FINAL).read_bytes()
    (run / FINAL).write_bytes(
        raw[: len(raw) // 2] if damage == "truncate" else raw[:100] + b"x" * 5000
    )
    code, _out, err = run_cli(
        ["evaluate", "--run", run, "--data", data, "--cache-dir", base / "cache"], capsys
    )
    assert code == 2 and str(run / FINAL) in err and "train the chip again" in err
    assert "Traceback" not in err


def test_probe_06_truncated_checkpoint_names_the_file(tmp_path):
    data = make_tone_dataset(tmp_path / "d", per_label=8)
    cfg = tiny_config(epochs=2)
    train(
        cfg, data, tmp_path / "run", progress=False, cache_dir=tmp_path / "c", stop_after_updates=1
    )
    ckpt = tmp_path / "run" / CHECKPOINT
    ckpt.write_bytes(ckpt.read_bytes()[:-200])
    with pytest.raises(ValueError, match=rf"{CHECKPOINT}.*delete") as err:
        train(cfg, data, tmp_path / "run", resume=True, progress=False, cache_dir=tmp_path / "c")
    assert str(ckpt) in str(err.value)


def test_probe_06_corrupt_feature_cache_names_the_folder(trained, tmp_path, capsys):
    base, data = trained
    cache = shutil.copytree(base / "cache", tmp_path / "cache")
    damaged = list(cache.glob("validation-*/features.npy"))
    assert damaged
    for features in damaged:
        features.write_bytes(features.read_bytes()[:50])
    code, _out, err = run_cli(
        [
            "evaluate",
            "--run",
            base / "run",
            "--data",
            data,
            "--split",
            "validation",
            "--cache-dir",
            cache,
        ],
        capsys,
    )
    assert code == 2 and "not a readable feature cache" in err and "delete that folder" in err


# 7. Wrong-type values gave TypeError tracebacks.


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[learning]\nlr_out_uS = "fast"\n', r"learning\.lr_out_uS='fast': expected a number"),
        ('[network]\nmax_rate = "0.5"\n', r"network\.max_rate='0.5': expected a number"),
        ("[training]\neval_times_s = 5\n", r"training\.eval_times_s=5: expected a non-empty list"),
        ("[learning]\nepsilon_uS = [1]\n", r"learning\.epsilon_uS=\[1\]: expected None or"),
        ("network = 3\n", r"network=3: expected a table"),
    ],
)
def test_probe_07_wrong_types_name_the_field(toml_file, toml, message):
    with pytest.raises(ValueError, match=message):
        load_config(toml_file(toml))


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("seeds = 0\n[parameters]\n'network.n_hidden' = [8]\n", r"sweep\.seeds=0: expected a"),
        ("eval_times_s = 'x'\n[parameters]\n'network.n_hidden' = [8]\n", r"eval_times_s="),
        ("[parameters]\n'network.max_rate' = ['0.1']\n", r"network\.max_rate='0\.1'"),
        ("[parameters]\n'device.drift' = ['no']\n", r"device\.drift='no'"),
    ],
)
def test_probe_07_wrong_sweep_types_name_the_field(tmp_path, toml_file, lines, message):
    make_folder_layout(tmp_path / "data")
    path = toml_file('name = "s"\ndata = "data"\n' + lines, "s.toml")
    with pytest.raises(ValueError, match=message):
        load_sweep(path).points()


# 10. features.sample_rate_hz was accepted but audio was still read at 16 kHz.


def test_probe_10_features_read_audio_at_their_sample_rate(tmp_path):
    root = tmp_path / "d"
    (root / "a").mkdir(parents=True)
    audio = tone(440, rate=8000)
    write_wav(root / "a" / "x.wav", audio, sample_rate_hz=8000)
    cfg = FeatureConfig(sample_rate_hz=8000, clip_samples=8000, n_fft=512)
    index = index_dataset(root, task="folder", split_source="all")
    fs = extract_features(index, "testing", cfg, cache_dir=None, progress=False)
    expected = FeatureExtractor(cfg)(read_wav(root / "a" / "x.wav", None, 8000, 8000))
    np.testing.assert_allclose(fs.features[0], expected, rtol=1e-5, atol=1e-5)
    assert fs.report["resampled"] == 0


# 11. Smaller gaps.


def test_probe_11_dangling_wav_link_is_skipped_and_named(tmp_path):
    data = make_folder_layout(tmp_path / "d", labels=("a", "b"), per_label=3)
    (data / "a" / "gone.wav").symlink_to(tmp_path / "nowhere.wav")
    index = index_dataset(data, task="folder", split_source="all")
    fs = extract_features(index, "testing", cache_dir=tmp_path / "cache", progress=False)
    assert [s["file"] for s in fs.report["skipped_files"]] == ["a/gone.wav"]
    assert "not found" in fs.report["skipped_files"][0]["reason"]


def test_probe_11_implausible_audio_is_skipped(tmp_path):
    wavfile.write(tmp_path / "slow.wav", 1, np.zeros(16, np.int16))
    wavfile.write(tmp_path / "loud.wav", 16000, np.full(16000, 1e6, np.float32))
    report = AudioReport()
    with pytest.raises(AudioError, match="sample rate 1 Hz"):
        read_wav(tmp_path / "slow.wav", report)
    with pytest.raises(AudioError, match=r"outside \[-1, 1\]"):
        read_wav(tmp_path / "loud.wav", report)


def test_probe_11_unused_files_and_empty_folders_are_counted(tmp_path):
    data = make_folder_layout(tmp_path / "d", labels=("a", "b"), per_label=2)
    (data / "a" / "notes.txt").write_text("x")
    (data / "b" / "clip.mp3").write_bytes(b"x")
    (data / "empty").mkdir()
    notes = index_dataset(data, task="folder").notes
    assert notes["ignored_files"] == {"count": 2, "first": ["a/notes.txt", "b/clip.mp3"]}
    assert notes["folders_without_wav"] == ["empty"]


def test_probe_11_single_label_dataset_is_refused(tmp_path):
    data = make_tone_dataset(tmp_path / "d", labels=("only",), per_label=8)
    with pytest.raises(ValueError, match="at least 2"):
        train(tiny_config(), data, tmp_path / "run", progress=False, cache_dir=tmp_path / "c")


def test_probe_11_skipped_clips_reach_training_json_and_console(tmp_path, toml_file, capsys):
    data = make_tone_dataset(tmp_path / "d", per_label=8)
    validation = (data / "validation_list.txt").read_text().split()
    corrupt(data / validation[0])
    corrupt(data / "low" / "s7_nohash_0.wav")  # a training clip
    config = toml_file(
        '[data]\ntask = "folder"\naugment = false\n[training]\nepochs = 1\n'
        "[temporal]\nn_hidden = 8\n[network]\ntile_cols = 8\n"
    )
    code, _out, err = run_train_cli(data, config, tmp_path, capsys)
    assert code == 0
    assert "1 training clip(s) skipped" in err and "1 validation clip(s) skipped" in err
    summary = json.loads((tmp_path / "run" / "training.json").read_text())
    skipped = summary["validation_audio_report"]["skipped_files"]
    assert [s["file"] for s in skipped] == [validation[0]]


def test_probe_11_sweep_with_missing_data_fails_before_dask(tmp_path, monkeypatch):
    import dask.distributed

    def no_cluster(*a, **k):
        raise AssertionError("a cluster was started for a sweep that cannot run")

    monkeypatch.setattr(dask.distributed, "LocalCluster", no_cluster)
    monkeypatch.setattr(dask.distributed, "Client", no_cluster)
    sweep = load_sweep(write_sweep(tmp_path))  # its data folder does not exist
    with pytest.raises(ValueError, match="does not exist"):
        run_sweep(sweep, tmp_path / "out", workers=1, progress=False)


def test_probe_11_sweep_whose_every_point_fails_exits_non_zero(tmp_path, toml_file, capsys):
    make_tone_dataset(tmp_path / "data", per_label=4)
    # task "12" cannot read a folder of tones: every point fails.
    path = toml_file(
        'name = "s"\ndata = "data"\n[base]\ntraining = { epochs = 1 }\n'
        '[parameters]\n"data.task" = ["12"]\n',
        "s.toml",
    )
    code, out, err = run_cli(
        [
            "sweep",
            "--file",
            path,
            "--out",
            tmp_path / "out",
            "--workers",
            "1",
            "--cache-dir",
            tmp_path / "cache",
            "--quiet",
        ],
        capsys,
    )
    assert json.loads(out.splitlines()[-1]) == {"points": 1, "failed": 1}
    assert code == 1 and "every point" in err


def test_probe_11_saved_files_have_the_usual_permissions(trained, tmp_path):
    base, _data = trained
    chip, meta = load_chip(base / "run" / FINAL)
    old = os.umask(0o022)
    try:
        path = save_chip(tmp_path / "chip.npz", chip, meta["labels"])
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
    assert (base / "run" / FINAL).stat().st_mode & 0o077 != 0  # not 0600


# 13. The download was plain HTTP with no checksum.


def test_probe_13_download_is_https_and_verified():
    from raven.data.download import SOURCES

    assert all(s.url.startswith("https://") for s in SOURCES.values())
    assert SOURCES["v0.01"].sha256 == (
        "743935421bb51cccdb6bdd152e04c5c70274e935c82119ad7faeec31780d811d"
    )
    assert SOURCES["v0.02"].sha256 == (
        "af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58"
    )


def test_probe_13_archive_in_place_with_wrong_digest_is_removed(tmp_path):
    from raven.data.download import DatasetSource, DownloadError, download

    source = DatasetSource("t", "https://example.invalid/x.tar.gz", "x", "0" * 64)
    (tmp_path / "x.tar.gz").write_bytes(b"not the archive")
    with pytest.raises(DownloadError, match="removed"):
        download(source, tmp_path, progress=False)
    assert not (tmp_path / "x.tar.gz").exists()
