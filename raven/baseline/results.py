"""The typed result of a baseline training (a DNN, the rate-coded ceiling or the recurrent
SNN ceiling), without torch: the comparison and the report read it with the dnn extra
absent. ``to_dict`` is the record the result cache, ``baselines.json``, ``ceiling.json``
and ``report.json`` have always held; ``from_dict`` reads one back."""

from __future__ import annotations

from dataclasses import dataclass

from .._util.records import check_record, record_of, required_fields

# Keys of one learning-curve entry (consumed by the comparison).
CURVE_KEYS = (
    "epoch",
    "validation_accuracy",
    "test_accuracy",
    "training_macs_cumulative",
    "training_energy_cumulative_J",
    "clips_seen",
    "train_wall_s",
    "eval_wall_s",
)


@dataclass(frozen=True, slots=True)
class BaselineResult:
    """One trained and measured baseline model.

    The fields up to ``wall_time_s`` are those of every training; the others are set by
    some trainings or by the later steps of a run, and left out of ``to_dict`` while None.

    Attributes
    ----------
    family : str
        Model family (``raven.baseline.models.FAMILIES``, ``"snn_rate"`` or ``"rsnn"``).
    width : int
        The family's width (hidden units of the ceilings).
    parameters : int
        Trainable parameters.
    weights_bytes_fp32 : int
        Bytes of the weights in float32.
    validation_accuracy : float
        Validation accuracy of the best check (the weights kept).
    test_accuracy : float
        Test accuracy of the weights kept; after ``raven.compare.comparison.with_state``,
        that of the state its ``state_rule`` names.
    best_epoch : int or float
        Epochs trained at the best check (fractional for a check within a pass).
    epochs_run : int or float
        Epochs trained in all.
    best_check : int
        Index of the best validation check, from 1.
    checks_run : int
        Validation checks made.
    stopped_by : str
        ``"plateau"`` (patience ran out) or ``"budget"`` (every pass or clip allowed used).
    samples_seen : int
        Training clips seen.
    inference_macs : int
        Multiply-accumulates of one inference.
    training_macs_per_sample : int
        Training MACs per training clip.
    training_macs_total : int
        Training MACs of the whole run.
    inference_energy_J : float
        Energy of one inference (J).
    training_energy_per_sample_J : float
        Training energy per training clip (J).
    training_energy_total_J : float
        Training energy of the whole run (J).
    curve : tuple of dict
        One entry per validation check, keys ``CURVE_KEYS`` (accuracies at the check,
        cumulative training cost, wall times).
    wall_time_s : float
        Wall-clock time of the training (s).
    gate_multiplies_per_inference : int or None
        Elementwise gate multiplies of a recurrent DNN per inference.
    hidden_spikes_per_clip : float or None
        Recurrent SNN ceiling: mean hidden spikes per test clip.
    weight_abs_max : dict of str to float or None
        Recurrent SNN ceiling: largest weight magnitude of each tile (``input``,
        ``recurrent``, ``output``).
    synaptic_ops_per_clip : float or None
        Recurrent SNN ceiling: event-driven synaptic reads per test clip.
    from_cache : bool or None
        Whether the result was read from the result cache; None: not through the cache.
    pricing_before : dict or None
        The flat int8 pricing's figures before the one memory model re-priced the run
        (``experiments.baselines.reprice``).
    memory_model : dict or None
        The run's ``inference`` and ``training`` ledger summaries under the one memory
        model.
    best_state_test_accuracy : float or None
        Test accuracy of the best validation check's weights (``with_state``).
    last_state_test_accuracy : float or None
        Test accuracy at the last check (``with_state``).
    state_rule : str or None
        The state ``test_accuracy`` is that of: ``"last"`` or ``"best"`` (``with_state``).
    """

    family: str
    width: int
    parameters: int
    weights_bytes_fp32: int
    validation_accuracy: float
    test_accuracy: float
    best_epoch: int | float
    epochs_run: int | float
    best_check: int
    checks_run: int
    stopped_by: str
    samples_seen: int
    inference_macs: int
    training_macs_per_sample: int
    training_macs_total: int
    inference_energy_J: float
    training_energy_per_sample_J: float
    training_energy_total_J: float
    curve: tuple[dict, ...]
    wall_time_s: float
    gate_multiplies_per_inference: int | None = None
    hidden_spikes_per_clip: float | None = None
    weight_abs_max: dict[str, float] | None = None
    synaptic_ops_per_clip: float | None = None
    from_cache: bool | None = None
    pricing_before: dict | None = None
    memory_model: dict | None = None
    best_state_test_accuracy: float | None = None
    last_state_test_accuracy: float | None = None
    state_rule: str | None = None

    @property
    def name(self) -> str:
        """``<family>-<width>``, as the report and the cache files name the model."""
        return f"{self.family}-{self.width}"

    def to_dict(self) -> dict:
        """The result as a JSON record: every field in order, those that are None among the
        optional ones left out.

        Returns
        -------
        dict
            The record (``curve`` a list of dicts).
        """
        out = record_of(self)
        out["curve"] = [dict(entry) for entry in self.curve]
        return out

    @classmethod
    def from_dict(cls, record: dict) -> BaselineResult:
        """The result of a record written by ``to_dict`` (or by the code before it).

        Parameters
        ----------
        record : dict
            The record.

        Returns
        -------
        BaselineResult

        Raises
        ------
        ValueError
            A field missing or a key that is no field, named.
        """
        values = check_record(cls, record)
        values["curve"] = tuple(dict(entry) for entry in values["curve"])
        return cls(**values)


# The fields every baseline record has (a cached record lacking one is recomputed).
RESULT_KEYS = required_fields(BaselineResult)
