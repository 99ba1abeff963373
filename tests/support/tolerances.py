"""Tolerances of the test suite, named in one place.

Statistical checks compare a Monte Carlo estimate with its formula within
``N_STANDARD_ERRORS`` standard errors of the estimate (docs/design.md section 8).
"""

N_STANDARD_ERRORS = 3.0
N_DEVICES_STATISTICS = 100_000
# Golden trajectories and noise-free kernels are deterministic; only float reassociation
# could move them.
GOLDEN_RTOL = 1e-12
EXACT_RTOL = 1e-12
EXACT_ATOL_uS = 1e-12


def std_of_std(sigma: float, n: int) -> float:
    """Standard error of a sample standard deviation of n normal draws."""
    return sigma / (2.0 * (n - 1)) ** 0.5


def std_error_of_std(sample) -> float:
    """Standard error of the sample standard deviation, from the sample's own kurtosis
    (delta method: SE = sigma sqrt((kurtosis - 1) / (4 n))); exact for non-normal draws such
    as a folded normal or a mixture of normals with device-dependent widths."""
    import numpy as np

    x = np.asarray(sample, dtype=np.float64).ravel()
    centred = x - x.mean()
    m2 = float(np.mean(centred**2))
    m4 = float(np.mean(centred**4))
    kurtosis = m4 / (m2 * m2)
    return (m2**0.5) * ((kurtosis - 1.0) / (4.0 * x.size)) ** 0.5


# The recurrent kernel updates eligibility traces lazily (a geometric decay over the steps
# between events in one multiplication): the same sums in another order.
LAZY_TRACE_RTOL = 1e-9
