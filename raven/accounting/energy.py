"""Chip profiles: the technology node and the price of every event a chip performs.

A ``ChipProfile`` is a technology node and supply voltage plus an energy table; profiles
are selected by name (``chip_profile("pcm45")``). Device operations of the PCM cells (read,
SET, RESET, program, verify) are priced by the preset's own ``EnergyParams`` (see
``raven.accounting.ledger``), so no device price is written twice.

Sources (each constant below names its own):

- Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014,
  45 nm, 0.9 V: integer and float arithmetic, and SRAM reads of 64 bits at 8 KB (10 pJ),
  32 KB (20 pJ) and 1 MB (100 pJ).
- Shafiee et al., "ISAAC", ISCA 2016, 32 nm: 8-bit ADC at 1.2 GS/s, 8 ADCs per 16 mW
  (1.67 pJ per conversion); 1,024 1-bit DACs per 4 mW at a 100 ns crossbar cycle
  (0.39 pJ per row drive); 1,024 sample-and-hold circuits per 10 uW (1e-3 pJ per sample).
- Frenkel, Lefebvre, Legat and Bol, "A 0.086-mm^2 12.7-pJ/SOP 64k-synapse 256-neuron
  online-learning digital spiking neuromorphic processor in 28-nm CMOS" (ODIN), IEEE
  TBioCAS 13(1), 2019: 12.7 pJ per synaptic operation; 27.3 uW leakage at 0.55 V for its
  36 KB of SRAM plus logic.
- Frenkel and Indiveri, "ReckOn", ISSCC 2022, 28 nm FDSOI, 0.45 mm^2: 5.3 pJ per
  synaptic operation.
- Lewis, Okazaki, ..., Ishii, ..., Kim (IBM), "On-chip trainable 1.4M 6T2R PCM synaptic
  array with 1.6K stochastic LIF neurons for spiking RBM", IEDM 2019: 90 nm CMOS, analog
  LIF neurons on the PCM columns; its 28 nm projection gives 5.39 pJ per synaptic
  operation. Not used for calibration: the paper's abstract gives no breakdown of that
  figure (array activity, read voltage and time) to configure the ledger with.

Scaling to another node or voltage (an estimate): dynamic energy C V^2 with the switched
capacitance proportional to the feature size, E = E_45nm (node / 45 nm) (V / 0.9 V)^2.
Converter energies (ADC, DAC, sample-and-hold) are not scaled: they are set by noise and
matching rather than by the feature size (Murmann, "ADC performance survey"), so the
32 nm ISAAC figures are used at every node. An ADC of b bits costs 2^(b - 8) times the
8-bit figure (Walden figure of merit: energy proportional to 2^ENOB).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

# Horowitz, ISSCC 2014 (45 nm, 0.9 V), in J.
INT8_ADD_J = 0.03e-12
INT8_MULT_J = 0.2e-12
INT16_ADD_J = 0.05e-12
INT32_ADD_J = 0.1e-12
INT32_MULT_J = 3.1e-12
FP32_ADD_J = 0.9e-12
FP32_MULT_J = 3.7e-12
SRAM_8KB_READ_64BIT_J = 10e-12
DRAM_READ_64BIT_J = 1.3e-9  # 1.3-2.6 nJ per 64 bits; the low end
HOROWITZ_NODE_NM = 45.0
HOROWITZ_VDD_V = 0.9

# Horowitz ISSCC 2014: energy of a 64-bit SRAM read against the array's capacity.
SRAM_64BIT_POINTS = ((8 * 1024, 10e-12), (32 * 1024, 20e-12), (1024 * 1024, 100e-12))

# ISAAC (ISCA 2016, 32 nm): 16 mW for 8 ADCs at 1.2 GS/s.
ADC_8BIT_J = 16e-3 / 8 / 1.2e9
# ISAAC: 4 mW for 8 x 128 one-bit DACs driving rows every 100 ns crossbar cycle.
ROW_DRIVER_J = 4e-3 / 1024 * 100e-9
# ISAAC: 10 uW for 8 x 128 sample-and-hold circuits, one sample per 100 ns cycle.
SAMPLE_HOLD_J = 10e-6 / 1024 * 100e-9

# Column integrator (TIA / charge integrator) in front of each column's converter; an
# estimate: a 1 uA bias at 0.9 V over a 100 ns integration window plus a 100 fF integration
# capacitor charged to 0.9 V (ISAAC's sample-and-hold figure above does not include it).
COLUMN_INTEGRATOR_J = 1e-6 * 0.9 * 100e-9 + 100e-15 * 0.9**2
# One random draw of a rate encoder or dropout mask: a 16-bit LFSR step (16 flip-flops at
# 5 fJ per clock, 45 nm; estimate) and a 16-bit compare (Horowitz int16 add).
RANDOM_DRAW_J = 16 * 5e-15 + 0.05e-12

# Non-volatile store the weights of a power-gated digital chip are reloaded from at each
# wake-up: Renesas 65 nm SOTB 2T-MONOS embedded flash (1.5 MB, R7F0E controller), read
# energy 0.22 pJ per bit at 64 MHz, among the lowest published for embedded flash
# (Renesas Electronics announcement, 2018; eeNews Europe, "Low-power embedded flash enables
# energy harvesting"). The most favourable figure for the reload option.
FLASH_READ_J_PER_BIT = 0.22e-12

# Wake-up of a power-gated domain: recharging its virtual supply costs about the leakage
# energy of the domain over the break-even time of power gating; estimate, 10 us (about
# ten thousand cycles at 1 GHz or ten 1 us network steps), priced on the periphery's
# leakage (``ChipProfile.periphery_leakage_W``) and charged once per clip on both sides.
POWER_GATING_BREAK_EVEN_S = 10e-6

# ODIN (TBioCAS 2019, 28 nm FDSOI, 0.55 V): 27.3 uW leakage for 32 KB synapse SRAM + 4 KB
# neuron SRAM + logic, i.e. at most 93 pW per SRAM bit. Used as the per-bit leakage of
# every profile: an upper bound, since the logic's share is not separated.
SRAM_LEAKAGE_PER_BIT_W = 27.3e-6 / (36 * 1024 * 8)

# A published PCM in-memory-computing core, set beside the ledger's price of the same
# matrix-vector multiplication (``raven.accounting.calibration.pcm_macro_check``).
PCM_MACRO_REFERENCES = {
    "hermes_core_jssc2022": {
        "tops_per_W": 10.5,
        "rows": 256,
        "columns": 256,
        "input_bits": 8,
        "adc_bits": 8,
        "node_nm": 14,
        "source": "Khaddam-Aljameh et al., HERMES-Core, a 1.59-TOPS/mm2 PCM on 14-nm CMOS"
        " in-memory compute core using 300-ps/LSB linearized CCO-based ADCs, IEEE JSSC"
        " 57(4), 2022: 256 x 256 PCM core, 10.5 TOPS/W measured at 1 GHz",
    },
}

# Silicon references: energy per synaptic operation (J), as published.
SILICON_REFERENCES = {
    "ibm_6t2r_pcm_iedm2019": {
        "pJ_per_sop": 5.39,
        "node_nm": 28,
        "source": "Lewis et al. (IBM), 6T2R PCM synaptic array, IEDM 2019 (28 nm projection)",
    },
    "reckon_isscc2022": {
        "pJ_per_sop": 5.3,
        "node_nm": 28,
        "source": "Frenkel and Indiveri, ReckOn, ISSCC 2022 (28 nm FDSOI, 0.45 mm^2)",
    },
    "odin_tbcas2019": {
        "pJ_per_sop": 12.7,
        "node_nm": 28,
        "source": "Frenkel et al., ODIN, IEEE TBioCAS 2019 (28 nm FDSOI)",
    },
}


def dynamic_scale(node_nm: float, vdd_V: float) -> float:
    """Factor from Horowitz's 45 nm / 0.9 V energies to ``node_nm`` at ``vdd_V``.

    Dynamic energy goes as C V^2, the capacitance taken proportional to the feature size
    (an estimate).

    Parameters
    ----------
    node_nm : float
        Technology node, nm (> 0).
    vdd_V : float
        Supply voltage, V (> 0).

    Returns
    -------
    float
        ``(node_nm / 45) * (vdd_V / 0.9) ** 2``.

    Raises
    ------
    ValueError
        If ``node_nm`` or ``vdd_V`` is not > 0.
    """
    if not node_nm > 0:
        raise ValueError(f"node_nm={node_nm!r}: expected a technology node > 0 nm")
    if not vdd_V > 0:
        raise ValueError(f"vdd_V={vdd_V!r}: expected a supply voltage > 0 V")
    return (node_nm / HOROWITZ_NODE_NM) * (vdd_V / HOROWITZ_VDD_V) ** 2


def sram_64bit_access_J(capacity_bytes: float) -> float:
    """Energy of a 64-bit access to an SRAM of ``capacity_bytes`` at 45 nm / 0.9 V.

    Log-log interpolation between Horowitz's three points (ISSCC 2014), extended beyond
    them with the slope of the nearest segment (an estimate outside 8 KB - 1 MB).

    Parameters
    ----------
    capacity_bytes : float
        Capacity of the SRAM, bytes (> 0).

    Returns
    -------
    float
        Energy of one 64-bit access, J.

    Raises
    ------
    ValueError
        If ``capacity_bytes`` is not > 0.
    """
    if not capacity_bytes > 0:
        raise ValueError(f"capacity_bytes={capacity_bytes!r}: expected a capacity > 0 bytes")
    pts = [(math.log(c), math.log(e)) for c, e in SRAM_64BIT_POINTS]
    x = math.log(capacity_bytes)
    if x <= pts[1][0]:
        (x0, y0), (x1, y1) = pts[0], pts[1]
    else:
        (x0, y0), (x1, y1) = pts[1], pts[2]
    return math.exp(y0 + (x - x0) * (y1 - y0) / (x1 - x0))


def adc_conversion_J(bits: int) -> float:
    """Energy of one conversion of a ``bits``-bit ADC: ISAAC's 8-bit 1.67 pJ times 2^(bits - 8).

    Parameters
    ----------
    bits : int
        ADC resolution, an integer in [1, 16].

    Returns
    -------
    float
        Energy of one conversion, J.

    Raises
    ------
    ValueError
        If ``bits`` is not an integer in [1, 16].
    """
    if not (isinstance(bits, int) and 1 <= bits <= 16):
        raise ValueError(f"adc_bits={bits!r}: expected an integer in [1, 16]")
    return ADC_8BIT_J * 2.0 ** (bits - 8)


@dataclass(frozen=True, slots=True)
class ChipProfile:
    """Technology node, supply, and the price of every periphery event. Arithmetic prices
    are at 45 nm / 0.9 V (Horowitz) and scaled by ``dynamic_scale(node_nm, vdd_V)``;
    converter prices are used as they are (see the module docstring).

    Parameters
    ----------
    name : str
        Profile name (``PROFILES`` keys for the named ones).
    node_nm : float
        Technology node of the CMOS periphery (nm).
    vdd_V : float
        Supply voltage (V).
    row_driver_J : float
        Word-line driver per activated row (ISAAC 1-bit DAC, 0.39 pJ).
    column_sense_J : float
        Sense / sample-and-hold of one column read (ISAAC S+H).
    adc_bits : int
        Resolution of the column ADCs; a conversion costs ``adc_conversion_J``.
    analog_neuron_update_J : float
        One step of an analog integrating neuron with comparator, used when partial sums
        are combined in analog; estimate (sub-threshold silicon neurons spend about 1 pJ
        per step including bias currents; Indiveri et al., Front. Neurosci. 5, 73, 2011).
    neuron_update_J : float
        One digital LIF step, leak multiply + add + compare: int8 mult + 2 int8 adds (its
        state word is priced by the "neuron_state" memory).
    digital_mac_J : float
        Controller arithmetic (error, feedback, compensation): fp32 mult + add.
    digital_add_J, partial_sum_add_J : float
        int32 add.
    accumulator_update_J : float
        The arithmetic of a mixed-precision accumulator update, the product of
        presynaptic activity and error (int8 mult) and its add into the 16-bit word (int16
        add); the word's read and write are priced by the "accumulators" memory.
    input_spike_J : float
        One comparator of the rate encoder: int8 add.
    spike_route_J : float
        Carrying one spike event on the on-chip bus (its routing-table read is priced by
        the "routing" memory): int8 add; estimate of a short local bus.
    frontend_op_J : float
        One MFCC operation in 32-bit fixed point, mean of int32 add and mult.
    control_per_step_J : float
        Clock tree and controller per network time step; estimate: about 1,000 flip-flops
        at 5 fJ per clock (45 nm), 4 clocks per step.
    t_step_s : float
        Duration of one network time step (one 100 ns crossbar cycle and its conversions,
        as in ISAAC, plus neuron updates): estimate, 1 us.
    sram_leakage_per_bit_W : float
        SRAM leakage per stored bit (ODIN bound, see the module docstring).
    periphery_leakage_W : float
        Leakage of the ADCs, drivers, neuron logic and controller; estimate, a quarter of
        ODIN's whole-chip leakage.
    column_integrator_J : float
        The integrator (TIA) of one column reading (``COLUMN_INTEGRATOR_J``, estimate).
    random_draw_J : float
        One random draw of an encoder or dropout mask (``RANDOM_DRAW_J``, at 45 nm).
    int8_mac_J : float
        One int8 multiply-accumulate of a digital datapath (Horowitz int8 mult + add).

    References
    ----------
    .. [1] M. Horowitz, "Computing's energy problem", ISSCC 2014.
    .. [2] A. Shafiee et al., "ISAAC", ISCA 2016.
    .. [3] C. Frenkel et al., "ODIN", IEEE TBioCAS 13, 145 (2019).
    """

    name: str
    node_nm: float = 45.0
    vdd_V: float = 0.9
    row_driver_J: float = ROW_DRIVER_J
    column_sense_J: float = SAMPLE_HOLD_J
    adc_bits: int = 8
    analog_neuron_update_J: float = 1e-12
    neuron_update_J: float = INT8_MULT_J + 2 * INT8_ADD_J
    digital_mac_J: float = FP32_MULT_J + FP32_ADD_J
    digital_add_J: float = INT32_ADD_J
    partial_sum_add_J: float = INT32_ADD_J
    accumulator_update_J: float = INT8_MULT_J + INT16_ADD_J
    input_spike_J: float = INT8_ADD_J
    spike_route_J: float = INT8_ADD_J
    frontend_op_J: float = (INT32_ADD_J + INT32_MULT_J) / 2
    control_per_step_J: float = 1000 * 5e-15 * 4
    t_step_s: float = 1e-6
    sram_leakage_per_bit_W: float = SRAM_LEAKAGE_PER_BIT_W
    periphery_leakage_W: float = 27.3e-6 / 4
    column_integrator_J: float = COLUMN_INTEGRATOR_J
    random_draw_J: float = RANDOM_DRAW_J
    int8_mac_J: float = INT8_MULT_J + INT8_ADD_J

    def __post_init__(self) -> None:
        for key, value in asdict(self).items():
            if key == "name":
                continue
            if not (isinstance(value, int | float) and value >= 0 and math.isfinite(value)):
                raise ValueError(f"ChipProfile.{key}={value!r}: expected a finite value >= 0")
        dynamic_scale(self.node_nm, self.vdd_V)
        adc_conversion_J(self.adc_bits)
        if not self.t_step_s > 0:
            raise ValueError(f"ChipProfile.t_step_s={self.t_step_s!r}: expected a time > 0 s")

    @property
    def scale(self) -> float:
        """The factor ``dynamic_scale(node_nm, vdd_V)`` applied to the arithmetic prices."""
        return dynamic_scale(self.node_nm, self.vdd_V)

    def memory_access_J(self, capacity_bytes: float, word_bits: int) -> float:
        """Energy of one word access to an SRAM of ``capacity_bytes``.

        Horowitz's size-dependent 64-bit energy, proportional to the word width (bit-line
        energy; an estimate), scaled to the node.

        Parameters
        ----------
        capacity_bytes : float
            Capacity of the SRAM, bytes (> 0).
        word_bits : int
            Width of the accessed word, bits.

        Returns
        -------
        float
            Energy of one access, J.
        """
        return sram_64bit_access_J(capacity_bytes) * (word_bits / 64) * self.scale

    def event_prices_J(self) -> dict[str, float]:
        """Energy of one event of each periphery kind at this profile's node.

        Arithmetic and digital events are scaled by ``scale``; the converters, drivers, sense
        and integrators are used as they are.

        Returns
        -------
        dict of str to float
            Price of one event, J, by the ledger's event name (``row_activations``,
            ``adc_conversions``, ``neuron_updates``, ...).
        """
        s = self.scale
        return {
            "row_activations": self.row_driver_J,
            # a graded row drive: a b-bit DAC built of b binary-weighted one-bit cells,
            # each priced as ISAAC's one-bit driver (an estimate)
            "dac_conversion_bits": self.row_driver_J,
            "column_reads": self.column_sense_J,
            "column_integrations": self.column_integrator_J,
            "adc_conversions": adc_conversion_J(self.adc_bits),
            "analog_neuron_updates": self.analog_neuron_update_J,
            "neuron_updates": self.neuron_update_J * s,
            "digital_macs": self.digital_mac_J * s,
            "digital_adds": self.digital_add_J * s,
            "partial_sum_adds": self.partial_sum_add_J * s,
            "accumulator_updates": self.accumulator_update_J * s,
            "input_spikes": self.input_spike_J * s,
            "spikes_routed": self.spike_route_J * s,
            "frontend_ops": self.frontend_op_J * s,
            "time_steps": self.control_per_step_J * s,
            "random_draws": self.random_draw_J * s,
            "int8_macs": self.int8_mac_J * s,
        }

    def wake_up_J(self) -> float:
        """Energy of one wake-up of the power-gated domain.

        Returns
        -------
        float
            The periphery's leakage over ``POWER_GATING_BREAK_EVEN_S``, J (an estimate).
        """
        return self.periphery_leakage_W * POWER_GATING_BREAK_EVEN_S

    def as_dict(self) -> dict:
        """The profile's fields as a dictionary, with its ``dynamic_scale``.

        Returns
        -------
        dict
            Every field by name, plus ``dynamic_scale``; ``profile_from_dict`` reads it back.
        """
        return asdict(self) | {"dynamic_scale": self.scale}


PROFILES = {
    # Raven's PCM chip with its CMOS periphery at Horowitz's node: the default.
    "pcm45": ChipProfile("pcm45"),
    # The same chip with 28 nm periphery at 0.9 V.
    "pcm28": ChipProfile("pcm28", node_nm=28.0),
    # ReckOn's technology: 28 nm FDSOI at 0.5 V (ISSCC 2022), fully digital.
    "reckon28": ChipProfile("reckon28", node_nm=28.0, vdd_V=0.5),
    # ODIN's technology: 28 nm FDSOI at 0.55 V (TBioCAS 2019), fully digital.
    "odin28": ChipProfile("odin28", node_nm=28.0, vdd_V=0.55),
}


def profile_from_dict(d: dict) -> ChipProfile:
    """The ``ChipProfile`` a ``ChipProfile.as_dict`` (a ledger summary's "profile") was made
    from.

    Parameters
    ----------
    d : dict
        The profile's dictionary; keys that are not fields (``dynamic_scale``) are ignored,
        and fields it lacks (a summary from before they existed) take their defaults.

    Returns
    -------
    ChipProfile
        The rebuilt profile.
    """
    names = {f for f in ChipProfile.__dataclass_fields__}
    return ChipProfile(**{k: v for k, v in d.items() if k in names})


def chip_profile(name: str = "pcm45", **overrides) -> ChipProfile:
    """A profile by name, with fields optionally overridden.

    Parameters
    ----------
    name : str
        One of ``PROFILES``: "pcm45" (default), "pcm28", "reckon28", "odin28".
    **overrides
        ``ChipProfile`` fields to replace (e.g. ``adc_bits=6``).

    Returns
    -------
    ChipProfile

    Raises
    ------
    ValueError
        For an unknown name or a field value out of range.
    """
    if name not in PROFILES:
        raise ValueError(f"chip profile {name!r}: expected one of {sorted(PROFILES)}")
    return replace(PROFILES[name], **overrides) if overrides else PROFILES[name]
