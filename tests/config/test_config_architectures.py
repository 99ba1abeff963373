"""The architecture objects and the settings each one reads: a setting the chosen
architecture does not read is refused, through the API, TOML files and saved configs."""

from __future__ import annotations

import dataclasses
import json

import pytest

from raven.chip.architecture import ARCHITECTURES, architecture_of, make_chip, n_inputs
from raven.chip.crossbar import Chip
from raven.chip.temporal import TemporalChip
from raven.config.architectures import SETTINGS_READ, UnreadSettingError, reads
from raven.config.tables import (
    LearningConfig,
    NetworkConfig,
    RavenConfig,
    TemporalConfig,
    config_from_dict,
    load_config,
)
from raven.learning.factory import RULES, make_rule


def test_one_registry_of_names():
    assert list(ARCHITECTURES) == list(SETTINGS_READ)
    choices = dataclasses.fields(RavenConfig)[1].metadata["rule"].choices
    assert choices == tuple(ARCHITECTURES)
    assert RavenConfig().architecture == "temporal"  # the default is unchanged
    for arch in ARCHITECTURES.values():
        assert arch.rule is None or arch.rule in RULES
        assert arch.settings is SETTINGS_READ[arch.name]
    assert set(LearningConfig.__dataclass_fields__["rule"].metadata["rule"].choices) <= set(RULES)


def test_every_declared_setting_exists():
    for tables in SETTINGS_READ.values():
        for table, names in tables.items():
            fields = {f.name for f in dataclasses.fields(getattr(RavenConfig(), table))}
            assert names is None or set(names) <= fields, table


@pytest.mark.parametrize(
    ("kwargs", "key", "architecture"),
    [
        ({"network": NetworkConfig(n_hidden=64)}, "network.n_hidden", "temporal"),
        ({"learning": LearningConfig(lr_out_uS=0.5)}, "learning.lr_out_uS", "temporal"),
        (
            {"architecture": "static", "temporal": TemporalConfig(n_hidden=8)},
            "temporal.n_hidden",
            "static",
        ),
    ],
)
def test_the_api_refuses_a_setting_the_architecture_does_not_read(kwargs, key, architecture):
    with pytest.raises(UnreadSettingError) as err:
        RavenConfig(**kwargs)
    text = str(err.value)
    assert text.startswith(key) and f"the {architecture!r} architecture does not read" in text


def test_the_error_says_what_to_set_instead():
    with pytest.raises(ValueError, match=r"set temporal\.n_hidden instead"):
        RavenConfig(network=NetworkConfig(n_hidden=64))


def test_settings_both_read_are_accepted():
    RavenConfig(
        network=NetworkConfig(tile_rows=64, tile_cols=8),
        learning=LearningConfig(max_pulses=2, update_every_clips=4),
        temporal=TemporalConfig(n_hidden=8),
    )
    assert reads("temporal", "network", "tile_rows")
    assert not reads("temporal", "network", "n_hidden")
    assert reads("temporal", "device", "preset")  # a shared table


def test_a_toml_key_is_refused_even_at_its_default(toml_file):
    with pytest.raises(ValueError, match=r"c\.toml: network\.n_hidden=256: .*'temporal'"):
        load_config(toml_file("[network]\nn_hidden = 256\n"))
    with pytest.raises(ValueError, match=r"network\.max_rate"):
        load_config(toml_file("[network]\ntile_cols = 8\nmax_rate = 0.5\n"))
    static = load_config(toml_file('architecture = "static"\n[network]\nn_hidden = 8\n'))
    assert static.network.n_hidden == 8
    # a typo is still an unknown key, not an unread one
    with pytest.raises(ValueError, match="unknown key"):
        load_config(toml_file("[network]\nn_hiden = 8\n"))


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_saved_configurations_round_trip(name):
    cfg = RavenConfig(architecture=name)
    assert config_from_dict(json.loads(cfg.to_json())) == cfg


@pytest.mark.parametrize(("name", "chip_class"), [("temporal", TemporalChip), ("static", Chip)])
def test_the_architecture_builds_its_chip_and_rule(name, chip_class):
    cfg = ARCHITECTURES[name].with_hidden_size(RavenConfig(architecture=name), 4)
    arch = architecture_of(cfg)
    assert arch.hidden_size(cfg) == 4
    chip = make_chip(cfg, n_inputs(cfg), 3)
    assert type(chip) is chip_class
    rule = make_rule(cfg.learning, chip)
    assert type(rule) is RULES[arch.rule_name(cfg)]
