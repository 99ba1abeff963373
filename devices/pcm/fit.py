"""Fit device parameters to measurements, with standard errors.

Each fit takes arrays (or a CSV table read by ``read_table``) and returns a ``Fit``: the
fitted parameter record (a ``devices.pcm.params`` dataclass, ready for
``dataclasses.replace(params, ...)``), the fitted values and their standard errors by name,
and per-level estimates for inspection. The estimators are moment and least-squares fits of
the equations in ``devices.pcm.physics``:

- ``fit_programming_noise``: targets and programmed conductances -> the quadratic s_p(x);
- ``fit_drift``: reads of the same devices at several times -> each device's exponent by a
  line in log-log, the per-level mean and spread of the (folded normal) exponent, corrected
  for read noise, and their log-linear laws;
- ``fit_read_noise``: repeated reads at one time -> the 1/f law (Q_s = c x^-e) or the
  linear law std = rel G + abs;
- ``fit_pulse_response``: conductance against pulse number from RESET -> the Nandakumar
  partial-SET response (mean and spread linear in G and the history term, and its decay),
  by maximum likelihood with clipped steps censored (needs scipy);
- ``fit_expstep_response``: the same curves -> the exponential-step response of
  ``aihwkit-pcm`` (mean step shrinking exponentially with G, spread linear in the step and
  in G), by maximum likelihood (needs scipy).

The two pulse fits live in ``devices.pcm.fit_pulse``.

Limits (stated, not hidden): the clipped parts of the laws (the bounds mu_min, s_max, ...)
are not fitted: a fit returns the log-linear law over the levels measured, with bounds at
[0, 1]; measure levels inside the range where the law is linear. The pulse fits take
devices without device-to-device spread; the spreads themselves (``VariabilityParams``)
are not fitted.
"""

from __future__ import annotations

import math

import numpy as np

from ._fit_base import Fit
from ._fit_base import checked_array as _array
from .fit_pulse import fit_expstep_response, fit_pulse_response
from .params import DriftParams, ProgrammingNoiseParams, ReadNoiseParams

__all__ = [
    "Fit",
    "curves_from_table",
    "fit_drift",
    "fit_expstep_response",
    "fit_programming_noise",
    "fit_pulse_response",
    "fit_read_noise",
    "read_table",
]


