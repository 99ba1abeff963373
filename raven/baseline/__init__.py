"""DNN baselines (PyTorch, CPU): the other side of the iso-accuracy comparison.

Needs the ``dnn`` extra (``pip install -e '.[dnn]'``, which pins a CPU build of torch);
nothing else in ``raven`` imports this package or torch.
"""
