"""Whether the ``kws`` extra is installed: the keyword-spotting system needs it, the device
model and the kernels do not. Imports nothing of raven, so that ``import raven`` and the
``raven`` command can say what to install instead of failing deep inside an import."""

from __future__ import annotations

from importlib.util import find_spec

# The import names of the kws extra's packages (pyproject.toml).
KWS_MODULES = ("scipy", "matplotlib", "tqdm", "threadpoolctl")
INSTALL_HINT = "pip install 'raven-pcm[kws]'"


def missing_kws_modules() -> list[str]:
    """The packages of the ``kws`` extra that cannot be imported.

    Returns
    -------
    list of str
        Import names, empty when the extra is installed.
    """
    missing = []
    for name in KWS_MODULES:
        try:
            found = find_spec(name) is not None
        except (ImportError, ValueError):  # a finder that refuses the name: not importable
            found = False
        if not found:
            missing.append(name)
    return missing


def kws_extra_message(missing: list[str]) -> str:
    """One line saying which extra to install.

    Parameters
    ----------
    missing : list of str
        The missing import names.

    Returns
    -------
    str
    """
    return (
        f"the keyword-spotting system (raven) needs the 'kws' extra ({', '.join(missing)}"
        f" missing): {INSTALL_HINT}; the device model (devices) and the kernels work without it"
    )
