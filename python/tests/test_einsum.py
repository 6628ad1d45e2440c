"""einsum and einsum_path of rmlx.core against the real MLX and NumPy: values (NumPy's
`np.einsum` in float64 as the reference, MLX's dtypes and shapes), the contraction paths and
printed summaries (identical to MLX's), signatures, exception types and messages, and
gradients / vmap of einsum against MLX's. Value sweeps over dtypes and layouts live in the
differential family `einsum`.
"""

import numpy as np
import pytest

rng = np.random.default_rng(11)

CLASSIC = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),  # matmul
    ("ij,jk", [(3, 4), (4, 5)]),  # implicit matmul
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),  # batched matmul
    ("ii->", [(4, 4)]),  # trace
    ("ii", [(4, 4)]),  # implicit trace
    ("ii->i", [(4, 4)]),  # diagonal
    ("iii->i", [(3, 3, 3)]),
    ("ijij->ji", [(2, 3, 2, 3)]),
    ("i,j->ij", [(3,), (4,)]),  # outer
    ("i,i->", [(5,), (5,)]),  # inner
    ("i,i", [(5,), (5,)]),
    ("bi,bij,bj->b", [(2, 3), (2, 3, 4), (2, 4)]),  # bilinear
    ("ij->ji", [(3, 4)]),  # transpose
    ("ji", [(3, 4)]),  # implicit transpose
    ("ij->", [(3, 4)]),  # sum
    ("ij->j", [(3, 4)]),  # column sums
    ("...ij,...jk", [(2, 3, 4), (4, 5)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),  # ellipsis broadcasting
    ("...,...", [(2, 3), (3,)]),
    ("i...->...", [(2, 3, 4)]),
    ("...i->i...", [(2, 3, 4)]),
    ("ij...,jk...->ik...", [(2, 3, 4), (3, 5, 4)]),
    ("ab,bc,cd,de->ae", [(3, 4), (4, 2), (2, 5), (5, 3)]),  # 4-operand chain
    ("ij,jk,kl,lm->im", [(10, 20), (20, 30), (30, 5), (5, 40)]),
    ("ij,kl,jk->il", [(2, 3), (4, 5), (3, 4)]),
    ("a,b,c,d->abcd", [(2,), (3,), (2,), (2,)]),
    ("ij,ij->ij", [(2, 1), (1, 3)]),  # size-1 broadcasting
    ("ij,jk->ik", [(2, 1), (3, 4)]),  # size-1 contracted axis
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),  # attention scores
    ("bhqk,bhkd->bhqd", [(2, 2, 3, 5), (2, 2, 5, 4)]),
    ("ijk,jil->kl", [(2, 3, 4), (3, 2, 5)]),
    ("ijk,ikl,ilm->ijm", [(2, 3, 4), (2, 4, 5), (2, 5, 3)]),
    ("i,->i", [(3,), ()]),
    ("->", [()]),
    (",->", [(), ()]),
    ("Ba,aB", [(2, 3), (3, 2)]),
    ("bA,cB", [(2, 3), (3, 2)]),  # implicit order: upper case first
    ("ij ,jk - > ik", [(2, 3), (3, 4)]),  # spaces anywhere
    ("ii,ij,jk->k", [(3, 3), (3, 4), (4, 2)]),
    ("ij,jk,ki->", [(3, 4), (4, 5), (5, 3)]),
    ("abc,cd,de->abe", [(2, 3, 4), (4, 5), (5, 2)]),
    ("ea,fb,abcd,gc,hd->efgh", [(2, 3), (2, 3), (3, 3, 3, 3), (2, 3), (2, 3)]),
    ("ab,bc,cd,de,ef,fg->ag", [(8, 30), (30, 2), (2, 40), (40, 3), (3, 50), (50, 4)]),
    ("ij,jk->ik", [(0, 3), (3, 4)]),
    ("ij,jk->ik", [(2, 0), (0, 4)]),
]


def host(shapes, dtype=np.float32):
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def check(got, want_np, ref_out, rtol=1e-4, atol=1e-4):
    assert str(got.dtype) .rsplit(".", 1)[-1] == str(ref_out.dtype).rsplit(".", 1)[-1]
    assert tuple(got.shape) == tuple(ref_out.shape) == np.shape(want_np)
    np.testing.assert_allclose(np.array(got.tolist(), dtype=np.float64).reshape(got.shape),
                               want_np, rtol=rtol, atol=atol)


