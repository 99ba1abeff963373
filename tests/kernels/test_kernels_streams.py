"""The registry of random streams (``kernels.rng``): unique ids, every stream constant in the
code taken from it, and keys packed from range-checked fields."""

from __future__ import annotations

import ast
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernels import rng

ROOT = Path(__file__).resolve().parents[2]
# Code that draws random numbers for the project (tests of the generator itself excepted).
SCANNED = [
    *sorted((ROOT / "kernels").rglob("*.py")),
    *sorted((ROOT / "raven").rglob("*.py")),
    *sorted((ROOT / "bench").rglob("*.py")),
    *sorted((ROOT / "experiments").rglob("*.py")),
    ROOT / "tests" / "naive.py",
    ROOT / "tests" / "support" / "determinism_probe.py",
]
KEYED_DRAWS = {"key4", "keyed_normal", "_key"}  # _key: tests/naive.py
REGISTERED = {name for name in vars(rng) if name.startswith("STREAM_")}


def _identifier(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _trees():
    for path in SCANNED:
        yield path.relative_to(ROOT), ast.parse(path.read_text())


def test_stream_ids_are_unique_and_each_has_one_constant():
    ids = [spec.stream_id for spec in rng.STREAMS.values()]
    assert len(set(ids)) == len(ids)
    assert all(isinstance(i, int) and 0 <= i < 2**63 for i in ids)
    assert {f"STREAM_{name.upper()}" for name in rng.STREAMS} == REGISTERED
    for name, spec in rng.STREAMS.items():
        assert getattr(rng, f"STREAM_{name.upper()}") == spec.stream_id
    tags = list(rng.GENERATOR_STREAMS.values())
    assert len(set(tags)) == len(tags) and all(t > 0 for t in tags)


def test_no_stream_id_is_defined_outside_the_registry():
    for path, tree in _trees():
        if path == Path("kernels/rng.py"):
            continue
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                name = _identifier(target)
                assert not (name and name.startswith("STREAM_")), f"{path}:{node.lineno} {name}"


def test_every_keyed_draw_uses_a_registered_stream():
    """The stream field of every key4 / keyed_* call is a registry constant (or the
    ``stream`` parameter of a kernel that is itself only called with registry constants),
    and every STREAM_* name the code passes around is registered."""
    calls = 0
    for path, tree in _trees():
        for node in ast.walk(tree):
            name = _identifier(node) if isinstance(node, ast.Name | ast.Attribute) else None
            if name and name.startswith("STREAM_"):
                assert name in REGISTERED, f"{path}:{node.lineno}: {name} is not registered"
            if not (isinstance(node, ast.Call) and _identifier(node.func) in KEYED_DRAWS):
                continue
            if path == Path("kernels/rng.py"):
                continue  # the generic draws, whose ``stream`` is their caller's
            calls += 1
            function = next(
                f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and node in ast.walk(f)
            )
            if any(isinstance(a, ast.Starred) for a in node.args):
                assert function.name in KEYED_DRAWS, f"{path}:{node.lineno}: forwards a key"
                continue  # a wrapper of key4, whose own calls are checked
            stream = _identifier(node.args[1]) if len(node.args) > 1 else None
            assert stream in REGISTERED | {"stream"}, f"{path}:{node.lineno}: stream {stream}"
            if stream == "stream":
                assert "stream" in [a.arg for a in function.args.args]
                _assert_called_with_registered_streams(function.name)
    assert calls >= 8  # the scan does see the kernels' draws


def _assert_called_with_registered_streams(function: str) -> None:
    seen = 0
    for path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _identifier(node.func) == function:
                args = node.args
                stream = _identifier(args[5]) if len(args) > 5 else None
                assert stream in REGISTERED, f"{path}:{node.lineno}: {function}({stream})"
                seen += 1
    assert seen, function


def test_system_generators_are_seeded_through_the_registry():
    """No ``default_rng([seed, <literal>, ...])`` in the system: tags come from
    ``GENERATOR_STREAMS``."""
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _identifier(node.func) == "default_rng"):
                continue
            for arg in node.args:
                if isinstance(arg, ast.List):
                    literal = [e for e in arg.elts if isinstance(e, ast.Constant)]
                    assert not literal, f"{path}:{node.lineno}: a literal stream tag"


def test_stream_generator_is_the_tagged_numpy_generator():
    a = rng.stream_generator(5, "epoch_order", 3).random(4)
    b = np.random.default_rng([5, rng.GENERATOR_STREAMS["epoch_order"], 3]).random(4)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="stream name"):
        rng.stream_generator(5, "nothing")
    with pytest.raises(ValueError, match="field 0=-1"):
        rng.stream_generator(5, "epoch_order", -1)


fields5 = st.integers(0, 31)


@given(st.integers(0, 2**40), fields5, fields5)
def test_mac_tile_key_is_the_former_arithmetic(mac_call, row_tile, col_tile):
    key = rng.MAC_TILE_KEY.pack(mac_call=mac_call, row_tile=row_tile, col_tile=col_tile)
    assert key == mac_call * 1024 + row_tile * 32 + col_tile
    assert rng.MAC_TILE_KEY.unpack(key) == {
        "mac_call": mac_call,
        "row_tile": row_tile,
        "col_tile": col_tile,
    }


