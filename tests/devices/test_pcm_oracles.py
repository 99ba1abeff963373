"""Independent oracles for the device physics, on 1e5 devices.

Every expectation here is computed with plain numpy from the source formulas written out
in this file: nothing is imported from ``devices.pcm.physics`` (the functions under test).
The device model is driven only through ``PCMArray``, its state arrays and the crossbar
tile. Moments are compared within ``N_STANDARD_ERRORS`` standard errors.
"""

import dataclasses
import math

import numpy as np
import pytest

from devices import pcm
from devices.pcm.stats import characterise
from kernels.tile import DifferentialTile
from tests.support.tolerances import N_DEVICES_STATISTICS as N
from tests.support.tolerances import N_STANDARD_ERRORS as K
from tests.support.tolerances import std_error_of_std

PRESET_NAMES = sorted(pcm.PRESETS)
HISTORY_FACTOR = math.exp(-1.0 / 2.6)  # Nandakumar 2018: P *= exp(-1/2.6) per pulse
_erf = np.vectorize(math.erf, otypes=[float])


# -- plain-numpy formulas --------------------------------------------------------------------
def normal_cdf(x):
    return 0.5 * (1.0 + _erf(np.asarray(x, dtype=float) / math.sqrt(2.0)))


def normal_pdf(x):
    x = np.asarray(x, dtype=float)
    return np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def clipped_normal_moments(m, s, lo, hi):
    """Mean and variance of clip(N(m, s), lo, hi), elementwise (s may be 0)."""
    m, s, lo, hi = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (m, s, lo, hi)))
    safe = np.where(s > 0, s, 1.0)
    a, b = (lo - m) / safe, (hi - m) / safe
    pa, pb = normal_cdf(a), normal_cdf(b)
    fa, fb = normal_pdf(a), normal_pdf(b)
    inside = pb - pa
    mean = lo * pa + hi * (1 - pb) + m * inside + s * (fa - fb)
    second = (
        lo * lo * pa
        + hi * hi * (1 - pb)
        + (m * m + s * s) * inside
        + 2 * m * s * (fa - fb)
        + s * s * (a * fa - b * fb)
    )
    var = np.maximum(second - mean * mean, 0.0)
    degenerate = s <= 0
    mean = np.where(degenerate, np.clip(m, lo, hi), mean)
    var = np.where(degenerate, 0.0, var)
    return mean, var


def joshi_programming_std(g_target_uS, g_max_uS):
    """Joshi 2020: s_p = max(0, 0.26348 + 1.9650 x - 1.1731 x^2) G_max / 25 uS."""
    x = g_target_uS / g_max_uS
    return np.maximum(0.0, 0.26348 + 1.9650 * x - 1.1731 * x * x) * g_max_uS / 25.0


def nandakumar_step(g_uS, history, g_max_uS):
    """Nandakumar 2018 (12 uS range) in units of the preset's range: r = G_max / 12 uS."""
    r = g_max_uS / 12.0
    mu = -0.084 * g_uS + r * (0.880 + 1.40 * history)
    s = np.maximum(0.0, 0.091 * g_uS + r * (0.260 + 2.15 * history))
    return mu, s


def assert_mean(sample, expected, var_of_mean, what):
    err = float(np.mean(sample) - expected)
    assert abs(err) < K * math.sqrt(var_of_mean), f"{what}: mean off by {err}"


def assert_two_sample(a, b, what):
    se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert abs(a.mean() - b.mean()) < K * se, f"{what}: means {a.mean()} vs {b.mean()}"
    se_std = math.hypot(std_error_of_std(a), std_error_of_std(b))
    assert abs(a.std(ddof=1) - b.std(ddof=1)) < K * se_std, f"{what}: stds differ"


def without_variability(params):
    return dataclasses.replace(params, variability=pcm.VariabilityParams())


# -- 1. no state outside each device's range ------------------------------------------------
def spread_and_faults(name):
    return dataclasses.replace(
        pcm.preset(name),
        variability=pcm.VariabilityParams(g_max_rel_std=0.1, step_rel_std=0.2),
        faults=pcm.FaultParams(
            frac_stuck_g_min=0.01, frac_stuck_g_max=0.01, frac_stuck_random=0.01
        ),
    )


