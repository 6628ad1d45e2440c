"""The package imports, builds arrays and prints them as MLX does."""

import subprocess
import sys


def test_issue_example_prints_as_mlx():
    code = "import {m} as mx; print(mx.array([1,2,3]) * 2)"
    ours = subprocess.run([sys.executable, "-c", code.format(m="rmlx.core")], capture_output=True, text=True, check=True)
    theirs = subprocess.run([sys.executable, "-c", code.format(m="mlx.core")], capture_output=True, text=True, check=True)
    assert ours.stdout == theirs.stdout == "array([2, 4, 6], dtype=int32)\n"


def test_inplace_add_rebinds_every_reference(mx):
    a = mx.array([1.0, 2.0])
    b = a
    a += 1
    assert b.tolist() == [2.0, 3.0]


def test_weak_scalar_overflow_is_value_error(mx, ref):
    import pytest

    for m in (mx, ref):
        with pytest.raises(ValueError):
            m.array([1, 2], dtype=m.int8) + 1000
