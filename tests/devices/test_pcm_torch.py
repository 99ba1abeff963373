"""The torch bridge against ``devices.pcm``: one set of equations.

Noise-free paths: the array-API equations (``devices.pcm.elementwise``) on numpy and on
torch against the compiled scalar physics, exactly where no exp or log is involved and to
a few units in the last place where one is (the libraries' exp and log against
``devices.vecmath``'s). Noisy paths: the torch bridge and ``devices.pcm`` on 1e5 devices
agree in mean and spread within 3 standard errors of the difference.
"""

import copy
import math
from dataclasses import replace

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from devices import pcm  # noqa: E402
from devices.pcm import elementwise as ew  # noqa: E402
from devices.pcm import physics  # noqa: E402
from devices.pcm_torch import PCMLinear, pcm_linear  # noqa: E402
from devices.pcm_torch import functional as pcmf  # noqa: E402
from tests.support.tolerances import N_DEVICES_STATISTICS as N  # noqa: E402
from tests.support.tolerances import N_STANDARD_ERRORS as K  # noqa: E402
from tests.support.tolerances import std_error_of_std, std_of_std  # noqa: E402

PRESETS = sorted(pcm.PRESETS)
ULP_RTOL = 8 * np.finfo(np.float64).eps  # a few ulp: exp and log of two libraries


def _scalar(func, *columns):
    return np.array([func(*row) for row in zip(*columns, strict=True)])


def _two_sample_ok(a, b):
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    if a.min() == a.max() and b.min() == b.max():  # two constants (stuck at G_min): equal
        assert a[0] == b[0], (a[0], b[0])
        return
    se_mean = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    se_std = math.hypot(std_error_of_std(a), std_error_of_std(b))
    d_mean, d_std = abs(a.mean() - b.mean()), abs(a.std(ddof=1) - b.std(ddof=1))
    assert d_mean <= K * se_mean, (d_mean, se_mean)
    assert d_std <= K * se_std, (d_std, se_std)


@pytest.mark.parametrize("name", PRESETS)
def test_elementwise_equals_compiled_physics(name):
    a = pcm.kernel_args(pcm.preset(name))
    rng = np.random.default_rng(0)
    n = 2000
    g = rng.uniform(a.g_min_uS, a.g_max_uS, n)
    g_dev = a.g_max_uS * rng.uniform(0.8, 1.2, n)
    z = rng.standard_normal(n)
    t = np.concatenate([[0.0, 1e-3, 10.0], rng.uniform(0, 1e6, n - 3)])
    nu = np.abs(rng.normal(0.05, 0.02, n))
    h = rng.uniform(0, 1, n)
    s = rng.uniform(0.5, 1.5, n)
    # no exp or log: the same bits
    exact = {
        "programmed": (
            ew.programmed_conductance_uS(g, a.g_min_uS, g_dev, a.g_max_uS, a.prog, z),
            _scalar(
                lambda gi, gd, zi: physics.programmed_conductance_uS(
                    gi, a.g_min_uS, gd, a.g_max_uS, a.prog, zi
                ),
                g,
                g_dev,
                z,
            ),
        ),
        "reset": (
            ew.reset_conductance_uS(a.reset_mean_uS, a.reset_std_uS, a.g_min_uS, g_dev, z),
            _scalar(
                lambda gd, zi: physics.reset_conductance_uS(
                    a.reset_mean_uS, a.reset_std_uS, a.g_min_uS, gd, zi
                ),
                g_dev,
                z,
            ),
        ),
    }
    if a.pulse_model == physics.PULSE_MODEL_NANDAKUMAR:
        exact["pulse"] = (
            ew.one_pulse(a.pulse_model, a.pulse, g, a.g_min_uS, g_dev, a.g_max_uS, h, 0.5, s, z)[0],
            _scalar(
                lambda gi, gd, hi, si, zi: physics.one_pulse(
                    a.pulse_model, a.pulse, gi, a.g_min_uS, gd, a.g_max_uS, hi, 0.5, si, zi
                )[0],
                g,
                g_dev,
                h,
                s,
                z,
            ),
        )
    for key, (mine, ref) in exact.items():
        np.testing.assert_array_equal(mine, ref, err_msg=key)
    # exp or log inside: a few ulp
    close = {
        "drift_factor": (
            ew.drift_factor(t, nu, a.drift),
            _scalar(lambda ti, ni: physics.drift_factor(ti, ni, a.drift), t, nu),
        ),
        "drift_exponent": (
            ew.drift_exponent(g / a.g_max_uS, a.drift, z),
            _scalar(lambda gi, zi: physics.drift_exponent(gi / a.g_max_uS, a.drift, zi), g, z),
        ),
        "read_noise_std": (
            ew.read_noise_std_uS(g, ew.flicker_factor(g, a.g_max_uS, a.read), t, a.drift, a.read),
            _scalar(
                lambda gi, ti: physics.read_noise_std_uS(gi, gi, a.g_max_uS, ti, a.drift, a.read),
                g,
                t,
            ),
        ),
        "pulse_any_model": (
            ew.one_pulse(a.pulse_model, a.pulse, g, a.g_min_uS, g_dev, a.g_max_uS, h, 0.5, s, z)[0],
            _scalar(
                lambda gi, gd, hi, si, zi: physics.one_pulse(
                    a.pulse_model, a.pulse, gi, a.g_min_uS, gd, a.g_max_uS, hi, 0.5, si, zi
                )[0],
                g,
                g_dev,
                h,
                s,
                z,
            ),
        ),
    }
    for key, (mine, ref) in close.items():
        np.testing.assert_allclose(mine, ref, rtol=ULP_RTOL, atol=1e-15, err_msg=key)
    # and the drift factor is exactly 1 where the compiled physics returns 1 early
    assert ew.drift_factor(np.zeros(3), np.array([0.0, 0.05, 1.0]), a.drift).tolist() == [1.0] * 3


