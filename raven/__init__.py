"""Raven: a spiking keyword-spotting accelerator on PCM crossbars, trained on chip.

The system layer (configuration, data pipeline, chip, learning rules, energy ledger, DNN
baseline, command line) builds on ``kernels`` and ``devices``; imports point
``raven -> kernels -> devices``.
"""
