"""Indexing against the real MLX: __getitem__, __setitem__, .at[...], take, take_along_axis,
put_along_axis, on random index expressions and non-contiguous sources. NumPy is the oracle
where MLX crashes or reads stray memory (out-of-range indices): rmlx raises IndexError for
Python ints, clamps out-of-range array indices when reading and drops them when writing.
"""

import random

import numpy as np
import pytest

SHAPES = [(5,), (4, 3), (2, 3, 4), (3, 1, 2, 2), (6, 5)]


# rmlx.core's creation functions live on another branch: build arrays from NumPy.
def zeros(m, shape, dtype=np.float32):
    return m.array(np.zeros(shape, dtype))


def ones(m, shape, dtype=np.float32):
    return m.array(np.ones(shape, dtype))


def arange(m, n, dtype=np.int32, shape=None):
    return m.array(np.arange(n, dtype=dtype).reshape(shape or (n,)))



def same(got, want, np_want=None):
    """Same shape, dtype name and values."""
    assert tuple(got.shape) == tuple(want.shape), (got.shape, want.shape)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    g = np.array(got.tolist() if got.ndim else [got.item()])
    w = np.array(want.tolist() if want.ndim else [want.item()])
    assert g.shape == w.shape and np.array_equal(g, w, equal_nan=g.dtype.kind in "fc"), (g, w)


class Expr:
    """A random index expression, built twice: for rmlx and for MLX."""

    def __init__(self, rng, shape, allow_arrays=True, allow_none=True, for_write=False):
        self.items = []
        nd = len(shape)
        used = rng.randint(0, nd)
        axes = list(range(used))
        for ax in axes:
            n = shape[ax]
            kind = rng.choice(["int", "slice", "slice", "array", "list", "full"] if allow_arrays else ["int", "slice", "full"])
            if kind == "int":
                self.items.append(("int", rng.randint(-n, n - 1)))
            elif kind == "slice":
                step = rng.choice([None, 1, 2, -1, -2, 3])
                start = rng.choice([None, rng.randint(-n - 2, n + 2)])
                stop = rng.choice([None, rng.randint(-n - 2, n + 2)])
                self.items.append(("slice", (start, stop, step)))
            elif kind == "full":
                self.items.append(("slice", (None, None, None)))
            else:
                ish = rng.choice([(2,), (3,), (1,), (2, 1), (1, 2), ()])
                vals = np.array([rng.randint(-n, n - 1) for _ in range(int(np.prod(ish)))]).reshape(ish)
                if for_write:
                    # Distinct positions: MLX's winner among repeated writes is its own.
                    vals = (vals % n)
                self.items.append((kind, vals))
            if allow_none and rng.random() < 0.15:
                self.items.append(("none", None))
        if rng.random() < 0.3:
            # Where it keeps every entry on the axis it was drawn for (indices in range).
            at = rng.randint(0, len(self.items)) if used == nd else len(self.items)
            self.items.insert(at, ("ellipsis", None))

    def build(self, m):
        out = []
        for kind, v in self.items:
            if kind == "int":
                out.append(v)
            elif kind == "slice":
                out.append(slice(*v))
            elif kind == "none":
                out.append(None)
            elif kind == "ellipsis":
                out.append(...)
            elif kind == "list" and v.ndim == 1:
                out.append([int(x) for x in v])
            else:
                out.append(m.array(v.astype(np.int32)))
        return tuple(out) if len(out) != 1 or random.random() < 0.5 else out[0]

    def __repr__(self):
        return repr(self.items)

    def mlx_write_quirk(self):
        """A step-1 slice after the last array index, followed by a stepped slice: MLX 0.32
        lays such writes out inconsistently (its index-dim count is off), so they are not
        compared."""
        kinds = [k for k, _ in self.items]
        arrays = [i for i, k in enumerate(kinds) if k in ("array", "list")]
        if not arrays:
            return False
        after = [v for k, v in self.items[arrays[-1] + 1:] if k == "slice"]
        steps = [(st or 1) for (_, _, st) in after]
        return any(s == 1 for i, s in enumerate(steps) if any(t != 1 for t in steps[i + 1:])) or (
            "ellipsis" in kinds and any(t != 1 for t in steps))