@pytest.mark.parametrize("name", PRESETS)
def test_torch_and_numpy_run_the_same_equations(name):
    a = pcm.kernel_args(pcm.preset(name))
    rng = np.random.default_rng(1)
    g = rng.uniform(a.g_min_uS, a.g_max_uS, 5000)
    z = rng.standard_normal(5000)
    t = rng.uniform(0, 1e6, 5000)
    g_dev = np.full(5000, a.g_max_uS)
    as_t = torch.from_numpy
    np.testing.assert_array_equal(
        ew.programmed_conductance_uS(
            as_t(g), a.g_min_uS, as_t(g_dev), a.g_max_uS, a.prog, as_t(z)
        ).numpy(),
        ew.programmed_conductance_uS(g, a.g_min_uS, g_dev, a.g_max_uS, a.prog, z),
    )
    nu = ew.drift_exponent(g / a.g_max_uS, a.drift, z)
    np.testing.assert_allclose(
        ew.drift_exponent(as_t(g) / a.g_max_uS, a.drift, as_t(z)).numpy(), nu, rtol=ULP_RTOL
    )
    np.testing.assert_allclose(
        ew.drift_factor(as_t(t), as_t(nu), a.drift).numpy(),
        ew.drift_factor(t, nu, a.drift),
        rtol=ULP_RTOL,
    )


