"""Every document the repository refers to is in it: a reader who clones the project can
follow every reference to a Markdown document from the code, the tests and the documentation."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MENTION = re.compile(r"[A-Za-z0-9_./-]+\.md\b")
# Names that are not documents of the repository: what the code writes into a run folder,
# and the device page that `make docs` copies from devices/README.md.
NOT_DOCUMENTS = {"report.md": "a run's report, written by raven.report", "devices.md": "make docs"}


def _tracked() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    suffixes = {".py", ".md", ".toml", ".yml", ".cfg", ".ipynb", ".txt"}
    return [ROOT / p for p in out if Path(p).suffix in suffixes and (ROOT / p).is_file()]


def test_every_referenced_document_exists():
    missing = []
    for path in _tracked():
        for mention in set(MENTION.findall(path.read_text(errors="replace"))):
            name = mention.lstrip("./")
            if Path(name).name in NOT_DOCUMENTS:
                continue
            places = (ROOT / name, ROOT / "docs" / name, path.parent / name)
            if not any(p.is_file() for p in places):
                missing.append(f"{path.relative_to(ROOT)}: {mention}")
    assert not missing, "\n".join(sorted(missing))


def test_the_design_document_is_in_the_site():
    assert "design.md" in (ROOT / "mkdocs.yml").read_text()
    assert (ROOT / "docs" / "design.md").is_file()


TEST_FILE = re.compile(r"\btests/[A-Za-z0-9_/]+\.py\b")


def test_every_referenced_test_file_exists():
    """A sentence that says where something is tested names a file that holds the test."""
    missing = []
    for path in _tracked():
        for mention in set(TEST_FILE.findall(path.read_text(errors="replace"))):
            if not (ROOT / mention).is_file():
                missing.append(f"{path.relative_to(ROOT)}: {mention}")
    assert not missing, "\n".join(sorted(missing))
