//! Readers for the argument kinds MLX's op signatures use, with MLX's exception types.
//!
//! MLX types its arguments in two ways, and they fail differently:
//! - `a: array` accepts only an `mlx.core.array`; anything else (lists, scalars, NumPy
//!   arrays) is a TypeError from the binding layer ([`strict_array`]).
//! - `a: scalar | array` also accepts Python scalars (weakly typed next to arrays) and
//!   objects exporting a buffer or `__array__`; lists, tuples and other objects are a
//!   ValueError ("Invalid type list received in array initialization."), `None` a
//!   TypeError ([`scalar_or_array`]).

use crate::array::PyArray;
use crate::convert::{
    default_scalar_dtype, numpy_integer_scalar, python_scalar, to_array, Operand,
};
use crate::dtype::PyDtype;
use crate::errors::{type_error, value_error};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use rmlx::{Array, Dtype};

/// The Python type name of `obj`, for messages.
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

/// The TypeError MLX's binding layer raises for an argument of the wrong type.
pub(crate) fn bad_arg(func: &str, arg: &str, expected: &str, obj: &Bound<'_, PyAny>) -> PyErr {
    type_error(format!(
        "{func}(): incompatible function arguments: '{arg}' must be {expected}, not {}.",
        type_name(obj)
    ))
}

/// An argument typed `array`: only an `mlx.core.array` is accepted.
pub(crate) fn strict_array(obj: &Bound<'_, PyAny>, func: &str, arg: &str) -> PyResult<Array> {
    match obj.cast::<PyArray>() {
        Ok(a) => Ok(a.borrow().inner.clone()),
        Err(_) => Err(bad_arg(func, arg, "an array", obj)),
    }
}

/// An argument typed `scalar | array`: an array, a weak Python scalar, or an object with
/// the buffer protocol or `__array__` (NumPy arrays and scalars).
pub(crate) fn scalar_or_array(obj: &Bound<'_, PyAny>, func: &str) -> PyResult<Operand> {
    if let Ok(a) = obj.cast::<PyArray>() {
        return Ok(Operand::Array(a.borrow().inner.clone()));
    }
    if let Some(s) = python_scalar(obj)? {
        return Ok(Operand::Scalar(s));
    }
    if let Some(s) = numpy_integer_scalar(obj)? {
        return Ok(Operand::Scalar(s));
    }
    if obj.is_none() {
        return Err(bad_arg(func, "a", "a scalar or an array", obj));
    }
    // Nested sequences and strings are not array-likes here (MLX's `array(...)` accepts
    // lists, its ops do not).
    let sequence_like = obj.is_instance_of::<PyList>()
        || obj.is_instance_of::<PyTuple>()
        || obj.is_instance_of::<PyString>()
        || obj.is_instance_of::<PyBytes>();
    if !sequence_like {
        if let Ok(a) = to_array(obj, None) {
            return Ok(Operand::Array(a));
        }
    }
    Err(value_error(format!(
        "Invalid type {} received in array initialization.",
        type_name(obj)
    )))
}

/// A `scalar | array` argument on its own: a scalar takes its default dtype.
pub(crate) fn scalar_or_array_value(obj: &Bound<'_, PyAny>, func: &str) -> PyResult<Array> {
    Ok(match scalar_or_array(obj, func)? {
        Operand::Array(a) => a,
        Operand::Scalar(s) => Array::from_scalar(s, default_scalar_dtype(s)),
    })
}

/// One integer argument (a Python int or anything with `__index__`; floats and strings are
/// a TypeError).
pub(crate) fn int_arg(obj: &Bound<'_, PyAny>, func: &str, arg: &str) -> PyResult<i32> {
    if obj.is_instance_of::<pyo3::types::PyFloat>() || obj.is_none() {
        return Err(bad_arg(func, arg, "an int", obj));
    }
    obj.extract::<i32>()
        .map_err(|_| bad_arg(func, arg, "an int", obj))
}

/// A `Sequence[int]` argument: any iterable but a string, each item an integer.
/// `None` when `obj` is not such a sequence.
fn try_int_sequence(obj: &Bound<'_, PyAny>, func: &str, arg: &str) -> PyResult<Option<Vec<i32>>> {
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Ok(None);
    }
    let Ok(iter) = obj.try_iter() else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for item in iter {
        let item = item?;
        if item.is_instance_of::<pyo3::types::PyFloat>() {
            return Ok(None);
        }
        match item.extract::<i32>() {
            Ok(v) => out.push(v),
            Err(_) => return Err(bad_arg(func, arg, "a sequence of ints", obj)),
        }
    }
    Ok(Some(out))
}

