"""Keyword-spotting data: Speech Commands layouts, splits, audio, augmentation, download."""
