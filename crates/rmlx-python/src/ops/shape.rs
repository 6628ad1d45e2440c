//! Shape functions: reshape, flatten, unflatten, squeeze, expand_dims, transpose
//! (permute_dims), swapaxes, moveaxis, broadcasting, concatenate (concat), stack, split,
//! contiguous and atleast_1d/2d/3d, with MLX's signatures.
//!
//! The `*_impl` helpers are shared with the `array` methods of the same names.

use super::args::{
    array_sequence, int_arg, int_or_sequence, int_sequence, scalar_or_array_value, strict_array,
    variadic_arrays,
};
use crate::array::PyArray;
use crate::device::on_stream;
use crate::errors::{value_error, IntoPy};
use pyo3::exceptions::{PyIndexError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use rmlx::shape::fmt_shape;
use rmlx::{ops, Array};

/// A list of arrays as Python objects (MLX returns lists from split, broadcast_arrays and
/// the several-argument atleast_nd).
fn py_list(py: Python<'_>, arrays: Vec<Array>) -> PyResult<Py<PyAny>> {
    let items = arrays
        .into_iter()
        .map(|a| Py::new(py, PyArray::new_py(a)))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(py, items)?.into_any().unbind())
}

/// `squeeze`: every size-1 axis (`None`), or the given ones.
pub(crate) fn squeeze_impl(
    a: &Array,
    axis: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let axes = match axis {
        Some(o) if !o.is_none() => Some(int_or_sequence(o, "squeeze", "axis")?),
        _ => None,
    };
    on_stream(stream, || match &axes {
        Some(ax) => ops::squeeze_axes(a, ax),
        None => ops::squeeze(a),
    })
    .map(PyArray::new_py)
}

/// `transpose` with `axes` (`None`: reversed).
pub(crate) fn transpose_impl(
    a: &Array,
    axes: Option<Vec<i32>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    on_stream(stream, || match &axes {
        Some(ax) => ops::transpose_axes(a, ax),
        None => ops::transpose(a),
    })
    .map(PyArray::new_py)
}

/// `split` into `indices_or_sections` (an int: equal pieces; a sequence: split points).
pub(crate) fn split_impl(
    py: Python<'_>,
    a: &Array,
    indices_or_sections: &Bound<'_, PyAny>,
    axis: i32,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let pieces = if indices_or_sections.is_instance_of::<pyo3::types::PyInt>() {
        let n = int_arg(indices_or_sections, "split", "indices_or_sections")?;
        on_stream(stream, || ops::split(a, n, axis))?
    } else {
        let idx = int_sequence(indices_or_sections, "split", "indices_or_sections")?;
        on_stream(stream, || ops::split_at(a, &idx, axis))?
    };
    py_list(py, pieces)
}

#[pyfunction]
#[pyo3(signature = (a, /, shape, *, stream = None))]
fn reshape(
    a: &Bound<'_, PyAny>,
    shape: &Bound<'_, PyAny>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "reshape", "a")?;
    let shape = int_sequence(shape, "reshape", "shape")?;
    on_stream(stream, || ops::reshape(&a, &shape)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, start_axis = 0, end_axis = -1, *, stream = None))]
fn flatten(
    a: &Bound<'_, PyAny>,
    start_axis: i32,
    end_axis: i32,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "flatten", "a")?;
    on_stream(stream, || ops::flatten(&a, start_axis, end_axis)).map(PyArray::new_py)
}