def source(m, shape, dtype, layout):
    """A source array in some layout (contiguous, transposed, strided, reversed)."""
    n = int(np.prod(shape))
    base = np.arange(n, dtype=np.float32).reshape(shape) * 0.5 - 3
    base = (base > 0) if dtype == "bool" else base.astype(dtype)
    if layout == "transposed":
        a = m.array(np.ascontiguousarray(base.T)).T
    elif layout == "strided":
        wide = np.stack([base, base], axis=-1)
        a = m.array(wide)[..., 0]
    elif layout == "reversed":
        a = m.array(np.ascontiguousarray(base[..., ::-1]))[..., ::-1]
    else:
        a = m.array(base)
    return a


@pytest.mark.parametrize("seed", range(8))
def test_getitem_random_expressions(mx, ref, seed):
    rng = random.Random(seed)
    checked = 0
    for _ in range(60):
        shape = rng.choice(SHAPES)
        dtype = rng.choice(["float32", "int32", "float16", "bool", "int64", "uint8"])
        layout = rng.choice(["contiguous", "transposed", "strided", "reversed"])
        e = Expr(rng, shape)
        state = random.getstate()
        random.seed(seed)
        k1 = e.build(mx)
        random.seed(seed)
        k2 = e.build(ref)
        random.setstate(state)
        try:
            want = source(ref, shape, dtype, layout)[k2]
        except ValueError:
            with pytest.raises(ValueError):
                source(mx, shape, dtype, layout)[k1]
            continue
        got = source(mx, shape, dtype, layout)[k1]
        try:
            same(got, want)
        except AssertionError:
            raise AssertionError(f"{shape} {dtype} {layout} {k2!r}")
        checked += 1
    assert checked > 40


@pytest.mark.parametrize("seed", range(6))
def test_setitem_random_expressions(mx, ref, seed):
    rng = random.Random(100 + seed)
    compared = 0
    for _ in range(90):
        shape = rng.choice(SHAPES)
        dtype = rng.choice(["float32", "int32", "float16", "int64"])
        layout = rng.choice(["contiguous", "transposed", "strided", "reversed"])
        e = Expr(rng, shape, for_write=True)
        if e.mlx_write_quirk():
            continue
        random.seed(seed)
        k1 = e.build(mx)
        random.seed(seed)
        k2 = e.build(ref)
        a2 = source(ref, shape, dtype, layout)
        # The written region's shape as MLX sees it: ask MLX with an impossible value.
        try:
            a2[k2] = zeros(ref, (7,) * 7)
        except ValueError as err:
            text = str(err)
        if "Shapes (7,7,7,7,7,7,7)" not in text and "shape (7,7,7,7,7,7,7)" not in text:
            # The index itself is invalid (arrays that do not broadcast).
            with pytest.raises(ValueError):
                source(mx, shape, dtype, layout)[k1] = zeros(mx, (7,) * 7)
            continue
        target = tuple(int(x) for x in text.rsplit("(", 1)[1].split(")")[0].split(",") if x.strip())
        vals = np.arange(int(np.prod(target)), dtype=np.float32).reshape(target) + 100
        if not np.prod(target):
            # MLX dies (SIGFPE) evaluating an empty write; nothing may change.
            a1 = source(mx, shape, dtype, layout)
            a1[k1] = mx.array(vals)
            same(a1, source(ref, shape, dtype, layout))
            continue
        if rng.random() < 0.3 and target:
            vals = vals[..., :1]  # broadcast along the last axis
        a1 = source(mx, shape, dtype, layout)
        a2 = source(ref, shape, dtype, layout)
        try:
            a2[k2] = ref.array(vals)
        except ValueError:
            with pytest.raises(ValueError):
                a1[k1] = mx.array(vals)
            continue
        a1[k1] = mx.array(vals)
        if not _has_index(e) or _has_repeats(a2, k2, ref):
            # MLX's winner among repeated writes is its own; a key without any index makes
            # MLX replace the array by the value, dtype included (rmlx casts, as NumPy).
            continue
        same(a1, a2)
        compared += 1
    assert compared >= 20, compared


def _has_index(e):
    return any(k not in ("none", "ellipsis") for k, _ in e.items)


def _has_repeats(a, key, m):
    """Whether a write at `key` hits some position twice (MLX's winner is unspecified)."""
    probe = zeros(m, a.shape, np.int32)
    try:
        hits = probe.at[key].add(1)
    except Exception:
        return True
    return bool((np.array(hits.tolist()) > 1).any())


