"""A small recurrent spiking network on PCM synapses, trained hardware-aware with torch.

Task (generated here, no data needed): each sample is a stream of Poisson spikes on
``N_IN`` input channels for ``T`` steps; one of ``N_CLASSES`` groups of channels fires
faster than the others. The network, leaky integrate-and-fire neurons with recurrent
connections, reads the class from its spike counts.

Both the input and the recurrent weights are ``devices.pcm_torch.PCMLinear`` layers:
training injects programming noise and drift at every optimizer step and read noise at
every read (gradients pass
straight through the devices; the spike function has a fast-sigmoid surrogate); then the
weights are programmed once and the network is evaluated as the devices drift, with read
noise redrawn at every read. A few on-device updates (pulses) close the example.

The spiking loop is plain torch.

Run: ``python examples/pcm_rsnn.py`` (``--quick`` for a seconds-long run).
"""

from __future__ import annotations

import argparse
import json

import torch
from torch import nn

from devices import pcm
from devices.pcm_torch import PCMLinear

N_IN, N_CLASSES = 20, 4


def make_batch(batch: int, steps: int, generator: torch.Generator) -> tuple:
    """Poisson spike streams (steps, batch, N_IN) and their class labels (batch,)."""
    labels = torch.randint(0, N_CLASSES, (batch,), generator=generator)
    rate = torch.full((batch, N_IN), 0.05)
    group = N_IN // N_CLASSES
    for c in range(N_CLASSES):
        rate[labels == c, c * group : (c + 1) * group] = 0.3
    spikes = (torch.rand((steps, batch, N_IN), generator=generator) < rate).float()
    return spikes, labels


class SpikeFunction(torch.autograd.Function):
    """Heaviside forward, fast-sigmoid surrogate derivative backward."""

    @staticmethod
    def forward(ctx, v):
        ctx.save_for_backward(v)
        return (v > 0).to(v.dtype)

    @staticmethod
    def backward(ctx, grad):
        (v,) = ctx.saved_tensors
        return grad / (1.0 + 10.0 * v.abs()) ** 2


class PCMRecurrentSNN(nn.Module):
    """LIF neurons with PCM input and recurrent synapses and a digital readout."""

    def __init__(self, hidden: int, params: pcm.PCMParams, seed: int):
        super().__init__()
        self.inp = PCMLinear(N_IN, hidden, params, bias=False, dac_bits=8, seed=seed)
        self.rec = PCMLinear(hidden, hidden, params, bias=False, dac_bits=8, seed=seed + 10)
        self.out = nn.Linear(hidden, N_CLASSES)
        self.decay, self.threshold = 0.9, 1.0

    def forward(self, spikes: torch.Tensor) -> torch.Tensor:
        steps, batch, _ = spikes.shape
        hidden = self.rec.out_features
        v = torch.zeros(batch, hidden, dtype=spikes.dtype)
        s = torch.zeros_like(v)
        count = torch.zeros_like(v)
        for t in range(steps):
            v = self.decay * v + self.inp(spikes[t]) + self.rec(s) - self.threshold * s.detach()
            s = SpikeFunction.apply(v - self.threshold)
            count = count + s
        return self.out(count / steps)


def accuracy(model: nn.Module, spikes: torch.Tensor, labels: torch.Tensor) -> float:
    with torch.no_grad():
        return float((model(spikes).argmax(dim=1) == labels).float().mean())


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--steps", type=int, default=30, help="time steps per sample")
    parser.add_argument("--iterations", type=int, default=150, help="training batches")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--preset", default="joshi2020", choices=sorted(pcm.PRESETS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a seconds-long run")
    args = parser.parse_args(argv)
    if args.quick:
        args.hidden, args.steps, args.iterations, args.batch = 16, 10, 15, 16
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    model = PCMRecurrentSNN(args.hidden, pcm.preset(args.preset), args.seed)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(args.iterations):
        spikes, labels = make_batch(args.batch, args.steps, gen)
        loss = nn.functional.cross_entropy(model(spikes), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
    test_spikes, test_labels = make_batch(4 * args.batch, args.steps, gen)
    model.eval()
    for layer in (model.inp, model.rec):
        layer.program(0.0)
    result = {"final_training_loss": float(loss.detach())}
    for name, t_s in (("1 s", 1.0), ("1 h", 3600.0), ("1 day", 86400.0), ("1 year", 3.15e7)):
        for layer in (model.inp, model.rec):
            layer.drift_to(t_s)
        result[f"test_accuracy_at_{name}"] = accuracy(model, test_spikes, test_labels)
    # On-device learning: nudge the input weights towards the float ones by pulses (one
    # round, as a chip would after a check of its weights), 1 day and 1 min after programming.
    model.inp.drift_to(86400.0 + 60.0)
    delta = model.inp.weight.detach() - model.inp.device_weights().float()
    pulses = model.inp.apply_weight_change(delta, 86400.0)
    result["pulses_fired"] = int(pulses.sum())
    result["test_accuracy_after_pulses"] = accuracy(model, test_spikes, test_labels)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
