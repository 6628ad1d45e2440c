//! Shape ops with MLX's signatures: unstack, repeat, tile, pad, flip, roll, diff,
//! as_strided, view (also `array.view`), and `slice` / `slice_update` with array starts.
//!
//! Argument kinds follow MLX's binding: arrays are strict (`a: array`), `view` also takes
//! scalars, `constant_values` is `scalar | array`; ints and int sequences are TypeErrors
//! when of the wrong kind (see `args.rs`).

use super::args::{
    bad_arg, dtype_only, int_arg, int_or_sequence, int_sequence, scalar_or_array,
    scalar_or_array_value, strict_array,
};
use crate::array::PyArray;
use crate::convert::Operand;
use crate::device::on_stream;
use crate::errors::{value_error, IntoPy};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyInt, PyString, PyTuple};
use rmlx::ops::PadMode;
use rmlx::{ops, Array, Dtype, Scalar};

/// An `int | Sequence[int]` argument where the int may also be a NumPy integer (anything
/// with `__index__` that is not iterable), as MLX's binding accepts.
fn index_or_sequence(obj: &Bound<'_, PyAny>, func: &str, arg: &str) -> PyResult<Vec<i32>> {
    let scalar_like = !obj.is_instance_of::<PyInt>()
        && !obj.is_instance_of::<pyo3::types::PyFloat>()
        && obj.try_iter().is_err()
        && obj.hasattr("__index__")?;
    if scalar_like {
        return Ok(vec![int_arg(obj, func, arg)?]);
    }
    int_or_sequence(obj, func, arg)
}

/// Whether `obj` stands for one int (Python or NumPy) rather than a sequence.
fn is_single_int(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_instance_of::<PyInt>()
        || (!obj.is_instance_of::<pyo3::types::PyFloat>()
            && obj.try_iter().is_err()
            && obj.hasattr("__index__").unwrap_or(false))
}

/// An optional `None | int | Sequence[int]` argument.
fn opt_int_or_sequence(
    obj: Option<&Bound<'_, PyAny>>,
    func: &str,
    arg: &str,
) -> PyResult<Option<Vec<i32>>> {
    match obj {
        Some(o) if !o.is_none() => index_or_sequence(o, func, arg).map(Some),
        _ => Ok(None),
    }
}

#[pyfunction]
#[pyo3(signature = (x, /, *, axis = None, stream = None))]
fn unstack<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    axis: Option<&Bound<'py, PyAny>>,
    stream: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let a = strict_array(x, "unstack", "x")?;
    let axis = match axis {
        Some(o) => int_arg(o, "unstack", "axis")?,
        None => 0,
    };
    let parts = on_stream(stream, || ops::unstack(&a, axis))?;
    let items = parts
        .into_iter()
        .map(|p| Py::new(py, PyArray::new_py(p)))
        .collect::<PyResult<Vec<_>>>()?;
    PyTuple::new(py, items)
}

#[pyfunction]
#[pyo3(signature = (array, /, repeats, axis = None, *, stream = None))]
fn repeat(
    array: &Bound<'_, PyAny>,
    repeats: &Bound<'_, PyAny>,
    axis: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(array, "repeat", "array")?;
    let repeats = int_arg(repeats, "repeat", "repeats")?;
    let axis = match axis {
        Some(o) if !o.is_none() => Some(int_arg(o, "repeat", "axis")?),
        _ => None,
    };
    on_stream(stream, || ops::repeat(&a, repeats, axis)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, reps, /, *, stream = None))]
fn tile(
    a: &Bound<'_, PyAny>,
    reps: &Bound<'_, PyAny>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "tile", "a")?;
    let reps = index_or_sequence(reps, "tile", "reps")?;
    on_stream(stream, || ops::tile(&a, &reps)).map(PyArray::new_py)
}

/// `pad_width` as MLX's binding reads it: an int, a sequence of one or two ints (before,
/// after), or a sequence of (before, after) pairs. Anything else is a TypeError.
fn pad_widths(obj: &Bound<'_, PyAny>) -> PyResult<Vec<(i32, i32)>> {
    let bad = || {
        bad_arg(
            "pad",
            "pad_width",
            "an int, a (before, after) pair or a list of pairs",
            obj,
        )
    };
    // An int: a Python int or anything with `__index__` (NumPy integers), not a float.
    let as_int = |o: &Bound<'_, PyAny>| -> Option<i32> {
        if o.is_instance_of::<pyo3::types::PyFloat>() {
            return None;
        }
        o.extract::<i32>().ok()
    };
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Err(bad());
    }
    let Ok(iter) = obj.try_iter() else {
        let w = as_int(obj).ok_or_else(bad)?;
        return Ok(vec![(w, w)]);
    };
    let items: Vec<Bound<'_, PyAny>> = iter.collect::<PyResult<_>>()?;
    // A flat sequence of ints: one (before, after) for every axis.
    let ints: Option<Vec<i32>> = items.iter().map(as_int).collect();
    if let (Some(v), false) = (ints, items.is_empty()) {
        return match v[..] {
            [w] => Ok(vec![(w, w)]),
            [lo, hi] => Ok(vec![(lo, hi)]),
            _ => Err(bad()),
        };
    }
    items
        .iter()
        .map(
            |item| match int_sequence(item, "pad", "pad_width").ok().as_deref() {
                Some(&[lo, hi]) => Ok((lo, hi)),
                _ => Err(bad()),
            },
        )
        .collect()
}

