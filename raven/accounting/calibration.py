"""Calibration of the ledger against silicon: a published digital spiking chip described
with the ledger's own events and arrays, priced with its technology's profile, gives an
energy per synaptic operation to set beside the chip's measured figure.

The silicon figures (``raven.accounting.energy.SILICON_REFERENCES``) are incremental energies per
synaptic operation (SOP), so the ledger's comparable figure is its dynamic energy per SOP
(``Ledger.summary(...)["pJ_per_sop"]``).

An event-driven, time-multiplexed digital core (ODIN, ReckOn) performs one SOP as: read
the synapse's weight word from the synapse SRAM, read the target neuron's state word,
add, write the state back. Every time step, each neuron is also updated once (leak,
threshold) with a read and a write of its state.
"""

from __future__ import annotations

from dataclasses import dataclass

from .energy import SILICON_REFERENCES, chip_profile
from .ledger import Ledger

# Activity assumed for every calibrated chip (an estimate): this fraction of the
# presynaptic neurons spikes per time step, each spike reaching every neuron of the core,
# over TIME_STEPS time steps per sample.
SPIKING_FRACTION = 0.10
TIME_STEPS = 100


@dataclass(frozen=True, slots=True)
class DigitalSNNChip:
    """Architecture and activity of a digital SNN core, in the ledger's terms.

    ``synapses`` weights of ``weight_bits`` packed into ``synapse_word_bits``-bit words (one
    word read per SOP); ``n_neurons`` state words of ``state_bits``; ``presynaptic``
    neurons, of which SPIKING_FRACTION spike per time step; ``time_steps`` per sample."""

    reference: str
    profile: str
    synapses: int
    weight_bits: int
    synapse_word_bits: int
    n_neurons: int
    state_bits: int
    presynaptic: int
    time_steps: int = TIME_STEPS

    @property
    def sops_per_step(self) -> int:
        """Synaptic operations per time step: every spike reaches the ``n_neurons``."""
        return round(SPIKING_FRACTION * self.presynaptic) * self.n_neurons

    def ledger(self, samples: int = 1) -> Ledger:
        """The ledger of ``samples`` samples on this chip."""
        led = Ledger("inference")
        words = self.synapses * self.weight_bits // self.synapse_word_bits
        led.declare_memory("synapses", words, self.synapse_word_bits, retained=True)
        led.declare_memory("neuron_state", self.n_neurons, self.state_bits)
        steps = self.time_steps * samples
        sops = self.sops_per_step * steps
        updates = self.n_neurons * steps
        led.add_memory("synapses", reads=sops)
        led.add_memory("neuron_state", reads=sops + updates, writes=sops + updates)
        led.add(
            synaptic_ops=sops,
            digital_adds=sops,
            neuron_updates=updates,
            time_steps=steps,
            clips=samples,
        )
        return led


# ReckOn (Frenkel and Indiveri, ISSCC 2022): 256 input and 256 recurrent neurons fully
# connected to 256 neurons, 16 outputs; 8-bit weights. The state word (16-bit membrane,
# 16-bit adaptive threshold, 32 bits of e-prop traces) is an estimate. 512 presynaptic
# neurons: 51 spikes per step, 51 x 256 SOPs.
RECKON = DigitalSNNChip(
    reference="reckon_isscc2022",
    profile="reckon28",
    synapses=512 * 256 + 256 * 16,
    weight_bits=8,
    synapse_word_bits=8,
    n_neurons=256,
    state_bits=64,
    presynaptic=512,
)

# ODIN (Frenkel et al., TBioCAS 2019): 256 neurons, 256 x 256 synapses of 4 bits (3-bit
# weight and a mapping bit) read as 32-bit words, 126-bit neuron states read as 128-bit
# words. 256 presynaptic neurons: 26 spikes per step, 26 x 256 SOPs.
ODIN = DigitalSNNChip(
    reference="odin_tbcas2019",
    profile="odin28",
    synapses=256 * 256,
    weight_bits=4,
    synapse_word_bits=32,
    n_neurons=256,
    state_bits=128,
    presynaptic=256,
)

CALIBRATED = {"reckon": RECKON, "odin": ODIN}


def calibration_report(device_energy, t_read_s: float, clip_period_s: float = 1.0) -> list:
    """For each calibrated chip: the ledger's pJ/SOP, the published one and their ratio."""
    rows = []
    for name, chip in CALIBRATED.items():
        s = chip.ledger().summary(
            chip_profile(chip.profile), device_energy, t_read_s, clip_period_s
        )
        ref = SILICON_REFERENCES[chip.reference]
        rows.append(
            {
                "chip": name,
                "profile": chip.profile,
                "ledger_pJ_per_sop": s["pJ_per_sop"],
                "silicon_pJ_per_sop": ref["pJ_per_sop"],
                "ratio": s["pJ_per_sop"] / ref["pJ_per_sop"],
                "source": ref["source"],
            }
        )
    return rows
