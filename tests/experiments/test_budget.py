"""The accuracy-loss budget (experiments.budget): each link of the device chain adds one
non-ideality to the one before, every link trains and is read, losses are the differences,
and finished links are reused."""

from __future__ import annotations

import copy
import dataclasses
import itertools

import pytest

import experiments.sizes as sizes_module
from devices.pcm import idealised
from experiments.budget import FINE_STEP_FRACTION, LINKS, link_config, run_budget
from raven.chip.layer import device_params
from raven.config.tables import RavenConfig, config_from_dict
from raven.data.synthetic import make_tone_dataset
from tests.support.configs import TINY_TEMPORAL as TINY


def _device_switches(cfg: RavenConfig) -> dict:
    d = cfg.device
    return {
        "programming_noise": d.programming_noise,
        "pulse_noise": d.pulse_noise,
        "state_dependent_step": d.state_dependent_step,
        "read_noise": d.read_noise,
        "drift": d.drift,
        "step_fraction": d.step_fraction,
        "variability": d.variability,
        "adc_bits": cfg.temporal.adc_bits,
        "max_pulses": cfg.learning.max_pulses,
    }


def test_each_link_adds_the_non_ideality_it_names():
    cfg = RavenConfig()
    chain = [_device_switches(link_config(cfg, link)) for link in LINKS]
    fine, pulses, c2c, step, read = chain
    assert fine["step_fraction"] == FINE_STEP_FRACTION and fine["adc_bits"] == 0
    assert fine["max_pulses"] == round(cfg.learning.max_pulses / FINE_STEP_FRACTION)
    switches = ("programming_noise", "pulse_noise", "variability", "read_noise", "drift")
    assert not any(fine[k] for k in switches)
    assert pulses == fine | {"step_fraction": 1.0, "max_pulses": cfg.learning.max_pulses}
    assert c2c == pulses | {"pulse_noise": True}
    assert step == c2c | {
        "state_dependent_step": True,
        "programming_noise": True,
        "variability": True,
    }
    assert read == step | {"read_noise": True, "adc_bits": cfg.temporal.adc_bits}
    # the chip itself is the last link plus drift: the configuration as given
    assert _device_switches(cfg) == read | {"drift": True}
    # the links' devices really differ: the ideal step is the preset's mean step
    fine_params = device_params(link_config(cfg, LINKS[0]))
    pulse_params = device_params(link_config(cfg, LINKS[1]))
    assert fine_params.pulse.mean_offset_uS == pytest.approx(
        FINE_STEP_FRACTION * pulse_params.pulse.mean_offset_uS
    )
    # the full device but drift and read noise, then but drift; the chip has everything
    preset = device_params(cfg)
    assert device_params(link_config(cfg, LINKS[3])) == idealised(
        preset, drift=False, read_noise=False
    )
    assert device_params(link_config(cfg, LINKS[4])) == idealised(preset, drift=False)
    assert preset.drift.nu_mean_offset > 0 and preset.read_noise.rel_std > 0


def test_budget_trains_every_link_and_reuses_finished_ones(tmp_path, monkeypatch):
    data = make_tone_dataset(tmp_path / "data", per_label=8)
    cfg = config_from_dict(copy.deepcopy(TINY))
    run = tmp_path / "run"
    chip_after = {1.0: 0.5, 86400.0: 0.4}
    budget = run_budget(cfg, data, run, tmp_path / "cache", chip_after, 0.9)
    rows = budget["rows"]
    assert [r["key"] for r in rows] == [
        "ceiling",
        *(link.key for link in LINKS),
        "drift@1s",
        "drift@86400s",
    ]
    assert rows[0]["loss"] is None
    for before, row in itertools.pairwise(rows[:6]):
        assert row["loss"] == pytest.approx(before["accuracy"] - row["accuracy"])
    read = rows[5]["accuracy"]
    assert rows[6]["loss"] == pytest.approx(read - 0.5)
    assert rows[7]["loss"] == pytest.approx(read - 0.4)
    assert all(0.0 <= r["accuracy"] <= 1.0 for r in rows)
    for k, link in enumerate(LINKS, start=1):
        assert (run / f"budget-{k}-{link.key}" / "chip.npz").is_file()
    # finished links are read back, not trained again
    monkeypatch.setattr(sizes_module, "train", None)
    again = run_budget(cfg, data, run, tmp_path / "cache", chip_after, 0.9)
    assert again["rows"] == rows


def test_budget_needs_the_temporal_architecture(tmp_path):
    with pytest.raises(ValueError, match="temporal architecture"):
        run_budget(RavenConfig(architecture="static"), tmp_path, tmp_path, tmp_path, {}, None)


def test_a_switch_off_in_the_configuration_stays_off_along_the_chain():
    """A configuration without pulse noise gets a chain without it too (nested links)."""
    base = RavenConfig()
    cfg = dataclasses.replace(base, device=dataclasses.replace(base.device, pulse_noise=False))
    assert not any(link_config(cfg, link).device.pulse_noise for link in LINKS)
    eps = dataclasses.replace(cfg.learning, epsilon_uS=0.5)
    fine = link_config(dataclasses.replace(cfg, learning=eps), LINKS[0])
    assert fine.learning.epsilon_uS == pytest.approx(0.5 * FINE_STEP_FRACTION)
