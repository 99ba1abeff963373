"""Run configuration: a tree of frozen, validated dataclasses, loadable from TOML and saved
with every run. Unknown keys and bad values are errors that name the field."""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devices.pcm import PRESETS

from .data.augment import AugmentConfig
from .features.mfcc import FeatureConfig


def _check(owner: str, name: str, ok: bool, value: Any, expected: str) -> None:
    if not ok:
        raise ValueError(f"{owner}.{name}={value!r}: expected {expected}")


@dataclass(frozen=True, slots=True)
class DataConfig:
    task: str = "12"
    split_source: str = "auto"
    silence_percentage: float = 10.0
    unknown_percentage: float = 10.0
    augment: bool = True

    def __post_init__(self) -> None:
        o = "data"
        _check(o, "task", self.task in ("12", "35", "folder"), self.task, "'12', '35' or 'folder'")
        _check(
            o,
            "split_source",
            self.split_source in ("auto", "lists", "hash", "all"),
            self.split_source,
            "'auto', 'lists', 'hash' or 'all'",
        )
        for name in ("silence_percentage", "unknown_percentage"):
            v = getattr(self, name)
            _check(o, name, 0 <= v <= 100, v, "a percentage in [0, 100]")


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    """Spike-encoded MFCC -> hidden stochastic LIF layer -> output integrators.

    Every (frame, coefficient) of the feature map is an input channel, rate-coded over
    ``time_steps`` steps (Bernoulli, probability max_rate x scaled feature); with
    ``input_encoding="on_off"`` each feature drives an ON channel (above its training mean)
    and an OFF channel (below), so inputs carry a sign and stay sparse. Currents are in
    uS x spikes; thresholds are in the same unit."""

    time_steps: int = 16
    max_rate: float = 0.5
    input_encoding: str = "on_off"  # "on_off": 2 channels per feature (above / below mean)
    output_init_scale: float = 0.1  # output weights start at this fraction of the hidden's
    n_hidden: int = 256
    tile_rows: int = 256
    tile_cols: int = 256
    hidden_theta_uS: float = 30.0
    hidden_v_decay: float = 0.7
    hidden_threshold_noise: float = 0.2  # std of the threshold, relative to theta
    hidden_refractory_steps: int = 0
    init_weight_std: float = 1.0  # of W before mapping, in units of w_max / 3
    w_max_std: float = 3.0  # weights are mapped so that w_max = w_max_std x init std

    def __post_init__(self) -> None:
        o = "network"
        for name in ("time_steps", "n_hidden", "tile_rows", "tile_cols"):
            v = getattr(self, name)
            _check(o, name, isinstance(v, int) and v >= 1, v, "an integer >= 1")
        _check(o, "max_rate", 0 < self.max_rate <= 1, self.max_rate, "a value in (0, 1]")
        _check(
            o,
            "input_encoding",
            self.input_encoding in ("rate", "on_off"),
            self.input_encoding,
            "'rate' or 'on_off'",
        )
        _check(o, "output_init_scale", self.output_init_scale >= 0, self.output_init_scale, ">= 0")
        _check(o, "hidden_theta_uS", self.hidden_theta_uS > 0, self.hidden_theta_uS, "> 0")
        _check(
            o,
            "hidden_v_decay",
            0 <= self.hidden_v_decay <= 1,
            self.hidden_v_decay,
            "a value in [0, 1]",
        )
        _check(
            o,
            "hidden_threshold_noise",
            self.hidden_threshold_noise >= 0,
            self.hidden_threshold_noise,
            ">= 0",
        )
        _check(
            o,
            "hidden_refractory_steps",
            isinstance(self.hidden_refractory_steps, int) and self.hidden_refractory_steps >= 0,
            self.hidden_refractory_steps,
            "an integer >= 0",
        )
        _check(o, "init_weight_std", self.init_weight_std > 0, self.init_weight_std, "> 0")
        _check(o, "w_max_std", self.w_max_std > 0, self.w_max_std, "> 0")


