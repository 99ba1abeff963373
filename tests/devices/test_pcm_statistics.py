"""The device model against its source formulas (docs/design.md section 4), on 1e5 devices."""

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from devices import pcm
from devices.pcm.stats import characterise, expected_drift_factor
from tests.support.tolerances import N_DEVICES_STATISTICS as N
from tests.support.tolerances import N_STANDARD_ERRORS as K
from tests.support.tolerances import std_error_of_std, std_of_std

G_MAX = 25.0


def joshi_prog_std(g_t):
    x = g_t / G_MAX
    return max(0.0, 0.26348 + 1.9650 * x - 1.1731 * x * x)


def joshi_nu_moments(x):
    mu = min(max(-0.0155 * math.log(x) + 0.0244, 0.049), 0.1)
    s = min(max(-0.0125 * math.log(x) - 0.0059, 0.008), 0.045)
    return mu, s


@pytest.mark.parametrize("g_target_uS", [2.5, 7.5, 12.5, 20.0])
def test_programming_noise_std_matches_joshi(g_target_uS):
    arr = pcm.PCMArray(N, pcm.preset("joshi2020"), rng=np.random.default_rng(1))
    arr.program(np.full(N, g_target_uS), t_s=0.0)
    g = arr.g_prog_uS
    sigma = joshi_prog_std(g_target_uS)
    assert abs(g.mean() - g_target_uS) < K * sigma / math.sqrt(N)
    assert abs(g.std(ddof=1) - sigma) < K * std_of_std(sigma, N)


@pytest.mark.parametrize("g_target_uS", [1.0, 2.5, 12.5, 25.0])
def test_drift_exponent_is_a_folded_normal(g_target_uS):
    arr = pcm.PCMArray(N, pcm.preset("joshi2020"), rng=np.random.default_rng(2))
    arr.program(np.full(N, g_target_uS), t_s=0.0)
    mu, s = joshi_nu_moments(g_target_uS / G_MAX)
    folded = stats.foldnorm(c=mu / s, scale=s)
    nu = arr.nu
    assert abs(nu.mean() - folded.mean()) < K * folded.std() / math.sqrt(N)
    assert abs(nu.std(ddof=1) - folded.std()) < K * std_error_of_std(nu)


@pytest.mark.parametrize(("g_target_uS", "t_s"), [(5.0, 60.0), (12.5, 3600.0), (20.0, 86400.0)])
def test_drift_factor_and_read_noise_match_formulas(g_target_uS, t_s):
    arr = pcm.PCMArray(N, pcm.preset("joshi2020"), rng=np.random.default_rng(3))
    arr.program(np.full(N, g_target_uS), t_s=0.0)
    g_prog = arr.g_prog_uS.copy()
    g_drift = arr.read(t_s, noise=False)
    factor = g_drift / g_prog
    mu, s = joshi_nu_moments(g_target_uS / G_MAX)
    # E[((t + 20)/20)^-|nu|], nu ~ N(mu, s), by Gauss-Hermite quadrature written out here.
    nodes, weights = np.polynomial.hermite_e.hermegauss(64)
    ratio = (t_s + 20.0) / 20.0
    expected = float(np.sum(weights * ratio ** -np.abs(mu + s * nodes)) / math.sqrt(2 * math.pi))
    assert expected == pytest.approx(expected_drift_factor(mu, s, t_s, 20.0), rel=1e-12)
    assert abs(factor.mean() - expected) < K * factor.std(ddof=1) / math.sqrt(N)
    # Every device follows ((t + t0)/t0)^(-nu) with its own, kept exponent.
    np.testing.assert_allclose(factor, ((t_s + 20.0) / 20.0) ** (-arr.nu), rtol=1e-12)

    g_read = arr.read(t_s, noise=True)
    rel = (g_read - g_drift) / g_drift
    x = g_prog / G_MAX
    q = np.minimum(0.0088 / np.maximum(x**0.65, 1e-3), 0.2)
    sigma = q * np.sqrt(np.log((t_s + 20.0 + 250e-9) / (2 * 250e-9)))
    sigma_rms = float(np.sqrt(np.mean(sigma**2)))
    assert abs(rel.mean()) < K * sigma_rms / math.sqrt(N)
    assert abs(rel.std(ddof=1) - sigma_rms) < K * std_error_of_std(rel)


def test_mean_drift_after_one_hour_is_about_0775():
    result = characterise(pcm.preset("joshi2020"), 12.5, 3600.0, N, seed=0)
    assert abs(result["drift_factor_mean"] - 0.775) < 0.002
    for key in ("g_prog_std_uS", "drift_factor_mean", "read_noise_rel_std"):
        assert result[key] == pytest.approx(result["formula"][key], rel=0.02), key