/// Splits `axis` into `shape` (one entry may be -1), composed as a reshape.
#[pyfunction]
#[pyo3(signature = (a, /, axis, shape, *, stream = None))]
fn unflatten(
    a: &Bound<'_, PyAny>,
    axis: i32,
    shape: &Bound<'_, PyAny>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "unflatten", "a")?;
    let mut parts = int_sequence(shape, "unflatten", "shape")?;
    let nd = a.ndim() as i32;
    if axis < -nd || axis >= nd {
        return Err(PyIndexError::new_err(format!(
            "[unflatten] Invalid axes {axis} for array with {nd} dimensions."
        )));
    }
    let ax = (if axis < 0 { axis + nd } else { axis }) as usize;
    if parts.is_empty() {
        return Err(value_error(
            "[unflatten] Shape to unflatten to cannot be empty.",
        ));
    }
    let size = a.shape()[ax];
    let inferred: Vec<usize> = (0..parts.len()).filter(|&i| parts[i] == -1).collect();
    if inferred.len() > 1 {
        return Err(value_error("[Unflatten] Can only infer one dimension."));
    }
    let known: i64 = parts
        .iter()
        .filter(|&&d| d != -1)
        .map(|&d| d as i64)
        .product();
    let mismatch = || {
        value_error(format!(
            "[Unflatten] Cannot unflatten axis {axis} with size {size} into shape {}.",
            fmt_shape(&parts)
        ))
    };
    match inferred.first() {
        Some(&i) => {
            if known <= 0 || size as i64 % known != 0 {
                return Err(mismatch());
            }
            parts[i] = (size as i64 / known) as i32;
        }
        None if known != size as i64 => return Err(mismatch()),
        None => {}
    }
    let mut full = a.shape()[..ax].to_vec();
    full.extend_from_slice(&parts);
    full.extend_from_slice(&a.shape()[ax + 1..]);
    on_stream(stream, || ops::reshape(&a, &full)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, axis = None, *, stream = None))]
fn squeeze(
    a: &Bound<'_, PyAny>,
    axis: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "squeeze", "a")?;
    squeeze_impl(&a, axis, stream)
}

#[pyfunction]
#[pyo3(signature = (a, /, axis, *, stream = None))]
fn expand_dims(
    a: &Bound<'_, PyAny>,
    axis: &Bound<'_, PyAny>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "expand_dims", "a")?;
    let axes = int_or_sequence(axis, "expand_dims", "axis")?;
    on_stream(stream, || ops::expand_dims(&a, &axes)).map(PyArray::new_py)
}

fn opt_axes_list(axes: Option<&Bound<'_, PyAny>>, func: &str) -> PyResult<Option<Vec<i32>>> {
    match axes {
        Some(o) if !o.is_none() => int_sequence(o, func, "axes").map(Some),
        _ => Ok(None),
    }
}

#[pyfunction]
#[pyo3(signature = (a, /, axes = None, *, stream = None))]
fn transpose(
    a: &Bound<'_, PyAny>,
    axes: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "transpose", "a")?;
    transpose_impl(&a, opt_axes_list(axes, "transpose")?, stream)
}

#[pyfunction]
#[pyo3(signature = (a, /, axes = None, *, stream = None))]
fn permute_dims(
    a: &Bound<'_, PyAny>,
    axes: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "permute_dims", "a")?;
    transpose_impl(&a, opt_axes_list(axes, "permute_dims")?, stream)
}

#[pyfunction]
#[pyo3(signature = (a, /, axis1, axis2, *, stream = None))]
fn swapaxes(
    a: &Bound<'_, PyAny>,
    axis1: i32,
    axis2: i32,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "swapaxes", "a")?;
    on_stream(stream, || ops::swapaxes(&a, axis1, axis2)).map(PyArray::new_py)
}

/// The last two axes swapped.
#[pyfunction]
#[pyo3(signature = (a, /, *, stream = None))]
fn matrix_transpose(a: &Bound<'_, PyAny>, stream: Option<&Bound<'_, PyAny>>) -> PyResult<PyArray> {
    let a = strict_array(a, "matrix_transpose", "a")?;
    matrix_transpose_impl(&a, stream)
}

/// `swapaxes(a, -1, -2)` for arrays of at least 2 dimensions (also `array.mT`).
pub(crate) fn matrix_transpose_impl(
    a: &Array,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    if a.ndim() < 2 {
        return Err(value_error(
            "[matrix_transpose] Input array must have at least 2 dimensions.",
        ));
    }
    on_stream(stream, || ops::swapaxes(a, -1, -2)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, source, destination, *, stream = None))]
fn moveaxis(
    a: &Bound<'_, PyAny>,
    source: i32,
    destination: i32,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "moveaxis", "a")?;
    on_stream(stream, || ops::moveaxis(&a, source, destination)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, shape, *, stream = None))]
