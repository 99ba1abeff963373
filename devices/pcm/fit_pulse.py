"""Fit a partial-SET pulse response to conductance-against-pulse curves, by maximum
likelihood, with standard errors.

- ``fit_pulse_response``: the Nandakumar response (``NandakumarPulseParams``): mean and
  spread linear in G and in the pulse-history term, and the decay of that term;
- ``fit_expstep_response``: the exponential-step response (``ExpStepPulseParams``, aihwkit's
  ``ExpStepDevice`` as ``PCMPresetDevice`` sets it up): a mean step that shrinks
  exponentially with G, a spread linear in the step and in G.

Both take (devices, pulses + 1) curves: the conductance before the first pulse and after
each, nominal pulses, no drift between them, and devices without device-to-device spread
(the clip at G_max is taken at the nominal value, every device has the nominal step). A
step that ended at G_min or G_max was clipped by the range rule and enters the likelihood
censored. Both need scipy. ``devices.pcm.fit`` re-exports them.
"""

from __future__ import annotations

import math

import numpy as np

from . import elementwise as ew
from ._fit_base import Fit, censored_normal_loglik, checked_array, clip_flags, numerical_hessian
from .params import ExpStepPulseParams, NandakumarPulseParams
from .physics import (
    ES_A,
    ES_AMP,
    ES_B,
    ES_DW_MIN,
    ES_GAMMA,
    ES_STD,
    ES_STD_ADD,
    ES_STD_SLOPE,
    ES_W_RANGE,
)


def _curves(g_uS) -> np.ndarray:
    g = checked_array("g_uS", g_uS, 2)
    if g.shape[1] < 3:
        raise ValueError(f"g_uS: {g.shape[1]} columns: expected at least 3 (2 pulses)")
    return g


