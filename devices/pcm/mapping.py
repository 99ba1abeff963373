"""Weights to conductances of differential pairs and back, and global drift compensation,
for any simulator (numpy arrays or torch tensors: the array's own library is used).

Mapping: one differential pair per weight, W proportional to G+ - G-; a scale s = G_max /
w_max (w_max = max |W| or a given value) puts s W on [-G_max, G_max]; the sign decides
which device of the pair holds it, the other stays at G_min. This is the rule of
``kernels.tile.DifferentialTile.program_weights``.

Drift compensation: drift lowers every conductance, so every product y = x W shrinks.
Reading a known input through the array right after programming (``reference_sums``: every
row driven once, the column sums of |G+ - G-|) and again at the time of use gives a gain
(then / now) per column or one for the whole array, applied digitally to the outputs
(Joshi et al., Nat. Commun. 11, 2473, 2020: global drift compensation).
"""

from __future__ import annotations

import math

from .elementwise import namespace


def _finite_positive(name: str, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r}: expected a finite value > 0") from None
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{name}={value!r}: expected a finite value > 0")
    return v


def weights_to_conductances(w, g_min_uS: float, g_max_uS: float, w_max: float | None = None):
    """Targets of one differential pair per weight.

    G+ = max(s W, G_min), G- = max(-s W, G_min), s W clipped to [-G_max, G_max].

    Parameters
    ----------
    w : array
        Weights (numpy array or torch tensor), finite.
    g_min_uS, g_max_uS : float
        The preset's range, uS (``params.g_min_uS``, ``params.g_max_uS``).
    w_max : float, optional
        The weight mapped to G_max (default max |W|); larger weights are clipped.

    Returns
    -------
    g_plus_uS, g_minus_uS : array
        Targets, uS, same shape and library as ``w``.
    scale_uS : float
        s, uS per unit of W.

    Raises
    ------
    ValueError
        Naming ``w`` (NaN or infinite entries), ``w_max`` (not > 0, e.g. W all zeros) or
        ``g_max_uS``.
    """
    xp = namespace(w)
    if not bool(xp.all(xp.isfinite(w))):
        raise ValueError("w: contains NaN or infinite values")
    g_max = _finite_positive("g_max_uS", g_max_uS)
    if w_max is None:
        w_max = float(xp.max(xp.abs(w))) if math.prod(tuple(w.shape)) else 0.0
    w_max = _finite_positive("w_max", w_max)
    scale = g_max / w_max
    g = xp.clip(w * scale, -g_max, g_max)
    return xp.clip(g, g_min_uS, None), xp.clip(-g, g_min_uS, None), scale


def conductances_to_weights(g_plus_uS, g_minus_uS, scale_uS: float):
    """W = (G+ - G-) / s.

    Parameters
    ----------
    g_plus_uS, g_minus_uS : array
        Conductances (programmed, drifted or read), uS.
    scale_uS : float
        s from ``weights_to_conductances``.

    Returns
    -------
    array
        Weights.
    """
    return (g_plus_uS - g_minus_uS) / _finite_positive("scale_uS", scale_uS)


def reference_sums(g_plus_uS, g_minus_uS, axis: int = 0):
    """The reference read of drift compensation: every input line driven once (per
    polarity), each output sums |G+ - G-| over the lines.

    Parameters
    ----------
    g_plus_uS, g_minus_uS : array
        Reads of both polarities, (n_in, n_out) (``axis=0``: inputs on the rows).
    axis : int
        The input axis.

    Returns
    -------
    array
        Per output, the summed |G+ - G-|, uS.
    """
    xp = namespace(g_plus_uS)
    return xp.sum(xp.abs(g_plus_uS - g_minus_uS), axis=axis)


def compensation_gains(reference_then, reference_now, per_column: bool = True):
    """Digital gains that undo the average drift: then / now, per output column or one for
    the whole array (``per_column=False``: sums over all columns first).

    Parameters
    ----------
    reference_then, reference_now : array
        ``reference_sums`` right after programming and at the time of use.
    per_column : bool
        One gain per column (default) or a single global gain.

    Returns
    -------
    array or float
        Gains; 1 where the present reference is 0 (nothing left to scale).
    """
    xp = namespace(reference_now)
    if tuple(reference_then.shape) != tuple(reference_now.shape):
        raise ValueError(
            f"reference_now: shape {tuple(reference_now.shape)}: expected"
            f" {tuple(reference_then.shape)} (the shape of reference_then)"
        )
    if not per_column:
        then, now = float(xp.sum(reference_then)), float(xp.sum(reference_now))
        return then / now if now > 0 else 1.0
    positive = reference_now > 0
    safe = xp.where(positive, reference_now, 1.0)
    return xp.where(positive, reference_then / safe, 1.0)
