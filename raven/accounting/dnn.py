"""The DNN baselines in the ledger's terms: one memory model for both sides.

A digital DNN accelerator is described by its layers (``LayerShape``) and booked on a
``Ledger`` with the same events and the same size-priced memories as Raven's chip
(``ChipProfile.memory_access_J``: Horowitz's SRAM size curve), so that both sides are
priced by one model:

- **datapath**: a vector unit fed by 64-bit memory words, one lane per operand of the word:
  8 int8 lanes for inference, 2 fp32 lanes for training. One word of weights and one
  activation (broadcast to every lane) feed ``lanes`` multiply-accumulates.
- **weights** are read from the memory that holds all of them at every use: a weight used
  at every frame (a recurrent cell) or at every output position (a convolution) is read
  again each time. No register file is declared: one holding the weights would be priced
  by the same size curve at the same capacity.
- **activations** (inference): an SRAM holding the largest layer's input and output; every
  operand fetch reads a word, every output value (and every element-wise gate product) is
  written once per layer and step. A recurrent layer's state (the LSTM cell state, in
  16-bit words) is read and written at every step.
- **control**: one controller step (``time_steps``) per layer and time step, as Raven's chip
  pays one per network time step; it also sets the active time static power is charged
  for.
- **training** (fp32, per sample): forward, input-gradient and weight-gradient passes
  (3 x the forward MACs), the weights read in the first two, the activations of the whole
  clip stored for the backward pass and read back, the weight gradients accumulated in a
  gradient memory, and one Adam update per batch (``ADAM_MACS_PER_PARAMETER``) reading and
  writing the weights, gradients and optimiser state.

Which memories must persist between clips (weights; while training also gradients and
optimiser state) is ``PERSISTENT_INFERENCE`` / ``PERSISTENT_TRAINING``, read by
``raven.accounting.duty``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .ledger import Ledger

WORD_BITS = 64
INT8_LANES = WORD_BITS // 8
FP32_LANES = WORD_BITS // 32
STATE_BITS = 16
# Adam per parameter and update: m and v moving averages (2 mult-adds each), the square
# root, the division and the scaled step (about 2 more): an estimate, in fp32 MACs.
ADAM_MACS_PER_PARAMETER = 6

# Memories whose content must survive between clips: "read_only" may be reloaded from a
# non-volatile store at a wake-up, "mutable" must be kept (raven.accounting.duty).
PERSISTENT_INFERENCE = {"weights": "read_only"}
PERSISTENT_TRAINING = {"weights": "mutable", "gradients": "mutable", "optimiser_state": "mutable"}


@dataclass(frozen=True, slots=True)
class LayerShape:
    """One layer of a DNN as the ledger sees it.

    Parameters
    ----------
    name : str
        The layer's name (for reading only).
    macs : int
        Multiply-accumulates per time step.
    weights : int
        Parameters of the layer (weights, biases, normalisation).
    inputs, outputs : int
        Values read in and written out per time step.
    steps : int
        Time steps the layer runs per clip (1 for a feedforward layer, the frames for a
        recurrent cell).
    elementwise : int
        Element-wise products per time step (gate products of a recurrent cell).
    state_words : int
        Extra state words read and written at every step (an LSTM's cell state).
    """

    name: str
    macs: int
    weights: int
    inputs: int
    outputs: int
    steps: int = 1
    elementwise: int = 0
    state_words: int = 0

    def __post_init__(self) -> None:
        for key in ("macs", "weights", "inputs", "outputs", "elementwise", "state_words"):
            value = getattr(self, key)
            if not (isinstance(value, int) and value >= 0):
                raise ValueError(f"LayerShape.{key}={value!r}: expected an integer >= 0")
        if not (isinstance(self.steps, int) and self.steps >= 1):
            raise ValueError(f"LayerShape.steps={self.steps!r}: expected an integer >= 1")


def _check(layers: Sequence[LayerShape]) -> None:
    if not layers:
        raise ValueError("layers: expected at least one LayerShape")


def _fetches(macs: int, lanes: int) -> int:
    return math.ceil(macs / lanes)


def inference_ledger(layers: Sequence[LayerShape]) -> Ledger:
    """The ledger of one int8 inference (one clip) of a DNN of ``layers``.

    Parameters
    ----------
    layers : sequence of LayerShape
        The network, in order.

    Returns
    -------
    Ledger
        Phase "inference", one clip: ``int8_macs``, ``time_steps`` and the "weights",
        "activations" (and, with state words, "state") memories with their accesses.
    """
    _check(layers)
    led = Ledger("inference")
    params = sum(layer.weights for layer in layers)
    led.declare_memory("weights", max(1, math.ceil(params / INT8_LANES)), WORD_BITS, retained=True)
    largest = max(layer.inputs + layer.outputs for layer in layers)
    led.declare_memory("activations", max(1, largest), 8)
    state = max(layer.state_words for layer in layers)
    if state:
        led.declare_memory("state", state, STATE_BITS)
    for layer in layers:
        n = layer.steps
        # a layer reads each of its weights at least once even if they take part in no
        # MAC (biases, normalisation)
        weight_reads = n * max(_fetches(layer.macs, INT8_LANES), _fetches(layer.weights, 8))
        led.add_memory("weights", reads=weight_reads)
        led.add_memory(
            "activations",
            reads=n * (_fetches(layer.macs, INT8_LANES) + 2 * layer.elementwise),
            writes=n * (layer.outputs + layer.elementwise),
        )
        if layer.state_words:
            led.add_memory("state", reads=n * layer.state_words, writes=n * layer.state_words)
        led.add(
            int8_macs=n * (layer.macs + layer.elementwise),
            dense_macs=n * layer.macs,
            time_steps=n,
        )
    led.add(clips=1)
    return led


def training_ledger(layers: Sequence[LayerShape], batch_size: int) -> Ledger:
    """The ledger of one fp32 training sample of a DNN of ``layers`` (backpropagation,
    through time for a recurrent layer, and Adam once per batch of ``batch_size``).

    Parameters
    ----------
    layers : sequence of LayerShape
        The network, in order.
    batch_size : int
        Samples per weight update.

    Returns
    -------
    Ledger
        Phase "training", one clip: ``digital_macs`` (fp32), ``time_steps`` and the
        "weights", "activation_store", "gradients" and "optimiser_state" memories.
    """
    _check(layers)
    if not (isinstance(batch_size, int) and batch_size >= 1):
        raise ValueError(f"batch_size={batch_size!r}: expected an integer >= 1")
    led = Ledger("training")
    params = sum(layer.weights for layer in layers)
    param_words = max(1, math.ceil(params / FP32_LANES))
    led.declare_memory("weights", param_words, WORD_BITS, retained=True)
    led.declare_memory("gradients", param_words, WORD_BITS, retained=True)
    # Adam's m and v of one parameter: two fp32 in one 64-bit word
    led.declare_memory("optimiser_state", max(1, params), WORD_BITS, retained=True)
    stored = sum(layer.steps * (layer.outputs + layer.elementwise) for layer in layers)
    stored += layers[0].steps * layers[0].inputs
    led.declare_memory("activation_store", max(1, stored), 32)
    for layer in layers:
        n = layer.steps
        fetches = n * max(_fetches(layer.macs, FP32_LANES), _fetches(layer.weights, 2))
        # forward and input-gradient passes read the weights; the weight-gradient pass
        # reads and writes the gradients
        led.add_memory("weights", reads=2 * fetches)
        led.add_memory("gradients", reads=fetches, writes=fetches)
        # forward: outputs stored; backward: activations read by both passes, activation
        # gradients written and read
        written = n * (layer.outputs + layer.elementwise)
        led.add_memory(
            "activation_store",
            reads=2 * n * _fetches(layer.macs, FP32_LANES) + written,
            writes=2 * written,
        )
        led.add(
            digital_macs=3 * n * (layer.macs + layer.elementwise),
            dense_macs=n * layer.macs,
            time_steps=3 * n,
        )
    # One Adam update per batch, shared by its samples.
    per_sample = 1.0 / batch_size
    led.add(digital_macs=ADAM_MACS_PER_PARAMETER * params * per_sample)
    led.add_memory("weights", reads=param_words * per_sample, writes=param_words * per_sample)
    led.add_memory("gradients", reads=param_words * per_sample, writes=param_words * per_sample)
    led.add_memory("optimiser_state", reads=params * per_sample, writes=params * per_sample)
    led.add(clips=1)
    return led
