"""The energy ledger: size-priced memories, static power, the periphery the architecture
needs, device events priced once, and calibration against silicon."""

import math

import numpy as np
import pytest

from devices.pcm import preset
from raven.accounting.calibration import CALIBRATED, calibration_report
from raven.accounting.energy import (
    ADC_8BIT_J,
    SILICON_REFERENCES,
    adc_conversion_J,
    chip_profile,
    dynamic_scale,
    sram_64bit_access_J,
)
from raven.accounting.ledger import Ledger, ledger_from_summary
from raven.chip.crossbar import Chip
from raven.chip.layer import ACCUMULATOR_FRACTION_BITS
from raven.config.tables import config_from_dict

DEVICE = preset("nandakumar2018").energy


def small_chip(readout="adc", tile_rows=8, n_in=20, n_hidden=6, n_classes=3, seed=0):
    cfg = config_from_dict(
        {
            "seed": seed,
            "architecture": "static",
            "network": {
                "n_hidden": n_hidden,
                "time_steps": 3,
                "tile_rows": tile_rows,
                "tile_cols": 4,
                "hidden_theta_uS": 5.0,
            },
        }
    )
    chip = Chip(cfg, n_in, n_classes, readout=readout)
    return chip


def summary_of(ledger, chip, **kw):
    return ledger.summary(
        chip_profile(), chip.params.energy, chip.params.read_noise.t_read_s, 1.0, **kw
    )


# -- memory model ------------------------------------------------------------------------------
def test_sram_model_passes_through_horowitz_points_and_grows_with_size():
    assert sram_64bit_access_J(8 * 1024) == pytest.approx(10e-12)
    assert sram_64bit_access_J(32 * 1024) == pytest.approx(20e-12)
    assert sram_64bit_access_J(1024 * 1024) == pytest.approx(100e-12)
    sizes = [256, 4096, 16384, 500_000, 4 << 20]
    energies = [sram_64bit_access_J(s) for s in sizes]
    assert energies == sorted(energies)
    # Log-log between points: 128 KB is the geometric interpolation between 32 KB and 1 MB.
    f = math.log(4) / math.log(32)
    assert sram_64bit_access_J(128 * 1024) == pytest.approx(20e-12 * 5**f)
    with pytest.raises(ValueError, match="capacity_bytes"):
        sram_64bit_access_J(0)


def test_the_500KB_accumulator_array_costs_more_than_an_8KB_access():
    """254k 16-bit words: a 16-bit access of that array, not a quarter of an 8 KB one."""
    p = chip_profile("pcm45")
    big = p.memory_access_J(254_000 * 2, 16)
    assert big == pytest.approx(sram_64bit_access_J(254_000 * 2) / 4)
    assert big > 6 * p.memory_access_J(8 * 1024, 16)


def test_profile_scaling_and_adc_bits():
    assert dynamic_scale(45, 0.9) == 1.0
    assert dynamic_scale(28, 0.5) == pytest.approx(28 / 45 * (0.5 / 0.9) ** 2)
    assert adc_conversion_J(8) == pytest.approx(1.6667e-12, rel=1e-3)
    assert adc_conversion_J(6) == pytest.approx(ADC_8BIT_J / 4)
    assert chip_profile("pcm45", adc_bits=6).event_prices_J()["adc_conversions"] == (
        pytest.approx(ADC_8BIT_J / 4)
    )
    with pytest.raises(ValueError, match="adc_bits"):
        chip_profile("pcm45", adc_bits=0)
    with pytest.raises(ValueError, match="chip profile 'nope'"):
        chip_profile("nope")


def test_declared_memories_price_accesses_and_errors_name_the_memory():
    led = Ledger("x")
    led.declare_memory("traces", words=1024, word_bits=16)
    led.add_memory("traces", reads=10, writes=5)
    led.add(clips=1)
    p = chip_profile()
    e = led.energy_breakdown_J(p, DEVICE, 250e-9)
    assert e["memory:traces"] == pytest.approx(15 * p.memory_access_J(2048, 16))
    with pytest.raises(ValueError, match="'other' is not declared"):
        led.add_memory("other", reads=1)
    with pytest.raises(ValueError, match="declared as"):
        led.declare_memory("traces", words=2048, word_bits=16)
    with pytest.raises(ValueError, match="word_bits=0"):
        led.declare_memory("bad", words=4, word_bits=0)
    with pytest.raises(ValueError, match="reads"):
        led.add_memory("traces", reads=-1)
    with pytest.raises(ValueError, match="unknown"):
        led.add(bogus=1)