def assert_in_own_range(arr, what):
    g, g_max_dev, g_min = arr.state.g_prog_uS, arr.state.g_max_uS, arr.params.g_min_uS
    below, above = int(np.sum(g < g_min)), int(np.sum(g > g_max_dev))
    assert below == 0 and above == 0, f"{what}: {below} below G_min, {above} above own G_max"
    assert np.all(np.isfinite(g))


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_no_write_leaves_a_device_outside_its_own_range(name):
    params = spread_and_faults(name)
    lo, hi = params.g_min_uS, params.g_max_uS
    rng = np.random.default_rng(0)
    arr = pcm.PCMArray(N, params, rng=1)
    assert_in_own_range(arr, "new array")
    arr.program(rng.uniform(lo, hi, N), t_s=0.0)
    assert_in_own_range(arr, "program uniform targets")
    arr.program(np.full(N, hi), t_s=1.0)
    assert_in_own_range(arr, "program to G_max")
    arr.apply_pulses(rng.integers(0, 21, N), t_s=2.0, amplitude_level=rng.integers(0, 8, N))
    assert_in_own_range(arr, "pulses")
    arr.reset(rng.random(N) < 0.5, t_s=3.0)
    assert_in_own_range(arr, "reset")
    arr.program_and_verify(rng.uniform(lo, hi, N), t_s=4.0, tolerance_uS=0.3, max_iterations=3)
    assert_in_own_range(arr, "program and verify")

    side = math.isqrt(N)
    tile = DifferentialTile(side, side, params, rng=2)
    tile.program_weights(rng.uniform(-1, 1, (side, side)), t_s=0.0, w_max=1.0)
    tile.update_quantized(rng.normal(0, 10.0, (side, side)), 10.0, dw_min_uS=0.5, max_pulses=20)
    tile.refresh(20.0, upper_frac=0.5, lower_frac=0.1, seed=3)
    for arr in (tile.plus, tile.minus):
        assert_in_own_range(arr, "tile update and refresh")


def test_refresh_reprograms_within_each_device_range():
    """Refresh of pairs whose G+ sits at its own G_max: the difference it reprograms is
    close to G_max,dev, and programming noise must not push G+ above it."""
    side = math.isqrt(N)
    tile = DifferentialTile(side, side, pcm.preset("aihwkit-pcm"), rng=16)
    tile.plus.state.g_prog_uS[:] = tile.plus.state.g_max_uS
    tile.minus.state.g_prog_uS[:] = 0.5
    events = tile.refresh(0.0, upper_frac=0.5, lower_frac=0.0, seed=4)
    assert events.refreshed_pairs > 0.9 * side * side
    for arr in (tile.plus, tile.minus):
        assert_in_own_range(arr, "refresh")


# -- 2. programming at the range edges -------------------------------------------------------
@pytest.mark.parametrize("name", PRESET_NAMES)
@pytest.mark.parametrize("where", ["g_min", "middle", "g_max"])
def test_programming_matches_a_normal_clipped_to_the_device_range(name, where):
    params = pcm.preset(name)
    lo, hi = params.g_min_uS, params.g_max_uS
    target = {"g_min": lo, "middle": 0.5 * (lo + hi), "g_max": hi}[where]
    arr = pcm.PCMArray(N, params, rng=5)
    arr.program(np.full(N, target), t_s=0.0)
    g_max_dev = arr.state.g_max_uS
    own_target = np.minimum(target, g_max_dev)  # a device is programmed within its range
    mean_i, var_i = clipped_normal_moments(
        own_target, joshi_programming_std(own_target, hi), lo, g_max_dev
    )
    g = arr.state.g_prog_uS
    assert_mean(g, mean_i.mean(), var_i.sum() / N**2, f"{name} at {where}")
    expected_std = math.sqrt(var_i.mean() + mean_i.var())
    assert abs(g.std(ddof=1) - expected_std) < K * std_error_of_std(g)


