"""The temporal Raven (recurrent ALIF layer, e-prop on chip) end to end on a tiny generated
dataset: it learns through pulses only, resumes bit for bit, round-trips through its file,
and books its digital state and periphery in the ledger."""

from __future__ import annotations

import numpy as np
import pytest

from raven.accounting.ledger import Ledger
from raven.chip.architecture import make_chip, n_inputs
from raven.chip.store import load_chip, save_chip
from raven.chip.temporal import TemporalChip
from raven.config.tables import config_from_dict
from raven.data.synthetic import make_tone_dataset
from raven.fit.loop import CHECKPOINT
from raven.learning.eprop import EpropRule
from raven.learning.factory import make_rule
from raven.runs.evaluate import evaluate
from raven.runs.train import FINAL, train
from tests.support.chip_cases import assert_same_chip_state

TINY = {
    "architecture": "temporal",
    "temporal": {"n_hidden": 16, "steps_per_frame": 1},
    "network": {"tile_rows": 256, "tile_cols": 16},
    "learning": {"update_every_clips": 4, "refresh_every_updates": 3},
    "training": {"epochs": 3, "checkpoint_every_updates": 2, "eval_times_s": [1.0, 86400.0]},
    "data": {"task": "folder"},
}


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("temporal")
    data = make_tone_dataset(base / "data", per_label=12)
    cfg = config_from_dict(TINY)
    summary = train(cfg, data, base / "run", progress=False, cache_dir=base / "cache")
    return base, data, cfg, summary


def test_learns_tones_on_chip_through_pulses_only(tiny_run):
    base, data, _cfg, summary = tiny_run
    counts = summary["ledger_counts"]
    assert counts["set_pulses"] > 0 and counts["eligibility_events"] > 0
    result = evaluate(base / "run", data, "test", 1.0, cache_dir=base / "cache")
    assert result["accuracy"] > 1 / 3 + 0.2  # three well separated tones: far above chance
    chip, _ = load_chip(base / "run" / FINAL)
    assert isinstance(chip, TemporalChip)
    # the self-connection pairs were never pulsed: their weight is the G_min - G_min pair's
    rows, cols = chip.self_connections()
    w = chip.hidden.weights_uS(float(summary["t_train_end_s"]))
    assert np.all(np.abs(w[rows, cols]) < 0.5)


def test_resume_reproduces_an_uninterrupted_run(tiny_run):
    base, data, cfg, _ = tiny_run
    out = base / "interrupted"
    train(cfg, data, out, progress=False, cache_dir=base / "cache", stop_after_updates=5)
    assert (out / CHECKPOINT).is_file()
    train(cfg, data, out, resume=True, progress=False, cache_dir=base / "cache")
    a, meta_a = load_chip(base / "run" / FINAL)
    b, meta_b = load_chip(out / FINAL)
    assert_same_chip_state(a, b)
    assert meta_a["training_state"]["curve"] == meta_b["training_state"]["curve"]