def test_static_power_counts_leakage_and_power_gating_is_explicit():
    led = Ledger("training")
    led.declare_memory("acc", words=1000, word_bits=16, retained=True)
    led.declare_memory("state", words=100, word_bits=16)
    led.add(time_steps=16, clips=1)
    p = chip_profile()
    gated = led.static_power_W(p, clip_period_s=1.0, power_gated=True)
    always = led.static_power_W(p, clip_period_s=1.0, power_gated=False)
    leak = p.sram_leakage_per_bit_W
    assert gated["memory:acc"] == pytest.approx(16_000 * leak)  # retained: leaks all the time
    duty = 16 * p.t_step_s
    assert gated["memory:state"] == pytest.approx(1600 * leak * duty)
    assert always["memory:state"] == pytest.approx(1600 * leak)
    assert always["periphery"] == p.periphery_leakage_W
    s = led.summary(p, DEVICE, 250e-9, 1.0, power_gated=False)
    assert s["static_power_uW"] == pytest.approx(sum(always.values()) * 1e6)
    assert s["power_uW"] == pytest.approx(s["energy_per_clip_J"] * 1e6)
    assert not s["duty_cycling"]["power_gated_between_clips"]


# -- the periphery the architecture needs -----------------------------------------------------
def forward_ledger(chip, batch=2, rate=0.3, seed=1):
    chip.initialise(0.0)
    spikes = (np.random.default_rng(seed).random((batch, 3, chip.n_in)) < rate).astype(np.uint8)
    led = Ledger("inference")
    result = chip.forward(spikes, chip.snapshots(1.0), led)
    return led, spikes, result


def converted(layer, flat):
    """(column reads, partial-sum adds) of a layer fed ``flat`` (samples x inputs)."""
    active = [flat[:, r0:r1].any(axis=1) for r0, r1 in layer.row_splits]
    reads = sum(int(a.sum()) for a in active) * layer.n_out
    adds = int(np.maximum(sum(active) - 1, 0).sum()) * layer.n_out
    return reads, adds


def test_adc_readout_converts_every_column_read_of_every_active_tile():
    """4 x 256 x 16 + 12 x 16 conversions per clip on the default chip: here, exactly the
    columns of every tile with an active row, for both layers."""
    chip = small_chip("adc")
    led, spikes, result = forward_ledger(chip)
    assert len(chip.hidden.row_splits) == 3
    flat_in = spikes.transpose(1, 0, 2).reshape(-1, chip.n_in)
    flat_hidden = result.hidden_spikes.reshape(-1, chip.hidden.n_out)
    reads_in, adds_in = converted(chip.hidden, flat_in)
    reads_hidden, adds_hidden = converted(chip.output, flat_hidden)
    assert reads_in > 0 and adds_in > 0
    assert led.counts["adc_conversions"] == reads_in + reads_hidden
    assert led.counts["column_reads"] == led.counts["adc_conversions"]
    assert led.counts["partial_sum_adds"] == adds_in + adds_hidden
    assert led.counts["time_steps"] == 3 * 2
    s = summary_of(led, chip)
    adc_J = s["energy_breakdown_per_clip_J"]["adc_conversions"]
    assert adc_J == pytest.approx((reads_in + reads_hidden) / 2 * adc_conversion_J(8))
    assert s["energy_breakdown_per_clip_J"]["memory:neuron_state"] > 0
    assert s["energy_breakdown_per_clip_J"]["time_steps"] > 0


def test_analog_readout_has_no_adc_and_no_digital_partial_sums():
    chip = small_chip("analog")
    led, _, _ = forward_ledger(chip)
    assert led.counts["adc_conversions"] == 0 and led.counts["partial_sum_adds"] == 0
    assert led.counts["neuron_updates"] == 0 and led.counts["analog_neuron_updates"] > 0
    assert led.counts["column_reads"] > 0
    assert "neuron_state" not in led.memories
    with pytest.raises(ValueError, match="readout"):
        small_chip("optical")


def test_initial_programming_is_booked_once_per_device():
    chip = small_chip()
    led = Ledger("training")
    chip.initialise(0.0, led)
    assert led.counts["program_pulses"] == 2 * chip.n_synapses()
    arrays = [t.plus for la in chip.layers() for *_, t in la.all_tiles()]
    arrays += [t.minus for la in chip.layers() for *_, t in la.all_tiles()]
    assert sum(a.counts.program_pulses for a in arrays) == led.counts["program_pulses"]


# -- accumulators on their declared 16-bit grid ------------------------------------------------
def test_accumulators_stay_on_the_16bit_grid_and_saturate():
    chip = small_chip(tile_rows=32)
    chip.initialise(0.0)
    layer = chip.output
    eps = 0.8
    lsb = eps / 2**ACCUMULATOR_FRACTION_BITS
    rng = np.random.default_rng(3)
    led = Ledger("training")
    chip.declare_memories(led, training=True)
    for k in range(3):
        delta = rng.normal(0, 0.3, (layer.n_in, layer.n_out))
        layer.apply_delta(delta, 2.0 + k, eps, 8, 0, k, led)
        for chi in (c for row in layer.chi_uS for c in row):
            q = chi / lsb
            np.testing.assert_allclose(q, np.round(q), atol=1e-6)
            assert np.all(np.abs(q) <= 2**15)
    huge = np.full((layer.n_in, layer.n_out), 1e6)
    layer.apply_delta(huge, 10.0, eps, 1, 0, 9, led)
    chi = layer.chi_uS[0][0]
    assert chi.max() == pytest.approx((2**15 - 1) * lsb)  # saturated at the int16 top