@dataclass(frozen=True, slots=True)
class TemporalConfig:
    """The temporal network (``architecture = "temporal"``, see ``raven.temporal``): input
    channels per feature coefficient fed frame by frame, a recurrent ALIF layer, leaky output
    integrators averaged over the clip, trained on chip by e-prop.

    Weights are in units of the base threshold. Input and recurrent rows share the hidden
    crossbar; recurrent rows are read with a smaller row gain (w_max_recurrent /
    w_max_hidden), so the small recurrent weights use the whole conductance range."""

    steps_per_frame: int = 2
    input_encoding: str = "rate"  # "rate": ON/OFF rates; "send_on_delta": level crossings
    max_rate: float = 0.6  # spike probability per step at the clipped extreme
    input_clip_sigma: float = 2.0  # standardised features are clipped at +-this
    delta_threshold: float = 0.1  # send_on_delta: level step, on the [0, 1] scaled feature
    n_hidden: int = 128
    tau_membrane_ms: float = 120.0
    tau_adaptation_ms: float = 300.0
    adaptation_beta: float = 0.5  # threshold increase per unit of adaptation; 0: plain LIF
    tau_output_ms: float = 100.0
    pseudo_derivative_gamma: float = 0.3
    pseudo_derivative_width: float = 1.0  # half width, in units of the threshold
    input_init_gain: float = 2.0
    recurrent_init_gain: float = 0.5
    output_init_gain: float = 1.0
    w_max_hidden: float = 1.5  # input weight at G_max of one device of a pair
    w_max_recurrent: float = 0.5
    w_max_output: float = 1.5
    adc_bits: int = 8
    adc_range: float = 4.0  # ADC full scale, +- weight units
    feedback: str = "symmetric"  # learning signal through "symmetric" or "random" weights
    lr: float = 1.0  # e-prop learning rate of the hidden layer (weight units)
    lr_output: float = 1.0
    lr_decay_per_epoch: float = 0.8

    def __post_init__(self) -> None:
        o = "temporal"
        for name in ("steps_per_frame", "n_hidden"):
            v = getattr(self, name)
            _check(
                o,
                name,
                isinstance(v, int) and not isinstance(v, bool) and v >= 1,
                v,
                "an integer >= 1",
            )
        _check(
            o,
            "adc_bits",
            isinstance(self.adc_bits, int) and 0 <= self.adc_bits <= 16,
            self.adc_bits,
            "an integer in [0, 16] (0: ideal, no ADC)",
        )
        _check(
            o,
            "input_encoding",
            self.input_encoding in ("rate", "send_on_delta"),
            self.input_encoding,
            "'rate' or 'send_on_delta'",
        )
        _check(
            o,
            "feedback",
            self.feedback in ("symmetric", "random"),
            self.feedback,
            "'symmetric' or 'random'",
        )
        for name in ("max_rate", "delta_threshold", "lr_decay_per_epoch"):
            v = getattr(self, name)
            _check(o, name, _is_number(v) and 0 < v <= 1, v, "a number in (0, 1]")
        for name in (
            "input_clip_sigma",
            "tau_membrane_ms",
            "tau_adaptation_ms",
            "tau_output_ms",
            "pseudo_derivative_width",
            "w_max_hidden",
            "w_max_recurrent",
            "w_max_output",
            "adc_range",
        ):
            v = getattr(self, name)
            _check(o, name, _is_number(v) and v > 0, v, "a number > 0")
        for name in (
            "adaptation_beta",
            "pseudo_derivative_gamma",
            "input_init_gain",
            "recurrent_init_gain",
            "output_init_gain",
            "lr",
            "lr_output",
        ):
            v = getattr(self, name)
            _check(o, name, _is_number(v) and v >= 0, v, "a number >= 0")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


@dataclass(frozen=True, slots=True)
class DeviceConfig:
    preset: str = "nandakumar2018"
    read_noise: bool = True
    drift: bool = True
    clip_period_s: float = 1.0  # device time per clip, training and inference

    def __post_init__(self) -> None:
        _check("device", "preset", self.preset in PRESETS, self.preset, f"one of {sorted(PRESETS)}")
        _check("device", "clip_period_s", self.clip_period_s > 0, self.clip_period_s, "> 0")


