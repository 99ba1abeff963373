"""The README's configuration reference is generated from the configuration tables, never
typed in: every field of every table is in it, with its default, constraint and
description as declared."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from experiments.config_reference import END, START, field_docs, render, replace_block
from raven.config import tables

ROOT = Path(__file__).resolve().parents[2]
TABLES = [tables.RavenConfig] + [
    f.default_factory
    for f in dataclasses.fields(tables.RavenConfig)
    if f.default_factory is not dataclasses.MISSING
]


def test_readme_block_is_the_rendering_of_the_tables():
    readme = (ROOT / "README.md").read_text()
    assert START in readme and END in readme, "README: the configuration markers are missing"
    block = readme.split(START, 1)[1].split(END, 1)[0]
    assert START + block + END == render(), (
        "README's configuration reference is out of date:"
        " run `python -m experiments.config_reference`"
    )


@pytest.mark.parametrize("cls", TABLES, ids=[c.__name__ for c in TABLES])
def test_every_field_has_a_description(cls):
    docs = field_docs(cls)
    assert [f.name for f in dataclasses.fields(cls) if not docs.get(f.name)] == []


def test_every_field_is_in_the_reference():
    text = render()
    for cls in TABLES[1:]:
        assert f"#### [{cls.TABLE}]" in text
        for f in dataclasses.fields(cls):
            assert f"| `{f.name}` | `{f.default!r}`".replace("'", '"') in text.replace("'", '"')


def test_render_replaces_only_the_block_and_needs_the_markers():
    text = f"intro\n{START}\nold\n{END}\noutro\n"
    out = replace_block(text, render())
    assert out.startswith("intro\n") and out.endswith("\noutro\n")
    assert "| `epochs` |" in out and "\nold\n" not in out
    with pytest.raises(ValueError, match="markers"):
        replace_block("no markers here", render())
