"""Operation ledger: counts every event a chip performs, by kind, for one phase (training,
inference, programming), and prices the counts with a ``ChipProfile`` (periphery and
digital arrays) and the PCM preset's ``EnergyParams`` (device operations). This module is
the one place where device events are priced for the system.

Event vocabulary (``Ledger.add(name=count)``; the ``kernels.events.Events`` a kernel returns
are booked with ``Ledger.add_events``, whose counts carry these names):

Periphery (priced by ``ChipProfile.event_prices_J``):
- ``row_activations``: a word-line driver drives one row of one tile for one read.
- ``dac_conversion_bits``: bits converted by the DACs of graded input rows (a b-bit
  conversion counts b).
- ``column_reads``: a column's sense amplifier / sample-and-hold takes one reading.
- ``adc_conversions``: a column reading converted to digital (``adc_bits`` of the profile).
- ``analog_neuron_updates``: one step of an analog integrating neuron (partial sums
  combined in analog on shared column lines: no ADC and no digital add).
- ``neuron_updates``: one step of a digital neuron (its state word: the "neuron_state"
  memory, booked separately with ``add_memory``).
- ``partial_sum_adds``: digital add of the converted partial sums of row-split tiles.
- ``digital_macs`` / ``digital_adds``: controller arithmetic (fp32 MAC / int32 add).
- ``accumulator_updates``: the multiply and add of one mixed-precision accumulator update;
  each also reads and writes one word of the "accumulators" memory (priced by its size).
- ``input_spikes``: one spike made by the input encoder.
- ``spikes_routed``: one spike carried to the next layer (the routing-table read is the
  "routing" memory).
- ``frontend_ops``: one MFCC operation of the front end.
- ``time_steps``: one network time step of one sample: clock tree and controller, and
  the active time that static power is charged for when power-gated between clips.
- ``random_draws``: one random number drawn on chip (a rate encoder's comparison for each
  input slot, a dropout mask's draw for each hidden spike slot).
- ``int8_macs``: one int8 multiply-accumulate of a digital datapath (the DNN baselines'
  ledgers, ``raven.accounting.dnn``).

Derived (priced from other counts, not booked): ``column_integrations``, the integrator
(TIA) in front of every column reading (one per ``column_reads``).

Device (priced by ``EnergyParams`` of the PCM preset):
- ``cell_reads`` with ``read_g_sum_uS`` (the summed conductance read: read energy is
  V_read^2 G t_read per cell), ``verify_reads`` with ``verify_g_sum_uS``,
- ``set_pulses`` with ``set_amplitude_sq_sum`` (sum of squared relative amplitudes),
- ``reset_pulses``, ``program_pulses`` (a one-shot program includes its RESET).

Informational (not priced): ``synaptic_ops`` (spike-driven synaptic operations actually
performed, spike x fan-out: NeuroBench accumulates), ``synaptic_macs`` (synaptic operations
driven by graded inputs: NeuroBench MACs),
``dense_macs``, ``clips``, ``refreshed_pairs``, ``input_slots``, ``hidden_slots``,
``programmed_cells``, ``adc_saturations``, ``eligibility_events`` (neuron steps
with a non-zero e-prop pseudo-derivative).

Digital arrays: ``declare_memory(name, words, word_bits, retained=False)`` declares an
on-chip SRAM ("accumulators", "eligibility_traces", "neuron_state", "routing", ...);
``add_memory(name, reads=, writes=)`` books word accesses, priced by the array's size
(``ChipProfile.memory_access_J``); every declared bit leaks (static power).

A recurrent network booking one time step of a batch, for example::

    ledger.declare_memory("eligibility_traces", words=n_syn, word_bits=16, retained=True)
    ledger.add(row_activations=rows, cell_reads=cells, read_g_sum_uS=g_uS,
               column_reads=cols, adc_conversions=cols, synaptic_ops=rows * fan_out,
               neuron_updates=n, spikes_routed=spikes, time_steps=batch)
    ledger.add_memory("eligibility_traces", reads=n_syn, writes=n_syn)
    ...
    ledger.add(clips=batch)  # once per sample, when it ends
    summary = ledger.summary(chip_profile("pcm45"), params.energy, t_read_s, clip_period_s)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from devices.pcm import EnergyParams, OpCounts, price_events
from kernels.events import Events

from .energy import SILICON_REFERENCES, ChipProfile, chip_profile

PERIPHERY_EVENTS = (
    "row_activations",
    "dac_conversion_bits",
    "column_reads",
    "adc_conversions",
    "analog_neuron_updates",
    "neuron_updates",
    "digital_macs",
    "digital_adds",
    "partial_sum_adds",
    "accumulator_updates",
    "input_spikes",
    "spikes_routed",
    "frontend_ops",
    "time_steps",
    "random_draws",
    "int8_macs",
)
# Costs this ledger derives from other counts rather than booking: the integrator (TIA) of
# every column reading. With ``RANDOM_DRAWS`` they are what ``legacy=True`` leaves out (the
# pricing before they were added), for the report's before/after budget.
DERIVED_COSTS = ("column_integrations",)
ADDED_COSTS = ("column_integrations", "random_draws")
DEVICE_EVENTS = (
    "cell_reads",
    "read_g_sum_uS",
    "verify_reads",
    "verify_g_sum_uS",
    "set_pulses",
    "set_amplitude_sq_sum",
    "reset_pulses",
    "program_pulses",
)
INFORMATIONAL_EVENTS = (
    "synaptic_ops",
    "synaptic_macs",
    "dense_macs",
    "clips",
    "refreshed_pairs",
    "input_slots",
    "hidden_slots",
    "programmed_cells",
    "adc_saturations",
    "eligibility_events",
)
_KNOWN = frozenset(PERIPHERY_EVENTS + DEVICE_EVENTS + INFORMATIONAL_EVENTS)
# Kernel events (``kernels.events``) that are not ledger events: what they cost depends on
# the circuits of the chip (a spike may be routed or not, a read step reads every column of
# every row tile, ...), so the system books them itself, under the ledger's names.
SYSTEM_BOOKED_EVENTS = frozenset(
    {
        "dac_conversions",
        "eligibility_adds",
        "spikes",
        "recurrent_rows",
        "hidden_spikes",
        "hidden_read_steps",
        "output_read_steps",
    }
)
_SET_PULSES = ("set_pulses_plus", "set_pulses_minus")
_MEM = "memory:"  # counts of memory accesses are kept as "memory:<name>:reads|writes"


@dataclass(frozen=True, slots=True)
class Memory:
    """An on-chip digital array: ``words`` words of ``word_bits`` bits.

    Attributes
    ----------
    words : int
        Number of words, >= 1.
    word_bits : int
        Bits per word, >= 1.
    retained : bool
        Its content must survive between clips (it keeps leaking when the chip is
        power-gated).
    """

    words: int
    word_bits: int
    retained: bool = False

    @property
    def size_bytes(self) -> float:
        """Capacity of the array, bytes (``words * word_bits / 8``)."""
        return self.words * self.word_bits / 8


def _check_count(name: str, value: float) -> None:
    if not value >= 0:
        raise ValueError(f"ledger event {name}={value!r}: expected a count >= 0")


@dataclass
class Ledger:
    """Event counts of one phase, and the on-chip memories they access; priced by
    ``summary`` with a ``ChipProfile`` and the PCM preset's device energies (the event
    vocabulary is in the module docstring).

    Parameters
    ----------
    phase : str
        "training", "inference", ... (carried into the summary).
    counts : collections.Counter
        Event counts by name (``add``, ``add_memory``).
    memories : dict of str to Memory
        Declared on-chip SRAMs (``declare_memory``).

    References
    ----------
    .. [1] M. Horowitz, "Computing's energy problem", ISSCC 2014 (memory and arithmetic
       energies of ``ChipProfile``).
    """

    phase: str
    counts: Counter = field(default_factory=Counter)
    memories: dict[str, Memory] = field(default_factory=dict)

    # -- booking ---------------------------------------------------------------------------
    def add(self, **events: float) -> None:
        """Book counts of named events.

        Parameters
        ----------
        **events : float
            Count to add, >= 0, by ledger event name (the vocabulary of the module docstring).

        Raises
        ------
        ValueError
            An unknown event name (memory accesses go through ``add_memory``), or a negative
            count.
        """
        for name, value in events.items():
            if name not in _KNOWN:
                raise ValueError(
                    f"ledger event {name!r} is unknown; expected one of {sorted(_KNOWN)}"
                    " (memory accesses: add_memory)"
                )
            _check_count(name, value)
            self.counts[name] += value

    def add_events(self, events: Events) -> None:
        """Book a kernel call's events, in the order the kernel reported them.

        Parameters
        ----------
        events : kernels.events.Events
            Counts named as ledger events, booked under the same names; the SET pulses of
            both polarities (``set_pulses_plus``, ``set_pulses_minus``) become
            ``set_pulses``.

        Raises
        ------
        ValueError
            An event of ``SYSTEM_BOOKED_EVENTS``, which the system must turn into ledger
            events itself.
        """
        counts: dict[str, float] = {}
        for name, value in events.items():
            if name in SYSTEM_BOOKED_EVENTS:
                raise ValueError(
                    f"kernel event {name!r} is not a ledger event: the system books what it"
                    " costs on its chip (see raven.accounting.ledger.SYSTEM_BOOKED_EVENTS)"
                )
            key = "set_pulses" if name in _SET_PULSES else name
            counts[key] = counts.get(key, 0) + value
        self.add(**counts)

    def declare_memory(self, name: str, words: int, word_bits: int, retained: bool = False) -> None:
        """Declare an on-chip SRAM. Declaring it again with the same shape is a no-op; with
        another shape, an error.

        Parameters
        ----------
        name : str
            Name of the memory, non-empty, without ':'.
        words : int
            Number of words, >= 1.
        word_bits : int
            Bits per word, >= 1.
        retained : bool
            The content must survive between clips (leaks even when power-gated).

        Raises
        ------
        ValueError
            An invalid name or shape, or a shape other than the one declared before.
        """
        if not (isinstance(name, str) and name and ":" not in name):
            raise ValueError(f"memory name={name!r}: expected a non-empty name without ':'")
        for key, value in (("words", words), ("word_bits", word_bits)):
            if not (isinstance(value, int) and value >= 1):
                raise ValueError(f"memory {name!r}: {key}={value!r}: expected an integer >= 1")
        mem = Memory(int(words), int(word_bits), bool(retained))
        old = self.memories.get(name)
        if old is not None and old != mem:
            raise ValueError(f"memory {name!r}: declared as {old}, now as {mem}")
        self.memories[name] = mem

    def add_memory(self, name: str, reads: int = 0, writes: int = 0) -> None:
        """Book word accesses of a declared memory.

        Parameters
        ----------
        name : str
            Name of a memory declared with ``declare_memory``.
        reads, writes : int
            Word reads and writes to add, >= 0.

        Raises
        ------
        ValueError
            The memory is not declared, or a count is negative.
        """
        if name not in self.memories:
            raise ValueError(
                f"memory {name!r} is not declared; declared: {sorted(self.memories)}"
                " (call declare_memory first)"
            )
        _check_count(f"{name}.reads", reads)
        _check_count(f"{name}.writes", writes)
        self.counts[f"{_MEM}{name}:reads"] += reads
        self.counts[f"{_MEM}{name}:writes"] += writes

    def merge(self, other: Ledger) -> None:
        """Add another ledger's counts and memory declarations to this one.

        Parameters
        ----------
        other : Ledger
            The ledger to fold in; its memories are declared here (the same name must have the
            same shape).
        """
        for name, mem in other.memories.items():
            self.declare_memory(name, mem.words, mem.word_bits, mem.retained)
        self.counts.update(other.counts)

    def memory_accesses(self, name: str) -> int:
        """Word accesses (reads and writes) booked on a memory.

        Parameters
        ----------
        name : str
            Name of the memory.

        Returns
        -------
        int
            Reads plus writes booked with ``add_memory``.
        """
        c = self.counts
        return c[f"{_MEM}{name}:reads"] + c[f"{_MEM}{name}:writes"]

    # -- pricing ---------------------------------------------------------------------------
    def energy_breakdown_J(
        self,
        profile: ChipProfile,
        device: EnergyParams | None,
        t_read_s: float,
        legacy: bool = False,
    ) -> dict[str, float]:
        """Dynamic energy of every priced kind, in J (totals over the ledger).

        Parameters
        ----------
        profile : ChipProfile
            Periphery prices.
        device : devices.pcm.EnergyParams or None
            The preset's device energies; None for a ledger without device events (a digital
            chip).
        t_read_s : float
            Read (integration) time of a cell, s.
        legacy : bool
            Leave out ``ADDED_COSTS`` (the column integrators and random draws), as priced
            before they were added.

        Returns
        -------
        dict of str to float
            Energy, J, by event kind, device kind and ``memory:<name>``.

        Raises
        ------
        ValueError
            Memory accesses without a declaration, accumulator updates without an
            "accumulators" memory, or device events without ``device``.
        """
        c = self.counts
        undeclared = {k.split(":")[1] for k in c if k.startswith(_MEM)} - set(self.memories)
        if undeclared:
            raise ValueError(f"memories {sorted(undeclared)} have accesses but no declaration")
        prices = profile.event_prices_J()
        out = {name: c[name] * price for name, price in prices.items()}
        out["column_integrations"] = c["column_reads"] * prices["column_integrations"]
        if legacy:
            for name in ADDED_COSTS:
                out.pop(name)
        if c["accumulator_updates"] and "accumulators" not in self.memories:
            raise ValueError(
                "accumulator_updates booked but no 'accumulators' memory declared: its word"
                " width and capacity price each update's read and write"
            )
        device_counts = [c[k] for k in DEVICE_EVENTS]
        if device is None:
            if any(device_counts):
                raise ValueError("device events booked but no device EnergyParams given")
            return out | self._memory_J(profile)
        device_J = price_events(
            OpCounts(
                set_amplitude_sq_sum=c["set_amplitude_sq_sum"],
                reset_pulses=c["reset_pulses"],
                program_pulses=c["program_pulses"],
                read_g_sum_uS=c["read_g_sum_uS"],
                verify_g_sum_uS=c["verify_g_sum_uS"],
            ),
            device,
            t_read_s,
        )
        out["cell_reads"] = device_J.read_J
        out["verify_reads"] = device_J.verify_read_J
        out["set_pulses"] = device_J.set_J
        out["reset_pulses"] = device_J.reset_J
        out["program_pulses"] = device_J.program_J
        return out | self._memory_J(profile)

    def _memory_J(self, profile: ChipProfile) -> dict[str, float]:
        """Energy of every declared memory's accesses, priced by its size."""
        out = {}
        for name, mem in self.memories.items():
            accesses = self.memory_accesses(name)
            if name == "accumulators":
                accesses += 2 * self.counts["accumulator_updates"]  # read-modify-write
            out[f"memory:{name}"] = accesses * profile.memory_access_J(
                mem.size_bytes, mem.word_bits
            )
        return out

    def static_power_W(
        self, profile: ChipProfile, clip_period_s: float, power_gated: bool = True
    ) -> dict[str, float]:
        """Leakage averaged over a clip period.

        Parameters
        ----------
        profile : ChipProfile
            Leakage of the periphery and of SRAM per bit.
        clip_period_s : float
            Time between clips, s (> 0).
        power_gated : bool
            Between clips the periphery and every non-retained array are switched off, so they
            leak only during the active time (``time_steps`` per clip x ``t_step_s``); retained
            arrays leak all the time. False: everything leaks all the time.

        Returns
        -------
        dict of str to float
            Mean leakage power, W, of the ``periphery`` and of each ``memory:<name>``.
        """
        clips = max(1, self.counts["clips"])
        active_s = self.counts["time_steps"] / clips * profile.t_step_s
        duty = min(1.0, active_s / clip_period_s) if power_gated else 1.0
        out = {"periphery": profile.periphery_leakage_W * duty}
        for name, mem in self.memories.items():
            bits = mem.words * mem.word_bits
            on = 1.0 if mem.retained else duty
            out[f"memory:{name}"] = bits * profile.sram_leakage_per_bit_W * on
        return out

    def summary(
        self,
        profile: ChipProfile | str,
        device: EnergyParams | None,
        t_read_s: float,
        clip_period_s: float,
        power_gated: bool = True,
        legacy: bool = False,
    ) -> dict:
        """Per-clip energy and breakdown, power at one clip per ``clip_period_s`` with static
        power, energy per synaptic operation beside silicon, NeuroBench metrics.

        Parameters
        ----------
        profile : ChipProfile or str
            Periphery prices, or the name of one of ``PROFILES``.
        device : devices.pcm.EnergyParams or None
            The preset's device energies; None for a ledger without device events.
        t_read_s : float
            Read (integration) time of a cell, s.
        clip_period_s : float
            Time between clips, s (> 0).
        power_gated : bool
            Whether the chip is power-gated between clips (see ``static_power_W``).
        legacy : bool
            Price as before ``ADDED_COSTS`` were added (see ``energy_breakdown_J``).

        Returns
        -------
        dict
            JSON-ready summary: per-clip energies (total, dynamic, static, front end, network),
            powers in uW, the breakdowns, ``pJ_per_sop`` (without the front end) beside the
            silicon references, sparsity, NeuroBench metrics, memories and per-clip counts
            (``ledger_from_summary`` reads it back).

        Raises
        ------
        ValueError
            ``clip_period_s`` not > 0, or an error of ``energy_breakdown_J``.
        """
        if isinstance(profile, str):
            profile = chip_profile(profile)
        if not clip_period_s > 0:
            raise ValueError(f"clip_period_s={clip_period_s!r}: expected a period > 0 s")
        c = self.counts
        clips = max(1, c["clips"])
        breakdown = {
            k: v / clips
            for k, v in self.energy_breakdown_J(profile, device, t_read_s, legacy).items()
        }
        dynamic_J = sum(breakdown.values())
        static = self.static_power_W(profile, clip_period_s, power_gated)
        static_W = sum(static.values())
        energy_J = dynamic_J + static_W * clip_period_s
        sops = (c["synaptic_ops"] + c["synaptic_macs"]) / clips
        slots = c["input_slots"] + c["hidden_slots"]
        spikes = c["input_spikes"] + c["spikes_routed"]
        front = breakdown.get("frontend_ops", 0.0)
        return {
            "phase": self.phase,
            "profile": profile.as_dict(),
            "clips": int(c["clips"]),
            "energy_per_clip_J": energy_J,
            "dynamic_energy_per_clip_J": dynamic_J,
            "static_energy_per_clip_J": static_W * clip_period_s,
            "power_uW": energy_J / clip_period_s * 1e6,
            # the front end (MFCC) apart from the network, in every figure
            "frontend_energy_per_clip_J": front,
            "network_energy_per_clip_J": energy_J - front,
            "network_dynamic_energy_per_clip_J": dynamic_J - front,
            "network_power_uW": (energy_J - front) / clip_period_s * 1e6,
            "legacy_pricing": legacy,
            "static_power_uW": static_W * 1e6,
            "static_power_breakdown_W": static,
            "duty_cycling": {
                "power_gated_between_clips": power_gated,
                "clip_period_s": clip_period_s,
                "active_time_per_clip_s": c["time_steps"] / clips * profile.t_step_s,
                "note": "power-gated: periphery and non-retained arrays leak only while"
                " active; retained arrays leak all the time"
                if power_gated
                else "not power-gated: everything leaks all the time",
            },
            "energy_breakdown_per_clip_J": breakdown,
            "pJ_per_sop": _per_sop(dynamic_J - front, sops),
            "pJ_per_sop_with_static": _per_sop(energy_J - front, sops),
            "silicon_pJ_per_sop": {k: v["pJ_per_sop"] for k, v in SILICON_REFERENCES.items()},
            "effective_sops_per_clip": sops,
            "dense_macs_per_clip": c["dense_macs"] / clips,
            "activation_sparsity": 1.0 - spikes / slots if slots else None,
            "neurobench": {
                "digital_footprint_bytes": sum(m.size_bytes for m in self.memories.values()),
                "activation_sparsity": 1.0 - spikes / slots if slots else None,
                "dense_ops": c["dense_macs"] / clips,
                "effective_acs": c["synaptic_ops"] / clips,
                "effective_macs": c["synaptic_macs"] / clips,
                "synaptic_ops_per_sample": sops,
            },
            "memories": {
                k: {"words": m.words, "word_bits": m.word_bits, "size_bytes": m.size_bytes}
                | {"retained": m.retained}
                for k, m in self.memories.items()
            },
            "counts_per_clip": {k: v / clips for k, v in sorted(c.items())},
        }


def _per_sop(energy_J: float, sops: float) -> float | None:
    """pJ per synaptic operation, without the front end (silicon figures exclude it)."""
    return energy_J / sops * 1e12 if sops else None


def ledger_from_summary(summary: dict) -> Ledger:
    """The ledger a ``Ledger.summary`` was made from (counts and declared memories), to price
    it again with another profile or duty-cycling assumption.

    Parameters
    ----------
    summary : dict
        A ``Ledger.summary`` (its ``phase``, ``clips``, ``counts_per_clip`` and
        ``memories``).

    Returns
    -------
    Ledger
        A ledger with the total counts (per-clip counts times the clips) and the memories.
    """
    clips = max(1, summary["clips"])
    counts = Counter({k: v * clips for k, v in summary["counts_per_clip"].items()})
    ledger = Ledger(summary["phase"], counts=counts)
    for name, m in summary.get("memories", {}).items():
        ledger.declare_memory(name, m["words"], m["word_bits"], m["retained"])
    return ledger
