"""Tests of raven.config: the configuration tables, their validation and reference."""
