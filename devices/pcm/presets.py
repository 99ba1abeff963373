"""Named parameter sets, each citing the work it was fitted from.

The registry is ``PRESETS``. To add a preset: a function here that returns ``PCMParams``
with ``name`` and ``source`` (the citation) set and a docstring whose References cite the
constants' source, an entry in ``PRESETS``, and rows in the table of ``devices/README.md``.
A preset kept outside the package is a JSON record (``pcm.save_params``), which
``preset`` loads from its path.
"""

from __future__ import annotations

from collections.abc import Callable
from os import PathLike

from .params import (
    DriftParams,
    ExpStepPulseParams,
    NandakumarPulseParams,
    PCMParams,
    ReadNoiseParams,
    ResetParams,
    VariabilityParams,
)

# Assumed device-to-device spread of the drift exponent of nandakumar2018 (see its docstring).
NANDAKUMAR_NU_STD = 0.015


def joshi2020() -> PCMParams:
    """Inference statistics of doped-GST mushroom PCM, G_max = 25 uS.

    Programming noise, conductance-dependent drift exponent and accumulated 1/f read noise
    from Joshi et al., "Accurate deep neural network inference using computational
    phase-change memory", Nat. Commun. 11, 2473 (2020), as in IBM aihwkit's
    ``PCMLikeNoiseModel`` (Nandakumar et al., ICECS 2019). Its pulse response, used only by
    on-chip writes, is the Nandakumar 2018 partial-SET fit of a device of the same family
    (fitted on a 12 uS range), applied in relative units G / G_max on this 25 uS range (see
    ``NandakumarPulseParams``): the mean step is positive up to 21.8 uS (87 % of the range).

    Returns
    -------
    PCMParams
        G in [0, 25] uS, RESET to 0 uS.

    References
    ----------
    Joshi et al., Nat. Commun. 11, 2473 (2020); IBM aihwkit ``PCMLikeNoiseModel``;
    Nandakumar et al., J. Appl. Phys. 124, 152135 (2018).
    """
    return PCMParams(
        name="joshi2020",
        source="Joshi et al., Nat. Commun. 11, 2473 (2020); aihwkit PCMLikeNoiseModel",
        g_min_uS=0.0,
        g_max_uS=25.0,
        reset=ResetParams(g_mean_uS=0.0, g_std_uS=0.0),
    )


def nandakumar2018() -> PCMParams:
    """Pulse-level model for on-chip learning.

    Nandakumar et al., "A phase-change memory model for neuromorphic computing",
    J. Appl. Phys. 124, 152135 (2018): partial-SET increments with a history term, RESET to
    N(0.1, 0.01) uS, conductance range [0.1, 12] uS, drift G(t) = G(t0) (t / t0)^(-nu) with
    the conductance of the pulse model read at t0 = 38.6 s after the write, read noise
    0.03 G + 0.13 uS. Constants as in a third-party re-implementation; the one-shot
    programming noise (used only by ``program``) is Joshi 2020's fit rescaled.

    Drift exponent: mean 0.04 as in that re-implementation, which gives every device the
    same exponent. A device-to-device spread of 0.015 is an assumption (the source's own
    spread was not available to check): PCM of this family shows spreads of 0.01-0.02
    around 0.04-0.06 (Joshi 2020's fit: s_nu = 0.008-0.045 over its range). Without a
    spread, drift is a uniform scale that global drift compensation removes exactly.

    Returns
    -------
    PCMParams
        G in [0.1, 12] uS.

    References
    ----------
    Nandakumar et al., J. Appl. Phys. 124, 152135 (2018); Joshi et al., Nat. Commun. 11,
    2473 (2020) (programming noise, spread of the drift exponent).
    """
    return PCMParams(
        name="nandakumar2018",
        source="Nandakumar et al., J. Appl. Phys. 124, 152135 (2018)",
        g_min_uS=0.1,
        g_max_uS=12.0,
        drift=DriftParams(
            t0_s=38.6,
            nu_mean_log_slope=0.0,
            nu_mean_offset=0.04,
            nu_mean_min=0.0,
            nu_mean_max=1.0,
            nu_std_log_slope=0.0,
            nu_std_offset=NANDAKUMAR_NU_STD,
            nu_std_min=0.0,
            nu_std_max=1.0,
            time_origin="reference_read",
        ),
        read_noise=ReadNoiseParams(flicker_coeff=0.0, rel_std=0.03, abs_std_uS=0.13),
        pulse=NandakumarPulseParams(),
        reset=ResetParams(g_mean_uS=0.1, g_std_uS=0.01),
    )


def aihwkit_pcm() -> PCMParams:
    """IBM aihwkit's ``PCMPresetDevice``: exponential-step, one-directional pulse response
    fitted to Nandakumar et al., Front. Neurosci. 14, 406 (2020), with 20 % device-to-device
    spread of the step and 10 % of the range; w in [0, 2] is mapped onto [0, 25] uS, RESET to
    w = 0.01 (0.125 uS) with 0.01 spread. Drift and read noise as in joshi2020.

    Returns
    -------
    PCMParams
        G in [0, 25] uS, exp-step pulse response.

    References
    ----------
    IBM aihwkit ``PCMPresetDevice``; Nandakumar et al., Front. Neurosci. 14, 406 (2020);
    Joshi et al., Nat. Commun. 11, 2473 (2020).
    """
    return PCMParams(
        name="aihwkit-pcm",
        source="aihwkit PCMPresetDevice; Nandakumar et al., Front. Neurosci. 14, 406 (2020)",
        g_min_uS=0.0,
        g_max_uS=25.0,
        pulse=ExpStepPulseParams(),
        reset=ResetParams(g_mean_uS=0.125, g_std_uS=0.125),
        variability=VariabilityParams(g_max_rel_std=0.1, step_rel_std=0.2),
    )


PRESETS: dict[str, Callable[[], PCMParams]] = {
    "joshi2020": joshi2020,
    "nandakumar2018": nandakumar2018,
    "aihwkit-pcm": aihwkit_pcm,
}


def preset(name: str) -> PCMParams:
    """The named parameter set, or the one in a JSON record.

    Parameters
    ----------
    name : {"joshi2020", "nandakumar2018", "aihwkit-pcm"} or path
        A key of ``PRESETS``, or the path of a JSON record ending in ``.json``.

    Returns
    -------
    PCMParams
        A new, frozen parameter set (edit it with ``dataclasses.replace``).

    Raises
    ------
    ValueError
        Naming ``preset`` and listing the choices.
    """
    if isinstance(name, str | PathLike) and str(name).endswith(".json"):
        from .records import load_params

        return load_params(name)
    try:
        return PRESETS[name]()
    except (KeyError, TypeError):
        raise ValueError(f"preset={name!r}: expected one of {sorted(PRESETS)}") from None
