"""Tests of raven.features: MFCC, input encodings, augmentation, the feature cache."""