def _maximise(nll, theta0: np.ndarray, args: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Minimise ``nll`` from ``theta0`` (Nelder-Mead, then BFGS) and return the estimate
    and its covariance (inverse of the numerical Hessian)."""
    from scipy.optimize import minimize

    out = minimize(
        nll,
        theta0,
        args=args,
        method="Nelder-Mead",
        options={"maxiter": 20000, "maxfev": 20000, "xatol": 1e-7, "fatol": 1e-4},
    )
    theta = minimize(nll, out.x, args=args, method="BFGS").x
    return theta, np.linalg.pinv(numerical_hessian(nll, theta, args))


def _pulse_nll(theta, g0, dg, p0, k, low, high):
    """Negative log-likelihood of the censored Nandakumar response (see fit_pulse_response)."""
    m_g, m_0, m_p, s_g, s_0, s_p, log_tau = theta
    p = p0 * np.exp(-k / math.exp(log_tau))
    mu = m_g * g0 + m_0 + m_p * p
    sd = np.maximum(s_g * g0 + s_0 + s_p * p, 1e-6)
    return -censored_normal_loglik(dg, mu, sd, low, high)


def fit_pulse_response(g_uS, g_min_uS: float, g_max_uS: float, history_start: float = 1.0) -> Fit:
    """The Nandakumar partial-SET response from conductance against pulse number, by
    maximum likelihood.

    dG_k = G_{k+1} - G_k ~ N(m_G G_k + m_0 + m_P P_k, max(0, s_G G_k + s_0 + s_P P_k)) with
    P_k = P_0 exp(-k / tau). A step that ends at G_min or G_max was clipped by the range
    rule: it counts with the probability of the normal beyond that bound (a censored
    likelihood: leaving such steps out would bias the fit). Start from least squares; the
    standard errors are from the inverse of the numerical Hessian. Needs scipy.

    Parameters
    ----------
    g_uS : array_like
        (n_devices, n_pulses + 1) conductance before the first pulse and after each, uS:
        nominal pulses, no drift between them, devices without device-to-device spread of
        G_max (the clip at G_max is taken at the nominal value).
    g_min_uS, g_max_uS : float
        The range, uS.
    history_start : float
        P before the first pulse (1 after a RESET).

    Returns
    -------
    Fit
        ``NandakumarPulseParams`` with g_ref_uS = g_max_uS (coefficients in uS on this
        range).
    """
    g0, dg, k, low, high = clip_flags(_curves(g_uS), g_min_uS, g_max_uS)
    free = ~(low | high)
    p = history_start * np.exp(-k / 2.6)
    design = np.stack([g0, np.ones_like(g0), p], axis=1)[free]
    mean0, *_ = np.linalg.lstsq(design, dg[free], rcond=None)
    res = np.abs(dg[free] - design @ mean0) * math.sqrt(math.pi / 2)
    spread0, *_ = np.linalg.lstsq(design, res, rcond=None)
    theta0 = np.concatenate([mean0, spread0, [math.log(2.6)]])
    theta, cov = _maximise(_pulse_nll, theta0, (g0, dg, history_start, k, low, high))
    names = (
        "mean_g_coeff",
        "mean_offset_uS",
        "mean_history_uS",
        "std_g_coeff",
        "std_offset_uS",
        "std_history_uS",
    )
    values = {name: float(v) for name, v in zip(names, theta[:6], strict=True)}
    errors = {name: math.sqrt(max(cov[i, i], 0.0)) for i, name in enumerate(names)}
    tau = math.exp(theta[6])
    values["history_decay_pulses"] = tau
    errors["history_decay_pulses"] = tau * math.sqrt(max(cov[6, 6], 0.0))
    params = NandakumarPulseParams(**values, g_ref_uS=float(g_max_uS))
    censored = np.array([int(low.sum()), int(high.sum()), int(free.sum())])
    return Fit(params, values, errors, {"censored_low_high_free": censored})


# The fitted fields of the exponential-step response, in the order of the parameter vector.
EXPSTEP_FIELDS = ("dw_min", "A", "gamma", "dw_std", "dw_std_add", "dw_std_slope")


def expstep_moments_uS(theta, g_uS, shape: tuple[float, float, float, float]):
    """Mean and spread of one nominal exp-step pulse from ``g_uS``, on a device of the
    nominal range and step: ``elementwise.expstep_moments_uS`` with the fitted fields in
    ``theta`` and the held ones in ``shape``.

    mean = g_unit dw_min max(1 - A exp(gamma (2 a G / G_max + b)), 0), g_unit = G_max /
    w_range; sd = dw_std (|mean| + g_unit dw_std_add + dw_std_slope |G|).

    Parameters
    ----------
    theta : array_like
        (dw_min, A, gamma, dw_std, dw_std_add, dw_std_slope), as ``EXPSTEP_FIELDS``.
    g_uS : numpy.ndarray
        Conductances before the pulse, uS.
    shape : tuple of float
        (g_unit_uS, a, b, g_max_uS): the fields held fixed.

    Returns
    -------
    mean_uS, sd_uS : numpy.ndarray
        The spread floored at 1e-6 uS (a likelihood needs sd > 0). A wild trial value of
        an optimiser may overflow the exponential: the mean is then inf.
    """
    g_unit, a, b, g_max = shape
    pulse = np.empty(9)
    pulse[[ES_DW_MIN, ES_AMP, ES_GAMMA, ES_STD, ES_STD_ADD, ES_STD_SLOPE]] = theta
    pulse[[ES_W_RANGE, ES_A, ES_B]] = (g_max / g_unit, a, b)
    with np.errstate(over="ignore", invalid="ignore"):
        mean, sd = ew.expstep_moments_uS(pulse, g_uS, g_max, g_max, 1.0, 1.0)
    return mean, np.maximum(sd, 1e-6)


def _expstep_nll(u, scale, g0, dg, low, high, shape):
    """Negative log-likelihood of the censored exp-step response, in units of ``scale``
    (every coordinate of order 1, for the optimiser and the finite differences)."""
    mean, sd = expstep_moments_uS(u * scale, g0, shape)
    with np.errstate(over="ignore", invalid="ignore"):
        nll = -censored_normal_loglik(dg, mean, sd, low, high)
    # an overflowed trial value is a very unlikely one, not a failure of the optimiser
    return nll if math.isfinite(nll) else 1e300


def _expstep_start(g0, dg, shape) -> np.ndarray:
    """Starting values: the mean curve m0 + B exp(c G) through binned mean steps (a grid
    over c, least squares for m0 and B), then the spread from the absolute residuals."""
    g_unit, a, b, g_max = shape
    edges = np.unique(np.quantile(g0, np.linspace(0.0, 1.0, 21)))
    bins = np.clip(np.searchsorted(edges, g0, side="right") - 1, 0, max(edges.size - 2, 0))
    counts = np.bincount(bins)
    keep = counts >= 10
    gm = np.bincount(bins, g0)[keep] / counts[keep]
    dm = np.bincount(bins, dg)[keep] / counts[keep]
    w = np.sqrt(counts[keep])
    best = (math.inf, 0.0, np.zeros(2))
    for c_rel in np.linspace(-30.0, 30.0, 601):  # exponent slope per unit of G / G_max
        if c_rel == 0.0:
            continue
        design = np.stack([np.ones_like(gm), np.exp(c_rel * gm / g_max)], axis=1)
        coef, *_ = np.linalg.lstsq(design * w[:, None], dm * w, rcond=None)
        sse = float(np.sum((w * (design @ coef - dm)) ** 2))
        if sse < best[0]:
            best = (sse, c_rel, coef)
    _, c_rel, (m0, big_b) = best
    m0 = m0 if m0 > 0 else float(np.mean(dg))
    gamma = c_rel / (2.0 * a)
    amp = -big_b / (m0 * math.exp(gamma * b))
    mean = m0 + big_b * np.exp(c_rel * g0 / g_max)
    design = np.stack([np.abs(mean), np.ones_like(g0), np.abs(g0)], axis=1)
    res = np.abs(dg - mean) * math.sqrt(math.pi / 2)
    (c1, c0, c2), *_ = np.linalg.lstsq(design, res, rcond=None)
    dw_std = c1 if c1 > 0 else 0.5
    return np.array([m0 / g_unit, amp, gamma, dw_std, c0 / (g_unit * dw_std), c2 / dw_std])


def fit_expstep_response(
    g_uS, g_min_uS: float, g_max_uS: float, *, w_range: float = 2.0, a: float = -1.0, b: float = 0.0
) -> Fit:
    """The exponential-step partial-SET response (``ExpStepPulseParams``) from conductance
    against pulse number, by maximum likelihood.

    dG ~ N(mean(G), sd(G)) with mean = g_unit dw_min max(1 - A exp(gamma (2 a G / G_max +
    b)), 0) and sd = dw_std (|mean| + g_unit dw_std_add + dw_std_slope |G|), g_unit = G_max
    / w_range (``expstep_moments_uS``). The data fix three combinations of the mean's four
    shape constants (the exponent's slope 2 gamma a / G_max, A exp(gamma b) and dw_min):
    ``w_range``, ``a`` and ``b`` are held at the values given and dw_min, A, gamma and the
    three spread constants are fitted. A step that ends at G_min or G_max counts censored
    (see ``fit_pulse_response``); the standard errors are from the inverse of the numerical
    Hessian. Needs scipy.

    Parameters
    ----------
    g_uS : array_like
        (n_devices, n_pulses + 1) conductance before the first pulse and after each, uS:
        nominal pulses, no drift between them, devices without device-to-device spread (of
        the step and of G_max: such spread is not fitted, and it would be read as
        cycle-to-cycle spread).
    g_min_uS, g_max_uS : float
        The range, uS.
    w_range : float
        Weight units per G_max (> 0), held fixed (aihwkit's w in [0, 2]: 2).
    a, b : float
        The exponent's constants, held fixed (``ExpStepPulseParams``: -1 and 0).

    Returns
    -------
    Fit
        ``ExpStepPulseParams`` with the fixed and the fitted fields; ``values`` and
        ``std_errors`` by the six fitted fields (a fitted spread constant below 0, possible
        when its true value is 0, is reported as fitted and set to 0 in the record);
        ``levels["covariance"]``: their (6, 6) covariance in the order of
        ``EXPSTEP_FIELDS``; ``levels["censored_low_high_free"]``: the step counts.

    References
    ----------
    IBM aihwkit ``ExpStepDevice`` / ``PCMPresetDevice``; Nandakumar et al., Front. Neurosci.
    14, 406 (2020).
    """
    g = _curves(g_uS)
    if not (math.isfinite(w_range) and w_range > 0):
        raise ValueError(f"w_range={w_range!r}: expected a finite value > 0")
    if not (math.isfinite(a) and a != 0.0):
        raise ValueError(f"a={a!r}: expected a finite value other than 0")
    if not math.isfinite(b):
        raise ValueError(f"b={b!r}: expected a finite value")
    shape = (g_max_uS / w_range, float(a), float(b), float(g_max_uS))
    g0, dg, _, low, high = clip_flags(g, g_min_uS, g_max_uS)
    free = ~(low | high)
    theta0 = _expstep_start(g0[free], dg[free], shape)
    scale = np.where(np.abs(theta0) > 0, np.abs(theta0), 1.0)
    u, cov_u = _maximise(_expstep_nll, theta0 / scale, (scale, g0, dg, low, high, shape))
    theta, cov = u * scale, cov_u * np.outer(scale, scale)
    values = {name: float(v) for name, v in zip(EXPSTEP_FIELDS, theta, strict=True)}
    errors = {name: math.sqrt(max(cov[i, i], 0.0)) for i, name in enumerate(EXPSTEP_FIELDS)}
    record = dict(values)
    for name in ("dw_std", "dw_std_add", "dw_std_slope"):
        record[name] = max(record[name], 0.0)
    params = ExpStepPulseParams(w_range=float(w_range), a=float(a), b=float(b), **record)
    censored = np.array([int(low.sum()), int(high.sum()), int(free.sum())])
    # dw_min and A are strongly correlated (both set the step at low G): the covariance
    # gives the uncertainty of the curve, which the separate errors overstate
    return Fit(params, values, errors, {"censored_low_high_free": censored, "covariance": cov})
