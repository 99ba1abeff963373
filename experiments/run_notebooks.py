"""Execute every notebook in experiments/notebooks headless (``make notebooks``); exits
non-zero, naming the notebook and the cell, if any cell fails. Outputs are not written back."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = Path(__file__).resolve().parent / "notebooks"


def main() -> int:
    failed = 0
    for path in sorted(HERE.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        try:
            NotebookClient(
                notebook,
                timeout=900,
                kernel_name="python3",
                resources={"metadata": {"path": str(HERE)}},
            ).execute()
        except CellExecutionError as err:
            failed += 1
            print(f"{path.name}: FAILED\n{err}", file=sys.stderr)
            continue
        print(f"{path.name}: ok ({time.perf_counter() - start:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
