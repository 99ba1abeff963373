"""Run configuration: a tree of frozen, validated dataclasses, loadable from TOML and saved
with every run. Unknown keys and bad values are errors that name the table, the field, the
value and what was expected (``training.epochs=True: expected an integer >= 1, got bool``).

Every table is checked by one declarative path (``raven.config.validation``), whichever way it is
made: a TOML file (``load_config``), a sweep value (``raven.runs.sweep``), a run's saved
``config.json`` (``config_from_dict``) or the Python API (``TrainingConfig(epochs=2)``). The
field's annotation gives its type (bools must be bools, ints must not be bools, floats take
ints, ``tuple[float, ...]`` takes a list, ``X | None`` takes None) and ``setting(default,
ge=, gt=, le=, lt=, choices=, min_len=)`` its constraints.

Adding a table: declare a frozen dataclass with a ``TABLE: ClassVar[str]`` name, typed
fields (constraints through ``setting``; nested tables typed as their dataclass), and a
``__post_init__`` that calls ``validate(self)`` first and then ``check(...)`` for any rule
across fields; add it as a field of ``RavenConfig``. TOML tables, sweep keys
(``"table.field"``) and error messages then follow with no further code."""

from __future__ import annotations

import dataclasses
import json
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from devices.pcm import PRESETS, load_params

from .architectures import SETTINGS_READ, check_settings_read, refuse_unread_keys
from .inputs import AugmentConfig, DataConfig, FeatureConfig
from .validation import ConfigError, check, setting, validate

__all__ = [
    "ConfigError",
    "RavenConfig",
    "check",
    "config_from_dict",
    "load_config",
    "setting",
    "validate",
]


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    """Spike-encoded MFCC -> hidden stochastic LIF layer -> output integrators.

    Every (frame, coefficient) of the feature map is an input channel, rate-coded over
    ``time_steps`` steps (Bernoulli, probability max_rate x scaled feature); with
    ``input_encoding="on_off"`` each feature drives an ON channel (above its training mean)
    and an OFF channel (below), so inputs carry a sign and stay sparse. Currents are in
    uS x spikes; thresholds are in the same unit."""

    TABLE: ClassVar[str] = "network"
    time_steps: int = setting(16, ge=1)
    """Time steps over which every input channel is rate-coded (static network)."""
    max_rate: float = setting(0.5, gt=0, le=1)
    """Spike probability per step of a channel at the largest scaled feature, in (0, 1]."""
    input_encoding: str = setting("on_off", choices=("rate", "on_off"))
    """"on_off": 2 channels per feature (above / below its training mean); "rate": one channel per
    feature.
    """
    output_init_scale: float = setting(0.1, ge=0)
    """Output weights start at this fraction of the hidden's."""
    n_hidden: int = setting(256, ge=1)
    """Hidden stochastic LIF neurons."""
    tile_rows: int = setting(256, ge=1)
    """Rows (inputs) of one crossbar tile: a layer with more is split over a grid of tiles; also
    read by the temporal network.
    """
    tile_cols: int = setting(256, ge=1)
    """Columns (outputs) of one crossbar tile; also read by the temporal network."""
    hidden_theta_uS: float = setting(30.0, gt=0)
    """Firing threshold of the hidden neurons, uS x spikes (the currents' unit)."""
    hidden_v_decay: float = setting(0.7, ge=0, le=1)
    """Membrane decay of the hidden neurons per step, in [0, 1]."""
    hidden_threshold_noise: float = setting(0.2, ge=0)
    """Standard deviation of the hidden neurons' threshold, as a fraction of theta."""
    hidden_refractory_steps: int = setting(0, ge=0)
    """Steps a hidden neuron stays silent after a spike."""
    init_weight_std: float = setting(1.0, gt=0)
    """Standard deviation of the initial weights W before mapping, in units of w_max / 3."""
    w_max_std: float = setting(3.0, gt=0)
    """Weights are mapped so that w_max = w_max_std x std (w_max at G_max)."""

    def __post_init__(self) -> None:
        validate(self)


