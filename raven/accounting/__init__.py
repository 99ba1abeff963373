"""Energy accounting: the energy table, the per-event ledger and its calibration."""
