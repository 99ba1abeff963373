"""Warn when another installed distribution owns one of this project's import names.

The distribution ``raven-pcm`` installs the top-level packages ``devices``, ``kernels``
and ``raven``. Two of those names are taken on the public package index by unrelated
projects: ``raven`` (an old error-reporting client) and ``kernels`` (a kernel hub). If one
of them is installed in the same environment, the two write into the same folder and an
``import`` finds whichever came last. ``python -m devices.install_check`` lists every
other distribution that provides one of these names and exits with status 1 if there is
one; install this project in its own virtual environment to avoid the clash.
"""

from __future__ import annotations

import sys
from importlib import metadata

OWN_DISTRIBUTION = "raven-pcm"
TOP_LEVEL_NAMES = ("devices", "kernels", "raven")


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def foreign_owners(
    names: tuple[str, ...] = TOP_LEVEL_NAMES, owners: dict[str, list[str]] | None = None
) -> dict[str, list[str]]:
    """Other distributions that provide each of ``names``.

    Parameters
    ----------
    names : tuple of str
        Top-level import names.
    owners : dict of str to list of str, optional
        Import name to distributions (default: the installed ones,
        ``importlib.metadata.packages_distributions()``).

    Returns
    -------
    dict of str to list of str
        Only the names with another owner.
    """
    owners = metadata.packages_distributions() if owners is None else owners
    out = {}
    for name in names:
        others = sorted(
            {d for d in owners.get(name, []) if _normal(d) != _normal(OWN_DISTRIBUTION)}
        )
        if others:
            out[name] = others
    return out


def main() -> int:
    """Print the clashes; 0 if there is none, 1 otherwise.

    Returns
    -------
    int
        The exit status.
    """
    clashes = foreign_owners()
    for name, others in clashes.items():
        print(
            f"warning: import name {name!r} is also provided by {', '.join(others)};"
            f" 'import {name}' may not be {OWN_DISTRIBUTION}'s. Install {OWN_DISTRIBUTION}"
            " in its own virtual environment.",
            file=sys.stderr,
        )
    if not clashes:
        print(f"no other distribution provides {', '.join(TOP_LEVEL_NAMES)}")
    return 1 if clashes else 0


if __name__ == "__main__":
    sys.exit(main())