# -- 3. Nandakumar pulses, with the history term ----------------------------------------------
@pytest.mark.parametrize(
    ("name", "g_uS", "history"),
    [
        ("nandakumar2018", 0.1, 1.0),  # after RESET: clipped at G_min from below
        ("nandakumar2018", 6.0, 0.5),
        ("nandakumar2018", 11.5, 0.0),  # clipped at G_max from above
        ("joshi2020", 0.0, 1.0),
        ("joshi2020", 12.5, 0.3),
        ("joshi2020", 20.0, 0.0),  # 80 % of range: the unscaled fit stepped down here
        ("joshi2020", 24.0, 0.0),
    ],
)
def test_one_nandakumar_pulse_from_a_known_state(name, g_uS, history):
    params = pcm.preset(name)
    arr = pcm.PCMArray(N, params, rng=6)
    arr.state.g_prog_uS[:] = g_uS
    arr.state.history[:] = history
    arr.apply_pulses(np.ones(N, np.int64), t_s=0.0)
    mu, s = nandakumar_step(g_uS, history, params.g_max_uS)
    mean, var = clipped_normal_moments(g_uS + mu, s, params.g_min_uS, params.g_max_uS)
    g = arr.state.g_prog_uS
    assert_mean(g, float(mean), float(var) / N, f"{name} G={g_uS} P={history}")
    assert abs(g.std(ddof=1) - math.sqrt(float(var))) < K * std_error_of_std(g)
    np.testing.assert_allclose(arr.state.history, history * HISTORY_FACTOR, rtol=1e-15)


def nandakumar_monte_carlo(g0, n_pulses, g_min_uS, g_max_uS, seed):
    """The Nandakumar model iterated in plain numpy from RESET (P = 1), own random stream."""
    rng = np.random.default_rng(seed)
    g, history, out = g0.copy(), 1.0, {}
    for k in range(1, n_pulses + 1):
        mu, s = nandakumar_step(g, history, g_max_uS)
        g = np.clip(g + mu + s * rng.standard_normal(g.size), g_min_uS, g_max_uS)
        history *= HISTORY_FACTOR
        out[k] = g.copy()
    return out


@pytest.mark.parametrize("name", ["nandakumar2018", "joshi2020"])
def test_pulse_trains_from_reset_match_a_plain_numpy_monte_carlo(name):
    params = pcm.preset(name)
    arr = pcm.PCMArray(N, params, rng=7)
    g0 = arr.state.g_prog_uS.copy()  # a new array is RESET: P = 1
    oracle = nandakumar_monte_carlo(g0, 20, params.g_min_uS, params.g_max_uS, seed=8)
    done = 0
    for k in (1, 2, 5, 20):
        arr.apply_pulses(np.full(N, k - done, np.int64), t_s=0.0)
        done = k
        assert_two_sample(arr.state.g_prog_uS - g0, oracle[k] - g0, f"{name} after {k} pulses")


@pytest.mark.parametrize("name", ["nandakumar2018", "joshi2020"])
def test_set_pulses_raise_the_mean_below_saturation(name):
    """Below G_sat = r 0.880 / 0.084 (87 % of the range) one SET pulse raises the mean."""
    params = pcm.preset(name)
    lo, hi = params.g_min_uS, params.g_max_uS
    assert (hi / 12.0) * 0.880 / 0.084 > 0.8 * hi
    for frac in (0.2, 0.5, 0.8):
        arr = pcm.PCMArray(N, params, rng=9)
        start = lo + frac * (hi - lo)
        arr.state.g_prog_uS[:] = start
        arr.state.history[:] = 0.0
        arr.apply_pulses(np.ones(N, np.int64), t_s=0.0)
        dg = arr.state.g_prog_uS - start
        assert dg.mean() > K * dg.std(ddof=1) / math.sqrt(N), f"{name} at {frac:.0%}"


def relative_trains(name, seed):
    """x = G / G_max after 1, 5 and 20 nominal pulses from RESET, and after 20 pulses from
    x = 0.8 with history 0."""
    params = pcm.preset(name)
    arr = pcm.PCMArray(N, params, rng=seed)
    out, done = {}, 0
    for k in (1, 5, 20):
        arr.apply_pulses(np.full(N, k - done, np.int64), t_s=0.0)
        done = k
        out[k] = arr.state.g_prog_uS / params.g_max_uS
    arr.state.g_prog_uS[:] = 0.8 * params.g_max_uS
    arr.state.history[:] = 0.0
    arr.apply_pulses(np.full(N, 20, np.int64), t_s=0.0)
    out["from 0.8"] = arr.state.g_prog_uS / params.g_max_uS
    return out


