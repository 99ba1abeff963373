"""data/dev_data.py: the development set rebuilt from an archive and verified file by file,
on a locally built fake archive (no network)."""

import hashlib
import importlib.util
import io
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "gsc12-dev"


def _module():
    spec = importlib.util.spec_from_file_location("dev_data", ROOT / "data" / "dev_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake(tmp_path, extra=None, tamper=None, drop=None):
    files = {
        "yes/aaaa_nohash_0.wav": b"RIFF-yes",
        "_silence_/1024.wav": b"RIFF-noise",
        "_unknown_/bed_bbbb_nohash_1.wav": b"RIFF-bed",
    }
    manifest_dir = tmp_path / "manifest"
    manifest_dir.mkdir()
    (manifest_dir / "validation_list.txt").write_text("yes/aaaa_nohash_0.wav\n")
    (manifest_dir / "testing_list.txt").write_text("_silence_/1024.wav\n")
    lines = [f"{hashlib.sha256(d).hexdigest()}  {n}" for n, d in files.items()]
    for name in ("validation_list.txt", "testing_list.txt"):
        digest = hashlib.sha256((manifest_dir / name).read_bytes()).hexdigest()
        lines.append(f"{digest}  {name}")
    (manifest_dir / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    archive = tmp_path / "test_set.tar.gz"
    content = dict(files, **(extra or {}))
    if tamper:
        content[tamper] = b"changed"
    if drop:
        content.pop(drop)
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in content.items():
            info = tarfile.TarInfo("./" + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return archive, manifest_dir, files


def test_extracts_exactly_the_manifest_and_verifies(tmp_path):
    dev = _module()
    archive, manifest_dir, files = _fake(tmp_path, extra={"go/other_nohash_0.wav": b"x"})
    out = tmp_path / "set"
    assert dev.extract(archive, out, manifest_dir) == len(files) + 2
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == sorted([*files, "validation_list.txt", "testing_list.txt"])
    assert (out / "yes/aaaa_nohash_0.wav").read_bytes() == b"RIFF-yes"


@pytest.mark.parametrize("fault", ["tamper", "drop"])
def test_a_changed_or_missing_file_stops_and_leaves_nothing(tmp_path, fault):
    dev = _module()
    name = "_silence_/1024.wav"
    archive, manifest_dir, _ = _fake(tmp_path, **{fault: name})
    out = tmp_path / "set"
    with pytest.raises(ValueError, match="1024"):
        dev.extract(archive, out, manifest_dir)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("set")] == []


def test_download_refuses_plain_http(tmp_path):
    with pytest.raises(ValueError, match="url"):
        _module().download("http://example.org/a.tar.gz", tmp_path / "a")


def test_shipped_manifest_covers_the_lists():
    dev = _module()
    manifest = dev.read_manifest()
    assert len([n for n in manifest if n.endswith(".wav")]) == 3650
    for name in dev.LISTS:
        for clip in (dev.MANIFEST_DIR / name).read_text().split():
            assert clip in manifest


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared development set is not here")
def test_shipped_manifest_matches_the_development_set():
    dev = _module()
    manifest = dev.read_manifest()
    on_disk = {str(p.relative_to(SHARED)) for p in SHARED.rglob("*.wav")} | set(dev.LISTS)
    assert set(manifest) == on_disk
    for name, digest in manifest.items():
        assert dev.sha256_of(SHARED / name) == digest, name
