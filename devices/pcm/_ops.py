"""Compiled array loops of the functional core, built only from the scalar functions in
``physics``.

Device state arrives as a ``DeviceArrays`` bundle of flat arrays (one entry per device),
updated in place: the functional core hands these loops private copies. Random deviates
are drawn by the caller and passed in, one slot per potential use, so results depend only
on the seed.
"""

from __future__ import annotations

from ..jit import array_jit
from .physics import (
    drift_exponent,
    drift_factor,
    one_pulse,
    programmed_conductance_uS,
    read_conductance_uS,
    read_noise_std_uS,
    reset_conductance_uS,
)
from .state import FAULT_NONE


@array_jit
def drifted_conductance(dev, t_s, drift, out):
    """Noise-free conductance of every device at absolute time t_s."""
    g_prog, t_prog, nu = dev.g_prog_uS, dev.t_prog_s, dev.nu
    for i in range(g_prog.size):
        out[i] = g_prog[i] * drift_factor(t_s - t_prog[i], nu[i], drift)


@array_jit
def read_devices(dev, t_s, g_max_uS, drift, read, z, with_noise, selected, out):
    """Read every device at t_s into ``out``; returns the sum of the true (drifted)
    conductances of the ``selected`` devices in uS, which sets the read energy."""
    g_prog, t_prog, nu = dev.g_prog_uS, dev.t_prog_s, dev.nu
    g_sum = 0.0
    for i in range(g_prog.size):
        t_since = t_s - t_prog[i]
        g_d = g_prog[i] * drift_factor(t_since, nu[i], drift)
        if selected[i]:
            g_sum += g_d
        if with_noise:
            std = read_noise_std_uS(g_d, g_prog[i], g_max_uS, t_since, drift, read)
            out[i] = read_conductance_uS(g_d, std, z[i])
        else:
            out[i] = g_d
    return g_sum


@array_jit
def program_devices(dev, g_target, selected, t_s, g_min_uS, g_max_uS, prog, drift, z_prog, z_nu):
    """One-shot programming of the selected devices to g_target (programming noise, fresh
    drift exponent), within each device's own range [g_min_uS, G_max,dev]. A full SET
    ramp leaves no partial-SET history. Returns devices written."""
    g_prog, t_prog, nu, history, fault, g_max_dev, _ = dev
    written = 0
    for i in range(g_prog.size):
        if not selected[i] or fault[i] != FAULT_NONE:
            continue
        g_prog[i] = programmed_conductance_uS(
            g_target[i], g_min_uS, g_max_dev[i], g_max_uS, prog, z_prog[i]
        )
        t_prog[i] = t_s
        nu[i] = drift_exponent(g_target[i] / g_max_uS, drift, z_nu[i])
        history[i] = 0.0
        written += 1
    return written


@array_jit
def pulse_devices(
    dev, n_pulses, amplitude, t_s, g_min_uS, g_max_uS, drift, pulse_model, pulse, z_pulse, z_nu
):
    """Apply n_pulses[i] partial-SET pulses of relative amplitude amplitude[i] to device i,
    one after another at time t_s, starting from its drifted conductance. ``z_pulse`` holds
    one deviate per pulse in device order. Stuck devices receive the pulses without effect."""
    g_prog, t_prog, nu, history, fault, g_max_dev, step_scale = dev
    k = 0
    for i in range(g_prog.size):
        n = n_pulses[i]
        if n == 0:
            continue
        if fault[i] != FAULT_NONE:
            k += n
            continue
        g = g_prog[i] * drift_factor(t_s - t_prog[i], nu[i], drift)
        h = history[i]
        for _ in range(n):
            g, h = one_pulse(
                pulse_model,
                pulse,
                g,
                g_min_uS,
                g_max_dev[i],
                g_max_uS,
                h,
                amplitude[i],
                step_scale[i],
                z_pulse[k],
            )
            k += 1
        g_prog[i] = g
        t_prog[i] = t_s
        history[i] = h
        nu[i] = drift_exponent(g / g_max_uS, drift, z_nu[i])


@array_jit
def reset_devices(
    dev, selected, t_s, g_min_uS, g_max_uS, reset_mean_uS, reset_std_uS, drift, z_reset, z_nu
):
    """RESET the selected devices: low conductance, history term back to 1."""
    g_prog, t_prog, nu, history, fault, g_max_dev, _ = dev
    for i in range(g_prog.size):
        if not selected[i] or fault[i] != FAULT_NONE:
            continue
        g = reset_conductance_uS(reset_mean_uS, reset_std_uS, g_min_uS, g_max_dev[i], z_reset[i])
        g_prog[i] = g
        t_prog[i] = t_s
        history[i] = 1.0
        nu[i] = drift_exponent(g / g_max_uS, drift, z_nu[i])
