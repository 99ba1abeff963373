import math

import pytest

from raven.data.speech_commands import (
    KEYWORDS_12,
    LABELS_12,
    SILENCE,
    UNKNOWN,
    index_dataset,
    speaker_of,
    which_set,
)
from tests.support.datasets import SHARED_DATA, make_folder_layout, make_full_layout

V1_SAMPLE = SHARED_DATA / "gsc-v1-sample"
GSC12_DEV = SHARED_DATA / "gsc12-dev"


@pytest.mark.skipif(not V1_SAMPLE.is_dir(), reason="shared GSC v0.01 sample not present")
def test_hash_rule_reproduces_the_official_lists_name_for_name():
    checked = 0
    for list_name, split in (
        ("validation_list.txt", "validation"),
        ("testing_list.txt", "testing"),
    ):
        for line in (V1_SAMPLE / list_name).read_text().split():
            assert which_set(line) == split, line
            checked += 1
    assert checked == 6798 + 6835


@pytest.mark.skipif(not GSC12_DEV.is_dir(), reason="shared gsc12-dev set not present")
def test_gsc12_dev_split_sizes_and_labels():
    index = index_dataset(GSC12_DEV)
    assert index.layout == "testset" and index.notes["split_source"] == "lists"
    sizes = {s: len(index.split(s)) for s in ("training", "validation", "testing")}
    assert sizes == {"training": 2407, "validation": 323, "testing": 920}
    assert len(index.clips) == sum(1 for _ in GSC12_DEV.glob("*/*.wav"))  # none lost
    assert set(index.labels) == set(LABELS_12)
    assert index.notes["listed_but_missing"] == 0


def test_speaker_is_the_name_before_nohash():
    assert speaker_of("yes/0a7c2a8d_nohash_3.wav") == "0a7c2a8d"
    assert which_set("a/0a7c2a8d_nohash_0.wav") == which_set("b/0a7c2a8d_nohash_9.wav")


def test_full_layout_12_class_samples_silence_and_unknown(tmp_path):
    root = make_full_layout(tmp_path / "gsc", speakers=12)
    index = index_dataset(root, task="12", seed=3)
    assert index.layout == "full" and index.notes["split_source"] == "hash"
    counts = index.counts()
    for split, per_label in counts.items():
        n_keyword = sum(per_label.get(w, 0) for w in KEYWORDS_12)
        assert per_label.get(SILENCE, 0) == math.ceil(n_keyword * 0.1)
        available = index.notes["unknown_available"][split]
        assert per_label.get(UNKNOWN, 0) == min(available, math.ceil(n_keyword * 0.1))
    again = index_dataset(root, task="12", seed=3)
    assert again.clips == index.clips  # deterministic for a seed
    # Speakers never straddle splits.
    split_of = {}
    for clip in index.clips:
        if clip.path:
            assert split_of.setdefault(speaker_of(clip.path), clip.split) == clip.split


def test_full_layout_35_class_keeps_every_word(tmp_path):
    root = make_full_layout(tmp_path / "gsc", speakers=3)
    index = index_dataset(root, task="35")
    assert set(index.labels) == {*KEYWORDS_12, "cat", "dog", "bird"}
    assert len(index.clips) == 13 * 3


def test_user_folder_with_split_all(tmp_path):
    root = make_folder_layout(tmp_path / "mine")
    index = index_dataset(root, task="folder", split_source="all")
    assert index.layout == "folder" and index.labels == ("alpha", "beta")
    assert len(index.split("testing")) == 8 and not index.split("training")


def test_lists_take_precedence_over_the_hash(tmp_path):
    root = make_folder_layout(tmp_path / "mine")
    (root / "validation_list.txt").write_text("alpha/clip0.wav\n")
    (root / "testing_list.txt").write_text("beta/clip1.wav\nbeta/missing.wav\n")
    index = index_dataset(root, task="folder")
    assert [c.path for c in index.split("validation")] == ["alpha/clip0.wav"]
    assert [c.path for c in index.split("testing")] == ["beta/clip1.wav"]
    assert index.notes["listed_but_missing"] == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"task": "20"}, "task"),
        ({"split_source": "random"}, "split_source"),
        ({"silence_percentage": 120.0}, "silence_percentage"),
    ],
)
def test_bad_arguments_name_the_field(tmp_path, kwargs, message):
    root = make_folder_layout(tmp_path / "mine")
    with pytest.raises(ValueError, match=message):
        index_dataset(root, **{"task": "folder", **kwargs})


def test_missing_or_empty_folders_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        index_dataset(tmp_path / "nowhere")
    (tmp_path / "empty" / "yes").mkdir(parents=True)
    (tmp_path / "empty" / "yes" / "notes.txt").write_text("no audio here")
    with pytest.raises(ValueError, match="no audio clips"):
        index_dataset(tmp_path / "empty")
    with pytest.raises(ValueError, match="task '12'"):
        index_dataset(make_folder_layout(tmp_path / "mine"), task="12")
    with pytest.raises(ValueError, match="lists"):
        index_dataset(tmp_path / "mine", task="folder", split_source="lists")


def test_prepare_command_prints_a_summary(tmp_path, capsys):
    import json

    from raven.data.__main__ import main as data_main

    root = make_folder_layout(tmp_path / "mine", per_label=3)
    (root / "beta" / "broken.wav").write_bytes(b"not audio")
    args = [
        "prepare",
        "--data",
        str(root),
        "--task",
        "folder",
        "--split",
        "all",
        "--cache-dir",
        str(tmp_path / "cache"),
        "--workers",
        "1",
    ]
    assert data_main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    testing = summary["splits"]["testing"]
    assert testing["clips"] == 7 and testing["features"] == [6, 49, 10]
    assert testing["audio"]["skipped_files"][0]["file"] == "beta/broken.wav"
    assert summary["frontend_ops_per_clip"]["total"] > 1_000_000
    assert data_main(["prepare", "--data", str(tmp_path / "missing")]) == 2
