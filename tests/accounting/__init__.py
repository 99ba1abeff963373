"""Tests of raven.accounting: the energy ledger, its prices, calibration and duty cycle."""