@dataclass(frozen=True, slots=True)
class TemporalConfig:
    """The temporal network (``architecture = "temporal"``, see ``raven.chip.temporal``): input
    channels per feature coefficient fed frame by frame, a recurrent ALIF layer, leaky output
    integrators averaged over the clip, trained on chip by e-prop.

    Weights are in units of the base threshold. Input and recurrent rows share the hidden
    crossbar; recurrent rows are read with a smaller row gain (w_max_recurrent /
    w_max_hidden), so the small recurrent weights use the whole conductance range."""

    TABLE: ClassVar[str] = "temporal"
    steps_per_frame: int = setting(1, ge=1)
    """Time steps of the recurrent network per feature frame."""
    input_encoding: str = setting("graded", choices=("graded", "rate", "send_on_delta"))
    """"graded": one channel per coefficient, its standardised value driven through a DAC on the
    input word line; "rate": ON/OFF rate per coefficient; "send_on_delta": level crossings.
    """
    dac_bits: int = setting(4, ge=0, le=16)
    """Graded input DAC resolution, bits, in [0, 16]; 0: ideal."""
    max_rate: float = setting(0.6, gt=0, le=1)
    """Rate input: spike probability per step at the clip (``input_clip_sigma``), in (0, 1]."""
    input_clip_sigma: float = setting(3.0, gt=0, le=100)
    """Standardised features are clipped at +- this many standard deviations, in (0, 100]."""
    delta_threshold: float = setting(0.1, gt=0, le=1)
    """send_on_delta input: level step, standardised units, in (0, 1]."""
    n_hidden: int = setting(128, ge=1)
    """Recurrent hidden neurons."""
    tau_membrane_ms: float = setting(40.0, gt=0, le=1e6)
    """Membrane time constant, ms, in (0, 1e6]. Per-neuron time constants are log-uniform in [tau /
    spread, tau x spread], drawn from the seed; each is a digital neuron parameter.
    """
    tau_membrane_spread: float = setting(2.5, ge=1, le=100)
    """Spread of the membrane time constants, in [1, 100] (1: every neuron alike)."""
    tau_adaptation_ms: float = setting(400.0, gt=0, le=1e6)
    """Adaptation time constant of the ALIF neurons, ms, in (0, 1e6]; log-uniform over its spread as
    the membrane's.
    """
    tau_adaptation_spread: float = setting(2.5, ge=1, le=100)
    """Spread of the adaptation time constants, in [1, 100] (1: every neuron alike)."""
    adaptation_beta: float = setting(1.0, ge=0, le=100)
    """Threshold rise per unit of adaptation of the adaptive (ALIF) neurons, in [0, 100]."""
    alif_fraction: float = setting(0.5, ge=0, le=1)
    """Fraction of hidden neurons that adapt (ALIF), in [0, 1]; the others are plain LIF."""
    tau_output_ms: float = setting(100.0, gt=0, le=1e6)
    """Time constant of the leaky output integrators, ms, in (0, 1e6]."""
    pseudo_derivative_gamma: float = setting(0.3, ge=0)
    """Height of the spike pseudo-derivative used by e-prop."""
    pseudo_derivative_width: float = setting(1.0, gt=0)
    """Half width of the spike pseudo-derivative, units of the threshold."""
    input_init_gain: float = setting(2.0, ge=0, le=1e3)
    """Initial input weights: N(0, (gain / sqrt(n_in))^2), gain in [0, 1e3]."""
    recurrent_init_gain: float = setting(0.5, ge=0, le=1e3)
    """Initial recurrent weights: N(0, (gain / sqrt(n_hidden))^2), gain in [0, 1e3]; no
    self-connections.
    """
    output_init_gain: float = setting(1.0, ge=0, le=1e3)
    """Initial output weights: N(0, (gain / sqrt(n_hidden))^2), gain in [0, 1e3]."""
    w_max_hidden: float = setting(1.5, ge=1e-6, le=1e6)
    """Input weight at G_max of one device (weight units), in [1e-6, 1e6]."""
    w_max_recurrent: float = setting(0.5, ge=1e-6, le=1e6)
    """Recurrent weight at G_max of one device (weight units), in [1e-6, 1e6]: recurrent rows are
    read at the row gain w_max_recurrent / w_max_hidden.
    """
    w_max_output: float = setting(1.5, ge=1e-6, le=1e6)
    """Output weight at G_max of one device (weight units), in [1e-6, 1e6]."""
    adc_bits: int = setting(8, ge=0, le=16)
    """Column ADC resolution, bits, in [0, 16]; 0: ideal conversion."""
    adc_range: float = setting(4.0, gt=0)
    """ADC full scale, +- weight units."""
    pairs_per_synapse: int = setting(1, ge=1, le=8)
    """Differential pairs per synapse, in [1, 8] (multi-memristive synapse, Boybat et al., Nat.
    Commun. 9, 2514, 2018): the synapse's weight is the sum of its pairs, read together; each update
    goes to one pair, chosen by a global round-robin counter (arbitration).
    """
    feedback: str = setting("symmetric", choices=("symmetric", "random"))
    """Learning signal through the output weights ("symmetric") or fixed random weights ("random").
    """
    # e-prop learning rates (weight units per unit gradient), chosen on the validation
    # split of gsc12-dev at 20 epochs (seeds 0 and 1): 0.33 gave 0.65 / 0.64, 0.5 gave
    # 0.71 / 0.71, 0.75 gave 0.71 / 0.72; 0.5 fires fewer pulses for the same accuracy
    lr: float = setting(0.5, ge=0)
    """e-prop learning rate of the hidden layer, weight units per unit gradient."""
    lr_output: float = setting(0.5, ge=0)
    """e-prop learning rate of the output layer, weight units per unit gradient."""
    lr_schedule: str = setting("cosine", choices=("cosine", "exponential", "constant"))
    """"cosine": lr x (final + (1 - final) (1 + cos(pi e / E)) / 2) at epoch e of E; "exponential":
    lr x lr_decay_per_epoch^e; "constant": lr.
    """
    lr_decay_per_epoch: float = setting(0.8, gt=0, le=1)
    """Exponential schedule's factor per epoch, in (0, 1]."""
    lr_final_fraction: float = setting(0.1, ge=0, le=1)
    """Cosine schedule's last level, a fraction of lr, in [0, 1]."""
    dropout: float = setting(0.0, ge=0, lt=1)
    """Hidden spikes dropped (not transmitted) with this probability while training, in [0, 1); at
    inference the hidden rows are read at the gain 1 - dropout.
    """
    weight_decay: float = setting(0.0, ge=0, le=1)
    """Weight decay, applied through the accumulators as pulses (per unit weight and update), in [0,
    1].
    """

    def __post_init__(self) -> None:
        validate(self)


