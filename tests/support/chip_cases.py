"""Checks shared by the end-to-end tests of the static and the temporal chip."""

from __future__ import annotations

import numpy as np

from devices.pcm import DeviceArrays


def assert_same_chip_state(a, b) -> None:
    """Chips ``a`` and ``b`` (static or temporal: layers of tiles and accumulators) hold
    bit-identical devices, every per-device array of both polarities, and accumulators."""
    for layer_a, layer_b in zip(a.layers(), b.layers(), strict=True):
        tiles_a, tiles_b = layer_a.all_tiles(), layer_b.all_tiles()
        for (_, _, tile_a), (_, _, tile_b) in zip(tiles_a, tiles_b, strict=True):
            for arr_a, arr_b in ((tile_a.plus, tile_b.plus), (tile_a.minus, tile_b.minus)):
                for name in DeviceArrays._fields:
                    np.testing.assert_array_equal(
                        getattr(arr_a.state, name), getattr(arr_b.state, name), err_msg=name
                    )
        for row_a, row_b in zip(layer_a.chi_uS, layer_b.chi_uS, strict=True):
            for chi_a, chi_b in zip(row_a, row_b, strict=True):
                np.testing.assert_array_equal(chi_a, chi_b)
