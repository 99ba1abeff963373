"""Energy per clip at an operating point: duty cycle and retention, the same rule for every
chip (Raven's and the DNN baselines').

An edge device wakes up, processes a clip and sleeps until the next one, ``clip_period_s``
later. For a priced ledger summary (``Ledger.summary``) the energy of one period is:

- the network's dynamic energy (the MFCC front end, common to both sides, is reported
  apart);
- static power while active (``time_steps`` x ``t_step_s``): the periphery and every
  declared memory leak;
- one wake-up of the power-gated domain (``ChipProfile.wake_up_J``);
- while asleep, every memory whose content must persist between clips (``persistent``):
  a "read_only" one (weights, routing table, neuron constants) is either kept in leaking
  SRAM or power-gated and reloaded from a non-volatile store at the wake-up (flash read,
  ``FLASH_READ_J_PER_BIT``, plus the SRAM writes), whichever is cheaper at this period; a
  "mutable" one (training state: accumulators, DNN weights, gradients and optimiser state
  while training) is kept in leaking SRAM (saving it to flash would need a flash program
  at every clip, which is far dearer). Everything else is power-gated.

Raven's weights are PCM conductances: non-volatile, zero retention power; its
accumulators persist only while training. Static power is thus counted on both sides in
every figure of this module; the comparison tables that use dynamic energy alone say so.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping

from .energy import FLASH_READ_J_PER_BIT, ChipProfile, profile_from_dict

# The operating points every report gives (label -> clip period in s).
OPERATING_POINTS = {"1 clip per second": 1.0, "1 wake-up per minute": 60.0}

# Raven's digital arrays that must persist between clips.
RAVEN_PERSISTENT_INFERENCE = {"routing": "read_only", "neuron_constants": "read_only"}
RAVEN_PERSISTENT_TRAINING = RAVEN_PERSISTENT_INFERENCE | {"accumulators": "mutable"}
KINDS = ("read_only", "mutable")


def clip_period_s(clips_per_s: float | None = None, wakeups_per_hour: float | None = None) -> float:
    """The clip period of an operating point given as clips per second or as wake-ups
    (one clip each) per hour; exactly one of them.

    Parameters
    ----------
    clips_per_s : float, optional
        Clips per second (> 0).
    wakeups_per_hour : float, optional
        Wake-ups per hour (> 0).

    Returns
    -------
    float
        Seconds between clips.
    """
    if (clips_per_s is None) == (wakeups_per_hour is None):
        raise ValueError("give exactly one of clips_per_s and wakeups_per_hour")
    rate = clips_per_s if clips_per_s is not None else wakeups_per_hour / 3600.0
    if not (isinstance(rate, int | float) and rate > 0 and math.isfinite(rate)):
        raise ValueError(f"operating point rate {rate!r}: expected a finite rate > 0")
    return 1.0 / rate


def energy_at_period(
    summary: dict,
    period_s: float,
    persistent: Mapping[str, str],
    profile: ChipProfile | None = None,
    flash_J_per_bit: float = FLASH_READ_J_PER_BIT,
) -> dict:
    """Energy of one clip at one clip per ``period_s`` (module docstring).

    Parameters
    ----------
    summary : dict
        A ``Ledger.summary`` (its memories, active time, dynamic and front-end energies).
    period_s : float
        Seconds between clips (> 0; shorter than the active time: the chip never sleeps).
    persistent : mapping
        Memory name -> "read_only" or "mutable": what must survive between clips; names
        the summary does not declare are ignored.
    profile : ChipProfile, optional
        Leakage and memory prices (default: the summary's own profile).
    flash_J_per_bit : float
        Read energy of the non-volatile store per bit.

    Returns
    -------
    dict
        ``energy_J`` (network, without the front end), its parts (``dynamic_J``,
        ``active_static_J``, ``wake_up_J``, ``retention_J``), ``frontend_J``,
        ``power_uW`` (network) and, per persistent memory, its bits, the cost of each
        option and the one chosen.
    """
    if not (period_s > 0 and math.isfinite(period_s)):
        raise ValueError(f"period_s={period_s!r}: expected a finite period > 0 s")
    bad = {k: v for k, v in persistent.items() if v not in KINDS}
    if bad:
        raise ValueError(f"persistent kinds {bad}: expected one of {KINDS}")
    profile = profile or profile_from_dict(summary["profile"])
    leak = profile.sram_leakage_per_bit_W
    front = summary["energy_breakdown_per_clip_J"].get("frontend_ops", 0.0)
    dynamic = summary["dynamic_energy_per_clip_J"] - front
    active_s = summary["duty_cycling"]["active_time_per_clip_s"]
    memories = summary.get("memories", {})
    bits = {k: m["words"] * m["word_bits"] for k, m in memories.items()}
    active_static = (profile.periphery_leakage_W + leak * sum(bits.values())) * active_s
    idle_s = max(0.0, period_s - active_s)
    retention = {}
    for name, kind in persistent.items():
        if name not in memories:
            continue
        m = memories[name]
        options = {"retained": bits[name] * leak * idle_s}
        if kind == "read_only":
            write_J = m["words"] * profile.memory_access_J(m["size_bytes"], m["word_bits"])
            options["reloaded"] = bits[name] * flash_J_per_bit + write_J
        choice = min(options, key=options.get)
        retention[name] = {
            "kind": kind,
            "bits": bits[name],
            "options_J": options,
            "choice": choice,
            "energy_J": options[choice],
        }
    retention_J = sum(r["energy_J"] for r in retention.values())
    wake = profile.wake_up_J()
    energy = dynamic + active_static + wake + retention_J
    return {
        "period_s": period_s,
        "energy_J": energy,
        "dynamic_J": dynamic,
        "active_static_J": active_static,
        "wake_up_J": wake,
        "retention_J": retention_J,
        "frontend_J": front,
        "power_uW": energy / period_s * 1e6,
        "retention": retention,
    }


def crossovers(
    ratio: Callable[[float], float | None], lo_s: float, hi_s: float, points: int = 61
) -> list[float]:
    """Clip periods in [``lo_s``, ``hi_s``] where ``ratio(period) - 1`` changes sign:
    scanned on ``points`` log-spaced periods, each crossing refined by bisection in log
    period. Periods where ``ratio`` is None are skipped.

    Parameters
    ----------
    ratio : callable
        Period (s) -> DNN / Raven energy ratio, or None.
    lo_s, hi_s : float
        The range scanned (0 < lo_s < hi_s).
    points : int
        Scan points (>= 2).

    Returns
    -------
    list of float
        The crossing periods, in increasing order.
    """
    if not (0 < lo_s < hi_s) or points < 2:
        raise ValueError(
            f"crossovers: expected 0 < lo_s < hi_s and points >= 2, got {lo_s}, {hi_s}, {points}"
        )
    grid = [lo_s * (hi_s / lo_s) ** (i / (points - 1)) for i in range(points)]
    values = [(p, ratio(p)) for p in grid]
    values = [(p, r) for p, r in values if r is not None]
    out = [p for p, r in values if r == 1.0]  # a scan point exactly on the crossing
    for (p0, r0), (p1, r1) in itertools.pairwise(values):
        if not (r0 - 1.0) * (r1 - 1.0) < 0:
            continue
        a, b, ra = math.log(p0), math.log(p1), r0
        for _ in range(60):
            mid = 0.5 * (a + b)
            rm = ratio(math.exp(mid))
            if rm is None:
                break
            if (ra - 1.0) * (rm - 1.0) <= 0:
                b = mid
            else:
                a, ra = mid, rm
        out.append(math.exp(0.5 * (a + b)))
    return sorted(out)