@pytest.mark.parametrize("sub,shapes", CLASSIC, ids=[f"{s}:{i}" for i, (s, _) in enumerate(CLASSIC)])
def test_values_paths_and_text(mx, ref, sub, shapes):
    xs = host(shapes)
    want = np.einsum(sub.replace(" ", ""), *[x.astype(np.float64) for x in xs])
    theirs = ref.einsum(sub, *[ref.array(x) for x in xs])
    ours = mx.einsum(sub, *[mx.array(x) for x in xs])
    check(ours, want, theirs)
    assert mx.einsum_path(sub, *[mx.array(x) for x in xs]) == ref.einsum_path(sub, *[ref.array(x) for x in xs])


@pytest.mark.parametrize("sub,shapes", CLASSIC[:30])
def test_non_contiguous_inputs(mx, ref, sub, shapes):
    # Transposed views of transposed copies (same values, other strides), and reversed rows.
    xs = host(shapes)
    want = np.einsum(sub.replace(" ", ""), *[x.astype(np.float64) for x in xs])
    tr = [mx.array(np.ascontiguousarray(x.T)).T if x.ndim >= 2 else mx.array(x) for x in xs]
    check(mx.einsum(sub, *tr), want, ref.einsum(sub, *[ref.array(x) for x in xs]))
    rev = [mx.array(x[::-1].copy())[::-1] if x.ndim >= 1 else mx.array(x) for x in xs]
    check(mx.einsum(sub, *rev), want, ref.einsum(sub, *[ref.array(x) for x in xs]))


@pytest.mark.parametrize("dtype", ["bool_", "uint8", "int32", "int64", "float16", "bfloat16", "float32", "float64", "complex64"])
@pytest.mark.parametrize("sub,shapes", [("ij,jk->ik", [(2, 3), (3, 2)]), ("ij,ij->ij", [(2, 3), (2, 3)]),
                                        ("ij->j", [(2, 3)]), ("ii->i", [(3, 3)]), ("i,j->ij", [(2,), (3,)]),
                                        ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)])])
def test_dtypes(mx, ref, dtype, sub, shapes):
    xs = [rng.integers(0, 3, size=s).astype(np.float32) for s in shapes]

    def run(lib):
        try:
            out = lib.einsum(sub, *[lib.array(x).astype(getattr(lib, dtype)) for x in xs])
            return "ok", str(out.dtype).rsplit(".", 1)[-1], tuple(out.shape), np.array(out.astype(lib.float32).tolist())
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            return "raised", type(e).__name__, str(e)

    ours, theirs = run(mx), run(ref)
    assert ours[:3] == theirs[:3], (ours, theirs)
    if ours[0] == "ok":
        np.testing.assert_allclose(ours[3], theirs[3], rtol=2e-2, atol=2e-2)


ERRORS = [
    ("ij,jk", []),
    ("ij,jk", [(2, 3)]),
    ("ij,jk", [(2, 3), (3, 4), (1,)]),
    ("i$,jk", [(2, 3), (3, 4)]),
    ("i..,jk", [(2, 3), (3, 4)]),
    ("...i...,jk", [(2, 3), (3, 4)]),
    ("ij,jk->ii", [(2, 3), (3, 4)]),
    ("ijk,jk", [(2, 3), (3, 4)]),
    ("ii", [(2, 3)]),
    ("ij,jk", [(2, 3), (2, 4)]),
    ("i,i", [(2,), (3,)]),
    ("...ij,jk", [(3,), (3, 4)]),
    ("ij,->ij", [(2, 3), (2,)]),
    ("ij->j->", [(2, 3)]),
    ("i", [()]),
]


@pytest.mark.parametrize("fn", ["einsum", "einsum_path"])
@pytest.mark.parametrize("sub,shapes", ERRORS)
def test_errors_match_mlx(mx, ref, fn, sub, shapes):
    xs = host(shapes)
    with pytest.raises(Exception) as theirs:
        getattr(ref, fn)(sub, *[ref.array(x) for x in xs])
    with pytest.raises(theirs.type) as ours:
        getattr(mx, fn)(sub, *[mx.array(x) for x in xs])
    assert str(ours.value) == str(theirs.value)


def test_output_letter_not_in_inputs(mx, ref):
    x = np.ones((2, 3), np.float32)
    # MLX fails inside its final transpose; rmlx names the letter. Same type.
    with pytest.raises(ValueError):
        ref.einsum("ij->k", ref.array(x))
    with pytest.raises(ValueError, match=r"^\[einsum\] Output subscript 'k'"):
        mx.einsum("ij->k", mx.array(x))
    assert mx.einsum_path("ij->k", mx.array(x)) == ref.einsum_path("ij->k", ref.array(x))


