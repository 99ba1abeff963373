"""NeuroBench-style metrics of Raven and of the DNN baselines, and the published GSC
baselines quoted beside them for context."""

from __future__ import annotations

from ..baseline.results import BaselineResult

# -- NeuroBench-style metrics ----------------------------------------------------------------
# Definitions (NeuroBench, Yik et al., 2023/2025): footprint = bytes of weights, parameters
# and buffers; connection sparsity = share of zero weights; activation sparsity = share of
# zero neuron outputs over all neurons and time steps; dense = synaptic operations with
# every activation and connection counted; effective MACs / ACs = synaptic operations of
# non-zero activations, a graded input counting as a MAC and a spike as an accumulate.
# The GSC baselines quoted for context are NeuroBench's published ones (Yik et al.,
# "The NeuroBench framework for benchmarking neuromorphic computing algorithms and
# systems", Nature Communications 2025; arXiv 2304.04640), on 35 classes.

NEUROBENCH_GSC_CONTEXT = (
    {
        "model": "NeuroBench GSC SNN baseline (35 classes)",
        "accuracy": 0.8563,
        "footprint_bytes": 583_900,
        "effective_acs": 3.29e6,
        "effective_macs": 0,
        "synaptic_ops_per_sample": 3.29e6,
    },
    {
        "model": "NeuroBench GSC M5 ANN baseline (35 classes)",
        "accuracy": 0.8653,
        "footprint_bytes": 109_228,
        "effective_acs": 0,
        "effective_macs": 1.73e6,
        "synaptic_ops_per_sample": 1.73e6,
    },
)


def neurobench_raven(summary: dict, footprint_bytes: float, accuracy: float) -> dict:
    """Raven's NeuroBench row from an inference ledger summary (every synaptic input is a
    spike).

    Parameters
    ----------
    summary : dict
        An inference ``Ledger.summary``.
    footprint_bytes : float
        Memory footprint, bytes.
    accuracy : float
        Test accuracy.

    Returns
    -------
    dict
        ``model``, ``accuracy``, ``footprint_bytes``, sparsities, dense and effective
        operations per sample.
    """
    per = summary["counts_per_clip"]
    acs = per.get("synaptic_ops", 0.0)
    macs = per.get("synaptic_macs", 0.0)
    return {
        "model": "Raven",
        "accuracy": accuracy,
        "footprint_bytes": footprint_bytes,
        "connection_sparsity": 0.0,
        "activation_sparsity": summary["activation_sparsity"],
        "dense_ops": per.get("dense_macs", 0.0),
        "effective_macs": macs,
        "effective_acs": acs,
        "synaptic_ops_per_sample": acs + macs,
    }


def neurobench_baseline(b: BaselineResult, weight_bytes: int = 1) -> dict:
    """A DNN baseline's NeuroBench row: int8 weights, dense connections; every MAC counted as
    effective (zero activations are not skipped: an upper bound on effective MACs).

    Parameters
    ----------
    b : BaselineResult
        A baseline result.
    weight_bytes : int
        Bytes per weight (1: int8).

    Returns
    -------
    dict
        The row, in the keys of ``neurobench_raven``.
    """
    return {
        "model": b.name,
        "accuracy": b.test_accuracy,
        "footprint_bytes": b.parameters * weight_bytes,
        "connection_sparsity": 0.0,
        "activation_sparsity": None,  # not measured on the DNN side
        "dense_ops": b.inference_macs,
        "effective_macs": b.inference_macs,
        "effective_acs": 0,
        "synaptic_ops_per_sample": b.inference_macs,
    }


# -- accuracy-cost frontiers ------------------------------------------------------------------
# Raven trained at several sizes gives a curve of (accuracy, cost) points; each DNN family
# gives one per sweep. For each Raven point and cost, the DNN side is the cheapest family
# at Raven's accuracy: inference costs interpolated on each family's frontier
# (``cost_at_accuracy``), training costs charged up to that accuracy on each run's
# learning curve (``training_at_accuracy``), so that both sides pay for training only up to
# the accuracy compared.