@pytest.mark.parametrize("meth", ["add", "subtract", "multiply", "divide", "maximum", "minimum"])
def test_at_random_expressions(mx, ref, meth):
    rng = random.Random(sum(map(ord, meth)))
    compared = 0
    for _ in range(40):
        shape = rng.choice(SHAPES)
        dtype = rng.choice(["float32", "int32"]) if meth != "divide" else "float32"
        e = Expr(rng, shape)
        if e.mlx_write_quirk():
            continue
        random.seed(1)
        k1 = e.build(mx)
        random.seed(1)
        k2 = e.build(ref)
        a2 = source(ref, shape, dtype, "contiguous")
        try:
            a2.at[k2].add(zeros(ref, (7,) * 7))
        except ValueError as err:
            text = str(err)
        if "7,7,7,7,7,7,7)" not in text:
            with pytest.raises(ValueError):
                source(mx, shape, dtype, "contiguous").at[k1].add(zeros(mx, (7,) * 7))
            continue
        target = tuple(int(x) for x in text.rsplit("(", 1)[1].split(")")[0].split(",") if x.strip())
        vals = np.arange(int(np.prod(target)), dtype=np.float32).reshape(target) % 5 + 1.5
        if not np.prod(target):
            continue  # MLX dies (SIGFPE) on empty updates
        want = getattr(a2.at[k2], meth)(ref.array(vals))
        got = getattr(source(mx, shape, dtype, "transposed").at[k1], meth)(mx.array(vals))
        assert tuple(got.shape) == tuple(want.shape)
        assert np.allclose(np.array(got.tolist()), np.array(want.tolist()), rtol=1e-5)
        compared += 1
    assert compared >= 20, compared


def test_repeated_indices(mx, ref):
    for m in (mx, ref):
        a = zeros(m, 3)
        a[m.array([0, 0, 0, 1])] = m.array([1.0, 2.0, 3.0, 4.0])
        assert a.tolist() == [3.0, 4.0, 0.0]
        idx = m.array([0, 0, 1])
        assert zeros(m, 3).at[idx].add(m.array([1.0, 2.0, 3.0])).tolist() == [3.0, 3.0, 0.0]
        assert ones(m, 3).at[idx].multiply(m.array([2.0, 3.0, 4.0])).tolist() == [6.0, 4.0, 1.0]
        assert ones(m, 3).at[idx].subtract(m.array([2.0, 3.0, 4.0])).tolist() == [-4.0, -3.0, 1.0]
        assert ones(m, 3).at[idx].maximum(m.array([2.0, 3.0, -4.0])).tolist() == [3.0, 1.0, 1.0]
        assert ones(m, 3).at[idx].minimum(m.array([2.0, 3.0, -4.0])).tolist() == [1.0, -4.0, 1.0]
        xi = m.array([1, 2, 3])
        assert xi.at[idx].divide(2).tolist() == [0, 0, 3]
        assert xi.at[idx].add(2.5).tolist() == [5, 4, 3]
        b = m.array([0, 0])
        b[m.array([0, 1, 0, 1])] += 1
        assert b.tolist() == [1, 1]


def test_setitem_rebinds_every_reference(mx, ref):
    for m in (mx, ref):
        b = arange(m, 5, np.float32)
        c = b
        d = b[1:3]
        b[1] = 100
        assert c.tolist() == [0.0, 100.0, 2.0, 3.0, 4.0]
        assert d.tolist() == [1.0, 2.0]


def test_setitem_weak_values_and_dtypes(mx, ref):
    for m in (mx, ref):
        a = arange(m, 6, shape=(2, 3))
        a[0] = 5.7
        assert a.dtype == m.int32 and a.tolist() == [[5, 5, 5], [3, 4, 5]]
        a[1, 1:] = m.array([True, False])
        assert a.tolist() == [[5, 5, 5], [3, 1, 0]]
        a[:, :] = m.array(np.int64(2))
        assert a.dtype == m.int32 and a.tolist() == [[2] * 3] * 2
        h = zeros(m, 3, np.float16)
        h[0] = 1 / 3
        assert h.dtype == m.float16
        with pytest.raises(ValueError):
            m.array([1, 2], dtype=m.int8)[0] = 2**40
        with pytest.raises(ValueError):
            x = zeros(m, (2, 3))
            x[0] = ones(m, (2, 3))


def test_mlx_setitem_treats_ints_as_selection(mx, ref):
    # MLX: a[0, :, [1, 2]] reads as (2, 3) but writes a value of shape (3, 2).
    for m in (mx, ref):
        a = arange(m, 24, shape=(2, 3, 4))
        assert a[0, :, [1, 2]].shape == (2, 3)
        a[0, :, [1, 2]] = m.array([[1, 2], [3, 4], [5, 6]])
        assert a[0].tolist() == [[0, 1, 2, 3], [4, 3, 4, 7], [8, 5, 6, 11]]