# Longest device time after training at which a chip is read (about 32 years): beyond it
# the drift and 1/f read-noise models are extrapolated past any measurement, and the read
# noise outgrows the conductances.
MAX_T_AFTER_S = 1e9


def _readable_record(path: str) -> bool:
    """Whether ``path`` names a JSON parameter record that loads (devices.pcm.load_params)."""
    if not path.endswith(".json"):
        return False
    try:
        load_params(path)
    except (OSError, ValueError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class DeviceConfig:
    """The ``[device]`` table: the PCM preset, which of its non-idealities are on, and the
    device time per clip.

    Each field is documented where it is declared (attribute docstrings).
    ``step_fraction`` other than 1 requires ``state_dependent_step = false``.
    """

    TABLE: ClassVar[str] = "device"
    preset: str = setting("nandakumar2018")
    """PCM device preset: a key of ``devices.pcm.PRESETS``, or the path of a JSON parameter
    record (``.json``; for example a device fitted from measurements with ``devices.pcm.fit``
    and written by ``devices.pcm.save_params``)."""
    read_noise: bool = True
    """Read noise (1/f) on every read (false: every path reads exactly, refresh included)."""
    drift: bool = True
    """Conductance drift with time since programming (false: every drift exponent is 0, so no
    path drifts: reads, pulses and refreshes)."""
    programming_noise: bool = True
    """Programming noise of one-shot programs. This and the next two are the device's other
    non-idealities (``devices.pcm.idealised``): switched off only to measure what each one costs
    (the accuracy-loss budget).
    """
    pulse_noise: bool = True
    """Stochasticity of each partial-SET pulse's conductance step."""
    state_dependent_step: bool = True
    """A pulse's step depends on the device's conductance (false: a constant step)."""
    variability: bool = True
    """Device-to-device spread (of G_max and of the step) and stuck devices, as the preset
    has them (false: every device alike and working)."""
    step_fraction: float = setting(1.0, gt=0, le=1)
    """Without state_dependent_step: the constant step as a fraction of the preset's mean step, in
    (0, 1]; must be 1 with state_dependent_step.
    """
    clip_period_s: float = setting(1.0, gt=0, le=3600.0)
    """Device time per clip, s, training and inference, in (0, 3600]: bounded so that a run's device
    time stays within the range the drift and read-noise models are evaluated in.
    """

    def __post_init__(self) -> None:
        validate(self)
        check(
            self.TABLE,
            "preset",
            self.preset in PRESETS or _readable_record(self.preset),
            self.preset,
            f"one of {sorted(PRESETS)} or the path of a readable JSON parameter record (.json)",
        )
        check(
            self.TABLE,
            "step_fraction",
            self.step_fraction == 1.0 or not self.state_dependent_step,
            self.step_fraction,
            "1 unless state_dependent_step = false (only a constant step can be scaled)",
        )


@dataclass(frozen=True, slots=True)
class LearningConfig:
    """rule "three_factor": output layer by a delta rule on presynaptic rates and the output
    error; hidden layer by direct random feedback of that error; mixed-precision pulses.
    rule "stdp_wta": unsupervised pair-based STDP on the hidden layer with a k-winner-take-
    all, output layer by the same delta rule."""

    TABLE: ClassVar[str] = "learning"
    rule: str = setting("three_factor", choices=("three_factor", "stdp_wta"))
    """Learning rule of the static network: "three_factor" or "stdp_wta" (class docstring)."""
    lr_out_uS: float = setting(0.25, ge=0)
    """Output layer's delta-rule learning rate, uS per unit of presynaptic rate x error."""
    lr_hidden_uS: float = setting(0.1, ge=0)
    """Hidden layer's learning rate (random feedback of the output error), uS."""
    softmax_beta_per_uS: float = setting(0.1, ge=0)
    """Inverse temperature of the output softmax, per uS of score."""
    epsilon_uS: float | None = setting(None, gt=0)
    """Accumulate-and-fire threshold of the mixed-precision updates, uS; None: the preset's step."""
    max_pulses: int = setting(8, ge=1)
    """Most pulses per synapse and update."""
    update_every_clips: int = setting(16, ge=1)
    """Clips per weight update (the accumulators are applied once per that many clips)."""
    refresh_every_updates: int = setting(32, ge=1)
    """Updates between refreshes of saturated pairs."""
    # A pair is refreshed (RESET both, reprogram the difference) when its larger device is
    # above refresh_upper_frac G_max and its smaller one above refresh_lower_frac G_max.
    # Kept low because a partial-SET step's signal-to-noise ratio falls with conductance
    # (nandakumar2018: about 3 at G_min, 0.2 at 8 uS): refreshing at a quarter of G_max
    # raised the temporal chip's training accuracy after 20 epochs from 0.63-0.65 to
    # 0.68-0.69 and its validation accuracy from 0.62-0.65 to 0.64-0.65 (seeds 0 and 1, at
    # the earlier learning rate 0.33), for a few thousand refreshed pairs per run.
    refresh_upper_frac: float = setting(0.25, ge=0, le=1)
    """A pair is refreshed (RESET both, reprogram the difference) when its larger device is above
    refresh_upper_frac G_max and its smaller one above refresh_lower_frac G_max; in [0, 1].
    """
    refresh_lower_frac: float = setting(0.1, ge=0, le=1)
    """Refresh threshold of the smaller device, fraction of G_max, in [0, refresh_upper_frac]."""
    stdp_a_plus_uS: float = setting(0.05, ge=0)
    """STDP potentiation per pre-before-post pair, uS."""
    stdp_a_minus_uS: float = setting(0.06, ge=0)
    """STDP depression per post-before-pre pair, uS."""
    stdp_trace_decay: float = setting(0.8, ge=0, le=1)
    """Decay per step of the STDP traces, in [0, 1]."""
    wta_k: int = setting(16, ge=1)
    """STDP: only the k most active hidden neurons of each clip count as postsynaptic
    (k-winner-take-all).
    """

    def __post_init__(self) -> None:
        validate(self)
        check(
            self.TABLE,
            "refresh_lower_frac",
            self.refresh_lower_frac <= self.refresh_upper_frac,
            self.refresh_lower_frac,
            f"<= refresh_upper_frac ({self.refresh_upper_frac})",
        )


@dataclass(frozen=True, slots=True)
class TrainingConfig:
    """The ``[training]`` table: epochs, checkpoint period, the device times after training at
    which the chip is evaluated, and drift compensation.

    Each field is documented where it is declared (attribute docstrings).
    """

    TABLE: ClassVar[str] = "training"
    # 20: on gsc12-dev's validation split, 40 epochs gave no more (0.70 against 0.71)
    epochs: int = setting(20, ge=1)
    """Passes over the training clips."""
    checkpoint_every_updates: int = setting(25, ge=1)
    """A checkpoint is written every this many weight updates and at every epoch end."""
    eval_times_s: tuple[float, ...] = setting(
        (1.0, 3600.0, 86400.0, 2_592_000.0, 31_536_000.0), gt=0, le=MAX_T_AFTER_S, min_len=1
    )
    """Device times after training at which the chip is evaluated, s, each in (0, 1e9]
    (``MAX_T_AFTER_S``); at least one.
    """
    drift_compensation: bool = True
    """Evaluate with global drift compensation (a digital gain per column, from reference reads)."""

    def __post_init__(self) -> None:
        validate(self)


@dataclass(frozen=True, slots=True)
class RavenConfig:
    """The whole run configuration: one frozen, validated table per concern.

    Parameters
    ----------
    seed : int
        Seed of every random stream of the run (>= 0).
    architecture : str
        "temporal" (recurrent ALIF network fed frame by frame, e-prop; ``raven.chip.temporal``)
        or "static" (the flattened feature map into a feed-forward layer; ``raven.chip.crossbar``);
        ``raven.chip.architecture`` holds what each one is. A setting the architecture does
        not read (``raven.config.architectures.SETTINGS_READ``) is refused.
    data : DataConfig
        Task, split rule, silence and unknown shares, augmentation on or off.
    features : FeatureConfig
        MFCC front end (window, stride, coefficients).
    augment : AugmentConfig
        Background noise and time shift of training clips.
    network : NetworkConfig
        Static network and tile sizes.
    temporal : TemporalConfig
        Temporal network and e-prop.
    device : DeviceConfig
        PCM preset, read noise, drift, device time per clip (s).
    learning : LearningConfig
        Pulse scheme, update and refresh periods.
    training : TrainingConfig
        Epochs, checkpoint period, evaluation times (s), drift compensation.
    """

    TABLE: ClassVar[str] = "config"
    seed: int = setting(0, ge=0, le=2**51 - 1)
    """Seed of every random stream of the run, in [0, 2^51 - 1] (the seed field of a pass's seed
    word, ``kernels.rng.PASS_SEED_KEY``).
    """
    architecture: str = setting(next(iter(SETTINGS_READ)), choices=tuple(SETTINGS_READ))
    """"temporal": recurrent ALIF network fed frame by frame, e-prop (``raven.chip.temporal``);
    "static": the flattened feature map into a feed-forward layer (``raven.chip.crossbar``). A
    setting the architecture does not read is refused.
    """
    data: DataConfig = field(default_factory=DataConfig)
    """Task, split rule, silence and unknown shares, augmentation on or off."""
    features: FeatureConfig = field(default_factory=FeatureConfig)
    """MFCC front end (window, stride, coefficients)."""
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    """Background noise and time shift of training clips."""
    network: NetworkConfig = field(default_factory=NetworkConfig)
    """Static network and tile sizes."""
    temporal: TemporalConfig = field(default_factory=TemporalConfig)
    """Temporal network and e-prop."""
    device: DeviceConfig = field(default_factory=DeviceConfig)
    """PCM preset, read noise, drift, device time per clip (s)."""
    learning: LearningConfig = field(default_factory=LearningConfig)
    """Pulse scheme, update and refresh periods."""
    training: TrainingConfig = field(default_factory=TrainingConfig)
    """Epochs, checkpoint period, evaluation times (s), drift compensation."""

    def __post_init__(self) -> None:
        validate(self)
        check_settings_read(self)

    def as_dict(self) -> dict:
        """The configuration as nested dictionaries, one per table.

        Returns
        -------
        dict
            Fields by name, tables as dicts (``config_from_dict`` reads it back).
        """
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        """The configuration as JSON (the ``config.json`` saved with every run).

        Returns
        -------
        str
            ``as_dict`` indented by 2, keys sorted.
        """
        return json.dumps(self.as_dict(), indent=2, sort_keys=True)


def _build(cls, values: dict, where: str):
    if not isinstance(values, dict):
        raise ConfigError("", where, values, "a table")
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; expected some of {sorted(known)}")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for name, value in values.items():
        tp = hints.get(name)
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            kwargs[name] = _build(tp, value, f"{where}.{name}" if where != "config" else name)
        else:
            kwargs[name] = value
    return cls(**kwargs)


def config_from_dict(values: dict) -> RavenConfig:
    """A configuration from nested dicts (a parsed TOML file or a run's ``config.json``).

    Parameters
    ----------
    values : dict
        Tables by name (``{"training": {"epochs": 2}}``); missing keys take defaults.

    Returns
    -------
    RavenConfig

    Raises
    ------
    ValueError
        ``ConfigError`` naming the table, field, value and what was expected, or the
        unknown keys of a table.
    """
    return _build(RavenConfig, values, "config")


def load_config(path: str | Path | None) -> RavenConfig:
    """A configuration from a TOML file (missing keys take their defaults).

    Parameters
    ----------
    path : str or pathlib.Path or None
        The TOML file; None gives the defaults.

    Returns
    -------
    RavenConfig

    Raises
    ------
    ValueError
        Naming the file: unreadable, not TOML, or a bad value (table, field, value and
        what was expected).
    """
    if path is None:
        return RavenConfig()
    path = Path(path)
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{path}: cannot read the configuration: not UTF-8 text (byte {err.start});"
            " TOML files are UTF-8"
        ) from None
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ValueError(f"{path}: cannot read the configuration ({err})") from None
    try:
        cfg = config_from_dict(values)
        # Keys the file sets are refused even at their default value: the user set them.
        refuse_unread_keys(values, cfg.architecture)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
    return cfg
