"""Test-wide settings.

Hypothesis's per-example deadline is a timing assertion: the first example of a test pays
numba's compilation (seconds on a cold cache, longer on a loaded machine), so a deadline
fails tests for reasons that are not their subject. Speed is measured by ``make bench``.
"""

from hypothesis import settings

settings.register_profile("raven", deadline=None)
settings.load_profile("raven")