fn broadcast_to(
    a: &Bound<'_, PyAny>,
    shape: &Bound<'_, PyAny>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = scalar_or_array_value(a, "broadcast_to")?;
    let shape = int_sequence(shape, "broadcast_to", "shape")?;
    on_stream(stream, || ops::broadcast_to(&a, &shape)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (*arrays, stream = None))]
fn broadcast_arrays(
    py: Python<'_>,
    arrays: &Bound<'_, PyTuple>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let arrays = variadic_arrays(arrays, "broadcast_arrays")?;
    let out = on_stream(stream, || ops::broadcast_arrays(&arrays))?;
    py_list(py, out)
}

/// The common shape of `shapes` (sequences of ints), as a tuple.
#[pyfunction]
#[pyo3(signature = (*shapes))]
fn broadcast_shapes<'py>(
    py: Python<'py>,
    shapes: &Bound<'py, PyTuple>,
) -> PyResult<Bound<'py, PyTuple>> {
    if shapes.is_empty() {
        return Err(value_error(
            "[broadcast_shapes] Must provide at least one shape.",
        ));
    }
    let mut out: Option<Vec<i32>> = None;
    for (i, s) in shapes.iter().enumerate() {
        // MLX: a first shape that is not a tuple or list, or a float inside any shape, fails
        // its cast (RuntimeError); a later shape that is not a tuple or list of ints is a
        // ValueError.
        let not_shape = || {
            value_error("[broadcast_shapes] Expects a sequence of shapes (tuple or list of ints).")
        };
        let sequence = s.is_instance_of::<PyTuple>() || s.is_instance_of::<PyList>();
        if !sequence && i > 0 {
            return Err(not_shape());
        }
        let shape = int_sequence(&s, "broadcast_shapes", "shapes").map_err(|_| {
            let has_float = s
                .try_iter()
                .map(|it| {
                    it.flatten()
                        .any(|v| v.is_instance_of::<pyo3::types::PyFloat>())
                })
                .unwrap_or(false);
            if sequence && !has_float {
                return not_shape();
            }
            PyRuntimeError::new_err(format!(
                "[broadcast_shapes] Expected sequences of ints, got {}.",
                super::args::type_name(&s)
            ))
        })?;
        out = Some(match out {
            None => shape,
            Some(prev) => rmlx::shape::broadcast_shapes(&prev, &shape).py()?,
        });
    }
    PyTuple::new(py, out.unwrap_or_default())
}

/// `axis=None` joins the flattened arrays.
fn concat_impl(
    arrays: &Bound<'_, PyAny>,
    axis: Option<i32>,
    stream: Option<&Bound<'_, PyAny>>,
    func: &str,
) -> PyResult<PyArray> {
    let arrays = array_sequence(arrays, func)?;
    on_stream(stream, || match axis {
        Some(ax) => ops::concatenate(&arrays, ax),
        None => {
            let flat = arrays
                .iter()
                .map(|a| ops::reshape(a, &[-1]))
                .collect::<rmlx::Result<Vec<_>>>()?;
            ops::concatenate(&flat, 0)
        }
    })
    .map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (arrays, /, axis = Some(0), *, stream = None))]
fn concatenate(
    arrays: &Bound<'_, PyAny>,
    axis: Option<i32>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    concat_impl(arrays, axis, stream, "concatenate")
}

#[pyfunction]
#[pyo3(signature = (arrays, /, axis = Some(0), *, stream = None))]
fn concat(
    arrays: &Bound<'_, PyAny>,
    axis: Option<i32>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    concat_impl(arrays, axis, stream, "concat")
}

/// `axis=None` stacks along a new first axis, as MLX does.
#[pyfunction]
#[pyo3(signature = (arrays, /, axis = Some(0), *, stream = None))]
fn stack(
    arrays: &Bound<'_, PyAny>,
    axis: Option<i32>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let arrays = array_sequence(arrays, "stack")?;
    on_stream(stream, || ops::stack(&arrays, axis.unwrap_or(0))).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, indices_or_sections, axis = 0, *, stream = None))]
fn split(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    indices_or_sections: &Bound<'_, PyAny>,
    axis: i32,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let a = strict_array(a, "split", "a")?;
    split_impl(py, &a, indices_or_sections, axis, stream)
}

