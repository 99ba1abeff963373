"""``Events``: the one type in which every kernel entry reports what it did.

An ``Events`` is an immutable set of named counts: the counts a kernel call reports, in the
order it reports them, each from the vocabulary ``EVENT_NAMES`` (a count of zero that the
call reports is kept: it says "counted, none happened"). Events add (``a + b`` sums the
counts of every name, ``sum(events, Events.zero())``), compare as mappings, and read by
name (``events.cell_reads``; a name the call did not report reads as 0).

Names shared with the system's energy ledger (``raven.accounting.ledger``) mean the same
there, so the ledger books such counts as they are; it alone prices them. The other names describe
the kernel's own work (rows driven by recurrent spikes, read steps, ...), which the system
turns into ledger events according to the circuits it has.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from types import MappingProxyType

import numpy as np

EVENT_NAMES: Mapping[str, str] = MappingProxyType(
    {
        # crossbar reads
        "dac_conversions": "graded inputs converted by a DAC",
        "row_activations": "rows driven for one read (activated input lines)",
        "column_reads": "column readings sensed (columns of every sample with an active row)",
        "cell_reads": "cells read (two per activated differential pair and column)",
        "read_g_sum_uS": "summed conductance read, uS: read energy is V_read^2 t_read * this",
        "synaptic_ops": "spike-driven synaptic operations (activated rows x columns)",
        "synaptic_macs": "synaptic operations driven by graded inputs (rows x columns)",
        "adc_conversions": "column readings converted by an ADC",
        "adc_saturations": "ADC conversions clipped at the end of the range",
        # device writes
        "set_pulses_plus": "partial-SET pulses on G+ devices",
        "set_pulses_minus": "partial-SET pulses on G- devices",
        "set_amplitude_sq_sum": "sum over SET pulses of the squared relative amplitude",
        "reset_pulses": "RESET pulses that are not part of a program",
        "program_pulses": "one-shot programs (each includes its RESET)",
        "verify_reads": "reads of a program-and-verify loop",
        "refreshed_pairs": "differential pairs refreshed",
        "accumulator_updates": "mixed-precision accumulator updates",
        # neurons
        "neuron_updates": "neuron steps (one neuron, one time step)",
        "spikes": "spikes fired by the neurons",
        # recurrent layer (kernels.recurrent)
        "input_spikes": "input spikes, each driving a row of the recurrent layer",
        "recurrent_rows": "rows driven by hidden spikes of the step before",
        "hidden_spikes": "hidden spikes, each driving a row of the output layer",
        "hidden_read_steps": "steps in which the recurrent layer was read (a row active)",
        "output_read_steps": "steps in which the output layer was read",
        "eligibility_events": "neuron steps with a non-zero e-prop pseudo-derivative",
        "eligibility_adds": "end-of-clip e-prop adds (driven rows x columns, once per clip)",
    }
)
_FLOAT_EVENTS = frozenset({"read_g_sum_uS", "set_amplitude_sq_sum"})


def _checked(name: str, value) -> int | float:
    if name not in EVENT_NAMES:
        raise ValueError(f"event {name!r} is unknown; expected one of {sorted(EVENT_NAMES)}")
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        raise ValueError(f"event {name}={value!r}: expected a number")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"event {name}={value!r}: expected a finite count >= 0")
    if name in _FLOAT_EVENTS:
        return float(value)
    if value != int(value):
        raise ValueError(f"event {name}={value!r}: expected a whole number")
    return int(value)


class Events(Mapping):
    """Immutable named counts of the events of one or more kernel calls.

    Parameters
    ----------
    **counts : int or float
        Counts by name (keys of ``EVENT_NAMES``), each finite and >= 0; whole numbers except
        ``read_g_sum_uS`` (uS) and ``set_amplitude_sq_sum``.

    Examples
    --------
    >>> a = Events(row_activations=3, cell_reads=12)
    >>> (a + Events(cell_reads=4)).cell_reads
    16
    >>> Events.zero() + a == a
    True
    """

    __slots__ = ("_counts",)

    def __init__(self, **counts) -> None:
        checked = {name: _checked(name, value) for name, value in counts.items()}
        object.__setattr__(self, "_counts", MappingProxyType(checked))

    @classmethod
    def zero(cls) -> Events:
        """The events of no work: the neutral element of ``+``.

        Returns
        -------
        Events
            An ``Events`` without counts.
        """
        return cls()

    def __getitem__(self, name: str) -> int | float:
        return self._counts[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._counts)

    def __len__(self) -> int:
        return len(self._counts)

    def __getattr__(self, name: str) -> int | float:
        if name in EVENT_NAMES:
            return self._counts.get(name, 0.0 if name in _FLOAT_EVENTS else 0)
        raise AttributeError(f"{type(self).__name__!r} has no event or attribute {name!r}")

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError("Events are immutable: add them (a + b) instead")

    def __add__(self, other: Events) -> Events:
        if not isinstance(other, Events):
            return NotImplemented
        total = dict(self._counts)
        for name, value in other.items():
            total[name] = total.get(name, 0) + value
        return Events(**total)

    def __radd__(self, other) -> Events:
        if isinstance(other, int) and other == 0:  # sum() starts from 0
            return self
        return NotImplemented

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={value!r}" for name, value in self._counts.items())
        return f"Events({inner})"

    def __reduce__(self):
        return _rebuild, (dict(self._counts),)

    @property
    def set_pulses(self) -> int:
        """SET pulses on both polarities."""
        return self.set_pulses_plus + self.set_pulses_minus

    def as_dict(self) -> dict[str, int | float]:
        """The reported counts, in the order reported.

        Returns
        -------
        dict
            Event name -> count.
        """
        return dict(self._counts)


def _rebuild(counts: dict) -> Events:
    return Events(**counts)