# -- refresh: each RESET once, reads priced in the ledger --------------------------------------
def test_refresh_books_one_reset_and_one_program_per_pair_and_prices_its_reads():
    chip = small_chip(tile_rows=32)
    layer = chip.hidden
    w = np.full((layer.n_in, layer.n_out), 0.5)
    layer.program(w, 0.0, w_max=1.0)
    for *_, tile in layer.all_tiles():  # both devices high: every pair needs a refresh
        tile.minus.program(np.full(tile.shape, 0.9 * tile.params.g_max_uS), 0.0)
    arrays = [a for *_, t in layer.all_tiles() for a in (t.plus, t.minus)]
    read_before = sum(a.energy.read_J for a in arrays)
    led = Ledger("training")
    n = layer.refresh(1.0, 0.5, 0.1, 0, 0, led)
    assert n > 0
    assert led.counts["reset_pulses"] == n and led.counts["program_pulses"] == n
    assert led.counts["cell_reads"] == 2 * n
    e = chip.params.energy
    ledger_read_J = e.v_read_V**2 * 1e-6 * chip.params.read_noise.t_read_s
    ledger_read_J *= led.counts["read_g_sum_uS"]
    assert ledger_read_J > 0
    assert ledger_read_J == pytest.approx(sum(a.energy.read_J for a in arrays) - read_before)


# -- summaries ---------------------------------------------------------------------------------
def test_summary_reports_sop_energy_beside_silicon_and_round_trips():
    chip = small_chip()
    led, _, _ = forward_ledger(chip)
    s = summary_of(led, chip)
    sops = led.counts["synaptic_ops"] / led.counts["clips"]
    front = s["energy_breakdown_per_clip_J"]["frontend_ops"]
    assert s["pJ_per_sop"] == pytest.approx((s["dynamic_energy_per_clip_J"] - front) / sops * 1e12)
    assert s["silicon_pJ_per_sop"]["reckon_isscc2022"] == 5.3
    assert s["neurobench"]["effective_acs"] == pytest.approx(sops)
    again = ledger_from_summary(s)
    s2 = summary_of(again, chip)
    assert s2["energy_per_clip_J"] == pytest.approx(s["energy_per_clip_J"])


@pytest.mark.parametrize("name", sorted(CALIBRATED))
def test_calibrated_profiles_land_within_2x_of_their_silicon(name):
    rows = {r["chip"]: r for r in calibration_report(DEVICE, 250e-9)}
    row = rows[name]
    ref = SILICON_REFERENCES[CALIBRATED[name].reference]["pJ_per_sop"]
    assert row["silicon_pJ_per_sop"] == ref
    assert 0.5 <= row["ratio"] <= 2.0, row


def test_kernel_events_are_booked_under_the_ledgers_names_in_their_order():
    from kernels.events import Events

    ledger = Ledger("training")
    ledger.add_events(
        Events(set_pulses_plus=2, set_pulses_minus=3, set_amplitude_sq_sum=4.5, reset_pulses=0)
    )
    ledger.add_events(Events(cell_reads=7, read_g_sum_uS=1.25))
    assert dict(ledger.counts) == {
        "set_pulses": 5,
        "set_amplitude_sq_sum": 4.5,
        "reset_pulses": 0,  # a reported zero is booked: counted, none happened
        "cell_reads": 7,
        "read_g_sum_uS": 1.25,
    }
    with pytest.raises(ValueError, match="'spikes' is not a ledger event"):
        ledger.add_events(Events(neuron_updates=4, spikes=1))


def test_every_kernel_event_is_a_ledger_event_or_booked_by_the_system():
    """A new kernel event must be given a price (a ledger event) or a place in the system."""
    from kernels.events import EVENT_NAMES
    from raven.accounting.ledger import (
        DEVICE_EVENTS,
        INFORMATIONAL_EVENTS,
        PERIPHERY_EVENTS,
        SYSTEM_BOOKED_EVENTS,
    )

    known = set(PERIPHERY_EVENTS + DEVICE_EVENTS + INFORMATIONAL_EVENTS)
    pulses = {"set_pulses_plus", "set_pulses_minus"}
    for name in EVENT_NAMES:
        assert (name in known) + (name in SYSTEM_BOOKED_EVENTS) + (name in pulses) == 1, name
    assert set(EVENT_NAMES) >= SYSTEM_BOOKED_EVENTS
