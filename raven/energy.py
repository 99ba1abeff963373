"""Energy table: the price of every event the chip and its controller perform.

Every entry is a parameter with its source next to it (DESIGN.md section 7); device
operations (cell reads, SET / RESET / program pulses) are priced by the PCM preset's own
``EnergyParams`` so that one table is not written twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

# Horowitz, "Computing's energy problem", ISSCC 2014 (45 nm), in J.
INT8_ADD_J = 0.03e-12
INT8_MULT_J = 0.2e-12
INT32_ADD_J = 0.1e-12
INT32_MULT_J = 3.1e-12
FP32_ADD_J = 0.9e-12
FP32_MULT_J = 3.7e-12
SRAM_8KB_READ_64BIT_J = 10e-12
DRAM_READ_64BIT_J = 1.3e-9  # 1.3-2.6 nJ per 64 bits; the low end


@dataclass(frozen=True, slots=True)
class EnergyTable:
    """Joules per event. Sources:

    - row_activation_J: word-line driver per activated row and time step; estimate, a
      1-bit DAC (ISAAC, 32 nm: 0.42 pJ).
    - partial_sum_add_J: combining the column outputs of row-split tiles; int32 add.
    - neuron_update_J: one digital LIF step (leak multiply, add, compare): int8 mult +
      2 int8 add.
    - spike_route_J: one spike event to the next layer: a 64-bit SRAM read (address lookup).
    - adc_conversion_J: 8-bit ADC, ISAAC (32 nm): 1.67 pJ (unused when currents go
      straight into neuron membranes, as in the default network).
    - input_spike_J: generating one input spike (comparator of the rate encoder): int8 add.
    - accumulator_update_J: a mixed-precision accumulator update: int8 mult + int32 add plus
      a read and a write of its 16-bit SRAM word (a quarter of a 64-bit access each).
    - digital_mac_J: controller arithmetic (error, feedback, compensation): fp32 mult + add.
    - frontend_op_J: one MFCC arithmetic operation in 32-bit fixed point: the mean of an
      int32 add and an int32 mult.
    - trace_word_access_J: one read or write of a 16-bit eligibility-trace word: a quarter
      of an 8 KB SRAM 64-bit access.
    - static_power_W: leakage and clocking, not modelled by default (0).
    """

    row_activation_J: float = 0.42e-12
    partial_sum_add_J: float = INT32_ADD_J
    neuron_update_J: float = INT8_MULT_J + 2 * INT8_ADD_J
    spike_route_J: float = SRAM_8KB_READ_64BIT_J
    adc_conversion_J: float = 1.67e-12
    input_spike_J: float = INT8_ADD_J
    accumulator_update_J: float = INT8_MULT_J + INT32_ADD_J + SRAM_8KB_READ_64BIT_J / 2
    digital_mac_J: float = FP32_MULT_J + FP32_ADD_J
    frontend_op_J: float = (INT32_ADD_J + INT32_MULT_J) / 2
    trace_word_access_J: float = SRAM_8KB_READ_64BIT_J / 4
    static_power_W: float = 0.0

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not value >= 0:
                raise ValueError(f"EnergyTable.{name}={value!r}: expected a value >= 0")

    def as_dict(self) -> dict:
        return asdict(self)
