"""MACs, parameters and energy of a baseline model.

Counted for every family alike: multiply-accumulates of matrix products and convolutions.
Bias additions, batch norm, activation functions and pooling are not MACs; the element-wise
gate products of the recurrent cells are reported separately.

Two pricings: ``layer_shapes`` and ``ledger_summaries`` describe the model in the ledger's
terms and price it under the one memory model both sides share
(``raven.accounting.dnn``: every weight, activation and state word read and written where
the architecture reads and writes it, priced by the size of the memory that holds it);
``energy_per_inference_J`` and ``energy_per_training_sample_J`` are the earlier flat
formulas (weights read once per clip at the 8 KB SRAM price, no activations, no control),
kept as the "before" of the report's budget and as the energies a cached run records."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from ..accounting import dnn
from ..accounting.energy import (
    FP32_ADD_J,
    FP32_MULT_J,
    INT8_ADD_J,
    INT8_MULT_J,
    SRAM_8KB_READ_64BIT_J,
    chip_profile,
)
from .models import Recurrent

# Weight matrices per recurrent cell: GRU reset, update and candidate; LSTM input, forget,
# cell and output gates.
GATES = {"gru": 3, "lstm": 4}
# Element-wise products per hidden unit and time step. GRU: r * (W_hn h + b_hn), z * h and
# (1 - z) * n. LSTM: f * c, i * g and o * tanh(c).
GATE_MULTIPLIES = {"gru": 3, "lstm": 3}

FP32_BYTES = 4


def recurrent_macs_per_step(cell: str, n_in: int, width: int) -> int:
    """MACs of one time step of a single-layer GRU or LSTM with ``width`` hidden units:
    gates x (n_in x width + width x width), i.e. GRU 3 (n_in h + h^2), LSTM 4 (n_in h + h^2)
    (input and recurrent weight matrices of every gate; biases are additions).

    Parameters
    ----------
    cell : str
        "gru" or "lstm".
    n_in : int
        Inputs per time step.
    width : int
        Hidden units.

    Returns
    -------
    int
        Multiply-accumulates per time step.

    Raises
    ------
    ValueError
        An unknown ``cell``.
    """
    if cell not in GATES:
        raise ValueError(f"cell={cell!r}: expected one of {sorted(GATES)}")
    return GATES[cell] * (n_in * width + width * width)


def recurrent_parameters(cell: str, n_in: int, width: int) -> int:
    """Parameters of a single-layer torch GRU or LSTM: gates x (n_in h + h^2 + 2 h) (torch
    keeps an input bias and a recurrent bias per gate).

    Parameters
    ----------
    cell : str
        "gru" or "lstm".
    n_in : int
        Inputs per time step.
    width : int
        Hidden units.

    Returns
    -------
    int
        Number of parameters of the cell (without the classifier).
    """
    return GATES[cell] * (n_in * width + width * width + 2 * width)


def gate_multiplies_per_inference(model: nn.Module, frames: int) -> int:
    """Element-wise gate products of a recurrent model over one clip:
    GATE_MULTIPLIES x width x frames. Not MACs; reported, not priced.

    Parameters
    ----------
    model : torch.nn.Module
        A baseline model.
    frames : int
        Time steps (feature frames) per clip.

    Returns
    -------
    int
        The products; 0 for a model that is not ``Recurrent``.
    """
    if not isinstance(model, Recurrent):
        return 0
    return GATE_MULTIPLIES[model.cell] * model.rnn.hidden_size * frames


def inference_macs(model: nn.Module, frames: int, coeffs: int) -> int:
    """Multiply-accumulates of one inference (one clip of ``frames`` x ``coeffs``).

    Recurrent models by formula: frames x recurrent_macs_per_step + width x classes for the
    classifier on the readout (torch's FLOP counter sees through a GRU but not through the
    fused LSTM kernel, so it cannot count them alike). Other models by torch's FLOP counter
    (2 FLOPs per MAC for matmul and convolution).

    Parameters
    ----------
    model : torch.nn.Module
        A baseline model (put in eval mode by the count).
    frames, coeffs : int
        The clip's shape: feature frames and coefficients per frame.

    Returns
    -------
    int
        MACs per clip.

    Raises
    ------
    ValueError
        A recurrent model whose input size is not ``coeffs``.
    """
    if isinstance(model, Recurrent):
        rnn = model.rnn
        if rnn.input_size != coeffs:
            raise ValueError(f"coeffs={coeffs}: the model takes {rnn.input_size} per frame")
        per_step = recurrent_macs_per_step(model.cell, rnn.input_size, rnn.hidden_size)
        return frames * per_step + model.head.in_features * model.head.out_features
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, frames, coeffs))
    return counter.get_total_flops() // 2


def dense_macs_closed_form(model: nn.Module) -> int:
    """Sum of in x out over the Linear layers (the closed form of a fully connected net).

    Parameters
    ----------
    model : torch.nn.Module
        The model.

    Returns
    -------
    int
        MACs of its ``Linear`` layers applied once.
    """
    return sum(m.in_features * m.out_features for m in model.modules() if isinstance(m, nn.Linear))


def parameter_count(model: nn.Module) -> int:
    """Number of parameters of a model.

    Parameters
    ----------
    model : torch.nn.Module
        The model.

    Returns
    -------
    int
        Elements of all its parameters.
    """
    return sum(p.numel() for p in model.parameters())


def weights_bytes_fp32(params: int) -> int:
    """Footprint of the weights stored as fp32 (as trained).

    Parameters
    ----------
    params : int
        Number of parameters.

    Returns
    -------
    int
        Bytes (4 per parameter).
    """
    return FP32_BYTES * params


def energy_per_inference_J(macs: int, params: int) -> float:
    """Energy of one int8 inference by the flat formula: one int8 multiply and add per MAC plus
    reading every weight once from SRAM (8 weights per 64-bit read); activations and control
    are not counted.

    A recurrent model reads its weights once per clip too: they are assumed to stay in
    registers or a local buffer across the time steps, as the other families' convolution
    kernels are across output positions.

    Parameters
    ----------
    macs : int
        MACs per inference.
    params : int
        Number of parameters.

    Returns
    -------
    float
        Energy per inference, J.
    """
    return macs * (INT8_MULT_J + INT8_ADD_J) + params / 8 * SRAM_8KB_READ_64BIT_J


def training_macs_per_sample(macs: int, params: int) -> int:
    """MACs of training on one sample: forward + backward (~2x forward: gradients of
    activations and of weights) + an SGD weight update (one multiply-add per parameter).

    Parameters
    ----------
    macs : int
        MACs of one forward pass.
    params : int
        Number of parameters.

    Returns
    -------
    int
        ``3 * macs + params``.
    """
    return 3 * macs + params


def energy_per_training_sample_J(macs: int, params: int) -> float:
    """Energy of fp32 training on one sample by the flat formula: a multiply and an add per
    MAC of forward, backward and update, plus the weights read three times and written once
    in fp32 (2 weights per 64-bit access).

    Parameters
    ----------
    macs : int
        MACs of one forward pass.
    params : int
        Number of parameters.

    Returns
    -------
    float
        Energy per training sample, J.
    """
    return (
        training_macs_per_sample(macs, params) * (FP32_MULT_J + FP32_ADD_J)
        + 4 * params / 2 * SRAM_8KB_READ_64BIT_J
    )


def price_table() -> dict[str, float]:
    """The energy prices the flat formulas use (part of a cached result's key: a change of
    price invalidates cached energies).

    Returns
    -------
    dict of str to float
        Price, J, by the constant's name.
    """
    return {
        "FP32_ADD_J": FP32_ADD_J,
        "FP32_MULT_J": FP32_MULT_J,
        "INT8_ADD_J": INT8_ADD_J,
        "INT8_MULT_J": INT8_MULT_J,
        "SRAM_8KB_READ_64BIT_J": SRAM_8KB_READ_64BIT_J,
    }


def layer_shapes(model: nn.Module, frames: int, coeffs: int) -> list[dnn.LayerShape]:
    """``model`` (one clip of ``frames`` x ``coeffs``) as ``raven.accounting.dnn`` layers.

    Recurrent models by formula: the cell runs ``frames`` steps (its gates' MACs, inputs
    x_t and h_{t-1}, gate outputs and the new state written, ``GATE_MULTIPLIES``
    element-wise products, an LSTM's cell state read and written), then the classifier.
    Other models: every ``Linear`` and ``Conv2d`` call seen by a forward hook (MACs of a
    convolution: output values x input channels per group x kernel size); the parameters
    of a batch norm are counted with the layer before it.

    Parameters
    ----------
    model : torch.nn.Module
        A baseline model (``raven.baseline.models.make_model``).
    frames, coeffs : int
        The clip's shape.

    Returns
    -------
    list of raven.accounting.dnn.LayerShape
    """
    if isinstance(model, Recurrent):
        rnn, head, cell = model.rnn, model.head, model.cell
        n_in, h = rnn.input_size, rnn.hidden_size
        return [
            dnn.LayerShape(
                cell,
                macs=recurrent_macs_per_step(cell, n_in, h),
                weights=recurrent_parameters(cell, n_in, h),
                inputs=n_in + h,
                outputs=GATES[cell] * h + h,
                steps=frames,
                elementwise=GATE_MULTIPLIES[cell] * h,
                state_words=h if cell == "lstm" else 0,
            ),
            dnn.LayerShape(
                "head",
                macs=head.in_features * head.out_features,
                weights=head.in_features * head.out_features + head.out_features,
                inputs=head.in_features,
                outputs=head.out_features,
            ),
        ]
    shapes: list[dict] = []
    owner: dict[nn.Module, dict] = {}

    def hook(module, args, out):
        x = args[0]
        if isinstance(module, nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            macs = out.numel() * (module.in_channels // module.groups) * k
        else:
            macs = module.in_features * module.out_features * (x.numel() // x.shape[-1])
        entry = owner[module]
        entry.update(macs=macs, inputs=x.numel(), outputs=out.numel())
        shapes.append(entry)

    handles, last = [], None
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear | nn.Conv2d):
            last = {"name": name, "weights": sum(p.numel() for p in module.parameters())}
            owner[module] = last
            handles.append(module.register_forward_hook(hook))
        elif isinstance(module, nn.BatchNorm2d | nn.BatchNorm1d) and last is not None:
            last["weights"] += sum(p.numel() for p in module.parameters())
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, frames, coeffs))
    finally:
        for handle in handles:
            handle.remove()
    return [dnn.LayerShape(**entry) for entry in shapes]


def ledger_summaries(
    model: nn.Module,
    frames: int,
    coeffs: int,
    batch_size: int = 64,
    profile: str = "pcm45",
    clip_period_s: float = 1.0,
) -> dict[str, dict]:
    """Inference and training ledger summaries of ``model`` under the one memory model
    (``raven.accounting.dnn``), priced with the named ``ChipProfile`` (the digital prices
    of Raven's periphery: same node, same memories' size curve, same leakage).

    Parameters
    ----------
    model : torch.nn.Module
        A baseline model.
    frames, coeffs : int
        The clip's shape.
    batch_size : int
        Samples per weight update of its training.
    profile : str
        A ``raven.accounting.energy`` profile name.
    clip_period_s : float
        Seconds between clips (for the summaries' static power).

    Returns
    -------
    dict
        ``{"inference": summary, "training": summary}`` (``Ledger.summary``, per clip).
    """
    shapes = layer_shapes(model, frames, coeffs)
    prof = chip_profile(profile)
    return {
        "inference": dnn.inference_ledger(shapes).summary(prof, None, 0.0, clip_period_s),
        "training": dnn.training_ledger(shapes, batch_size).summary(prof, None, 0.0, clip_period_s),
    }
