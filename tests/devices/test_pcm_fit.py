"""Round trips of ``devices.pcm.fit``: synthetic measurements from each preset through the
device model, fitted back.

Stated tolerances: the moment and least-squares fits (programming noise, drift exponent,
read noise) give back every fitted coefficient within 3 of its standard errors; the
maximum-likelihood pulse fit within 4 (its standard errors come from a numerical Hessian
of seven correlated parameters); the exp-step fit within 3, and the mean-step curve of its
fitted record within 3 standard errors propagated through the covariance.
"""

import math

import numpy as np
import pytest

from devices import pcm
from devices.pcm import elementwise as ew
from devices.pcm import fit, fit_pulse, physics
from tests.support.tolerances import N_STANDARD_ERRORS as K

PER_LEVEL = 20_000
MLE_STANDARD_ERRORS = 4.0


def _within(fitted: fit.Fit, truth: dict, k: float = K):
    for name, value in truth.items():
        se = fitted.std_errors[name]
        assert abs(fitted.values[name] - value) <= k * se, (name, fitted.values[name], value, se)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(pcm.PRESETS))
def test_programming_noise_round_trip(name):
    params = pcm.preset(name)
    rng = np.random.default_rng(0)
    target = np.repeat(np.array([0.2, 0.4, 0.6, 0.8]) * params.g_max_uS, PER_LEVEL)
    state = pcm.init(target.size, params, rng)
    state, _ = pcm.program(state, target, 0.0, params, rng)
    fitted = fit.fit_programming_noise(target, state.g_prog_uS, params.g_max_uS)
    p = params.programming
    r = params.g_max_uS / p.g_ref_uS * p.scale  # the fit's g_ref is G_max
    variability = params.variability.g_max_rel_std
    if variability:  # G_max,dev spread clips the top targets: compare the lower two only
        x = fitted.levels["x"][:2]
        truth = np.array([max(0, p.c0_uS + p.c1_uS * v + p.c2_uS * v * v) * r for v in x])
        assert np.all(np.abs(fitted.levels["std_uS"][:2] - truth) <= K * fitted.levels["se_uS"][:2])
        return
    _within(fitted, {"c0_uS": p.c0_uS * r, "c1_uS": p.c1_uS * r, "c2_uS": p.c2_uS * r})


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(pcm.PRESETS))
def test_drift_round_trip(name):
    params = pcm.preset(name)
    rng = np.random.default_rng(1)
    # levels where Joshi's laws are not clipped (x <= 0.2); 16 reads averaged per time
    levels = np.array([0.05, 0.1, 0.14, 0.18]) if params.drift.nu_mean_log_slope else [0.3, 0.6]
    x = np.repeat(np.asarray(levels), PER_LEVEL)
    state = pcm.init(x.size, params, rng)
    state, _ = pcm.program(state, x * params.g_max_uS, 0.0, params, rng)
    times = np.array([60.0, 600.0, 3600.0, 36000.0, 3 * 86400.0])
    reads = np.stack(
        [np.mean([pcm.read(state, t, params, rng)[0] for _ in range(16)], axis=0) for t in times],
        axis=1,
    )
    ok = np.all(reads > 0, axis=1)  # devices programmed to ~0 uS say nothing about drift
    assert ok.mean() > 0.99
    fitted = fit.fit_drift(x[ok], times, reads[ok], params.drift.t0_s, params.drift.time_origin)
    mu, s = ew.drift_exponent_moments(np.asarray(levels, float), pcm.kernel_args(params).drift)
    lv = fitted.levels
    assert np.all(np.abs(lv["nu_mean"] - mu) <= K * lv["nu_mean_se"])
    assert np.all(np.abs(lv["nu_std"] - s) <= K * lv["nu_std_se"])
    d = params.drift
    _within(
        fitted,
        {
            "nu_mean_offset": d.nu_mean_offset,
            "nu_mean_log_slope": d.nu_mean_log_slope,
            "nu_std_offset": d.nu_std_offset,
            "nu_std_log_slope": d.nu_std_log_slope,
        },
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "model"), [("joshi2020", "flicker"), ("nandakumar2018", "linear")]
)
def test_read_noise_round_trip(name, model):
    params = pcm.preset(name)
    rng = np.random.default_rng(2)
    n = 5000
    state = pcm.init(n, params, rng)
    state, _ = pcm.program(state, np.linspace(0.1, 0.9, n) * params.g_max_uS, 0.0, params, rng)
    reads = np.stack([pcm.read(state, 3600.0, params, rng)[0] for _ in range(20)], axis=1)
    fitted = fit.fit_read_noise(
        reads, params.g_max_uS, 3600.0, params.drift.t0_s, model, g_prog_uS=state.g_prog_uS
    )
    r = params.read_noise
    if model == "flicker":
        truth = {"flicker_coeff": r.flicker_coeff, "flicker_exponent": r.flicker_exponent}
    else:
        truth = {"rel_std": r.rel_std, "abs_std_uS": r.abs_std_uS}
    _within(fitted, truth)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["nandakumar2018", "joshi2020"])
