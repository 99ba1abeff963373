"""Keys of the random streams, packed from named, range-checked fields.

A kernel's draw is keyed (seed, stream id, step, index) (``kernels.rng``). The system builds
the step field, and the encoder its clip keys, from several parts (a call counter, a layer,
a tile position, an epoch, ...); a ``KeyLayout`` packs them into bit fields and refuses a
value that would spill into the next field, so that two different draws never share a key
by accident. ``kernels.rng`` re-exports everything here: it is the one entry to randomness.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

_KEY_BITS = 63  # keys travel as int64 through numba and as non-negative numpy int64


@dataclass(frozen=True, slots=True)
class KeyLayout:
    """An integer key packed from named fields, least significant field first.

    Every field but the last has a fixed bit width; the last takes what is left of 63 bits.
    ``pack`` checks every field against its range, so a value that would spill into the
    next field (and make two different draws share a key) is an error, not a collision.

    Parameters
    ----------
    name : str
        What the key identifies (used in error messages).
    fields : tuple of (str, int or None)
        (field name, bit width) pairs from the least significant field up; the width of the
        last field is None.
    """

    name: str
    fields: tuple[tuple[str, int | None], ...]

    def __post_init__(self) -> None:
        widths = [bits for _, bits in self.fields]
        if not self.fields or widths[-1] is not None:
            raise ValueError(f"{self.name}: fields={self.fields!r}: the last width must be None")
        if any(not (isinstance(b, int) and b >= 1) for b in widths[:-1]):
            raise ValueError(f"{self.name}: fields={self.fields!r}: widths must be integers >= 1")
        if sum(widths[:-1]) >= _KEY_BITS:
            raise ValueError(f"{self.name}: fields={self.fields!r}: wider than {_KEY_BITS} bits")

    def limit(self, field: str) -> int:
        """Exclusive upper bound of ``field``.

        Parameters
        ----------
        field : str
            A field name of the layout.

        Returns
        -------
        int
            2 ** (bit width of the field); for the last field, what keeps the key in 63 bits.
        """
        shift = 0
        for name, bits in self.fields:
            if name == field:
                return 1 << (bits if bits is not None else _KEY_BITS - shift)
            shift += bits or 0
        raise ValueError(f"{self.name} key: field {field!r}: expected one of {self.names}")

    @property
    def names(self) -> tuple[str, ...]:
        """The field names, least significant first."""
        return tuple(name for name, _ in self.fields)

    def pack(self, **values):
        """The key of the given field values.

        Parameters
        ----------
        **values : int or array of int
            One value per field (no field may be missing). Arrays broadcast; the key then
            is an int64 array.

        Returns
        -------
        int or numpy.ndarray
            sum of value << (total width of the fields below it).

        Raises
        ------
        ValueError
            A field is missing or unknown, not an integer, negative, or not below its
            ``limit``.
        """
        if set(values) != set(self.names):
            raise ValueError(
                f"{self.name} key: fields {sorted(values)}: expected exactly {list(self.names)}"
            )
        key = 0
        shift = 0
        for name, bits in self.fields:
            value = values[name]
            self._check(name, value)
            if isinstance(value, np.ndarray):
                key = key + (value.astype(np.int64) << shift)
            else:
                key += int(value) << shift
            shift += bits or 0
        return key

    def unpack(self, key: int) -> dict[str, int]:
        """The field values of a key made by ``pack``.

        Parameters
        ----------
        key : int
            A key of this layout.

        Returns
        -------
        dict
            Field name -> value.
        """
        key = int(key)
        out = {}
        for name, bits in self.fields:
            if bits is None:
                out[name] = key
            else:
                out[name] = key & ((1 << bits) - 1)
                key >>= bits
        return out

    def _check(self, field: str, value) -> None:
        limit = self.limit(field)
        if isinstance(value, bool | np.bool_):
            bad = None
        elif isinstance(value, int | np.integer):
            bad = [] if 0 <= value < limit else [value]
        else:
            arr = np.asarray(value)
            integer = np.issubdtype(arr.dtype, np.integer)
            bad = arr[(arr < 0) | (arr >= limit)].ravel() if integer else None
        if bad is None:
            raise ValueError(f"{self.name} key: {field}={value!r}: expected an integer")
        if len(bad):
            raise ValueError(
                f"{self.name} key: {field}={int(bad[0])}: expected an integer in [0, {limit})"
                " (a larger value would overflow into the next field of the key)"
            )


# The step field of a chip's keys. A layer has at most 32 x 32 tiles; a MAC call is one
# layer's read of one batch (the chip counts its calls in ``mac_step``).
MAC_TILE_KEY = KeyLayout("MAC tile", (("col_tile", 5), ("row_tile", 5), ("mac_call", None)))
# One update (or refresh) of one tile of one of at most 4 layers.
UPDATE_TILE_KEY = KeyLayout(
    "tile update", (("col_tile", 5), ("row_tile", 5), ("layer", 2), ("update_step", None))
)
# The neuron step of a stochastic LIF layer: the kernel adds the time step to the key of
# time step 0, so a call may run at most 4096 steps.
THRESHOLD_KEY = KeyLayout("neuron threshold", (("time_step", 12), ("mac_call", None)))
# The encoder's generator of one clip in one pass over the data: clip keys are crc32 values.
CLIP_PASS_KEY = KeyLayout("clip pass", (("clip", 32), ("data_pass", None)))

# The seed word of a chip's forward pass: the run's seed and the pass over the data, packed
# (a sum would let run seed s's pass p + 1 draw the noise of run seed s + 1's pass p). Pass 0
# is the training forward passes of the learning rules, told apart by their MAC call field.
PASS_SEED_KEY = KeyLayout("pass seed", (("data_pass", 12), ("seed", None)))

# Passes over the data: each is the encoder's ``data_pass`` field and the chip's seed word.
# kind -> (first value, number of epochs); the ranges are disjoint.
DATA_PASSES: Mapping[str, tuple[int, int]] = MappingProxyType(
    {"training": (1, 999), "validation": (1000, 1000), "test": (2000, 1)}
)


def data_pass(kind: str, epoch: int = 0) -> int:
    """The stream value of one pass over the data.

    Parameters
    ----------
    kind : str
        ``"training"``, ``"validation"`` or ``"test"`` (a key of ``DATA_PASSES``).
    epoch : int
        The epoch of a training or validation pass; 0 for the test pass.

    Returns
    -------
    int
        The first value of the kind plus the epoch.
    """
    if kind not in DATA_PASSES:
        raise ValueError(f"data pass kind={kind!r}: expected one of {sorted(DATA_PASSES)}")
    first, epochs = DATA_PASSES[kind]
    if not (isinstance(epoch, int | np.integer) and 0 <= epoch < epochs):
        raise ValueError(
            f"{kind} pass: epoch={epoch!r}: expected an integer in [0, {epochs})"
            " (a larger epoch would reuse the stream of another pass)"
        )
    return first + int(epoch)
