"""Shared plumbing that imports nothing of raven: atomic file writes, progress bars."""