def test_pulse_response_round_trip(name):
    pytest.importorskip("scipy")
    params = pcm.preset(name)
    rng = np.random.default_rng(3)
    n = PER_LEVEL
    state = pcm.init(n, params, rng)
    curve = [state.g_prog_uS.copy()]
    for _ in range(12):
        state, _ = pcm.pulse(state, np.ones(n, np.int64), 0.0, params, rng)
        curve.append(state.g_prog_uS.copy())
    fitted = fit.fit_pulse_response(np.stack(curve, axis=1), params.g_min_uS, params.g_max_uS)
    q = params.pulse
    r = params.g_max_uS / q.g_ref_uS
    truth = {
        "mean_g_coeff": q.mean_g_coeff,
        "mean_offset_uS": q.mean_offset_uS * r,
        "mean_history_uS": q.mean_history_uS * r,
        "std_g_coeff": q.std_g_coeff,
        "std_offset_uS": q.std_offset_uS * r,
        "std_history_uS": q.std_history_uS * r,
        "history_decay_pulses": q.history_decay_pulses,
    }
    _within(fitted, truth, MLE_STANDARD_ERRORS)
    # the fitted record drives the model: same kernel coefficients as the preset's, nearly
    refit = pcm.kernel_args(
        pcm.PCMParams(
            name="fit",
            source="fit",
            g_min_uS=params.g_min_uS,
            g_max_uS=params.g_max_uS,
            pulse=fitted.params,
        )
    ).pulse
    assert math.isclose(refit[-1], pcm.kernel_args(params).pulse[-1], rel_tol=0.05)


