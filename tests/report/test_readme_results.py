"""The README's results are generated from the committed results file, never typed in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from experiments.readme_results import END, START, render, replace_block

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = "results/gsc12-dev.json"


def test_readme_block_is_the_rendering_of_the_committed_results():
    results = json.loads((ROOT / PUBLISHED).read_text())
    readme = (ROOT / "README.md").read_text()
    block = readme.split(START, 1)[1].split(END, 1)[0]
    assert START + block + END == render(results, PUBLISHED)


def test_render_replaces_only_the_block_and_needs_the_markers():
    results = json.loads((ROOT / PUBLISHED).read_text())
    changed = dict(results, test_accuracy=0.123456)
    text = f"intro\n{START}\nold\n{END}\noutro\n"
    out = replace_block(text, render(changed, "x.json"))
    assert out.startswith("intro\n") and out.endswith("\noutro\n")
    assert "| test accuracy, 1 s after training | 0.123 |" in out
    with pytest.raises(ValueError, match="markers"):
        replace_block("no markers here", render(changed, "x.json"))