def test_nandakumar_single_pulse_moments():
    """One nominal pulse from a known state: dG ~ N(-0.084 G + 0.880 + 1.40 P, ...)."""
    params = pcm.preset("nandakumar2018")
    params = params.__class__(
        **{
            **{f: getattr(params, f) for f in params.__dataclass_fields__},
            "programming": pcm.ProgrammingNoiseParams(scale=0.0),
        }
    )
    arr = pcm.PCMArray(N, params, rng=np.random.default_rng(4))
    arr.program(np.full(N, 5.0), t_s=0.0)  # exact 5 uS, history 0 after a full program
    arr.apply_pulses(np.ones(N, dtype=np.int64), t_s=0.0)
    dg = arr.g_prog_uS - 5.0
    mu = -0.084 * 5.0 + 0.880
    sigma = 0.091 * 5.0 + 0.260
    assert abs(dg.mean() - mu) < K * sigma / math.sqrt(N)
    assert abs(dg.std(ddof=1) - sigma) < K * std_of_std(sigma, N)


def test_read_noise_of_nandakumar_is_time_independent():
    arr = pcm.PCMArray(N, pcm.preset("nandakumar2018"), rng=np.random.default_rng(5))
    arr.program(np.full(N, 6.0), t_s=0.0)
    for t_s in (1.0, 1e5):
        g_d = arr.read(t_s, noise=False)
        resid = arr.read(t_s, noise=True) - g_d
        sigma = np.sqrt(np.mean((0.03 * g_d + 0.13) ** 2))
        assert abs(resid.std(ddof=1) - sigma) < K * std_error_of_std(resid)


def test_device_to_device_variability_and_fault_fractions():
    params = pcm.preset("aihwkit-pcm")
    params = params.__class__(
        **{
            **{f: getattr(params, f) for f in params.__dataclass_fields__},
            "faults": pcm.FaultParams(
                frac_stuck_g_min=0.02, frac_stuck_g_max=0.01, frac_stuck_random=0.03
            ),
        }
    )
    arr = pcm.PCMArray(N, params, rng=np.random.default_rng(6))
    g_max = arr.state.g_max_uS
    assert abs(g_max.std(ddof=1) / 25.0 - 0.1) < K * std_of_std(0.1, N)
    assert abs(arr.state.step_scale.std(ddof=1) - 0.2) < K * std_of_std(0.2, N)
    for code, frac in ((1, 0.02), (2, 0.01), (3, 0.03)):
        observed = float(np.mean(arr.faults == code))
        assert abs(observed - frac) < K * math.sqrt(frac * (1 - frac) / N)


@pytest.mark.parametrize("flicker_exponent", [None, 0.001, 0.0])
@pytest.mark.parametrize("name", sorted(pcm.PRESETS))
def test_drift_factor_and_read_noise_std_are_the_power_laws_at_the_edges(name, flicker_exponent):
    """The compiled drift factor and read-noise std (exp and ln of ``devices.vecmath``, so
    that loops over devices vectorise) against the power laws with Python's ``**`` and
    ``log``, written out here from ``DriftParams`` and ``ReadNoiseParams``: zero, subnormal
    and full-scale conductances, times before, at and long after t0, drift exponents 0 to
    0.3, and 1/f exponents small enough that 0^e = 0 and x^e of a tiny x differ."""
    from devices.pcm.physics import drift_factor, read_noise_std_uS

    params = pcm.preset(name)
    if flicker_exponent is not None:
        read = dataclasses.replace(params.read_noise, flicker_exponent=flicker_exponent)
        params = dataclasses.replace(params, read_noise=read)
    d, r, args = params.drift, params.read_noise, pcm.kernel_args(params)
    shift = d.t0_s if d.time_origin == "end_of_programming" else 0.0
    g_max = params.g_max_uS
    for g_prog in (0.0, 1e-310, 1e-6, 0.5, 0.31 * g_max, g_max):
        for t in (0.0, 1e-9, 0.5 * d.t0_s, d.t0_s, 2 * d.t0_s, 3600.0, 3.15e7):
            for nu in (0.0, 0.01, 0.06, 0.3):
                factor = 1.0 if t == 0 or nu == 0 else (max(t + shift, d.t0_s) / d.t0_s) ** -nu
                got = drift_factor(t, nu, args.drift)
                assert got == pytest.approx(factor, rel=4e-16, abs=0), (g_prog, t, nu)
                g_d = g_prog * factor
                x = g_prog / g_max
                q = min(
                    r.flicker_coeff / max(x**r.flicker_exponent, r.flicker_floor), r.flicker_max
                )
                ln = math.log((t + d.t0_s + r.t_read_s) / (2 * r.t_read_s))
                std = g_d * (q * math.sqrt(max(0.0, ln)) + r.rel_std) + r.abs_std_uS
                got = read_noise_std_uS(g_d, g_prog, g_max, t, args.drift, args.read)
                assert got == pytest.approx(std, rel=1e-15, abs=0), (g_prog, t, nu)
