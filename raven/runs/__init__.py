"""Run folders: training and evaluation from dataset folders, sweeps, the raven command."""