def test_signature_and_argument_types(mx, ref):
    a, b = host([(2, 3), (3, 4)])
    np.testing.assert_allclose(np.array(mx.einsum("ij,jk", mx.array(a), mx.array(b), stream=mx.cpu).tolist()),
                               a @ b, rtol=1e-5, atol=1e-5)
    for lib in (mx, ref):
        with pytest.raises(TypeError):
            lib.einsum(3, lib.array(a))
        with pytest.raises(TypeError):
            lib.einsum_path("ij", lib.array(a), stream=lib.cpu)
        with pytest.raises(RuntimeError):  # MLX: a failed cast of a non-array operand
            lib.einsum("ij->ji", [[1.0, 2.0]])
        with pytest.raises(RuntimeError):
            lib.einsum_path("ij,jk", lib.array(a), 3)
    path, text = mx.einsum_path("ij,jk,kl", mx.array(a), mx.array(b), mx.ones((4, 5)))
    assert isinstance(path, list) and all(isinstance(p, tuple) for p in path)
    assert text.startswith("  Complete contraction:  ij,jk,kl\n")


def test_path_matches_greedy_choices(mx, ref):
    # Shapes where the order matters and ties are broken by the candidate order.
    for sub, shapes in [
        ("ab,bc,cd,de->ae", [(50, 60), (60, 2), (2, 70), (70, 3)]),
        ("a,b,c,d->abcd", [(2,), (3,), (4,), (5,)]),
        ("ij,jk,kl,lm->q", [(2, 3), (3, 4), (4, 5), (5, 6)]),
        ("ab,cd,ef,bc,de->af", [(4, 5), (6, 7), (8, 9), (5, 6), (7, 8)]),
        ("abc,bcd,cde,def->af", [(2, 3, 4), (3, 4, 5), (4, 5, 6), (5, 6, 7)]),
        ("ab,ab,ab,ab,ab->", [(3, 3)] * 5),
        ("i,i,i->i", [(4,), (1,), (4,)]),
        ("ab,b,c,ca->", [(3, 4), (4,), (5,), (5, 3)]),
    ]:
        xs = host(shapes)
        assert mx.einsum_path(sub, *[mx.array(x) for x in xs]) == ref.einsum_path(sub, *[ref.array(x) for x in xs]), sub


GRAD_CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(3, 3)]),
    ("bi,bij,bj->b", [(2, 3), (2, 3, 4), (2, 4)]),
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("ab,bc,cd,de->ae", [(3, 4), (4, 2), (2, 5), (5, 3)]),
    ("ij,ij->ij", [(2, 1), (1, 3)]),
    ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)]),
]


@pytest.mark.parametrize("sub,shapes", GRAD_CASES)
def test_grad_matches_mlx(mx, ref, sub, shapes):
    xs = host(shapes)

    def grads(lib):
        def loss(*v):
            return (lib.sin(lib.einsum(sub, *v))).sum()
        g = lib.grad(loss, argnums=tuple(range(len(xs))))(*[lib.array(x) for x in xs])
        return [np.array(t.tolist()) for t in g]

    for o, t in zip(grads(mx), grads(ref)):
        np.testing.assert_allclose(o, t, rtol=1e-4, atol=1e-5)


def test_vmap_matches_mlx(mx, ref):
    a, b = host([(4, 3, 5), (5, 2)])

    def run(lib):
        f = lib.vmap(lambda x, y: lib.einsum("ij,jk->ik", x, y), in_axes=(0, None))
        g = lib.vmap(lambda x: lib.einsum("ii->", x[:3, :3]), in_axes=2)
        return np.array(f(lib.array(a), lib.array(b)).tolist()), np.array(g(lib.array(a)).tolist())

    for o, t in zip(run(mx), run(ref)):
        np.testing.assert_allclose(o, t, rtol=1e-5, atol=1e-5)


def test_chain_builds_no_outer_product(mx):
    # The naive contraction of this chain would be 8*30*2*40*3*50*4 elements; the greedy
    # order multiplies pairs. A naive evaluation would need ~1.1e8 floats; pairwise needs
    # at most the largest operand.
    shapes = [(8, 30), (30, 2), (2, 40), (40, 3), (3, 50), (50, 4)]
    xs = host(shapes)
    mx.reset_peak_memory()
    out = mx.einsum("ab,bc,cd,de,ef,fg->ag", *[mx.array(x) for x in xs])
    mx.eval(out)
    assert mx.get_peak_memory() < 1 << 20
    want = xs[0].astype(np.float64)
    for x in xs[1:]:
        want = want @ x
    np.testing.assert_allclose(np.array(out.tolist()), want, rtol=1e-4, atol=1e-4)
