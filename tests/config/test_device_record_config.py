"""``[device] preset`` names a preset or a JSON parameter record (a fitted device): the
chip is built from the record, and a missing or unreadable record is refused by name."""

from __future__ import annotations

import dataclasses

import pytest

from devices import pcm
from raven.chip.layer import device_params
from raven.config.tables import DeviceConfig, RavenConfig


def test_a_record_path_builds_the_chip_from_the_record(tmp_path):
    params = dataclasses.replace(pcm.preset("nandakumar2018"), name="mine", g_max_uS=20.0)
    record = pcm.save_params(params, tmp_path / "mine.json")
    cfg = RavenConfig(device=DeviceConfig(preset=str(record)))
    assert device_params(cfg) == params


@pytest.mark.parametrize("preset", ["nope", "missing.json", "not-a-record.json"])
def test_an_unknown_preset_or_unreadable_record_is_refused(tmp_path, monkeypatch, preset):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "not-a-record.json").write_text('{"name": 1}')
    with pytest.raises(ValueError, match=r"device\.preset=.*JSON parameter record"):
        DeviceConfig(preset=preset)
