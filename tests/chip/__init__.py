"""Tests of raven.chip: the static and temporal chips, their state and store."""
