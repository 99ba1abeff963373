"""Properties, counters, energy, hand-derived golden trajectories and the command line of
devices.pcm."""

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices import pcm
from devices.pcm.__main__ import main as pcm_main

ROOT = Path(__file__).resolve().parents[2]
PRESET_NAMES = sorted(pcm.PRESETS)

operation = st.one_of(
    st.tuples(st.just("program"), st.floats(0.0, 1.0)),
    st.tuples(st.just("pulses"), st.integers(0, 6)),
    st.tuples(st.just("reset"), st.floats(0.0, 1.0)),
    st.tuples(st.just("read"), st.booleans()),
)


def run_sequence(name, seed, ops, n=16):
    params = pcm.preset(name)
    arr = pcm.PCMArray(n, params, rng=np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 1)
    t = 0.0
    reads = []
    for kind, value in ops:
        t += float(rng.exponential(100.0))
        if kind == "program":
            arr.program(
                np.full(n, params.g_min_uS + value * (params.g_max_uS - params.g_min_uS)), t
            )
        elif kind == "pulses":
            arr.apply_pulses(
                rng.integers(0, value + 1, n), t, amplitude_level=rng.integers(0, 8, n)
            )
        elif kind == "reset":
            arr.reset(rng.random(n) < value, t)
        else:
            reads.append(arr.read(t, noise=value))
    reads.append(arr.read(t + 1.0))
    return arr, reads


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(PRESET_NAMES), st.integers(0, 2**31), st.lists(operation, max_size=12))
def test_states_stay_in_each_device_range_and_nothing_is_nan(name, seed, ops):
    """Writes keep G_min <= G <= the device's own G_max; drift only lowers G; reads carry
    unclipped sensing noise (they may dip below 0), but never NaN."""
    arr, reads = run_sequence(name, seed, ops)
    g_min, g_max_dev = arr.params.g_min_uS, arr.state.g_max_uS
    assert np.all((arr.state.g_prog_uS >= g_min) & (arr.state.g_prog_uS <= g_max_dev))
    assert np.all(np.isfinite(arr.nu)) and np.all(arr.nu >= 0.0)
    drifted = arr.conductance_uS(arr.t_last_write_s + 1e6)
    assert np.all((drifted >= 0.0) & (drifted <= g_max_dev))
    for g in reads:
        assert np.all(np.isfinite(g))


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(PRESET_NAMES), st.integers(0, 2**31), st.lists(operation, max_size=8))
def test_same_seed_same_arrays(name, seed, ops):
    a, reads_a = run_sequence(name, seed, ops)
    b, reads_b = run_sequence(name, seed, ops)
    for x, y in zip(reads_a, reads_b, strict=True):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a.g_prog_uS, b.g_prog_uS)
    assert a.counts == b.counts and a.energy == b.energy


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(PRESET_NAMES),
    st.integers(0, 2**31),
    st.lists(st.floats(0.0, 1e7), min_size=2, max_size=6),
)
def test_drift_without_noise_never_increases(name, seed, times):
    params = pcm.preset(name)
    arr = pcm.PCMArray(64, params, rng=seed)
    arr.program(np.linspace(params.g_min_uS, params.g_max_uS, 64), t_s=0.0)
    previous = arr.g_prog_uS.copy()
    for t in sorted(times):
        g = arr.read(t, noise=False)
        assert np.all(g <= previous)
        previous = g


def test_drift_exponent_survives_reads_and_is_redrawn_only_by_writes():
    arr = pcm.PCMArray(1000, pcm.preset("joshi2020"), rng=7)
    arr.program(np.full(1000, 10.0), t_s=0.0)
    nu0 = arr.nu.copy()
    g1 = arr.read(3600.0, noise=False)
    for t in (10.0, 3600.0, 86400.0):
        arr.read(t)
    np.testing.assert_array_equal(arr.nu, nu0)
    # One trajectory per device: reading again at 1 h gives the same drifted value.
    np.testing.assert_array_equal(arr.read(3600.0, noise=False), g1)
    written = np.arange(1000) < 300
    arr.program(np.full(1000, 10.0), t_s=90000.0, mask=written)
    assert np.all(arr.nu[written] != nu0[written])
    np.testing.assert_array_equal(arr.nu[~written], nu0[~written])
    arr.apply_pulses(np.where(written, 0, 1), t_s=90001.0)
    assert np.all(arr.nu[~written] != nu0[~written])


