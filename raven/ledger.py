"""Operation ledger: counts every event by kind, for training and inference separately,
and prices them with an ``EnergyTable`` and the device's ``EnergyParams``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from devices.pcm import EnergyParams

from .energy import EnergyTable

# Counted events and the table entry that prices them (device entries handled below).
_PRICED_BY_TABLE = {
    "row_activations": "row_activation_J",
    "partial_sum_adds": "partial_sum_add_J",
    "neuron_updates": "neuron_update_J",
    "spikes_routed": "spike_route_J",
    "adc_conversions": "adc_conversion_J",
    "input_spikes": "input_spike_J",
    "accumulator_updates": "accumulator_update_J",
    "digital_macs": "digital_mac_J",
    "frontend_ops": "frontend_op_J",
    "trace_word_accesses": "trace_word_access_J",
}
_DEVICE_EVENTS = (
    "cell_reads",
    "read_g_sum_uS",
    "set_pulses",
    "set_amplitude_sq_sum",
    "reset_pulses",
    "program_pulses",
    "verify_reads",
)
_INFORMATIONAL = (
    "synaptic_ops",
    "dense_macs",
    "clips",
    "refreshed_pairs",
    "input_slots",
    "hidden_slots",
    "adc_saturations",
    "eligibility_events",
)


@dataclass
class Ledger:
    """Event counts of one phase ("training" or "inference")."""

    phase: str
    counts: Counter = field(default_factory=Counter)

    def add(self, **events: float) -> None:
        for name, value in events.items():
            if (
                name not in _PRICED_BY_TABLE
                and name not in _DEVICE_EVENTS
                and (name not in _INFORMATIONAL)
            ):
                raise ValueError(f"ledger event {name!r} is unknown")
            self.counts[name] += value

    def merge(self, other: Ledger) -> None:
        self.counts.update(other.counts)

    def energy_breakdown_J(
        self, table: EnergyTable, device: EnergyParams, t_read_s: float
    ) -> dict[str, float]:
        c = self.counts
        out = {name: c[name] * getattr(table, entry) for name, entry in _PRICED_BY_TABLE.items()}
        out["cell_reads"] = device.v_read_V**2 * c["read_g_sum_uS"] * 1e-6 * t_read_s
        out["set_pulses"] = c["set_amplitude_sq_sum"] * device.e_set_J
        out["reset_pulses"] = c["reset_pulses"] * device.e_reset_J
        out["program_pulses"] = c["program_pulses"] * device.e_program_J
        return out

    def summary(
        self, table: EnergyTable, device: EnergyParams, t_read_s: float, clip_period_s: float
    ) -> dict:
        """Per-clip energy, power at one clip per ``clip_period_s``, breakdown, operations."""
        clips = max(1, self.counts["clips"])
        breakdown = {
            k: v / clips for k, v in self.energy_breakdown_J(table, device, t_read_s).items()
        }
        energy = sum(breakdown.values())
        slots = self.counts["input_slots"] + self.counts["hidden_slots"]
        spikes = self.counts["input_spikes"] + self.counts["spikes_routed"]
        return {
            "phase": self.phase,
            "clips": int(self.counts["clips"]),
            "energy_per_clip_J": energy,
            "power_uW": (energy / clip_period_s + table.static_power_W) * 1e6,
            "energy_breakdown_per_clip_J": breakdown,
            "effective_sops_per_clip": self.counts["synaptic_ops"] / clips,
            "dense_macs_per_clip": self.counts["dense_macs"] / clips,
            "activation_sparsity": 1.0 - spikes / slots if slots else None,
            "counts_per_clip": {k: v / clips for k, v in sorted(self.counts.items())},
        }
