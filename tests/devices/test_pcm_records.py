"""JSON parameter records: every preset round-trips; bad records name the field."""

import json

import pytest

from devices import pcm


@pytest.mark.parametrize("name", sorted(pcm.PRESETS))
def test_every_preset_round_trips_through_json(name, tmp_path):
    params = pcm.preset(name)
    path = pcm.save_params(params, tmp_path / f"{name}.json")
    assert pcm.load_params(path) == params
    assert json.loads(path.read_text())["pulse"]["model"] in ("nandakumar", "expstep")


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda r: r.pop("g_max_uS"), "g_max_uS"),
        (lambda r: r["drift"].update(t0_s="20"), "drift.t0_s"),
        (lambda r: r["drift"].update(t0_s=-1.0), "t0_s"),
        (lambda r: r["read_noise"].update(flicker=1.0), "read_noise.flicker"),
        (lambda r: r["pulse"].update(model="linear"), "pulse.model"),
        (lambda r: r.update(colour="red"), "colour"),
        (lambda r: r.update(amplitude_levels=[0.5, 0.2]), "amplitude_levels"),
    ],
)
def test_bad_records_name_the_field(edit, field):
    record = pcm.params_to_dict(pcm.preset("joshi2020"))
    edit(record)
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        pcm.params_from_dict(record)


def test_sections_default_and_invalid_json_names_the_file(tmp_path):
    params = pcm.params_from_dict(
        {"name": "mine", "source": "my lab, 2025", "g_min_uS": 0.0, "g_max_uS": 20.0}
    )
    assert params.drift == pcm.DriftParams()
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(ValueError, match=r"bad\.json"):
        pcm.load_params(bad)


def test_preset_loads_a_record_by_path(tmp_path):
    params = pcm.preset("nandakumar2018")
    path = pcm.save_params(params, tmp_path / "mine.json")
    assert pcm.preset(str(path)) == params
    with pytest.raises(ValueError, match="preset"):
        pcm.preset("nandakumar2019")
