"""A torch bridge to ``devices.pcm``: weights on differential PCM pairs inside torch models.

Install with the ``torch`` extra. ``devices.pcm`` never imports this package; this package
computes the device equations of ``devices.pcm.elementwise`` (the array-API form of
``devices.pcm.physics``) on tensors, on any torch device.

``PCMLinear`` is the layer; ``functional`` holds the stateless pieces (``init_pairs``,
``program_pairs``, ``read_pairs``, ``snapshot``, ``mac``, ``pulse_pairs``, ...), and
``pcm_linear`` is the layer's product with straight-through gradients.
"""

from . import functional
from .functional import PairSnapshot, PairState
from .layer import PCMLinear, pcm_linear

__all__ = ["PCMLinear", "PairSnapshot", "PairState", "functional", "pcm_linear"]