@pytest.mark.slow
def test_expstep_response_round_trip():
    """The exp-step preset's curves from RESET, fitted back. The fit takes devices without
    device-to-device spread (which it would read as cycle-to-cycle spread): the preset's
    spread of the step and of G_max is switched off for these measurements."""
    pytest.importorskip("scipy")
    params = pcm.idealised(pcm.preset("aihwkit-pcm"), variability=False)
    rng = np.random.default_rng(4)
    n = PER_LEVEL
    state = pcm.init(n, params, rng)
    curve = [state.g_prog_uS.copy()]
    for _ in range(12):
        state, _ = pcm.pulse(state, np.ones(n, np.int64), 0.0, params, rng)
        curve.append(state.g_prog_uS.copy())
    fitted = fit.fit_expstep_response(np.stack(curve, axis=1), params.g_min_uS, params.g_max_uS)
    q = params.pulse
    _within(fitted, {name: getattr(q, name) for name in fit_pulse.EXPSTEP_FIELDS})
    low, high, free = fitted.levels["censored_low_high_free"]
    assert low > 0 and high > 0 and free > 0.9 * 12 * n  # both bounds were reached
    # the fitted record drives the model: its mean step (the compiled physics, through
    # kernel_args) against the preset's at 0, 25, 50 and 75 % of G_max, within 3 standard
    # errors of the fitted curve (delta method, numerical Jacobian)
    refit = pcm.PCMParams(
        name="fit",
        source="fit",
        g_min_uS=params.g_min_uS,
        g_max_uS=params.g_max_uS,
        pulse=fitted.params,
    )
    g = np.array([0.0, 0.25, 0.5, 0.75]) * params.g_max_uS
    shape = (params.g_max_uS / q.w_range, q.a, q.b, params.g_max_uS)
    theta = np.array([fitted.values[name] for name in fit_pulse.EXPSTEP_FIELDS])
    jac = np.stack(
        [
            (
                fit_pulse.expstep_moments_uS(theta + h, g, shape)[0]
                - fit_pulse.expstep_moments_uS(theta - h, g, shape)[0]
            )
            / (2 * h[i])
            for i, h in enumerate(np.diag(1e-6 * np.abs(theta)))
        ],
        axis=1,
    )
    se = np.sqrt(np.einsum("ij,jk,ik->i", jac, fitted.levels["covariance"], jac))
    mine, truth = _mean_step_uS(refit, g), _mean_step_uS(params, g)
    assert np.all(np.abs(mine - truth) <= K * se), (mine, truth, se)


def _mean_step_uS(params, g_uS):
    """Mean step of one nominal pulse on a nominal device, by the compiled physics."""
    a = pcm.kernel_args(params)
    return np.array(
        [
            physics.partial_set_increment_uS(
                a.pulse_model, a.pulse, g, a.g_max_uS, a.g_max_uS, 0.0, 1.0, 1.0, 0.0
            )
            for g in g_uS
        ]
    )


def test_errors_name_the_argument(tmp_path):
    with pytest.raises(ValueError, match="g_prog_uS"):
        fit.fit_programming_noise(np.ones(6), np.ones(5), 25.0)
    with pytest.raises(ValueError, match="g_uS"):
        fit.fit_drift(np.ones(3), [60.0, 600.0], np.ones((3, 3)), 20.0)
    with pytest.raises(ValueError, match="model"):
        fit.fit_read_noise(np.ones((3, 4)), 25.0, 10.0, 20.0, "pink")
    with pytest.raises(ValueError, match="a=0"):
        fit.fit_expstep_response(np.ones((3, 4)), 0.0, 25.0, a=0.0)
    with pytest.raises(ValueError, match="g_uS: 2 columns"):
        fit.fit_expstep_response(np.ones((3, 2)), 0.0, 25.0)
    # checked before the fit runs, not by the parameter record after it
    with pytest.raises(ValueError, match=r"w_range=-2\.0: expected a finite value > 0"):
        fit.fit_expstep_response(np.ones((3, 4)), 0.0, 25.0, w_range=-2.0)
    for fitter in (fit.fit_expstep_response, fit.fit_pulse_response):
        with pytest.raises(ValueError, match=r"g_min_uS=25.0, g_max_uS=0.1: expected 0 <="):
            fitter(np.ones((3, 4)), 25.0, 0.1)
    path = tmp_path / "m.csv"
    path.write_text("device,pulse,g\n0,0,1.0\n")
    with pytest.raises(ValueError, match="g_uS"):
        fit.read_table(path, ("device", "pulse", "g_uS"))


def test_csv_to_curves(tmp_path):
    path = tmp_path / "pulses.csv"
    rows = ["device,pulse,g_uS"] + [f"{d},{k},{d + 0.5 * k}" for d in (3, 1) for k in range(3)]
    path.write_text("\n".join(rows) + "\n")
    table = fit.read_table(path, ("device", "pulse", "g_uS"))
    curves = fit.curves_from_table(table["device"], table["pulse"], table["g_uS"])
    np.testing.assert_array_equal(curves, [[1.0, 1.5, 2.0], [3.0, 3.5, 4.0]])
