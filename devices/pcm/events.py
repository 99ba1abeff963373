"""Device events and the one function that prices them.

Every operation of the functional core returns an ``OpCounts``: how many reads and pulses
of each kind it performed, plus the two sums that set their energy (the conductance read,
the squared amplitude of the SET pulses). Events add up with ``+``; ``device_energy``
turns any sum of them into joules and device busy time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .params import EnergyParams, PCMParams

_COUNT_FIELDS = ("reads", "verify_reads", "set_pulses", "reset_pulses", "program_pulses")


@dataclass(frozen=True, slots=True)
class OpCounts:
    """Device events of one or more operations (one entry per device per event).

    Parameters
    ----------
    reads : int
        Device reads (``pcm.read``, and the reads of a crossbar refresh).
    verify_reads : int
        Reads of program-and-verify.
    set_pulses : int
        Partial-SET pulses, stuck devices included (they receive the pulse).
    reset_pulses : int
        RESET pulses.
    program_pulses : int
        One-shot programming operations (a RESET and a SET ramp each).
    set_amplitude_sq_sum : float
        Sum over SET pulses of the squared relative amplitude (dimensionless): the SET
        energy is this times ``EnergyParams.e_set_J``.
    read_g_sum_uS : float
        Sum of the drifted (noise-free) conductances of the ``reads``, in uS: the read
        energy is V_read^2 t_read times this.
    verify_g_sum_uS : float
        The same for the ``verify_reads``, in uS.

    Notes
    -----
    ``a + b`` adds every field. The crossbar kernels and the system's energy ledger count
    the same quantities under the same names.
    """

    reads: int = 0
    verify_reads: int = 0
    set_pulses: int = 0
    reset_pulses: int = 0
    program_pulses: int = 0
    set_amplitude_sq_sum: float = 0.0
    read_g_sum_uS: float = 0.0
    verify_g_sum_uS: float = 0.0

    def __add__(self, other: OpCounts) -> OpCounts:
        if not isinstance(other, OpCounts):
            return NotImplemented
        return OpCounts(
            self.reads + other.reads,
            self.verify_reads + other.verify_reads,
            self.set_pulses + other.set_pulses,
            self.reset_pulses + other.reset_pulses,
            self.program_pulses + other.program_pulses,
            self.set_amplitude_sq_sum + other.set_amplitude_sq_sum,
            self.read_g_sum_uS + other.read_g_sum_uS,
            self.verify_g_sum_uS + other.verify_g_sum_uS,
        )

    def as_dict(self, *, weights: bool = False) -> dict[str, int | float]:
        """The operation counts by kind.

        Parameters
        ----------
        weights : bool, default False
            Also give the energy weights ``set_amplitude_sq_sum``, ``read_g_sum_uS`` and
            ``verify_g_sum_uS``.

        Returns
        -------
        dict
            ``reads``, ``verify_reads``, ``set_pulses``, ``reset_pulses``,
            ``program_pulses`` (and the weights if asked for).
        """
        out = asdict(self)
        return out if weights else {name: out[name] for name in _COUNT_FIELDS}


@dataclass(frozen=True, slots=True)
class EnergyTotals:
    """Device energy and busy time of some events, per kind of operation (see
    ``device_energy``).

    Parameters
    ----------
    read_J, verify_read_J, set_J, reset_J, program_J : float
        Energy of the reads, verify reads, partial-SET pulses, RESET pulses and one-shot
        programs, in J.
    busy_time_s : float
        Summed device time of all the operations, in s (operations on different devices
        are summed, not overlapped).
    """

    read_J: float = 0.0
    verify_read_J: float = 0.0
    set_J: float = 0.0
    reset_J: float = 0.0
    program_J: float = 0.0
    busy_time_s: float = 0.0

    @property
    def total_J(self) -> float:
        """The sum of the five energies, in J."""
        return self.read_J + self.verify_read_J + self.set_J + self.reset_J + self.program_J

    def as_dict(self) -> dict[str, float]:
        """Every field and ``total_J``.

        Returns
        -------
        dict
            Energies in J, ``busy_time_s`` in s.
        """
        return {**asdict(self), "total_J": self.total_J}


def device_energy(events: OpCounts, params: PCMParams) -> EnergyTotals:
    """Energy and busy time of ``events`` under the energy table of ``params``.

    The one place where device events become joules:
    read V_read^2 G t_read per cell read (from the conductance read), partial SET
    e_set (amplitude)^2 per pulse, RESET e_reset and one-shot program e_program per pulse.

    Parameters
    ----------
    events : OpCounts
        Events of any number of operations (their sum).
    params : PCMParams
        Device parameters: ``params.energy`` and the read time ``params.read_noise.t_read_s``.

    Returns
    -------
    EnergyTotals
        Energy in J per kind of operation and the summed busy time in s.

    References
    ----------
    Energies are estimates (``EnergyParams``); the one-shot program is a RESET and a SET
    ramp of 8 steps as in Ambrogio et al., Nature 558, 60 (2018).
    """
    if not isinstance(params, PCMParams):
        raise ValueError(f"params={params!r}: expected a PCMParams (see pcm.preset)")
    return price_events(events, params.energy, params.read_noise.t_read_s)


def price_events(events: OpCounts, energy: EnergyParams, t_read_s: float) -> EnergyTotals:
    """``device_energy`` from the energy table and the read time alone.

    For callers that price devices without a full ``PCMParams`` (the system's ledger).

    Parameters
    ----------
    events : OpCounts
        Events of any number of operations (their sum).
    energy : EnergyParams
        Energy per operation and pulse widths.
    t_read_s : float
        Duration of one cell read, in s.

    Returns
    -------
    EnergyTotals
        Energy in J per kind of operation and the summed busy time in s.
    """
    if not isinstance(events, OpCounts):
        raise ValueError(f"events={events!r}: expected an OpCounts")
    if not isinstance(energy, EnergyParams):
        raise ValueError(f"energy={energy!r}: expected an EnergyParams")
    e = energy
    read_J_per_uS = e.v_read_V**2 * 1e-6 * t_read_s
    return EnergyTotals(
        read_J=read_J_per_uS * events.read_g_sum_uS,
        verify_read_J=read_J_per_uS * events.verify_g_sum_uS,
        set_J=events.set_amplitude_sq_sum * e.e_set_J,
        reset_J=events.reset_pulses * e.e_reset_J,
        program_J=events.program_pulses * e.e_program_J,
        busy_time_s=(
            events.set_pulses * e.set_pulse_width_s
            + events.reset_pulses * e.reset_pulse_width_s
            + events.program_pulses * e.program_duration_s
            + (events.reads + events.verify_reads) * t_read_s
        ),
    )