def test_joshi_pulse_curve_is_the_nandakumar_curve_in_relative_units():
    """The fit made on 12 uS devices, on the 25 uS joshi2020 range: the same curve in
    x = G / G_max away from G_min (0.1 uS vs 0, which matters only from RESET), settling
    near the top of the range (stationary mean ~78 % of G_max, below G_sat = 87 % because
    the spread grows with G and the top clips)."""
    small, large = relative_trains("nandakumar2018", 14), relative_trains("joshi2020", 15)
    assert_two_sample(large["from 0.8"], small["from 0.8"], "x after 20 pulses from 0.8")
    assert 0.75 < large["from 0.8"].mean() < 0.8
    assert 0.75 < large[20].mean() < 0.8


# -- 4. exponential step (aihwkit-pcm) ---------------------------------------------------------
@pytest.mark.parametrize("frac", [0.2, 0.5, 0.8, 1.0])
def test_one_exp_step_pulse_with_device_to_device_spread(frac):
    """aihwkit ExpStep in w = G / 12.5 uS: dw = 0.01 step max(0, 1 + 27.235 exp(-5 w /
    w_max,dev)), noise 0.6 (|dw| + 0.042 + 0.108 |w|); G clipped to [0, G_max,dev]."""
    params = pcm.preset("aihwkit-pcm")
    arr = pcm.PCMArray(N, params, rng=10)
    g_max_dev, step = arr.state.g_max_uS, arr.state.step_scale
    start = np.minimum(frac * 25.0, g_max_dev)
    arr.state.g_prog_uS[:] = start
    arr.apply_pulses(np.ones(N, np.int64), t_s=0.0)
    w, w_max = start / 12.5, g_max_dev / 12.5
    dw = 0.01 * step * np.maximum(0.0, 1.0 + 27.235 * np.exp(-5.0 * w / w_max))
    sd = 0.6 * (np.abs(dw) + 0.042 + 0.108 * np.abs(w))
    mean_i, var_i = clipped_normal_moments(start + 12.5 * dw, 12.5 * sd, 0.0, g_max_dev)
    dg = arr.state.g_prog_uS - start
    assert_mean(dg, float((mean_i - start).mean()), var_i.sum() / N**2, f"at {frac:.0%}")
    assert np.all(arr.state.g_prog_uS <= g_max_dev)


# -- 5. drift ------------------------------------------------------------------------------------
def test_nandakumar_drift_varies_per_device_and_is_referred_to_t0():
    """nu = |N(0.04, 0.015)| kept per device; G(t) = G(t0) (t / t0)^-nu, t0 = 38.6 s after
    the write, held at G(t0) before t0."""
    params = pcm.preset("nandakumar2018")
    arr = pcm.PCMArray(N, params, rng=11)
    arr.program(np.full(N, 6.0), t_s=100.0)
    nu = arr.nu
    mu, s = 0.04, 0.015
    folded_mean = s * math.sqrt(2 / math.pi) * math.exp(-(mu**2) / (2 * s**2)) + mu * (
        1 - 2 * float(normal_cdf(-mu / s))
    )
    folded_std = math.sqrt(mu**2 + s**2 - folded_mean**2)
    assert abs(nu.mean() - folded_mean) < K * folded_std / math.sqrt(N)
    assert abs(nu.std(ddof=1) - folded_std) < K * std_error_of_std(nu)
    g = arr.state.g_prog_uS
    np.testing.assert_array_equal(arr.read(100.0 + 10.0, noise=False), g)
    np.testing.assert_allclose(arr.read(100.0 + 38.6, noise=False), g, rtol=1e-15)
    factor = arr.read(100.0 + 386.0, noise=False) / g
    np.testing.assert_allclose(factor, 10.0**-nu, rtol=1e-12)
    x, wts = np.polynomial.hermite_e.hermegauss(64)
    expected = float(np.sum(wts * 10.0 ** -np.abs(mu + s * x)) / math.sqrt(2 * math.pi))
    assert abs(factor.mean() - expected) < K * factor.std(ddof=1) / math.sqrt(N)
    # Per-device drift: not a uniform scale that a global compensation would remove.
    assert factor.std() > 0.01