def _noise_free(name: str) -> pcm.PCMParams:
    """The preset with every random term switched off (same means)."""
    params = pcm.preset(name)
    q, d = params.pulse, params.drift
    return dataclasses.replace(
        params,
        programming=pcm.ProgrammingNoiseParams(scale=0.0),
        pulse=dataclasses.replace(q, std_g_coeff=0.0, std_offset_uS=0.0, std_history_uS=0.0),
        drift=dataclasses.replace(
            d, nu_std_log_slope=0.0, nu_std_offset=0.0, nu_std_min=0.0, nu_std_max=0.0
        ),
        reset=pcm.ResetParams(g_mean_uS=params.g_min_uS, g_std_uS=0.0),
    )


@pytest.mark.parametrize(
    ("name", "r", "first_uS"),
    # G_1 by hand from G_0 = G_min, P_0 = 1:
    # nandakumar2018: 0.1 + (-0.084 * 0.1 + 0.880 + 1.40) = 2.3716 uS;
    # joshi2020 (r = 25/12): 0 + 25/12 * (0.880 + 1.40) = 4.75 uS.
    [("nandakumar2018", 1.0, 2.3716), ("joshi2020", 25.0 / 12.0, 4.75)],
)
def test_golden_trajectory_from_the_closed_form(name, r, first_uS):
    """Noise-free pulses from RESET follow G_(k+1) = a G_k + c + d q^k with a = 1 - 0.084,
    c = 0.880 r, d = 1.40 r, q = exp(-1/2.6) (P_k = q^k), whose solution is
    G_k = a^k G_0 + c (1 - a^k) / (1 - a) + d (a^k - q^k) / (a - q) (no clipping: the
    trajectory stays below G_max). Then drift with the preset's source convention."""
    params = _noise_free(name)
    arr = pcm.PCMArray(3, params, rng=0)
    g0 = params.g_min_uS
    # One pulse a second: within t0 = 38.6 s nandakumar2018 does not drift (the fit starts
    # at t0); joshi2020 drifts from the end of each write, so its pulses are simultaneous.
    dt = 1.0 if name == "nandakumar2018" else 0.0
    trajectory = []
    for step in range(1, 13):
        arr.apply_pulses(np.ones(3, np.int64), t_s=step * dt)
        trajectory.append(arr.read(step * dt, noise=False))
    a, c, d, q = 1 - 0.084, 0.880 * r, 1.40 * r, math.exp(-1 / 2.6)
    k = np.arange(1, 13)
    expected = a**k * g0 + c * (1 - a**k) / (1 - a) + d * (a**k - q**k) / (a - q)
    assert expected[0] == pytest.approx(first_uS, abs=1e-12)
    np.testing.assert_allclose(np.array(trajectory), expected[:, None] * np.ones(3), rtol=1e-12)
    g12 = expected[-1]
    if name == "nandakumar2018":
        # G(t) = G(t0) (t / t0)^-0.04, G_prog being G at t0 = 38.6 s after the write.
        np.testing.assert_allclose(arr.read(12.0 + 38.6 / 2, noise=False), g12, rtol=1e-12)
        np.testing.assert_allclose(arr.read(12.0 + 38.6, noise=False), g12, rtol=1e-12)
        np.testing.assert_allclose(arr.read(12.0 + 386.0, noise=False), g12 * 10**-0.04, rtol=1e-12)
    else:
        # ((t + 20) / 20)^-nu, nu = clip(-0.0155 ln x + 0.0244, 0.049, 0.1) = 0.049 here.
        nu = min(max(-0.0155 * math.log(g12 / 25.0) + 0.0244, 0.049), 0.1)
        np.testing.assert_allclose(
            arr.read(3600.0, noise=False), g12 * (3620.0 / 20.0) ** -nu, rtol=1e-12
        )