def test_python_int_out_of_range_raises_index_error(mx):
    a = arange(mx, 5)
    for i in (5, -6, 100):
        with pytest.raises(IndexError):
            a[i]
        with pytest.raises(IndexError):
            a[i] = 1
        with pytest.raises(IndexError):
            a.at[i].add(1)
    b = arange(mx, 6, shape=(2, 3))
    with pytest.raises(IndexError):
        b[0, 3]
    with pytest.raises(IndexError):
        b[[0, 1], 5]
    assert a[-5].item() == 0 and a[4].item() == 4


def test_out_of_range_arrays_clamp_and_drop(mx):
    a = mx.array([10, 20, 30, 40, 50])
    idx = np.array([7, 100, -6, -100, 2])
    want = np.array([10, 20, 30, 40, 50])[np.clip(np.where(idx < 0, idx + 5, idx), 0, 4)]
    assert a[mx.array(idx)].tolist() == want.tolist()
    assert mx.take(a, mx.array(idx)).tolist() == want.tolist()
    assert mx.take(a, mx.array([255], dtype=mx.uint8)).tolist() == [50]
    assert mx.take(a, mx.array([-1], dtype=mx.int8)).tolist() == [50]
    b = mx.array(a)
    b[mx.array([5, -7, 1])] = 0
    assert b.tolist() == [10, 0, 30, 40, 50]
    assert a.at[mx.array([5, -7, 0])].add(1).tolist() == [11, 20, 30, 40, 50]
    m2 = arange(mx, 6, shape=(2, 3))
    assert mx.take_along_axis(m2, mx.array([[9], [-9]]), axis=1).tolist() == [[2], [3]]
    assert mx.put_along_axis(m2, mx.array([[9], [0]]), mx.array(7), axis=1).tolist() == [[0, 1, 2], [7, 4, 5]]


@pytest.mark.parametrize(
    "key",
    ["1.5", "'x'", "True", "[True, False]", "mx.array([True, False])", "mx.array([1.0])", "[]",
     "[1, 2.0]", "(0, 0, 0, 0)", "(..., ...)", "slice(None, None, 0)"],
)
def test_getitem_errors(mx, ref, key):
    a = arange(mx, 24, shape=(2, 3, 4))
    r = arange(ref, 24, shape=(2, 3, 4))
    if key == "slice(None, None, 0)":
        # MLX dies with SIGFPE; Python's rule is a ValueError.
        with pytest.raises(ValueError):
            a[::0]
        return
    with pytest.raises(Exception) as want:
        r[eval(key, {"mx": ref})]
    with pytest.raises(type(want.value)):
        a[eval(key, {"mx": mx})]


def test_zero_dim_and_empty(mx, ref):
    for m in (mx, ref):
        s = m.array(5)
        assert s[None].shape == (1,)
        assert s[...].item() == 5 and s[()].item() == 5
        with pytest.raises(ValueError):
            s[0]
        a = arange(m, 24, shape=(2, 3, 4))
        assert a[0:0].shape == (0, 3, 4)
        assert a[m.array([], dtype=m.int32)].shape == (0, 3, 4)
        assert a[2:].shape == (0, 3, 4)
        a[0:0] = 1
        assert np.array(a.tolist()).sum() == 276


def test_numpy_and_scalar_indices(mx, ref):
    a = arange(mx, 24, shape=(2, 3, 4))
    r = arange(ref, 24, shape=(2, 3, 4))
    same(a[np.int64(1)], r[1])
    same(a[mx.array(1), mx.array(2)], r[ref.array(1), ref.array(2)])
    # MLX rejects NumPy index arrays; rmlx reads them like lists.
    same(a[np.array([1, 0])], r[[1, 0]])
    same(a[np.array([1, 0], dtype=np.uint8), 1:], r[ref.array([1, 0]), 1:])