# -- 6. read noise: one convention for single reads and the MAC -----------------------------
def test_low_conductance_reads_are_unbiased():
    """Nandakumar read noise 0.03 G + 0.13 uS at G = G_min = 0.1 uS: mean read 0.1 uS."""
    arr = pcm.PCMArray(N, pcm.preset("nandakumar2018"), rng=12)
    arr.state.g_prog_uS[:] = 0.1
    reads = arr.read(0.0)
    sigma = 0.03 * 0.1 + 0.13
    assert_mean(reads, 0.1, sigma**2 / N, "read at 0.1 uS")
    assert abs(reads.std(ddof=1) - sigma) < K * std_error_of_std(reads)


def test_single_reads_and_the_mac_column_sum_agree():
    tile = DifferentialTile(1, N, pcm.preset("nandakumar2018"), rng=13)
    tile.plus.state.g_prog_uS[:] = 0.1
    tile.minus.state.g_prog_uS[:] = 6.0
    y, _ = tile.mac(np.ones((1, 1)), tile.snapshot(0.0), dac_bits=0, adc_bits=0, seed=1)
    single = tile.plus.read(0.0) - tile.minus.read(0.0)
    var = (0.03 * 0.1 + 0.13) ** 2 + (0.03 * 6.0 + 0.13) ** 2
    assert_mean(y[0], 0.1 - 6.0, var / N, "MAC")
    assert_mean(single, 0.1 - 6.0, var / N, "single reads")
    assert_two_sample(y[0], single, "MAC vs single reads")


# -- 7. NaN is an error naming the argument -----------------------------------------------------
def test_nan_inputs_are_errors_naming_the_argument():
    params = pcm.preset("joshi2020")
    nan = float("nan")
    with pytest.raises(ValueError, match="t_start_s"):
        pcm.PCMArray(4, params, rng=0, t_start_s=nan)
    with pytest.raises(ValueError, match="t_start_s"):
        DifferentialTile(2, 2, params, rng=0, t_start_s=nan)
    arr = pcm.PCMArray(4, params, rng=0)
    with pytest.raises(ValueError, match="t_last_write_s"):
        arr.t_last_write_s = nan
    for call in (
        lambda: arr.read(nan),
        lambda: arr.program(np.full(4, 5.0), t_s=nan),
        lambda: arr.apply_pulses(np.ones(4, np.int64), t_s=nan),
        lambda: arr.reset(np.ones(4, bool), t_s=nan),
    ):
        with pytest.raises(ValueError, match="t_s"):
            call()
    with pytest.raises(ValueError, match="g_target_uS"):
        arr.program(np.array([1.0, nan, 2.0, 3.0]), t_s=0.0)
    with pytest.raises(ValueError, match="g_ref_uS"):
        pcm.NandakumarPulseParams(g_ref_uS=nan)
    with pytest.raises(ValueError, match="time_origin"):
        pcm.DriftParams(time_origin="programming")
    tile = DifferentialTile(2, 2, params, rng=0)
    with pytest.raises(ValueError, match="w"):
        tile.program_weights(np.array([[1.0, nan], [0.0, 0.5]]), t_s=0.0)
    with pytest.raises(ValueError, match="x"):
        tile.mac(np.array([[nan, 1.0]]), tile.snapshot(0.0))


# -- 8. the pulse response a preset implies, in the stats output ---------------------------------
@pytest.mark.parametrize("name", PRESET_NAMES)
def test_stats_report_the_pulse_response(name):
    result = characterise(pcm.preset(name), 5.0, 3600.0, 2000, seed=0)
    response = result["pulse_response"]
    assert "assumption" in response["amplitude"]
    for k in ("1", "5", "20"):
        moments = response["from_reset"][k]
        assert moments["mean_dG_uS"] > 0 and moments["std_dG_uS"] > 0
    assert set(response["one_pulse_at"]) == {"20%", "50%", "80%"}