def test_ledger_books_eligibility_adcs_and_memories(tiny_run, tmp_path):
    _, _, cfg, _ = tiny_run
    chip = make_chip(cfg, n_inputs(cfg), 3)
    chip.initialise(0.0)
    rng = np.random.default_rng(0)
    steps = 20
    spikes = (rng.random((4, steps, chip.n_in)) < 0.3).astype(np.uint8)
    ledger = Ledger("training")
    rule = make_rule(cfg.learning, chip)
    assert isinstance(rule, EpropRule)
    result = rule.forward(spikes, chip.snapshots(1.0), ledger)
    c = ledger.counts
    n_hid, n_pre = chip.n_hidden, chip.hidden.n_in
    assert c["clips"] == 4 and c["time_steps"] == 4 * steps
    assert c["input_spikes"] == int(spikes.sum())
    assert c["neuron_updates"] == 4 * steps * (n_hid + 3)
    # one conversion per hidden column per step with an active row, one per output column
    # per step with a hidden spike
    ev = result.events
    assert c["adc_conversions"] == ev.hidden_read_steps * n_hid + ev.output_read_steps * 3
    events = ev.eligibility_events
    assert events > 0 and c["eligibility_events"] == events
    # the end-of-clip form: no per-synapse trace; per neuron and step one stored
    # pseudo-derivative (written, then rewritten as G_j(t) by the backward recursion), read
    # once by the recursion and once more, step by step, for the end-of-clip adds
    neuron_steps = 4 * steps * n_hid
    assert "eligibility_traces" not in ledger.memories
    store = ledger.memories["eligibility_store"]
    assert store.words == n_hid * chip.steps_per_clip() and not store.retained
    assert c["memory:eligibility_store:writes"] == 2 * neuron_steps
    hidden_rows = ev.input_spikes + ev.recurrent_rows
    assert ev.eligibility_adds == hidden_rows * n_hid
    assert c["memory:eligibility_store:reads"] == 2 * neuron_steps
    assert ledger.memories["activity_history"].words == n_pre * chip.steps_per_clip()
    assert ledger.memories["accumulators"].retained
    # inference declares no eligibility memory
    inference = Ledger("inference")
    chip.forward(spikes, chip.snapshots(2.0), inference)
    assert "eligibility_store" not in inference.memories
    assert inference.counts["eligibility_events"] == 0


def test_saved_chip_round_trip_gives_the_same_scores(tiny_run, tmp_path):
    base, _, _, _ = tiny_run
    chip, meta = load_chip(base / "run" / FINAL)
    path = save_chip(tmp_path / "copy.npz", chip, meta["labels"], {"x": 1})
    again, _ = load_chip(path)
    spikes = (np.random.default_rng(1).random((3, 10, chip.n_in)) < 0.3).astype(np.uint8)
    t = float(meta["t_train_end_s"]) + 5.0
    a = chip.forward(spikes, chip.snapshots(t), Ledger("inference"))
    b = again.forward(spikes, again.snapshots(t), Ledger("inference"))
    np.testing.assert_array_equal(a.scores, b.scores)


def test_layers_draw_pulses_from_distinct_streams(tiny_run, monkeypatch):
    _, _, cfg, _ = tiny_run
    chip = make_chip(cfg, n_inputs(cfg), 3)
    chip.initialise(0.0)
    used = []
    for index, layer in enumerate(chip.layers()):
        tile = layer.tiles[0][0]
        original = tile.update_mixed_precision

        def record(*args, _index=index, _original=original, **kwargs):
            used.append((_index, kwargs["step"]))
            return _original(*args, **kwargs)

        monkeypatch.setattr(tile, "update_mixed_precision", record)
    rule = make_rule(cfg.learning, chip)
    rule.apply(
        np.zeros((chip.hidden.n_in, chip.hidden.n_out)),
        np.zeros((chip.output.n_in, chip.output.n_out)),
        1,
        1.0,
        7,
        Ledger("training"),
    )
    # tile (0, 0) of both layers, same update step: the pulse streams are keyed apart
    assert len(used) == 2 and used[0][1] != used[1][1]
    keys = {layer.update_key(7, 0, 0) for layer in chip.layers()}
    assert len(keys) == 2
    layer = chip.hidden
    seen = {layer.update_key(s, r, c) for s in range(50) for r in range(3) for c in range(3)}
    assert len(seen) == 50 * 9


class _DrawnError(Exception):
    """Stops a forward pass at its first keyed draw, carrying the seed word it used."""