def test_stuck_devices_ignore_writes():
    params = pcm.preset("joshi2020")
    params = params.__class__(
        **{
            **{f: getattr(params, f) for f in params.__dataclass_fields__},
            "faults": pcm.FaultParams(
                frac_stuck_g_min=0.2, frac_stuck_g_max=0.2, frac_stuck_random=0.2
            ),
        }
    )
    arr = pcm.PCMArray(500, params, rng=3)
    stuck = arr.faults != 0
    before = arr.read(0.0, noise=False)
    arr.program(np.full(500, 12.0), t_s=1.0)
    arr.apply_pulses(np.full(500, 3), t_s=2.0)
    arr.reset(np.ones(500, bool), t_s=3.0)
    after = arr.read(1e6, noise=False)
    np.testing.assert_array_equal(after[stuck], before[stuck])
    np.testing.assert_array_equal(after[arr.faults == 1], 0.0)
    np.testing.assert_array_equal(after[arr.faults == 2], arr.state.g_max_uS[arr.faults == 2])


def test_counters_and_energy_follow_the_energy_table():
    params = pcm.preset("joshi2020")
    e = params.energy
    arr = pcm.PCMArray((10, 20), params, rng=0)
    arr.program(np.full((10, 20), 12.5), t_s=0.0)
    g_true = arr.read(3600.0, noise=False)
    read_J = e.v_read_V**2 * g_true.sum() * 1e-6 * params.read_noise.t_read_s
    assert arr.energy.read_J == pytest.approx(read_J, rel=1e-12)
    assert read_J / 200 == pytest.approx(0.25e-12 * g_true.mean() / 25.0)  # 0.25 pJ at 25 uS
    levels = np.zeros((10, 20), np.int64)
    levels[:5] = 3  # amplitude 0.5
    arr.apply_pulses(np.full((10, 20), 2), t_s=4000.0, amplitude_level=np.where(levels == 3, 3, -1))
    arr.reset(np.eye(10, 20, dtype=bool), t_s=5000.0)
    assert arr.counts.as_dict() == {
        "reads": 200,
        "verify_reads": 0,
        "set_pulses": 400,
        "reset_pulses": 10,
        "program_pulses": 200,
    }
    assert arr.energy.set_J == pytest.approx((200 * 0.25 + 200 * 1.0) * e.e_set_J)
    assert arr.energy.reset_J == pytest.approx(10 * e.e_reset_J)
    assert arr.energy.program_J == pytest.approx(200 * e.e_program_J)
    assert arr.energy_J == pytest.approx(arr.energy.as_dict()["total_J"])


def test_program_and_verify_converges_and_reports_pulses():
    arr = pcm.PCMArray(2000, pcm.preset("joshi2020"), rng=11)
    target = np.linspace(2.0, 20.0, 2000)
    pulses = arr.program_and_verify(target, t_s=0.0, tolerance_uS=0.5, max_iterations=20)
    assert pulses.min() >= 1 and pulses.max() <= 20
    converged = np.abs(arr.last_verify_uS - target) <= 0.5
    assert converged.mean() > 0.99
    assert arr.counts.program_pulses == pulses.sum()
    assert arr.counts.verify_reads == pulses.sum()  # one verify read per pulse
    assert pulses.mean() > 1.0  # noise of ~1 uS forces retries at 0.5 uS tolerance


def test_stats_command_prints_the_documented_keys(capsys):
    args = [
        "stats",
        "--preset",
        "joshi2020",
        "--g-target-uS",
        "12.5",
        "--t-s",
        "3600",
        "--n",
        "2000",
        "--seed",
        "0",
    ]
    assert pcm_main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert pcm_main(args) == 0
    second = json.loads(capsys.readouterr().out)
    assert first == second
    for key in (
        "preset",
        "g_prog_mean_uS",
        "g_prog_std_uS",
        "drift_factor_mean",
        "read_noise_rel_std",
    ):
        assert key in first
    assert pcm_main(["stats", "--g-target-uS", "99"]) == 2
    assert "g_target_uS" in capsys.readouterr().err