def test_take_functions(mx, ref):
    rng = np.random.default_rng(0)
    for _ in range(60):
        shape = tuple(rng.integers(1, 5, size=rng.integers(1, 4)))
        base = rng.standard_normal(shape).astype(np.float32)
        a, r = mx.array(base), ref.array(base)
        axis = None if rng.random() < 0.3 else int(rng.integers(-len(shape), len(shape)))
        n = base.size if axis is None else shape[axis]
        idx = rng.integers(-n, n, size=tuple(rng.integers(1, 4, size=rng.integers(0, 3)))).astype(np.int32)
        if axis is not None or idx.ndim == 0 or True:
            if axis is None and len(shape) > 1 and idx.ndim == 0:
                # MLX fails on a scalar take from a flattened N-d array; NumPy is the oracle.
                assert mx.take(a, mx.array(idx)).item() == base.reshape(-1)[idx]
            else:
                same(mx.take(a, mx.array(idx), axis=axis), ref.take(r, ref.array(idx), axis=axis))
        # take_along_axis / put_along_axis with indices of a's rank
        ax = int(rng.integers(-len(shape), len(shape)))
        ishape = list(shape)
        ishape[ax] = int(rng.integers(1, 4))
        ind = rng.integers(-shape[ax], shape[ax], size=ishape).astype(np.int32)
        same(mx.take_along_axis(a, mx.array(ind), axis=ax), ref.take_along_axis(r, ref.array(ind), axis=ax))
        vals = rng.standard_normal(ishape).astype(np.float32)
        if ishape[ax] == 1:
            same(mx.put_along_axis(a, mx.array(ind), mx.array(vals), axis=ax),
                 ref.put_along_axis(r, ref.array(ind), ref.array(vals), axis=ax))
    # defaults: take_along_axis axis=-1, put_along_axis axis=None (flattened)
    a = arange(mx, 12, shape=(3, 4))
    r = arange(ref, 12, shape=(3, 4))
    same(mx.take_along_axis(a, mx.array([[0]])), ref.take_along_axis(r, ref.array([[0]])))
    same(mx.put_along_axis(a, mx.array([0, 0, 1]), mx.array([7, 8, 9])),
         ref.put_along_axis(r, ref.array([0, 0, 1]), ref.array([7, 8, 9])))
    same(mx.take(a, 3), ref.take(arange(ref, 12), 3))
    same(mx.take(a, mx.array([[0, 1], [1, 0]], dtype=mx.uint64), axis=1),
         ref.take(r, ref.array([[0, 1], [1, 0]]).astype(ref.uint64), axis=1))


def test_take_errors(mx, ref):
    a, r = arange(mx, 12, shape=(3, 4)), arange(ref, 12, shape=(3, 4))
    cases = [
        lambda m, x: m.take(x, m.array([1.0])),
        lambda m, x: m.take(x, m.array([True])),
        lambda m, x: m.take(x, m.array([0]), axis=2),
        lambda m, x: m.take(x, 1.0),
        lambda m, x: m.take(zeros(m, (0, 3)), m.array([0]), axis=0),
        lambda m, x: m.take_along_axis(x, m.array([[0]]), axis=3),
        lambda m, x: m.take_along_axis(x, m.array([0, 1])),
        lambda m, x: m.take_along_axis(x, m.array([[0, 1, 2]] * 3), axis=0),
        lambda m, x: m.put_along_axis(x, m.array([0]), m.array(2), axis=1),
        lambda m, x: m.put_along_axis(x, m.array([[0]]), m.array(2), axis=5),
    ]
    for f in cases:
        with pytest.raises(Exception) as want:
            f(ref, r)
        with pytest.raises(type(want.value)):
            f(mx, a)
    # Float indices of the *_along_axis functions: MLX fails only when evaluating
    # (RuntimeError); rmlx validates eagerly with a ValueError.
    with pytest.raises(ValueError):
        mx.take_along_axis(a, mx.array([[0.0]]), axis=1)


def test_at_is_a_class_and_needs_an_index(mx, ref):
    assert type(mx.array([1]).at).__name__ == type(ref.array([1]).at).__name__ == "ArrayAt"
    with pytest.raises(ValueError):
        mx.array([True, False]).at[mx.array([0])].subtract(mx.array([True]))


def test_large_gather_and_scatter(mx, ref):
    base = np.arange(300 * 400, dtype=np.float32).reshape(300, 400)
    idx = np.random.default_rng(1).integers(-300, 300, size=700).astype(np.int32)
    a, r = mx.array(base), ref.array(base)
    same(a[mx.array(idx)], r[ref.array(idx)])
    same(a.T[:, mx.array(idx)], r.T[:, ref.array(idx)])
    uniq = np.unique(idx % 300).astype(np.int32)
    v = np.ones((uniq.size, 400), np.float32)
    a[mx.array(uniq)] = mx.array(v)
    r[ref.array(uniq)] = ref.array(v)
    same(a, r)
