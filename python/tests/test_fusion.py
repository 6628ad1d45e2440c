"""The internal fusion hook `_fuse_eval` (used by benchmarks/compile.py until `compile`
lands): fused results equal MLX's compiled results and rmlx's unfused ones."""

import numpy as np
import pytest


def gelu(ns):
    return lambda x: 0.5 * x * (1.0 + ns.tanh(0.7978845608 * (x + 0.044715 * (x * x * x))))


def swish(ns):
    return lambda x, w, b: x * ns.sigmoid(x) * w + b


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "float64"])
def test_gelu_matches(mx, ref, dtype):
    x = np.random.default_rng(0).standard_normal((37, 129)).astype(np.float32)
    a = mx.array(x).astype(getattr(mx, dtype))
    fused = mx._fuse_eval(gelu(mx), a)
    plain = gelu(mx)(a)
    assert fused.dtype == plain.dtype and fused.shape == plain.shape
    if dtype == "float32":
        # The fused float32 kernel computes tanh with an FMA formulation (within 1 ulp;
        # the unfused kernel's is within 2 ulp), so the two may differ by a few ulp of
        # tanh, which `1 + tanh` near -1 turns into an absolute difference of ~1e-7.
        np.testing.assert_allclose(np.array(fused), np.array(plain), rtol=1e-6, atol=1e-6)
    else:
        assert mx.array_equal(fused, plain).item()
    if dtype != "float64":
        r = ref.compile(gelu(ref))(ref.array(x).astype(getattr(ref, dtype)))
        tol = 1e-5 if dtype == "float32" else 2e-2
        np.testing.assert_allclose(
            np.array(fused.astype(mx.float32)), np.array(r.astype(ref.float32)), rtol=tol, atol=tol
        )


def test_swish_transposed_and_multi_output(mx, ref):
    rng = np.random.default_rng(1)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in [(64, 48), (64,), (64,)])
    xt = mx.array(x).T
    fused = mx._fuse_eval(swish(mx), xt, mx.array(w), mx.array(b))
    r = ref.compile(swish(ref))(ref.array(x).T, ref.array(w), ref.array(b))
    np.testing.assert_allclose(np.array(fused), np.array(r), rtol=1e-5, atol=1e-6)

    def two(x):
        a = mx.exp(x) + 1.0
        return a, mx.where(a > 2.0, a, -a)

    a, c = mx._fuse_eval(two, mx.array(x))
    a0, c0 = two(mx.array(x))
    assert mx.array_equal(a, a0).item() and mx.array_equal(c, c0).item()
