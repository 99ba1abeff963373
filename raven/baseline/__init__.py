"""DNN baselines (PyTorch, CPU): the other side of the iso-accuracy comparison.

Needs the ``dnn`` extra (``pip install -e '.[dnn]'``, which pins a CPU build of torch);
nothing else in ``raven`` imports torch. The typed result of a training
(``raven.baseline.results.BaselineResult``) needs no torch: the comparison and the report
read it without the extra.
"""