@dataclass(frozen=True, slots=True)
class LearningConfig:
    """rule "three_factor": output layer by a delta rule on presynaptic rates and the output
    error; hidden layer by direct random feedback of that error; mixed-precision pulses.
    rule "stdp_wta": unsupervised pair-based STDP on the hidden layer with a k-winner-take-
    all, output layer by the same delta rule."""

    rule: str = "three_factor"
    lr_out_uS: float = 0.25
    lr_hidden_uS: float = 0.1
    softmax_beta_per_uS: float = 0.1
    epsilon_uS: float | None = None  # accumulate-and-fire threshold; None: the preset's step
    max_pulses: int = 8
    update_every_clips: int = 16
    refresh_every_updates: int = 32
    refresh_upper_frac: float = 0.75
    refresh_lower_frac: float = 0.25
    stdp_a_plus_uS: float = 0.05
    stdp_a_minus_uS: float = 0.06
    stdp_trace_decay: float = 0.8
    wta_k: int = 16

    def __post_init__(self) -> None:
        o = "learning"
        _check(
            o,
            "rule",
            self.rule in ("three_factor", "stdp_wta"),
            self.rule,
            "'three_factor' or 'stdp_wta'",
        )
        for name in (
            "lr_out_uS",
            "lr_hidden_uS",
            "softmax_beta_per_uS",
            "stdp_a_plus_uS",
            "stdp_a_minus_uS",
        ):
            v = getattr(self, name)
            _check(o, name, v >= 0, v, ">= 0")
        _check(
            o,
            "epsilon_uS",
            self.epsilon_uS is None or self.epsilon_uS > 0,
            self.epsilon_uS,
            "None or > 0",
        )
        for name in ("max_pulses", "update_every_clips", "refresh_every_updates", "wta_k"):
            v = getattr(self, name)
            _check(o, name, isinstance(v, int) and v >= 1, v, "an integer >= 1")
        _check(
            o,
            "refresh_lower_frac",
            0 <= self.refresh_lower_frac <= self.refresh_upper_frac <= 1,
            self.refresh_lower_frac,
            "0 <= refresh_lower_frac <= refresh_upper_frac <= 1",
        )
        _check(
            o,
            "stdp_trace_decay",
            0 <= self.stdp_trace_decay <= 1,
            self.stdp_trace_decay,
            "a value in [0, 1]",
        )


@dataclass(frozen=True, slots=True)
class TrainingConfig:
    epochs: int = 10
    checkpoint_every_updates: int = 25
    eval_times_s: tuple[float, ...] = (1.0, 3600.0, 86400.0, 2_592_000.0, 31_536_000.0)
    drift_compensation: bool = True

    def __post_init__(self) -> None:
        o = "training"
        _check(
            o,
            "epochs",
            isinstance(self.epochs, int) and self.epochs >= 1,
            self.epochs,
            "an integer >= 1",
        )
        _check(
            o,
            "checkpoint_every_updates",
            isinstance(self.checkpoint_every_updates, int) and self.checkpoint_every_updates >= 1,
            self.checkpoint_every_updates,
            "an integer >= 1",
        )
        _check(
            o,
            "eval_times_s",
            len(self.eval_times_s) > 0 and all(t > 0 for t in self.eval_times_s),
            self.eval_times_s,
            "a non-empty list of times > 0 s",
        )


@dataclass(frozen=True, slots=True)
class RavenConfig:
    seed: int = 0
    # "temporal": recurrent ALIF network fed frame by frame, e-prop (raven.temporal);
    # "static": the flattened feature map into a feed-forward layer (raven.chip)
    architecture: str = "static"
    data: DataConfig = field(default_factory=DataConfig)
    features: FeatureConfig = field(default_factory=FeatureConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    temporal: TemporalConfig = field(default_factory=TemporalConfig)
    device: DeviceConfig = field(default_factory=DeviceConfig)
    learning: LearningConfig = field(default_factory=LearningConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)

    def __post_init__(self) -> None:
        _check(
            "config",
            "seed",
            isinstance(self.seed, int) and self.seed >= 0,
            self.seed,
            "an integer >= 0",
        )
        _check(
            "config",
            "architecture",
            self.architecture in ("temporal", "static"),
            self.architecture,
            "'temporal' or 'static'",
        )

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, sort_keys=True)


def _build(cls, values: dict, where: str):
    if not isinstance(values, dict):
        raise ValueError(f"{where}: expected a table, got {values!r}")
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; expected some of {sorted(known)}")
    kwargs = {}
    for name, value in values.items():
        default = getattr(cls(), name) if name in known else None
        if dataclasses.is_dataclass(default):
            kwargs[name] = _build(type(default), value, f"{where}.{name}")
        elif isinstance(default, tuple):
            kwargs[name] = tuple(value)
        else:
            kwargs[name] = value
    return cls(**kwargs)


def config_from_dict(values: dict) -> RavenConfig:
    return _build(RavenConfig, values, "config")


def load_config(path: str | Path | None) -> RavenConfig:
    """RavenConfig from a TOML file (missing keys take their defaults); None: defaults."""
    if path is None:
        return RavenConfig()
    path = Path(path)
    try:
        values = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ValueError(f"{path}: cannot read the configuration ({err})") from None
    return config_from_dict(values)
