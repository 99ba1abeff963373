"""On-chip weight updates as programming pulses on a differential pair (G+, G-).

A desired change of W (proportional to G+ - G-) never becomes a float write: it becomes an
integer number of partial-SET pulses on G+ (to increase W) or on G- (to decrease it), each
pulse applied through the device pulse model of ``devices.pcm.physics`` (state dependent,
noisy, at a quantized amplitude). Schemes:

- stochastic pulse coincidence (aihwkit's bit-line scheme): per sample, BL pulse slots;
  row i fires in a slot with probability min(1, B |x_i|), column j with min(1, A |d_j|);
  a cell gets one pulse per coincidence, on G+ if x_i d_j > 0 else on G-;
- deterministic quantized pulses: round (or stochastically round) the desired change to a
  capped pulse count;
- mixed precision (Nandakumar et al., Front. Neurosci. 2020): a digital accumulator chi per
  synapse; pulses fire when |chi| >= epsilon and chi is decremented by what was applied;
- pair-based STDP producing a desired change that either of the two above turns into pulses;
- refresh of saturated pairs: read both, RESET both, reprogram the difference.

A tile's device state is two sets of 2-D arrays (one per polarity), as in
``devices.pcm.PCMState``; ``kernels.tile`` packs them. Random numbers are counter-based:
the pulses of cell (i, j) for sample b come from the stream keyed (seed, stream, step, ...),
so results do not depend on the number of threads.
"""

from ..rng import STREAM_COL_BITS, STREAM_PULSE, STREAM_REFRESH, STREAM_ROUND, STREAM_ROW_BITS
from ._pulse import ROWS_PER_BLOCK, DeviceArrays, PulsePhysics
from .coincidence import coincidence_apply, coincidence_probabilities, pulse_masks
from .counts import accumulate_and_fire, counts_apply, quantize_counts, stdp_delta
from .refresh import RefreshPhysics, refresh_pairs

__all__ = [
    "ROWS_PER_BLOCK",
    "STREAM_COL_BITS",
    "STREAM_PULSE",
    "STREAM_REFRESH",
    "STREAM_ROUND",
    "STREAM_ROW_BITS",
    "DeviceArrays",
    "PulsePhysics",
    "RefreshPhysics",
    "accumulate_and_fire",
    "coincidence_apply",
    "coincidence_probabilities",
    "counts_apply",
    "pulse_masks",
    "quantize_counts",
    "refresh_pairs",
    "stdp_delta",
]