def _wls(design: np.ndarray, y: np.ndarray, se: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares: coefficients and their covariance (weights 1 / se^2)."""
    w = 1.0 / np.maximum(se, 1e-300) ** 2
    a = design * np.sqrt(w)[:, None]
    cov = np.linalg.pinv(a.T @ a)
    return cov @ (a.T @ (y * np.sqrt(w))), cov


def _sample_std_se(x: np.ndarray) -> tuple[float, float]:
    """Sample standard deviation and its standard error from the sample's own kurtosis."""
    c = x - x.mean()
    m2, m4 = float(np.mean(c**2)), float(np.mean(c**4))
    s = math.sqrt(m2 * x.size / max(x.size - 1, 1))
    kurt = m4 / (m2 * m2) if m2 > 0 else 3.0
    return s, s * math.sqrt(max(kurt - 1.0, 0.0) / (4.0 * x.size))


def _polynomial_fit(x, est, se, degree_max: int, names: tuple[str, ...]):
    degree = min(degree_max, x.size - 1)
    design = np.stack([x**k for k in range(degree + 1)], axis=1)
    coef, cov = _wls(design, est, se)
    values = {n: 0.0 for n in names}
    errors = {n: 0.0 for n in names}
    for k in range(degree + 1):
        values[names[k]] = float(coef[k])
        errors[names[k]] = float(math.sqrt(max(cov[k, k], 0.0)))
    return values, errors


def fit_programming_noise(g_target_uS, g_prog_uS, g_max_uS: float) -> Fit:
    """s_p(x) = c0 + c1 x + c2 x^2 (x = G_T / G_max, g_ref = G_max) from devices programmed
    to a few targets: per target the sample spread, then weighted least squares.

    Parameters
    ----------
    g_target_uS, g_prog_uS : array_like
        Target and programmed (measured) conductance of each device, uS. Use targets away
        from G_min and G_max, where the range rule clips the spread.
    g_max_uS : float
        Nominal maximum, uS.

    Returns
    -------
    Fit
        ``ProgrammingNoiseParams`` (degree min(2, number of targets - 1)).
    """
    target = _array("g_target_uS", g_target_uS).ravel()
    prog = _array("g_prog_uS", g_prog_uS).ravel()
    if target.shape != prog.shape:
        raise ValueError(f"g_prog_uS: {prog.size} values: expected {target.size} (one per target)")
    levels = np.unique(target)
    est, se, counts = [], [], []
    for level in levels:
        s, s_se = _sample_std_se(prog[target == level])
        est.append(s)
        se.append(s_se)
        counts.append(int(np.sum(target == level)))
    if min(counts) < 3:
        raise ValueError("g_target_uS: expected at least 3 devices per target")
    x = levels / g_max_uS
    values, errors = _polynomial_fit(x, np.array(est), np.array(se), 2, ("c0_uS", "c1_uS", "c2_uS"))
    params = ProgrammingNoiseParams(**values, g_ref_uS=float(g_max_uS))
    return Fit(params, values, errors, {"x": x, "std_uS": np.array(est), "se_uS": np.array(se)})


def _folded_normal_from_moments(m1: float, m2: float) -> tuple[float, float]:
    """(mu, s) of the normal whose absolute value has mean m1 and second moment m2."""
    if m2 <= m1 * m1:
        return m1, 0.0
    target = m1 / math.sqrt(m2)  # E|X| / sqrt(E X^2), increasing in r = mu / s

    def ratio(r: float) -> float:
        mean = math.sqrt(2.0 / math.pi) * math.exp(-r * r / 2) + r * math.erf(r / math.sqrt(2))
        return mean / math.sqrt(1.0 + r * r)

    if target <= ratio(0.0):
        return 0.0, math.sqrt(m2)
    lo, hi = 0.0, 1e3
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ratio(mid) < target else (lo, mid)
    r = 0.5 * (lo + hi)
    s = math.sqrt(m2 / (1.0 + r * r))
    return r * s, s


def fit_drift(
    x,
    t_s,
    g_uS,
    t0_s: float,
    time_origin: str = "end_of_programming",
) -> Fit:
    """Drift-exponent laws from reads of the same devices at several times.

    Per device, nu = -slope of ln G against ln(max(t + t_shift, t0) / t0) (least squares);
    per level of x, the mean and variance of those slopes, less the variance the read noise
    adds to a slope (from each device's residuals), give the moments of |N(mu_nu, s_nu)|,
    inverted for mu_nu and s_nu; weighted lines in ln x give the laws.

    Parameters
    ----------
    x : array_like
        (n_devices,) relative conductance G / G_max at programming (the level).
    t_s : array_like
        (n_times,) times of the reads since programming, s (at least 2 distinct values
        beyond t0).
    g_uS : array_like
        (n_devices, n_times) reads, uS (positive). The log of a noisy read is biased by
        about -(relative read noise)^2 / 2, which grows with time under 1/f noise: average
        repeated reads at each time so that the relative read noise is a few per cent.
    t0_s : float
        The drift law's t0, s.
    time_origin : {"end_of_programming", "reference_read"}
        As ``DriftParams.time_origin``.

    Returns
    -------
    Fit
        ``DriftParams`` (bounds 0 and 1: see the module's limits).
    """
    x = _array("x", x, 1)
    t = _array("t_s", t_s, 1)
    g = _array("g_uS", g_uS, 2)
    if g.shape != (x.size, t.size):
        raise ValueError(f"g_uS: shape {g.shape}: expected (len(x), len(t_s)) = {(x.size, t.size)}")
    if np.any(g <= 0):
        raise ValueError("g_uS: expected positive reads (leave out devices near 0 uS)")
    if time_origin not in ("end_of_programming", "reference_read"):
        raise ValueError(
            f"time_origin={time_origin!r}: expected 'end_of_programming' or 'reference_read'"
        )
    shift = t0_s if time_origin == "end_of_programming" else 0.0
    u = np.log(np.maximum(t + shift, t0_s) / t0_s)
    if np.unique(u).size < 2:
        raise ValueError("t_s: expected reads at 2 or more distinct times after t0")
    uc = u - u.mean()
    sxx = float(uc @ uc)
    lg = np.log(g)
    slope = (lg - lg.mean(axis=1, keepdims=True)) @ uc / sxx
    resid = lg - lg.mean(axis=1, keepdims=True) - slope[:, None] * uc[None, :]
    dof = max(t.size - 2, 1)
    slope_noise_var = (resid**2).sum(axis=1) / dof / sxx
    nu_hat = -slope
    levels = np.unique(x)
    mus, mu_se, ss, s_se = [], [], [], []
    for level in levels:
        sel = x == level
        n = int(sel.sum())
        if n < 3:
            raise ValueError("x: expected at least 3 devices per level")
        nu = nu_hat[sel]
        m1 = float(nu.mean())
        s_all, s_all_se = _sample_std_se(nu)
        var = max(s_all**2 - float(slope_noise_var[sel].mean()), 0.0)
        mu, s = _folded_normal_from_moments(m1, var + m1 * m1)
        mus.append(mu)
        mu_se.append(s_all / math.sqrt(n))
        ss.append(s)
        # se of var = 2 s_all se(s_all); se of s = se(var) / (2 s)
        s_se.append(s_all * s_all_se / max(s, 1e-12))
    lx = np.log(levels)
    mv, me = _polynomial_fit(lx, np.array(mus), np.array(mu_se), 1, ("offset", "slope"))
    sv, se_ = _polynomial_fit(lx, np.array(ss), np.array(s_se), 1, ("offset", "slope"))
    values = {
        "nu_mean_offset": mv["offset"],
        "nu_mean_log_slope": mv["slope"],
        "nu_std_offset": sv["offset"],
        "nu_std_log_slope": sv["slope"],
    }
    errors = {
        "nu_mean_offset": me["offset"],
        "nu_mean_log_slope": me["slope"],
        "nu_std_offset": se_["offset"],
        "nu_std_log_slope": se_["slope"],
    }
    params = DriftParams(
        t0_s=float(t0_s),
        nu_mean_min=0.0,
        nu_mean_max=1.0,
        nu_std_min=0.0,
        nu_std_max=1.0,
        time_origin=time_origin,
        **values,
    )
    per_level = {
        "x": levels,
        "nu_mean": np.array(mus),
        "nu_mean_se": np.array(mu_se),
        "nu_std": np.array(ss),
        "nu_std_se": np.array(s_se),
    }
    return Fit(params, values, errors, per_level)


def _c4(n: int) -> float:
    """E[sample std] / sigma for n normal draws."""
    return math.sqrt(2.0 / (n - 1)) * math.exp(math.lgamma(n / 2) - math.lgamma((n - 1) / 2))


def fit_read_noise(
    g_reads_uS,
    g_max_uS: float,
    t_since_programming_s: float,
    t0_s: float,
    model: str,
    g_prog_uS=None,
) -> Fit:
    """Read-noise law from repeated reads of each device at one time.

    Parameters
    ----------
    g_reads_uS : array_like
        (n_devices, n_reads) reads, n_reads >= 3; each device's mean stands for G_d and its
        sample spread for the read-noise std.
    g_max_uS : float
        Nominal maximum, uS.
    t_since_programming_s : float
        Time of the reads since programming, s.
    t0_s : float
        The drift law's t0 (the 1/f term is sqrt(ln((t + t0 + t_r) / (2 t_r)))), s.
    model : {"flicker", "linear"}
        "flicker": std = |G| c x^-e sqrt(ln(...)) (Joshi 2020), fitted in log-log with the
        exact bias of the log of a sample variance removed; "linear": std = rel |G| + abs
        (Nandakumar 2018), fitted on c4-corrected sample spreads.
    g_prog_uS : array_like, optional
        (n_devices,) conductance right after programming (the 1/f factor depends on it, not
        on the drifted one); default the mean of the reads (right when drift is negligible).

    Returns
    -------
    Fit
        ``ReadNoiseParams`` (the other law's terms 0; cap, floor and t_read as defaults).
    """
    g = _array("g_reads_uS", g_reads_uS, 2)
    n = g.shape[1]
    if n < 3:
        raise ValueError(f"g_reads_uS: {n} reads per device: expected at least 3")
    mean = g.mean(axis=1)
    std = g.std(axis=1, ddof=1)
    defaults = ReadNoiseParams()
    if model == "flicker":
        t = t_since_programming_s + t0_s
        tr = defaults.t_read_s
        ell = math.sqrt(math.log(max(1.0, (t + tr) / (2 * tr))))
        prog = mean if g_prog_uS is None else _array("g_prog_uS", g_prog_uS, 1)
        if prog.shape != mean.shape:
            raise ValueError(
                f"g_prog_uS: {prog.size} values: expected {mean.size} (one per device)"
            )
        keep = (mean > 0) & (std > 0) & (prog > 0)
        lx = np.log(prog[keep] / g_max_uS)
        # E[ln s^2] = ln sigma^2 + digamma((n-1)/2) - ln((n-1)/2): removed below
        k = (n - 1) / 2
        digamma = math.log(k) - 1 / (2 * k) - 1 / (12 * k * k) + 1 / (120 * k**4)
        bias = 0.5 * (digamma - math.log(k))
        y = np.log(std[keep] / (mean[keep] * ell)) - bias
        design = np.stack([np.ones_like(lx), -lx], axis=1)
        coef, _ = _wls(design, y, np.ones_like(y))
        sigma2 = float(np.sum((y - design @ coef) ** 2) / max(y.size - 2, 1))
        cov = np.linalg.pinv(design.T @ design) * sigma2
        c, e = math.exp(coef[0]), float(coef[1])
        values = {"flicker_coeff": c, "flicker_exponent": e}
        errors = {
            "flicker_coeff": c * math.sqrt(max(cov[0, 0], 0.0)),
            "flicker_exponent": math.sqrt(max(cov[1, 1], 0.0)),
        }
        params = ReadNoiseParams(flicker_coeff=c, flicker_exponent=e, rel_std=0.0, abs_std_uS=0.0)
    elif model == "linear":
        design = np.stack([np.abs(mean), np.ones_like(mean)], axis=1)
        y = std / _c4(n)
        coef, _ = _wls(design, y, np.ones_like(y))
        sigma2 = float(np.sum((y - design @ coef) ** 2) / max(y.size - 2, 1))
        cov = np.linalg.pinv(design.T @ design) * sigma2
        values = {"rel_std": float(coef[0]), "abs_std_uS": float(coef[1])}
        errors = {
            "rel_std": math.sqrt(max(cov[0, 0], 0.0)),
            "abs_std_uS": math.sqrt(max(cov[1, 1], 0.0)),
        }
        params = ReadNoiseParams(flicker_coeff=0.0, **values)
    else:
        raise ValueError(f"model={model!r}: expected 'flicker' or 'linear'")
    return Fit(params, values, errors, {"g_uS": mean, "std_uS": std})


def read_table(path, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Columns of a CSV file with a header line, as float arrays.

    Parameters
    ----------
    path : str or pathlib.Path
        A comma-separated file whose first line names the columns.
    columns : tuple of str
        The columns wanted (e.g. ("device", "pulse", "g_uS")).

    Returns
    -------
    dict of str to numpy.ndarray
    """
    data = np.genfromtxt(path, delimiter=",", names=True, dtype=np.float64, encoding="utf-8")
    names = data.dtype.names or ()
    missing = [c for c in columns if c not in names]
    if missing:
        raise ValueError(f"{path}: columns {missing} missing: the header has {list(names)}")
    return {c: np.atleast_1d(np.asarray(data[c], dtype=np.float64)) for c in columns}


def curves_from_table(device, step, value) -> np.ndarray:
    """(n_devices, n_steps) matrix from long-format columns (device id, step index, value),
    e.g. conductance against pulse number or reads against time index.

    Parameters
    ----------
    device, step, value : array_like
        Equal-length columns; every device must have every step exactly once.

    Returns
    -------
    numpy.ndarray
        Rows in increasing device id, columns in increasing step.
    """
    device, step, value = (np.asarray(v) for v in (device, step, value))
    ids, row = np.unique(device, return_inverse=True)
    steps, col = np.unique(step, return_inverse=True)
    if device.size != ids.size * steps.size:
        raise ValueError(
            f"device: {device.size} rows: expected {ids.size} devices x {steps.size} steps"
        )
    out = np.full((ids.size, steps.size), np.nan)
    out[row, col] = value
    if np.isnan(out).any():
        raise ValueError("step: some device lacks a step (or has one twice)")
    return out
