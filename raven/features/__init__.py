"""Audio front end: MFCC / log-mel features with an operation count, and their cache."""
