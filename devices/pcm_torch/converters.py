"""DAC and ADC of the crossbar periphery, on tensors: the rules of ``kernels.crossbar``."""

from __future__ import annotations

import math

import torch


def dac(x: torch.Tensor, bits: int) -> torch.Tensor:
    """Signed DAC: clip to [-1, 1], round to 2^(bits-1) - 1 levels per sign; 0 is ideal
    (``kernels.crossbar``'s rule).

    Parameters
    ----------
    x : torch.Tensor
        Inputs.
    bits : int
        0 or 2..24.

    Returns
    -------
    torch.Tensor
        Converted inputs, same dtype.
    """
    if bits == 0:
        return x
    levels = 2.0 ** (bits - 1) - 1.0
    return torch.floor(torch.clamp(x, -1.0, 1.0) * levels + 0.5) / levels


def adc(y: torch.Tensor, bits: int, full_scale: float) -> torch.Tensor:
    """Signed ADC of 2^bits levels of width full_scale / 2^(bits-1) on [-full_scale,
    full_scale); 0 leaves raw values (``kernels.crossbar``'s rule).

    Parameters
    ----------
    y : torch.Tensor
        Values to convert.
    bits : int
        0 or 1..24.
    full_scale : float
        +- range, in the units of ``y``.

    Returns
    -------
    torch.Tensor
        Converted values, same dtype.
    """
    if bits == 0:
        return y
    half = 2.0 ** (bits - 1)
    lsb = full_scale / half
    return torch.clamp(torch.floor(y / lsb + 0.5), -half, half - 1.0) * lsb


def check_converters(dac_bits: int, adc_bits: int, adc_range: float) -> None:
    """Raise a ValueError naming the argument if a converter setting is out of range.

    Parameters
    ----------
    dac_bits, adc_bits : int
        0 (ideal) or 2..24 and 1..24.
    adc_range : float
        ADC full scale (> 0).
    """
    if not isinstance(dac_bits, int) or not (dac_bits == 0 or 2 <= dac_bits <= 24):
        raise ValueError(f"dac_bits={dac_bits!r}: expected 0 (ideal) or 2..24")
    if not isinstance(adc_bits, int) or not 0 <= adc_bits <= 24:
        raise ValueError(f"adc_bits={adc_bits!r}: expected 0 (raw) or 1..24")
    if not (isinstance(adc_range, int | float) and math.isfinite(adc_range) and adc_range > 0):
        raise ValueError(f"adc_range={adc_range!r}: expected a finite value > 0")


__all__ = ["adc", "check_converters", "dac"]
