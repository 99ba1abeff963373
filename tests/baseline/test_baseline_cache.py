"""The on-disk cache of baseline results: a hit does not train, a change of data, config or
code does, and a corrupt file is reported and recomputed."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from raven.baseline import cache as cache_module  # noqa: E402
from raven.baseline import train as baseline_train  # noqa: E402
from raven.baseline.cache import (  # noqa: E402
    CacheWarning,
    ResultCache,
    array_fingerprint,
    code_version,
)
from raven.baseline.sweep import sweep  # noqa: E402
from raven.baseline.train import (  # noqa: E402
    BaselineConfig,
    cached_train_baseline,
)
from tests.support.baseline_cases import separable_data  # noqa: E402

CFG = BaselineConfig(max_epochs=2, patience=2, threads=1)


@pytest.fixture
def trainings(monkeypatch):
    """Counts the models actually trained."""
    calls = []
    real = baseline_train.train_baseline

    def counting(family, width, *args, **kwargs):
        calls.append((family, width))
        return real(family, width, *args, **kwargs)

    monkeypatch.setattr(baseline_train, "train_baseline", counting)
    return calls


def _run(tmp_path, data, cfg=CFG, family="dnn", width=36):
    return cached_train_baseline(tmp_path, family, width, data, cfg, progress=False)


def test_second_call_is_a_hit_and_does_not_train(tmp_path, trainings):
    data = separable_data()
    first = _run(tmp_path, data)
    second = _run(tmp_path, data)
    assert trainings == [("dnn", 36)]
    assert (first.from_cache, second.from_cache) == (False, True)
    assert dataclasses.replace(first, from_cache=None) == dataclasses.replace(
        second, from_cache=None
    )
    # the threads setting does not change what is computed
    assert _run(tmp_path, data, dataclasses.replace(CFG, threads=2)).from_cache
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files


def test_a_fresh_equal_copy_of_the_data_is_a_hit(tmp_path, trainings):
    _run(tmp_path, separable_data())
    assert _run(tmp_path, separable_data()).from_cache
    assert len(trainings) == 1


def test_changed_data_config_family_or_code_retrains(tmp_path, trainings, monkeypatch):
    data = separable_data()
    _run(tmp_path, data)
    relabelled = dataclasses.replace(data, val_y=np.roll(data.val_y, 1))
    assert not _run(tmp_path, relabelled).from_cache
    assert not _run(tmp_path, data, dataclasses.replace(CFG, lr=2e-3)).from_cache
    assert not _run(tmp_path, data, width=72).from_cache
    monkeypatch.setattr(baseline_train, "code_version", lambda: "edited")
    assert not _run(tmp_path, data).from_cache
    assert len(trainings) == 5


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # truncated
        lambda text: "\x00\xff not json",
        lambda text: json.dumps([1, 2]),
        lambda text: json.dumps(json.loads(text) | {"key": {"family": "other"}}),
        lambda text: json.dumps({"key": json.loads(text)["key"], "result": {"family": "dnn"}}),
        # a result with a field BaselineResult does not know
        lambda text: json.dumps(
            (lambda d: d | {"result": d["result"] | {"accuracy": 1.0}})(json.loads(text))
        ),
        # fields of the wrong type: no curve, a width that is no number
        lambda text: json.dumps(
            (lambda d: d | {"result": d["result"] | {"curve": None}})(json.loads(text))
        ),
        lambda text: json.dumps(
            (lambda d: d | {"result": d["result"] | {"width": "x"}})(json.loads(text))
        ),
    ],
)
def test_corrupt_file_is_reported_and_recomputed(tmp_path, trainings, damage):
    data = separable_data()
    first = _run(tmp_path, data)
    (path,) = tmp_path.glob("dnn-36-*.json")
    path.write_text(damage(path.read_text()))
    with pytest.warns(CacheWarning, match=path.name):
        again = _run(tmp_path, data)
    assert not again.from_cache and len(trainings) == 2
    assert again.test_accuracy == first.test_accuracy
    assert _run(tmp_path, data).from_cache  # the file was rewritten whole


def test_sweep_through_the_cache(tmp_path, trainings):
    data = separable_data()
    families = {"dnn": (36,), "gru": (8, 16)}
    first = sweep(data, families, CFG, progress=False, cache_dir=tmp_path)
    second = sweep(data, families, CFG, progress=False, cache_dir=tmp_path)
    assert [(r.family, r.width) for r in second] == [("dnn", 36), ("gru", 8), ("gru", 16)]
    assert not any(r.from_cache for r in first) and all(r.from_cache for r in second)
    assert len(trainings) == 3
    assert len(list(tmp_path.glob("*.json"))) == 3


def test_fingerprint_sees_values_shapes_and_dtypes():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    base = array_fingerprint({"x": a})
    assert base == array_fingerprint({"x": a.copy()})
    assert base != array_fingerprint({"x": a.reshape(4, 3)})
    assert base != array_fingerprint({"x": a.astype(np.float64)})
    assert base != array_fingerprint({"y": a})
    b = a.copy()
    b[2, 3] += 1
    assert base != array_fingerprint({"x": b})
    assert array_fingerprint({"x": a.T}) == array_fingerprint({"x": np.ascontiguousarray(a.T)})
    assert len(code_version()) == 64
    assert code_version() == cache_module._hash_sources()  # the sources have not changed


def test_result_cache_stores_and_loads(tmp_path):
    cache = ResultCache(tmp_path / "new")
    key = {"a": 1}
    assert cache.load("x", key) is None
    cache.store("x", key, {"v": 2})
    assert cache.load("x", key) == {"v": 2}
    assert cache.load("x", {"a": 2}) is None  # another key, another file
    with pytest.warns(CacheWarning, match="lacks"):
        assert cache.load("x", key, required=("v", "w")) is None


def test_the_code_key_covers_the_ceilings_kernels(tmp_path, monkeypatch):
    """The software ceiling trains through kernels.alif_bptt: an edit there must change
    the key of every cached result, as an edit to the baseline modules does."""
    import kernels.alif_bptt as alif_bptt
    import kernels.recurrent as recurrent

    files = cache_module.source_files()
    assert Path(alif_bptt.__file__) in files and Path(recurrent.__file__) in files
    edited = tmp_path / "alif_bptt.py"
    edited.write_bytes(Path(alif_bptt.__file__).read_bytes() + b"\n# edited\n")
    monkeypatch.setattr(
        cache_module,
        "source_files",
        lambda: [edited if p.name == "alif_bptt.py" else p for p in files],
    )
    assert cache_module._hash_sources() != code_version()
