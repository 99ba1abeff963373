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

import math
from dataclasses import dataclass

from .energy import PCM_MACRO_REFERENCES, SILICON_REFERENCES, chip_profile
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
    neurons, of which SPIKING_FRACTION spike per time step; ``time_steps`` per sample.

    Attributes
    ----------
    reference : str
        Key of the chip's published figure in ``SILICON_REFERENCES``.
    profile : str
        Name of the technology profile that prices it (``chip_profile``).
    synapses : int
        Number of synaptic weights.
    weight_bits : int
        Bits per weight.
    synapse_word_bits : int
        Width of the synapse SRAM word read per SOP, bits.
    n_neurons : int
        Neurons of the core (postsynaptic targets of every spike).
    state_bits : int
        Bits of one neuron's state word.
    presynaptic : int
        Presynaptic neurons whose spikes reach the core.
    time_steps : int
        Time steps per sample (default ``TIME_STEPS``).
    """

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
        """The ledger of ``samples`` samples on this chip.

        Every SOP reads a synapse word and reads and writes a neuron state word; every neuron is
        also updated once per time step.

        Parameters
        ----------
        samples : int
            Number of samples (clips) processed, >= 1.

        Returns
        -------
        Ledger
            An inference ledger with the synapse and neuron-state memories declared and the
            SOPs, additions, neuron updates, time steps and clips counted.
        """
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
    """For each calibrated chip: the ledger's pJ/SOP, the published one and their ratio.

    Parameters
    ----------
    device_energy : devices.pcm.EnergyParams
        Device energies passed through to ``Ledger.summary`` (unused by the digital chips'
        own events, required by the summary).
    t_read_s : float
        Read (integration) time of a cell, s.
    clip_period_s : float
        Time between samples, s (default 1 s), for the summary's static energy.

    Returns
    -------
    list of dict
        One row per chip of ``CALIBRATED``: ``chip``, ``profile``, ``ledger_pJ_per_sop``,
        ``silicon_pJ_per_sop``, ``ratio`` (ledger / silicon) and ``source``.
    """
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


# Mean conductance of a read PCM device in the macro check (an assumption: a mid-range
# state of the preset's 0-25 uS window); the check is reported with it.
PCM_MACRO_G_MEAN_uS = 10.0


def pcm_macro_check(
    device_energy, t_read_s: float, profile: str = "pcm45", g_mean_uS: float = PCM_MACRO_G_MEAN_uS
) -> dict:
    """The ledger's price of one matrix-vector multiplication of a published PCM
    in-memory-computing core (``PCM_MACRO_REFERENCES``), set beside its measured TOPS/W.

    One MVM of a rows x columns core with ``input_bits`` inputs: every row driven through a
    DAC (``input_bits`` bits), every device of a differential pair read (V^2 G t with
    ``g_mean_uS``), every column sensed, integrated and converted. Its operations: 2 x rows
    x columns. The published figures give no breakdown by component, so this checks the
    total, not each price: the report says so.

    Parameters
    ----------
    device_energy : devices.pcm.EnergyParams
        The preset's device energies.
    t_read_s : float
        Read (integration) time of a cell.
    profile : str
        Periphery prices (default: Raven's).
    g_mean_uS : float
        Mean conductance of a read device.

    Returns
    -------
    dict
        ``reference``, ``ledger_tops_per_W``, ``published_tops_per_W``, ``ratio`` (ledger /
        published), ``breakdown_J`` (the ledger's MVM by kind), ``source``, ``note``.
    """
    ref = PCM_MACRO_REFERENCES["hermes_core_jssc2022"]
    rows, cols, bits = ref["rows"], ref["columns"], ref["input_bits"]
    led = Ledger("inference")
    cells = 2 * rows * cols
    led.add(
        row_activations=rows,
        dac_conversion_bits=rows * bits,
        cell_reads=cells,
        read_g_sum_uS=cells * g_mean_uS,
        column_reads=cols,
        adc_conversions=cols,
        clips=1,
    )
    prof = chip_profile(profile, adc_bits=ref["adc_bits"])
    breakdown = {
        k: v for k, v in led.energy_breakdown_J(prof, device_energy, t_read_s).items() if v
    }
    ops = 2 * rows * cols
    tops_per_W = ops / sum(breakdown.values()) / 1e12
    return {
        "reference": "hermes_core_jssc2022",
        "ledger_tops_per_W": tops_per_W,
        "published_tops_per_W": ref["tops_per_W"],
        "ratio": tops_per_W / ref["tops_per_W"],
        "breakdown_J": breakdown,
        "g_mean_uS": g_mean_uS,
        "source": ref["source"],
        "note": "a check of the total only: the publication gives no breakdown by component"
        " to calibrate each of the ledger's prices against, so no PCM profile is calibrated",
    }


def calibration_correction(rows: list[dict]) -> float | None:
    """The factor that maps the ledger's pJ/SOP onto silicon for the calibrated digital chips.

    Parameters
    ----------
    rows : list of dict
        Rows of ``calibration_report``; rows without a (non-zero) ``ratio`` are ignored.

    Returns
    -------
    float or None
        The geometric mean of published / ledger over the rows; None without rows.
    """
    ratios = [r["ratio"] for r in rows if r.get("ratio")]
    if not ratios:
        return None
    return math.exp(-sum(math.log(r) for r in ratios) / len(ratios))


def calibrated_figures(summary: dict, rows: list[dict]) -> dict:
    """A summary's pJ per synaptic operation and network energy per clip, as priced and
    corrected by ``calibration_correction``.

    The corrected figures are shown beside, not applied to the comparison: the correction is
    measured on digital chips, so it is applied to both sides or neither.

    Parameters
    ----------
    summary : dict
        A ``Ledger.summary`` (its ``profile``, ``pJ_per_sop`` and
        ``network_dynamic_energy_per_clip_J`` are read).
    rows : list of dict
        Rows of ``calibration_report``.

    Returns
    -------
    dict
        ``profile`` (name), ``correction`` (factor or None), ``pJ_per_sop``,
        ``pJ_per_sop_corrected``, ``network_dynamic_energy_per_clip_J`` and
        ``network_dynamic_energy_per_clip_J_corrected`` (None where a figure or the factor
        is missing).
    """
    factor = calibration_correction(rows)
    pj = summary.get("pJ_per_sop")
    net = summary.get("network_dynamic_energy_per_clip_J")
    return {
        "profile": summary["profile"]["name"],
        "correction": factor,
        "pJ_per_sop": pj,
        "pJ_per_sop_corrected": None if factor is None or pj is None else pj * factor,
        "network_dynamic_energy_per_clip_J": net,
        "network_dynamic_energy_per_clip_J_corrected": None
        if factor is None or net is None
        else net * factor,
    }
