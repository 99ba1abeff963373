"""The examples in the package READMEs run as written."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("readme", ["README.md", "devices/README.md", "kernels/README.md"])
def test_readme_example_runs(readme):
    text = (ROOT / readme).read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, f"{readme} has no python example"
    for block in blocks:
        exec(compile(block, readme, "exec"), {})
