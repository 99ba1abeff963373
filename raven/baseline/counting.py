"""MACs, parameters and energy of a baseline model, priced by raven.energy's table."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from ..energy import (
    FP32_ADD_J,
    FP32_MULT_J,
    INT8_ADD_J,
    INT8_MULT_J,
    SRAM_8KB_READ_64BIT_J,
)


def inference_macs(model: nn.Module, frames: int, coeffs: int) -> int:
    """Multiply-accumulates of one inference, counted by torch's FLOP counter (2 FLOPs per
    MAC for matmul and convolution; batch norm, ReLU and pooling are not MACs)."""
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, frames, coeffs))
    return counter.get_total_flops() // 2


def dense_macs_closed_form(model: nn.Module) -> int:
    """sum of in x out over the Linear layers (the closed form of a fully connected net)."""
    return sum(m.in_features * m.out_features for m in model.modules() if isinstance(m, nn.Linear))


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def energy_per_inference_J(macs: int, params: int) -> float:
    """int8 inference: one int8 multiply and add per MAC plus reading every weight once
    from SRAM (8 weights per 64-bit read); activations and control are not counted."""
    return macs * (INT8_MULT_J + INT8_ADD_J) + params / 8 * SRAM_8KB_READ_64BIT_J


def training_macs_per_sample(macs: int, params: int) -> int:
    """forward + backward (~2x forward: gradients of activations and of weights) + an SGD
    weight update (one multiply-add per parameter)."""
    return 3 * macs + params


def energy_per_training_sample_J(macs: int, params: int) -> float:
    """fp32 training: a multiply and an add per MAC of forward, backward and update, plus
    the weights read three times and written once in fp32 (2 weights per 64-bit access)."""
    return (
        training_macs_per_sample(macs, params) * (FP32_MULT_J + FP32_ADD_J)
        + 4 * params / 2 * SRAM_8KB_READ_64BIT_J
    )