/// A `Sequence[int]` argument; anything else is a TypeError.
pub(crate) fn int_sequence(obj: &Bound<'_, PyAny>, func: &str, arg: &str) -> PyResult<Vec<i32>> {
    try_int_sequence(obj, func, arg)?.ok_or_else(|| bad_arg(func, arg, "a sequence of ints", obj))
}

/// An `int | Sequence[int]` argument (axes of reductions, squeeze, expand_dims).
pub(crate) fn int_or_sequence(obj: &Bound<'_, PyAny>, func: &str, arg: &str) -> PyResult<Vec<i32>> {
    if obj.is_instance_of::<pyo3::types::PyInt>() {
        return Ok(vec![int_arg(obj, func, arg)?]);
    }
    try_int_sequence(obj, func, arg)?
        .ok_or_else(|| bad_arg(func, arg, "an int or a sequence of ints", obj))
}

/// An optional `None | int | Sequence[int]` axis argument: `None` means every axis.
pub(crate) fn opt_axes(obj: Option<&Bound<'_, PyAny>>, func: &str) -> PyResult<Option<Vec<i32>>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => int_or_sequence(o, func, "axis").map(Some),
    }
}

/// An optional `None | int` axis argument.
pub(crate) fn opt_axis(obj: Option<&Bound<'_, PyAny>>, func: &str) -> PyResult<Option<i32>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => int_arg(o, func, "axis").map(Some),
    }
}

/// The `shape: int | Sequence[int]` of the creation functions. MLX's binding reports a
/// shape of the wrong kind as a RuntimeError (`None` as a TypeError); so does this.
pub(crate) fn creation_shape(obj: &Bound<'_, PyAny>, func: &str) -> PyResult<Vec<i32>> {
    if obj.is_none() {
        return Err(bad_arg(func, "shape", "an int or a sequence of ints", obj));
    }
    let bad = || {
        PyRuntimeError::new_err(format!(
            "[{func}] The shape must be an int or a sequence of ints, not {}.",
            type_name(obj)
        ))
    };
    if obj.is_instance_of::<pyo3::types::PyInt>() {
        return obj.extract::<i32>().map(|v| vec![v]).map_err(|_| bad());
    }
    match try_int_sequence(obj, func, "shape") {
        Ok(Some(v)) => Ok(v),
        _ => Err(bad()),
    }
}

/// A `Dtype` argument (dtype objects only: categories and strings are a TypeError).
pub(crate) fn dtype_only(obj: &Bound<'_, PyAny>, func: &str) -> PyResult<Dtype> {
    obj.extract::<PyDtype>()
        .map(|d| d.0)
        .map_err(|_| bad_arg(func, "dtype", "a Dtype", obj))
}

/// A `Dtype | None` argument.
pub(crate) fn opt_dtype(obj: Option<&Bound<'_, PyAny>>, func: &str) -> PyResult<Option<Dtype>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => dtype_only(o, func).map(Some),
    }
}

/// A sequence of arrays (concatenate, stack): any iterable whose items are arrays.
pub(crate) fn array_sequence(obj: &Bound<'_, PyAny>, func: &str) -> PyResult<Vec<Array>> {
    let err = || bad_arg(func, "arrays", "a sequence of arrays", obj);
    let iter = obj.try_iter().map_err(|_| err())?;
    let mut out = Vec::new();
    for item in iter {
        let item = item?;
        match item.cast::<PyArray>() {
            Ok(a) => out.push(a.borrow().inner.clone()),
            Err(_) => return Err(err()),
        }
    }
    Ok(out)
}

/// Arrays passed as `*arrays` (broadcast_arrays, atleast_nd). MLX's binding reports other
/// objects there as a RuntimeError; so does this.
pub(crate) fn variadic_arrays(args: &Bound<'_, PyTuple>, func: &str) -> PyResult<Vec<Array>> {
    args.iter()
        .map(|item| match item.cast::<PyArray>() {
            Ok(a) => Ok(a.borrow().inner.clone()),
            Err(_) => Err(PyRuntimeError::new_err(format!(
                "[{func}] Expected arrays, got {}.",
                type_name(&item)
            ))),
        })
        .collect()
}
