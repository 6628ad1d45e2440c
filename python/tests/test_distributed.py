"""`mx.distributed` on a single process, compared with MLX run without a launcher: the
singleton group, collectives that return their input, and MLX's errors."""

import subprocess
import sys

import numpy as np
import pytest


def outcome(f):
    try:
        return ("ok", f())
    except Exception as e:  # noqa: BLE001 - the type is what we compare
        return ("err", type(e), str(e))


def same_error(ours, theirs, same_message=True):
    assert ours[0] == theirs[0] == "err", (ours, theirs)
    assert ours[1] is theirs[1], (ours, theirs)
    if same_message:
        assert ours[2] == theirs[2], (ours, theirs)


def test_names_match_mlx(mx, ref):
    public = lambda mod: {n for n in dir(mod) if not n.startswith("_")}  # noqa: E731
    assert public(mx.distributed) == public(ref.distributed)
    assert {n for n in dir(mx.distributed.Group) if not n.startswith("_")} == {"rank", "size", "split"}


def test_submodule_imports():
    code = ("import rmlx.core.distributed as d; from rmlx.core import distributed; "
            "from rmlx.core.distributed import init, Group; import rmlx.core as mx; "
            "assert d is distributed is mx.distributed; print(d.__name__, Group.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["rmlx.core.distributed", "rmlx.core.distributed"]


def test_no_backend_is_available(mx, ref):
    # rmlx has no backend at all; this MLX build has the ring backend compiled in.
    assert mx.distributed.is_available() is False
    for backend in ("any", "mpi", "nccl", "jaccl", "ring", "foo"):
        assert mx.distributed.is_available(backend) is False
    for backend in ("mpi", "nccl", "jaccl", "foo"):
        assert ref.distributed.is_available(backend) is False


def test_init_gives_the_singleton_group(mx, ref):
    for backend in ("any", "mpi", "nccl", "jaccl", "ring"):
        g, h = mx.distributed.init(backend=backend), ref.distributed.init(False, backend)
        assert isinstance(g, mx.distributed.Group)
        assert (g.rank(), g.size()) == (h.rank(), h.size()) == (0, 1)
    g = mx.distributed.init()
    assert type(g.rank()) is int and type(g.size()) is int


def test_init_errors(mx, ref):
    same_error(outcome(lambda: mx.distributed.init(backend="foo")),
               outcome(lambda: ref.distributed.init(backend="foo")))
    same_error(outcome(lambda: mx.distributed.init(strict=True)),
               outcome(lambda: ref.distributed.init(strict=True)))
    for backend in ("mpi", "nccl"):
        same_error(outcome(lambda: mx.distributed.init(True, backend)),
                   outcome(lambda: ref.distributed.init(True, backend)), same_message=False)


def test_group_cannot_be_built_or_split(mx, ref):
    same_error(outcome(lambda: mx.distributed.Group()), outcome(lambda: ref.distributed.Group()),
               same_message=False)
    for args in [(0,), (1, 2), (0, -1)]:
        same_error(outcome(lambda: mx.distributed.init().split(*args)),
                   outcome(lambda: ref.distributed.init().split(*args)))


COLLECTIVES = ["all_sum", "all_max", "all_min", "all_gather", "sum_scatter"]


def inputs(m):
    return [
        m.array(np.arange(6).reshape(2, 3).astype(np.int32)),
        m.array(3.0),
        m.array([True, False]),
        m.array([1.5, -2.0], dtype=m.float16),
        m.array([1 + 2j]),
        3,
        2.5,
        True,
        np.array([1, 2]),
    ]


@pytest.mark.parametrize("name", COLLECTIVES)
def test_collectives_return_their_input(mx, ref, name):
    for x, y in zip(inputs(mx), inputs(ref)):
        ours = getattr(mx.distributed, name)(x)
        theirs = getattr(ref.distributed, name)(y)
        assert isinstance(ours, mx.array) and ours is not x
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert ours.shape == theirs.shape
        assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("name", COLLECTIVES)
def test_collective_keywords(mx, ref, name):
    for m in (mx, ref):
        f = getattr(m.distributed, name)
        g = m.distributed.init()
        assert f(m.array([1, 2]), group=g, stream=m.cpu).tolist() == [1, 2]
        assert f(x=m.array([1, 2]), group=None, stream=None).tolist() == [1, 2]
    for call in (lambda m: getattr(m.distributed, name)(m.array([1]), m.distributed.init()),
                 lambda m: getattr(m.distributed, name)(m.array([1]), group=3)):
        same_error(outcome(lambda: call(mx)), outcome(lambda: call(ref)), same_message=False)


@pytest.mark.parametrize("name", COLLECTIVES)
def test_collectives_reject_lists(mx, ref, name):
    same_error(outcome(lambda: getattr(mx.distributed, name)([1, 2])),
               outcome(lambda: getattr(ref.distributed, name)([1, 2])))


def test_collective_result_is_independent_of_rebinding(mx):
    x = mx.array([1.0, 2.0])
    y = mx.distributed.all_sum(x)
    x += 1
    assert y.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("call", [
    lambda m: m.distributed.send(m.array([1, 2]), 0),
    lambda m: m.distributed.send(m.array([1, 2]), 1),
    lambda m: m.distributed.send(m.array(1), dst=-1, group=m.distributed.init()),
    lambda m: m.distributed.recv((2, 3), m.float32, 0),
    lambda m: m.distributed.recv([2], m.int32, 1, stream=m.cpu),
    lambda m: m.distributed.recv_like(m.array([1, 2]), 0),
    lambda m: m.distributed.recv_like(m.array([1, 2]), src=1),
], ids=["send0", "send1", "send_kw", "recv0", "recv1", "recv_like0", "recv_like1"])
def test_point_to_point_needs_another_process(mx, ref, call):
    same_error(outcome(lambda: call(mx)), outcome(lambda: call(ref)))
