"""Named parameter sets, each citing the work it was fitted from."""

from __future__ import annotations

from collections.abc import Callable

from .params import (
    DriftParams,
    ExpStepPulseParams,
    NandakumarPulseParams,
    PCMParams,
    ReadNoiseParams,
    ResetParams,
    VariabilityParams,
)


def joshi2020() -> PCMParams:
    """Inference statistics of doped-GST mushroom PCM, G_max = 25 uS.

    Programming noise, conductance-dependent drift exponent and accumulated 1/f read noise
    from Joshi et al., "Accurate deep neural network inference using computational
    phase-change memory", Nat. Commun. 11, 2473 (2020), as in IBM aihwkit's
    ``PCMLikeNoiseModel`` (Nandakumar et al., ICECS 2019). Its pulse response, used only by
    on-chip writes, is the Nandakumar 2018 partial-SET fit of a device of the same family.
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
    N(0.1, 0.01) uS, conductance range [0.1, 12] uS, drift exponent 0.04 referred to 38.6 s,
    read noise 0.03 G + 0.13 uS. Constants as in a third-party re-implementation; the
    one-shot programming noise (used only by ``program``) is Joshi 2020's fit rescaled.
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
            nu_std_offset=0.0,
            nu_std_min=0.0,
            nu_std_max=0.0,
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
    """Return the named parameter set (see ``PRESETS`` for the names)."""
    try:
        return PRESETS[name]()
    except KeyError:
        raise ValueError(f"preset={name!r}: expected one of {sorted(PRESETS)}") from None