/// The range of an integer dtype, for MLX's overflow check on Python int fills.
fn int_range(d: Dtype) -> Option<(i128, i128)> {
    Some(match d {
        Dtype::Uint8 => (0, u8::MAX as i128),
        Dtype::Uint16 => (0, u16::MAX as i128),
        Dtype::Uint32 => (0, u32::MAX as i128),
        Dtype::Uint64 => (0, u64::MAX as i128),
        Dtype::Int8 => (i8::MIN as i128, i8::MAX as i128),
        Dtype::Int16 => (i16::MIN as i128, i16::MAX as i128),
        Dtype::Int32 => (i32::MIN as i128, i32::MAX as i128),
        Dtype::Int64 => (i64::MIN as i128, i64::MAX as i128),
        _ => return None,
    })
}

/// `constant_values` as an array of `dtype`: a Python scalar converts straight to `dtype`
/// (an int out of an integer dtype's range is MLX's ValueError), an array as it is (the
/// engine casts it).
fn pad_constant(obj: &Bound<'_, PyAny>, dtype: Dtype) -> PyResult<Array> {
    Ok(match scalar_or_array(obj, "pad")? {
        Operand::Array(v) => v,
        Operand::Scalar(s) => {
            let int = match s {
                Scalar::Int(v) => Some(v as i128),
                Scalar::Uint(v) => Some(v as i128),
                _ => None,
            };
            if let (Some(v), Some((lo, hi))) = (int, int_range(dtype)) {
                if v < lo || v > hi {
                    return Err(value_error(format!(
                        "Converting {v} to {dtype} would result in overflow."
                    )));
                }
            }
            Array::from_scalar(s, dtype)
        }
    })
}

#[pyfunction]
#[pyo3(signature = (a, /, pad_width, mode = "constant", constant_values = None, *, stream = None))]
fn pad(
    a: &Bound<'_, PyAny>,
    pad_width: &Bound<'_, PyAny>,
    mode: &str,
    constant_values: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "pad", "a")?;
    let widths = pad_widths(pad_width)?;
    let mode: PadMode = mode.parse().py()?;
    let constant = match constant_values {
        None => Array::from_scalar(Scalar::Int(0), a.dtype()),
        Some(v) => pad_constant(v, a.dtype())?,
    };
    on_stream(stream, || ops::pad(&a, &widths, &constant, mode)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, axis = None, *, stream = None))]
fn flip(
    a: &Bound<'_, PyAny>,
    axis: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "flip", "a")?;
    let axes = opt_int_or_sequence(axis, "flip", "axis")?;
    on_stream(stream, || ops::flip(&a, axes.as_deref())).map(PyArray::new_py)
}

/// `shift` an int or a sequence; with an int and several axes, every axis gets the int.
#[pyfunction]
#[pyo3(signature = (a, /, shift, axis = None, *, stream = None))]
fn roll(
    a: &Bound<'_, PyAny>,
    shift: &Bound<'_, PyAny>,
    axis: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "roll", "a")?;
    let single = is_single_int(shift);
    let mut shifts = index_or_sequence(shift, "roll", "shift")?;
    let axes = opt_int_or_sequence(axis, "roll", "axis")?;
    if let (true, Some(ax)) = (single, &axes) {
        shifts = vec![shifts[0]; ax.len()];
    }
    on_stream(stream, || ops::roll(&a, &shifts, axes.as_deref())).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, n = None, axis = None, *, stream = None))]
fn diff(
    a: &Bound<'_, PyAny>,
    n: Option<&Bound<'_, PyAny>>,
    axis: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "diff", "a")?;
    let n = n.map_or(Ok(1), |o| int_arg(o, "diff", "n"))?;
    let axis = axis.map_or(Ok(-1), |o| int_arg(o, "diff", "axis"))?;
    on_stream(stream, || ops::diff(&a, n, axis)).map(PyArray::new_py)
}

