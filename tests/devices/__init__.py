"""Tests of the PCM device model (devices.pcm, devices.pcm_torch)."""