@pytest.mark.parametrize("name", PRESETS)
def test_noise_free_read_equals_devices_pcm(name):
    """Pairs with the state of a ``devices.pcm`` population read the same drifted values."""
    params = pcm.preset(name)
    rng = np.random.default_rng(2)
    state = pcm.init((2, 300), params, rng)
    target = rng.uniform(params.g_min_uS, params.g_max_uS, (2, 300))
    state, _ = pcm.program(state, target, 10.0, params, rng)
    ref, _ = pcm.read(state, 5000.0, params, rng, noise=False)
    pairs = pcmf.init_pairs((300,), params, torch.Generator().manual_seed(0))
    as_t = lambda v: torch.from_numpy(np.asarray(v).reshape(2, 300).copy())  # noqa: E731
    pairs = pairs._replace(
        g_prog_uS=as_t(state.g_prog_uS),
        t_prog_s=as_t(state.t_prog_s),
        nu=as_t(state.nu),
        t_last_write_s=10.0,
    )
    mine = pcmf.read_pairs(pairs, 5000.0, params, noise=False).numpy()
    np.testing.assert_allclose(mine, ref, rtol=ULP_RTOL, atol=0)
    # at the programming time itself no exp is left: the same bits
    np.testing.assert_array_equal(
        pcmf.read_pairs(pairs, 10.0, params, noise=False).numpy(),
        pcm.read(state, 10.0, params, rng, noise=False)[0],
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", PRESETS)
def test_program_and_read_match_devices_pcm_in_distribution(name):
    params = pcm.preset(name)
    g_t = 0.4 * params.g_max_uS
    state = pcm.init(N, params, np.random.default_rng(3))
    rng = np.random.default_rng(4)
    state, _ = pcm.program(state, np.full(N, g_t), 0.0, params, rng)
    g_1h, _ = pcm.read(state, 3600.0, params, rng)
    pairs = pcmf.init_pairs((N,), params, torch.Generator().manual_seed(5))
    # G+ holds the target, G- holds G_min (a positive weight equal to g_t / G_max)
    pairs, scale = pcmf.program_pairs(
        pairs, torch.full((N,), g_t / params.g_max_uS), 0.0, params, torch.Generator(), w_max=1.0
    )
    assert scale == params.g_max_uS
    _two_sample_ok(pairs.g_prog_uS[pcmf.PLUS].numpy(), state.g_prog_uS)
    _two_sample_ok(pairs.nu[pcmf.PLUS].numpy(), state.nu)
    reads = pcmf.read_pairs(pairs, 3600.0, params, torch.Generator().manual_seed(6))
    _two_sample_ok(reads[pcmf.PLUS].numpy(), g_1h)


@pytest.mark.slow
@pytest.mark.parametrize("name", PRESETS)
def test_pulses_match_devices_pcm_in_distribution(name):
    params = pcm.preset(name)
    n_pulses = 5
    state = pcm.init(N, params, np.random.default_rng(7))
    state, _ = pcm.pulse(state, np.full(N, n_pulses), 100.0, params, np.random.default_rng(8))
    pairs = pcmf.init_pairs((N,), params, torch.Generator().manual_seed(9))
    counts = torch.zeros((2, N), dtype=torch.int64)
    counts[pcmf.PLUS] = n_pulses
    pairs = pcmf.pulse_pairs(pairs, counts, 100.0, params, torch.Generator().manual_seed(10))
    _two_sample_ok(pairs.g_prog_uS[pcmf.PLUS].numpy(), state.g_prog_uS)
    _two_sample_ok(pairs.nu[pcmf.PLUS].numpy(), state.nu)
    assert torch.equal(pairs.t_prog_s[pcmf.MINUS], torch.zeros(N, dtype=torch.float64))


FAULTS = pcm.FaultParams(frac_stuck_g_min=0.05, frac_stuck_g_max=0.03, frac_stuck_random=0.02)
FAULT_CODES = {
    pcm.FAULT_STUCK_G_MIN: FAULTS.frac_stuck_g_min,
    pcm.FAULT_STUCK_G_MAX: FAULTS.frac_stuck_g_max,
    pcm.FAULT_STUCK_RANDOM: FAULTS.frac_stuck_random,
}


def _with_faults(name: str, **idealise) -> pcm.PCMParams:
    params = pcm.idealised(pcm.preset(name), **idealise) if idealise else pcm.preset(name)
    return replace(params, faults=FAULTS)


@pytest.mark.slow
@pytest.mark.parametrize("name", PRESETS)
def test_faults_match_devices_pcm_in_distribution(name):
    """The same fractions stuck, at the same values, with the same reads (drift-free, with
    the read noise of the stuck conductance), on 1e5 devices."""
    params = _with_faults(name)
    g_t = 0.4 * params.g_max_uS
    rng = np.random.default_rng(20)
    state = pcm.init(N, params, rng)
    state, _ = pcm.program(state, np.full(N, g_t), 0.0, params, rng)
    g_1h, _ = pcm.read(state, 3600.0, params, rng)
    gen = torch.Generator().manual_seed(21)
    pairs = pcmf.init_pairs((N,), params, gen)
    pairs, _ = pcmf.program_pairs(
        pairs, torch.full((N,), g_t / params.g_max_uS), 0.0, params, gen, w_max=1.0
    )
    reads = pcmf.read_pairs(pairs, 3600.0, params, gen)[pcmf.PLUS].numpy()
    fault = pairs.fault[pcmf.PLUS].numpy()
    for code, frac in FAULT_CODES.items():
        mine, ref = fault == code, state.fault == code
        # the fraction: against the parameter and against devices.pcm (binomial errors)
        assert abs(mine.mean() - frac) <= K * math.sqrt(frac * (1 - frac) / N), code
        pooled = 0.5 * (mine.mean() + ref.mean())
        se = math.sqrt(2 * pooled * (1 - pooled) / N)
        assert abs(mine.mean() - ref.mean()) <= K * se, code
        # the stuck value, its (absent) drift and its reads
        _two_sample_ok(pairs.g_prog_uS[pcmf.PLUS].numpy()[mine], state.g_prog_uS[ref])
        assert not pairs.nu[pcmf.PLUS].numpy()[mine].any()
        _two_sample_ok(reads[mine], g_1h[ref])
    assert (fault == pcm.FAULT_NONE).mean() == pytest.approx(0.9, abs=0.01)
    _two_sample_ok(reads, g_1h)  # the whole population, stuck and healthy


@pytest.mark.parametrize("name", PRESETS)
def test_stuck_devices_ignore_programming_and_updates(name):
    params = _with_faults(name)
    layer = PCMLinear(40, 30, params, seed=4, bias=False)
    layer.eval()
    layer.program(0.0)
    before = layer.state
    stuck = before.fault != pcm.FAULT_NONE
    assert 0 < int(stuck.sum()) < stuck.numel()
    with torch.no_grad():
        layer.weight.mul_(-1.0)
    layer.program(10.0)
    delta = torch.full((30, 40), 0.05)
    delta[::2] = -0.05
    counts = layer.apply_weight_change(delta, 20.0)
    assert bool((counts[stuck] > 0).any())  # stuck devices did receive pulses
    after = layer.state
    for field in ("g_prog_uS", "t_prog_s", "nu", "history"):
        old, new = getattr(before, field), getattr(after, field)
        assert torch.equal(new[stuck], old[stuck]), field
        if field != "history":  # 0 after a program, and still 0 after pulses
            assert not torch.equal(new[~stuck], old[~stuck]), field  # the test can fail
    # the stuck values themselves, read without noise at any time (no drift)
    a = pcm.kernel_args(params)
    g = pcmf.drifted_uS(after, 1e6, params)
    f = after.fault
    assert bool((g[f == pcm.FAULT_STUCK_G_MIN] == a.g_min_uS).all())
    assert torch.equal(
        g[f == pcm.FAULT_STUCK_G_MAX], after.g_max_dev_uS[f == pcm.FAULT_STUCK_G_MAX]
    )
    rand = f == pcm.FAULT_STUCK_RANDOM
    assert bool((g[rand] >= a.g_min_uS).all() and (g[rand] <= after.g_max_dev_uS[rand]).all())
    assert torch.equal(g[stuck], before.g_prog_uS[stuck])


@pytest.mark.parametrize("name", PRESETS)
def test_noise_free_path_with_faults_equals_devices_pcm(name):
    """The devices of a ``devices.pcm`` population with faults, programmed and pulsed
    without programming and pulse noise: the same conductances, stuck devices untouched."""
    params = _with_faults(name, programming_noise=False, pulse_noise=False)
    rng = np.random.default_rng(22)
    shape = (2, 50, 60)
    state = pcm.init(shape, params, rng)
    assert (state.fault != pcm.FAULT_NONE).any()
    as_t = lambda v: torch.from_numpy(np.asarray(v).reshape(shape).copy())  # noqa: E731
    pairs = pcmf.PairState(
        *(as_t(getattr(state, f)) for f in ("g_prog_uS", "t_prog_s", "nu", "history")),
        g_max_dev_uS=as_t(state.g_max_uS),
        step_scale=as_t(state.step_scale),
        fault=as_t(state.fault),
        t_last_write_s=0.0,
    )
    w = torch.from_numpy(rng.uniform(-1, 1, shape[1:]))
    pairs, _ = pcmf.program_pairs(pairs, w, 10.0, params, torch.Generator())
    targets, _ = pcmf.weights_to_targets_uS(w, params.g_min_uS, params.g_max_uS)
    state, _ = pcm.program(state, targets.numpy(), 10.0, params, rng)
    np.testing.assert_array_equal(
        pcmf.read_pairs(pairs, 10.0, params, noise=False).numpy(),
        pcm.read(state, 10.0, params, noise=False)[0],
    )
    stuck = state.fault.reshape(shape) != pcm.FAULT_NONE
    later_mine = pcmf.read_pairs(pairs, 5000.0, params, noise=False).numpy()
    np.testing.assert_array_equal(
        later_mine[stuck], pcm.read(state, 5000.0, params, noise=False)[0][stuck]
    )
    # pulses from the programmed state (drift factor 1 at the programming time)
    n = torch.from_numpy(rng.integers(0, 4, shape))
    pairs = pcmf.pulse_pairs(pairs, n, 10.0, params, torch.Generator())
    state, _ = pcm.pulse(state, n.numpy(), 10.0, params, rng)
    mine, ref = pairs.g_prog_uS.numpy(), state.g_prog_uS.reshape(shape)
    np.testing.assert_allclose(mine, ref, rtol=ULP_RTOL, atol=1e-12)
    np.testing.assert_array_equal(mine[stuck], ref[stuck])


def test_mac_is_the_crossbar_rule():
    """Noise-free, with DAC and ADC, the product is kernels.crossbar's on the same G."""
    from kernels import crossbar

    rng = np.random.default_rng(11)
    g = rng.uniform(-10, 10, (64, 16))
    x = rng.uniform(-1.2, 1.2, (32, 64))
    snap_np = crossbar.Snapshot(g, np.zeros_like(g, np.float32), np.zeros(64), np.zeros(16), 0.0)
    ref, _ = crossbar.mac_dense(x, snap_np, dac_bits=6, adc_bits=8, adc_range=200.0, noise=False)
    snap = pcmf.PairSnapshot(torch.from_numpy(g.T.copy()), torch.zeros(16, 64), 0.0)
    y = pcmf.mac(torch.from_numpy(x), snap, dac_bits=6, adc_bits=8, adc_range=200.0, noise=False)
    lsb = 200.0 / 128
    # the ADC codes agree except where a different summation order crosses a code edge
    assert np.mean(np.abs(y.numpy() - ref) < 1e-9) > 0.999
    assert np.max(np.abs(y.numpy() - ref)) <= lsb + 1e-9


def test_mac_noise_has_the_column_variance():
    rng = np.random.default_rng(12)
    var = rng.uniform(0.1, 1.0, (4, 50)).astype(np.float32)
    x = rng.uniform(-1, 1, (1, 50))
    snap = pcmf.PairSnapshot(torch.zeros(4, 50, dtype=torch.float64), torch.from_numpy(var), 0.0)
    xs = torch.from_numpy(np.repeat(x, 40000, axis=0))
    y = pcmf.mac(xs, snap, torch.Generator().manual_seed(13)).numpy()
    expected = (x**2) @ var.T.astype(np.float64)
    sigma = np.sqrt(expected[0])
    assert np.all(np.abs(y.mean(axis=0)) < K * sigma / math.sqrt(y.shape[0]))
    assert np.all(np.abs(y.std(axis=0, ddof=1) - sigma) < K * std_of_std(sigma, y.shape[0]))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_layer_keeps_the_dtype_and_passes_gradients_straight_through(dtype):
    layer = PCMLinear(12, 5, seed=1, dac_bits=8, adc_bits=10, adc_range=4.0)
    x = torch.rand(7, 12, dtype=dtype) * 2 - 1
    y = layer(x)
    assert y.dtype == dtype and y.shape == (7, 5)
    x.requires_grad_(True)
    layer(x).sum().backward()
    xq = pcmf.dac(x.detach(), 8)
    ones = torch.ones(7, 5, dtype=dtype)
    torch.testing.assert_close(x.grad, ones @ layer.weight.detach().to(dtype))
    torch.testing.assert_close(layer.weight.grad, (ones.T @ xq).to(layer.weight.dtype))
    layer.eval()
    layer.program(0.0)
    assert layer(x.detach()).dtype == dtype


def test_layer_reads_kept_exponents_and_fresh_noise():
    layer = PCMLinear(64, 8, seed=2, bias=False)
    layer.eval()
    layer.program(0.0)
    nu_before = layer.state.nu.clone()
    x = torch.rand(3, 64)
    y1, y2 = layer(x), layer(x)
    assert not torch.equal(y1, y2)  # read noise redrawn at each read
    layer.drift_to(86400.0)
    layer.device_weights()
    assert torch.equal(layer.state.nu, nu_before)  # drift exponents kept from programming
    # one trajectory: every device decays further, by its own kept exponent
    day = pcmf.drifted_uS(layer.state, 86400.0, layer.params)
    two_days = pcmf.drifted_uS(layer.state, 2 * 86400.0, layer.params)
    expected = day * (((2 * 86400.0 + 20.0) / (86400.0 + 20.0)) ** -layer.state.nu)
    torch.testing.assert_close(two_days, expected, rtol=1e-12, atol=0.0)


def test_on_device_update_moves_weights_by_pulses():
    torch.manual_seed(0)
    layer = PCMLinear(32, 4, seed=3, bias=False)
    layer.eval()
    layer.program(0.0)
    layer.drift_to(10.0)
    before = layer.device_weights().clone()
    delta = torch.zeros(4, 32)
    delta[0] = 0.1
    delta[1] = -0.1
    counts = layer.apply_weight_change(delta, 5.0)
    assert bool((counts[pcmf.PLUS, 0] > 0).all()) and bool((counts[pcmf.MINUS, 1] > 0).all())
    assert int(counts[:, 2:].sum()) == 0
    after = layer.device_weights()
    assert float((after[0] - before[0]).mean()) > 0 > float((after[1] - before[1]).mean())


def test_errors_name_the_argument():
    params = pcm.preset("joshi2020")
    pairs = pcmf.init_pairs((3,), params)
    with pytest.raises(ValueError, match="t_s"):
        pcmf.read_pairs(pairs, -1.0, params)
    with pytest.raises(ValueError, match="dac_bits"):
        pcmf.mac(torch.zeros(1, 3), pcmf.snapshot(pairs, 0.0, params), dac_bits=1)
    with pytest.raises(ValueError, match="w_max"):
        pcmf.program_pairs(pairs, torch.zeros(3), 0.0, params)
    with pytest.raises(ValueError, match="adc_range"):
        PCMLinear(3, 2, adc_bits=8)
    with pytest.raises(ValueError, match="x: dtype"):
        pcmf.mac(torch.zeros(1, 3, dtype=torch.int32), pcmf.snapshot(pairs, 0.0, params))
    with pytest.raises(ValueError, match="program"):
        PCMLinear(3, 2).eval()(torch.zeros(1, 3))


def test_functional_product_of_the_layer():
    params = pcm.preset("nandakumar2018")
    w = torch.randn(5, 9, dtype=torch.float64)
    pairs = pcmf.init_pairs((5, 9), params, torch.Generator().manual_seed(0))
    pairs, scale = pcmf.program_pairs(pairs, w, 0.0, params, torch.Generator().manual_seed(1))
    snap = pcmf.snapshot(pairs, 0.0, params)
    x = torch.rand(4, 9, dtype=torch.float64)
    y = pcm_linear(x, w, snap, scale, noise=False)
    torch.testing.assert_close(y, x @ snap.g_eff_uS.T / scale)


def _used_layer(seed: int, dtype) -> tuple:
    """A programmed layer with faults and device-to-device spread, read and updated once,
    its generator advanced: a state with every part set."""
    params = replace(pcm.preset("aihwkit-pcm"), faults=FAULTS)
    layer = PCMLinear(24, 7, params, seed=seed, dac_bits=8, adc_bits=10, adc_range=4.0)
    layer.eval()
    layer.program(100.0)
    x = torch.rand(6, 24, generator=torch.Generator().manual_seed(seed), dtype=dtype)
    layer(x)
    delta = torch.full((7, 24), 0.02)
    delta[::2] = -0.02
    layer.apply_weight_change(delta, 200.0)
    layer.drift_to(5000.0)
    return layer, x, delta


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_state_dict_round_trip_gives_the_same_reads(dtype, tmp_path):
    saved, x, delta = _used_layer(5, dtype)
    path = tmp_path / "layer.pt"
    torch.save(saved.state_dict(), path)
    fresh = PCMLinear(24, 7, saved.params, seed=99, dac_bits=8, adc_bits=10, adc_range=4.0)
    fresh.load_state_dict(torch.load(path))  # weights_only: tensors only
    fresh.eval()
    fresh.drift_to(5000.0)
    assert fresh.seed == 5 and fresh.scale_uS == saved.scale_uS
    for name in pcmf.PairState._fields[:-1]:
        assert torch.equal(getattr(fresh.state, name), getattr(saved.state, name)), name
    assert fresh.state.t_last_write_s == saved.state.t_last_write_s == 200.0
    for _ in range(3):  # the same read noise, read after read
        assert torch.equal(fresh(x), saved(x))
    # and the same future: a further update and the reads after it
    fresh.apply_weight_change(delta, 300.0)
    saved.apply_weight_change(delta, 300.0)
    assert torch.equal(fresh(x), saved(x))
    # a fresh layer with another seed, not loaded, reads otherwise (the test can fail)
    other, _, _ = _used_layer(6, dtype)
    assert not torch.equal(other(x), saved(x))


def test_device_state_keeps_its_dtype_when_the_layer_is_cast():
    layer, x, _ = _used_layer(7, torch.float32)
    g = layer.state.g_prog_uS.clone()
    layer.double()
    assert layer.state.g_prog_uS.dtype == torch.float64 and torch.equal(layer.state.g_prog_uS, g)
    assert layer.state.fault.dtype == torch.int8 and layer.weight.dtype == torch.float64
    layer.float()
    assert torch.equal(layer.state.g_prog_uS, g)
    assert layer(x).dtype == torch.float32


def test_state_dict_of_an_unprogrammed_layer():
    blank = PCMLinear(4, 3, seed=8)
    keys = set(blank.state_dict())
    assert keys == {"weight", "bias", "rng_seed", "rng_state"}
    programmed = PCMLinear(4, 3, seed=9)
    programmed.program(0.0)
    programmed.load_state_dict(blank.state_dict())  # the devices go with the state
    assert programmed.state is None and programmed.seed == 8
    with pytest.raises(ValueError, match="program"):
        programmed.eval()(torch.zeros(1, 4))


def test_a_state_of_weights_only_leaves_the_devices_and_the_generator_alone():
    """``load_state_dict(..., strict=False)`` with the weights alone (no device and no
    generator keys) changes the weights and nothing of the programmed devices."""
    layer, x, _ = _used_layer(11, torch.float64)
    twin = copy.deepcopy(layer)
    weights = {k: v for k, v in layer.state_dict().items() if k in ("weight", "bias")}
    layer.load_state_dict(weights, strict=False)
    assert layer.state is not None
    for name in pcmf.PairState._fields[:-1]:
        assert torch.equal(getattr(layer.state, name), getattr(twin.state, name)), name
    for _ in range(2):  # and the generator goes on where it was, not rewound
        assert torch.equal(layer(x), twin(x))


def test_state_of_another_shape_is_refused_clearly():
    saved, _, _ = _used_layer(10, torch.float32)
    state = saved.state_dict()
    with pytest.raises(RuntimeError, match=r"weight: shape \(7, 24\).*another shape"):
        PCMLinear(24, 5).load_state_dict(state)
    # devices of another shape under weights of the right one
    state["g_prog_uS"] = state["g_prog_uS"][:, :, :3]
    with pytest.raises(RuntimeError, match=r"g_prog_uS: shape \(2, 7, 3\)"):
        PCMLinear(24, 7).load_state_dict(state)
    del state["nu"]
    with pytest.raises(RuntimeError, match=r"\['nu'\] missing"):
        PCMLinear(24, 7).load_state_dict(state)


@pytest.mark.parametrize("name", PRESETS)
def test_fault_free_devices_draw_nothing_for_faults(name):
    """Without faults, the delivery draws four normal deviates per device (spread of G_max,
    of the step, RESET value, drift exponent) and nothing else: seeded layers keep the
    devices they had before faults were modelled, and their generator its position."""
    params = pcm.preset(name)
    assert params.faults == pcm.FaultParams()  # the presets are fault-free
    shape = (3, 4)
    generator = torch.Generator().manual_seed(7)
    pcmf.init_pairs(shape, params, generator)
    reference = torch.Generator().manual_seed(7)
    for _ in range(4):
        torch.randn((2, *shape), generator=reference, dtype=torch.float64)
    assert torch.equal(generator.get_state(), reference.get_state())