/// A `Sequence[int]` of 64-bit strides (floats and other objects are a TypeError).
fn i64_sequence(obj: &Bound<'_, PyAny>) -> PyResult<Vec<i64>> {
    let bad = || bad_arg("as_strided", "strides", "a sequence of ints", obj);
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Err(bad());
    }
    obj.try_iter()
        .map_err(|_| bad())?
        .map(|item| {
            let item = item?;
            if item.is_instance_of::<pyo3::types::PyFloat>() {
                return Err(bad());
            }
            item.extract::<i64>().map_err(|_| bad())
        })
        .collect()
}

/// See `rmlx::ops::as_strided`: unlike MLX, a view reaching outside `a` is a ValueError.
#[pyfunction]
#[pyo3(signature = (a, /, shape = None, strides = None, offset = None, *, stream = None))]
fn as_strided(
    a: &Bound<'_, PyAny>,
    shape: Option<&Bound<'_, PyAny>>,
    strides: Option<&Bound<'_, PyAny>>,
    offset: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "as_strided", "a")?;
    let shape = match shape {
        Some(s) if !s.is_none() => Some(int_sequence(s, "as_strided", "shape")?),
        _ => None,
    };
    let strides = match strides {
        Some(s) if !s.is_none() => Some(i64_sequence(s)?),
        _ => None,
    };
    let offset = match offset {
        None => 0,
        Some(o) if o.is_instance_of::<PyInt>() => o
            .extract::<usize>()
            .map_err(|_| bad_arg("as_strided", "offset", "a non-negative int", o))?,
        Some(o) => return Err(bad_arg("as_strided", "offset", "a non-negative int", o)),
    };
    on_stream(stream, || {
        ops::as_strided(&a, shape.as_deref(), strides.as_deref(), offset)
    })
    .map(PyArray::new_py)
}

/// `view` of an array or a Python scalar (scalars take their default dtype first).
fn view_impl(
    a: &Array,
    dtype: &Bound<'_, PyAny>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let dtype = dtype_only(dtype, "view")?;
    on_stream(stream, || ops::view(a, dtype)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, dtype, *, stream = None))]
fn view(
    a: &Bound<'_, PyAny>,
    dtype: &Bound<'_, PyAny>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = scalar_or_array_value(a, "view")?;
    view_impl(&a, dtype, stream)
}

/// See `rmlx::ops::dynamic_slice`: starts are clamped into range (MLX does not check them).
#[pyfunction]
#[pyo3(signature = (a, /, start_indices, axes, slice_size, *, stream = None))]
fn slice(
    a: &Bound<'_, PyAny>,
    start_indices: &Bound<'_, PyAny>,
    axes: &Bound<'_, PyAny>,
    slice_size: &Bound<'_, PyAny>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "slice", "a")?;
    let start = strict_array(start_indices, "slice", "start_indices")?;
    let axes = int_sequence(axes, "slice", "axes")?;
    let size = int_sequence(slice_size, "slice", "slice_size")?;
    on_stream(stream, || ops::dynamic_slice(&a, &start, &axes, &size)).map(PyArray::new_py)
}

/// See `rmlx::ops::dynamic_slice_update`: starts are clamped into range.
#[pyfunction]
#[pyo3(signature = (a, /, update, start_indices, axes, *, stream = None))]
fn slice_update(
    a: &Bound<'_, PyAny>,
    update: &Bound<'_, PyAny>,
    start_indices: &Bound<'_, PyAny>,
    axes: &Bound<'_, PyAny>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "slice_update", "a")?;
    let update = strict_array(update, "slice_update", "update")?;
    let start = strict_array(start_indices, "slice_update", "start_indices")?;
    let axes = int_sequence(axes, "slice_update", "axes")?;
    on_stream(stream, || {
        ops::dynamic_slice_update(&a, &update, &start, &axes)
    })
    .map(PyArray::new_py)
}

#[pymethods]
impl PyArray {
    /// `array.view(dtype, *, stream=None)`: see `view`.
    #[pyo3(name = "view", signature = (dtype, *, stream = None))]
    fn view_method(
        &self,
        dtype: &Bound<'_, PyAny>,
        stream: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyArray> {
        view_impl(&self.inner, dtype, stream)
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(unstack, m)?)?;
    m.add_function(wrap_pyfunction!(repeat, m)?)?;
    m.add_function(wrap_pyfunction!(tile, m)?)?;
    m.add_function(wrap_pyfunction!(pad, m)?)?;
    m.add_function(wrap_pyfunction!(flip, m)?)?;
    m.add_function(wrap_pyfunction!(roll, m)?)?;
    m.add_function(wrap_pyfunction!(diff, m)?)?;
    m.add_function(wrap_pyfunction!(as_strided, m)?)?;
    m.add_function(wrap_pyfunction!(view, m)?)?;
    m.add_function(wrap_pyfunction!(slice, m)?)?;
    m.add_function(wrap_pyfunction!(slice_update, m)?)?;
    Ok(())
}