#[pyfunction]
#[pyo3(signature = (a, /, allow_col_major = false, *, stream = None))]
fn contiguous(
    a: &Bound<'_, PyAny>,
    allow_col_major: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "contiguous", "a")?;
    on_stream(stream, || ops::contiguous(&a, allow_col_major)).map(PyArray::new_py)
}

/// `a` with at least `n` dimensions: NumPy's placement (1-d `(k)` becomes `(1, k)` and
/// `(1, k, 1)`, 2-d `(m, k)` becomes `(m, k, 1)`).
fn at_least(a: &Array, n: usize) -> rmlx::Result<Array> {
    let sh = a.shape();
    let shape: Vec<i32> = match (n, sh.len()) {
        (_, d) if d >= n => return Ok(a.clone()),
        (1, _) => vec![1],
        (2, 0) => vec![1, 1],
        (2, _) => vec![1, sh[0]],
        (_, 0) => vec![1, 1, 1],
        (_, 1) => vec![1, sh[0], 1],
        _ => vec![sh[0], sh[1], 1],
    };
    ops::reshape(a, &shape)
}

fn atleast(
    py: Python<'_>,
    arys: &Bound<'_, PyTuple>,
    n: usize,
    stream: Option<&Bound<'_, PyAny>>,
    func: &str,
) -> PyResult<Py<PyAny>> {
    let arrays = variadic_arrays(arys, func)?;
    let mut out = on_stream(stream, || {
        arrays
            .iter()
            .map(|a| at_least(a, n))
            .collect::<rmlx::Result<Vec<_>>>()
    })?;
    // One argument gives an array, any other count a list (as in MLX).
    if out.len() == 1 {
        if let Some(a) = out.pop() {
            return Ok(Py::new(py, PyArray::new_py(a))?.into_any());
        }
    }
    py_list(py, out)
}

#[pyfunction]
#[pyo3(signature = (*arys, stream = None))]
fn atleast_1d(
    py: Python<'_>,
    arys: &Bound<'_, PyTuple>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    atleast(py, arys, 1, stream, "atleast_1d")
}

#[pyfunction]
#[pyo3(signature = (*arys, stream = None))]
fn atleast_2d(
    py: Python<'_>,
    arys: &Bound<'_, PyTuple>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    atleast(py, arys, 2, stream, "atleast_2d")
}

#[pyfunction]
#[pyo3(signature = (*arys, stream = None))]
fn atleast_3d(
    py: Python<'_>,
    arys: &Bound<'_, PyTuple>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    atleast(py, arys, 3, stream, "atleast_3d")
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(reshape, m)?)?;
    m.add_function(wrap_pyfunction!(flatten, m)?)?;
    m.add_function(wrap_pyfunction!(unflatten, m)?)?;
    m.add_function(wrap_pyfunction!(squeeze, m)?)?;
    m.add_function(wrap_pyfunction!(expand_dims, m)?)?;
    m.add_function(wrap_pyfunction!(transpose, m)?)?;
    m.add_function(wrap_pyfunction!(permute_dims, m)?)?;
    m.add_function(wrap_pyfunction!(swapaxes, m)?)?;
    m.add_function(wrap_pyfunction!(moveaxis, m)?)?;
    m.add_function(wrap_pyfunction!(matrix_transpose, m)?)?;
    m.add_function(wrap_pyfunction!(broadcast_to, m)?)?;
    m.add_function(wrap_pyfunction!(broadcast_arrays, m)?)?;
    m.add_function(wrap_pyfunction!(broadcast_shapes, m)?)?;
    m.add_function(wrap_pyfunction!(concatenate, m)?)?;
    m.add_function(wrap_pyfunction!(concat, m)?)?;
    m.add_function(wrap_pyfunction!(stack, m)?)?;
    m.add_function(wrap_pyfunction!(split, m)?)?;
    m.add_function(wrap_pyfunction!(contiguous, m)?)?;
    m.add_function(wrap_pyfunction!(atleast_1d, m)?)?;
    m.add_function(wrap_pyfunction!(atleast_2d, m)?)?;
    m.add_function(wrap_pyfunction!(atleast_3d, m)?)?;
    Ok(())
}