@pytest.mark.parametrize("architecture", ["temporal", "static"])
def test_runs_with_different_seeds_do_not_share_the_draws_of_a_pass(architecture, monkeypatch):
    """The seed word a forward pass hands to the kernels depends on the run's seed and the
    pass, not on their sum: run seed 0's pass 2 once drew the noise of run seed 1's pass 1."""
    import raven.chip.temporal

    def record(*args, seed, **kwargs):
        raise _DrawnError(seed)

    monkeypatch.setattr(raven.chip.temporal, "run_alif", record)

    def first_seed(run_seed, data_pass):
        # the static chip reads no [temporal] table: the tiny temporal settings stay out
        tables = {k: v for k, v in TINY.items() if architecture == "temporal" or k != "temporal"}
        cfg = config_from_dict({**tables, "architecture": architecture, "seed": run_seed})
        chip = make_chip(cfg, n_inputs(cfg), n_classes=3)
        if not isinstance(chip, TemporalChip):
            monkeypatch.setattr(
                chip.hidden, "forward", lambda flat, snap, noise, seed, *a: record(seed=seed)
            )
        spikes = np.zeros((1, 4, n_inputs(cfg)), np.uint8)
        with pytest.raises(_DrawnError) as drawn:
            chip.forward(spikes, chip.snapshots(1.0), Ledger("inference"), data_pass=data_pass)
        return drawn.value.args[0]

    seeds = [first_seed(0, 2), first_seed(1, 1), first_seed(0, 1), first_seed(1, 2)]
    assert len(set(seeds)) == 4, seeds


def test_multi_pair_synapses_sum_their_pairs_and_update_one_pair_per_step(tiny_run):
    """pairs_per_synapse = 2: a synapse's weight is the sum of its two pairs (read
    together), an update lands on the pair the round-robin counter selects, and the
    ledger books both pairs' cells."""
    import copy

    from raven.learning.eprop import EpropRule

    values = copy.deepcopy(TINY)
    values["temporal"]["pairs_per_synapse"] = 2
    cfg = config_from_dict(values)
    chip = make_chip(cfg, n_inputs(cfg), 3)
    chip.initialise(0.0)
    assert chip.hidden.n_in == 2 * chip.n_pre and chip.output.n_in == 2 * chip.n_hidden
    snaps = chip.snapshots(1.0)
    syn = chip.synapses(snaps, training=True)
    assert syn.w_hidden.shape == (chip.n_pre, chip.n_hidden)
    # the effective weight, from the layer's pairs by hand
    g = np.zeros((chip.hidden.n_in, chip.n_hidden))
    for r, c, _tile in chip.hidden.all_tiles():
        (r0, r1), (c0, c1) = chip.hidden.row_splits[r], chip.hidden.col_splits[c]
        g[r0:r1, c0:c1] = snaps[0][r][c].g_eff_uS
    by_hand = (g[0::2] + g[1::2]) / chip.hidden.scale_uS * chip.row_gain[:, None]
    np.testing.assert_allclose(syn.w_hidden, by_hand, rtol=1e-12, atol=1e-12)
    # round robin: step 0 updates the first pair of every synapse, step 1 the second
    delta = np.ones((chip.n_pre, chip.n_hidden))
    for step, changed in ((0, 0), (1, 1), (2, 0)):
        spread = chip.spread_over_pairs(delta, step)
        assert spread.shape == (2 * chip.n_pre, chip.n_hidden)
        np.testing.assert_array_equal(spread[changed::2], delta)
        np.testing.assert_array_equal(spread[1 - changed :: 2], 0.0)
    # a training pass books the cells of both pairs of every synapse read
    rng = np.random.default_rng(0)
    spikes = (rng.random((2, 10, chip.n_in)) < 0.3).astype(np.uint8)
    ledger = Ledger("training")
    rule = make_rule(cfg.learning, chip)
    assert isinstance(rule, EpropRule)
    result = rule.forward(spikes, snaps, ledger)
    assert ledger.counts["cell_reads"] == 2 * result.events.cell_reads
    assert ledger.memories["accumulators"].words == chip.n_synapses()
    assert chip.n_synapses() == 2 * (chip.n_pre * chip.n_hidden + chip.n_hidden * 3)