@given(st.integers(0, 2**40), st.integers(0, 3), fields5, fields5)
def test_update_tile_key_is_the_former_arithmetic(step, layer, row_tile, col_tile):
    key = rng.UPDATE_TILE_KEY.pack(
        update_step=step, layer=layer, row_tile=row_tile, col_tile=col_tile
    )
    assert key == ((step * 4 + layer) * 32 + row_tile) * 32 + col_tile


@given(st.integers(0, 2**40), st.integers(0, 4095))
def test_threshold_and_clip_keys_are_the_former_arithmetic(call, t):
    assert rng.THRESHOLD_KEY.pack(mac_call=call, time_step=t) == call * 4096 + t
    clips = np.array([0, 7, 2**32 - 1], np.int64)
    np.testing.assert_array_equal(
        rng.CLIP_PASS_KEY.pack(clip=clips, data_pass=call % 3000),
        clips + ((call % 3000) << 32),
    )


@pytest.mark.parametrize(
    ("layout", "values", "field"),
    [
        (rng.MAC_TILE_KEY, {"mac_call": 0, "row_tile": 32, "col_tile": 0}, "row_tile=32"),
        (rng.MAC_TILE_KEY, {"mac_call": 0, "row_tile": 0, "col_tile": -1}, "col_tile=-1"),
        (rng.MAC_TILE_KEY, {"mac_call": 2**53, "row_tile": 0, "col_tile": 0}, "mac_call"),
        (
            rng.UPDATE_TILE_KEY,
            {"update_step": 1, "layer": 4, "row_tile": 0, "col_tile": 0},
            "layer=4",
        ),
        (rng.THRESHOLD_KEY, {"mac_call": 1, "time_step": 4096}, "time_step=4096"),
        (rng.THRESHOLD_KEY, {"mac_call": 1.5, "time_step": 0}, "mac_call=1.5"),
        (rng.THRESHOLD_KEY, {"mac_call": True, "time_step": 0}, "mac_call=True"),
        (rng.CLIP_PASS_KEY, {"clip": np.array([3, 2**32]), "data_pass": 1}, "clip=4294967296"),
        (rng.CLIP_PASS_KEY, {"clip": 3}, "expected exactly"),
    ],
)
def test_a_field_out_of_its_range_is_a_clear_error(layout, values, field):
    with pytest.raises(ValueError, match=field):
        layout.pack(**values)


def test_distinct_fields_give_distinct_keys():
    keys = {
        rng.UPDATE_TILE_KEY.pack(update_step=s, layer=layer, row_tile=r, col_tile=c)
        for s in range(6)
        for layer in range(4)
        for r in (0, 1, 31)
        for c in (0, 5, 31)
    }
    assert len(keys) == 6 * 4 * 3 * 3


def test_a_layout_must_fit_in_a_key():
    with pytest.raises(ValueError, match="last width"):
        rng.KeyLayout("x", (("a", 3), ("b", 4)))
    with pytest.raises(ValueError, match="wider"):
        rng.KeyLayout("x", (("a", 40), ("b", 30), ("c", None)))


def test_data_passes_keep_their_values_and_check_the_epoch():
    assert rng.data_pass("training", 0) == 1 and rng.data_pass("training", 9) == 10
    assert rng.data_pass("validation", 2) == 1002
    with pytest.raises(ValueError, match="epoch=999"):
        rng.data_pass("training", 999)
    with pytest.raises(ValueError, match="kind"):
        rng.data_pass("tests")


def test_data_passes_never_share_a_stream():
    """The test pass once had stream 7, the stream of the training pass of epoch 6 (of the
    default 10 epochs), so that a training clip evaluated with ``split="all"`` was encoded
    with the very draws of its epoch-6 training pass."""
    ranges = [set(range(first, first + n)) for first, n in rng.DATA_PASSES.values()]
    for a, b in combinations(ranges, 2):
        assert not a & b
    assert rng.data_pass("test") not in {rng.data_pass("training", e) for e in range(999)}


def test_a_clip_gets_other_spikes_in_the_test_pass_than_in_any_training_pass():
    from raven.chip.architecture import encode_batch
    from raven.config.tables import RavenConfig, TemporalConfig
    from raven.features.encoding import FeatureScaler

    # the rate code draws spikes (the default graded input has no draws to keep apart)
    cfg = RavenConfig(temporal=TemporalConfig(input_encoding="rate"))
    features = np.random.default_rng(0).normal(size=(3, 20, cfg.features.n_coefficients))
    scaler = FeatureScaler.fit(features)
    keys = np.array([11, 12, 13], np.int64)
    test = encode_batch(cfg, scaler, features, keys, rng.data_pass("test"))
    for epoch in range(10):
        train = encode_batch(cfg, scaler, features, keys, rng.data_pass("training", epoch))
        assert not np.array_equal(train, test), epoch


def test_the_seed_of_a_pass_is_distinct_for_every_run_seed_and_pass():
    """The chips once seeded a pass with ``seed + data_pass``: run seed 0's second training
    pass drew the read noise and thresholds of run seed 1's first. The seed word of a pass
    packs both fields, so no two (seed, pass) pairs share it."""
    words = {
        rng.PASS_SEED_KEY.pack(data_pass=p, seed=s)
        for s in range(4)
        for p in (*range(1, 5), rng.data_pass("validation"), rng.data_pass("test"))
    }
    assert len(words) == 4 * 6
    with pytest.raises(ValueError, match="data_pass=4096"):
        rng.PASS_SEED_KEY.pack(data_pass=4096, seed=0)
