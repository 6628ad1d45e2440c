//! Array creation: zeros/ones/full (and `empty`, MLX's alias of zeros), the `*_like`
//! forms, arange (MLX's two overloads), linspace, eye, identity and asarray.

use super::args::{
    creation_shape, dtype_only, opt_dtype, scalar_or_array, strict_array, type_name,
};
use crate::array::PyArray;
use crate::convert::{default_scalar_dtype, python_scalar, to_array, Operand};
use crate::device::on_stream;
use crate::errors::{type_error, IntoPy};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use rmlx::{ops, Array, Dtype, Scalar};

/// A 0-d array for a fill value: an array as is, a Python scalar weakly typed against
/// `dtype` (MLX's rule for `full`: an int asked to be bool is int32, a float asked to be
/// an integer stays float32, ints must fit an integer dtype) or with its default dtype.
fn fill_value(vals: Operand, dtype: Option<Dtype>) -> PyResult<Array> {
    match (vals, dtype) {
        (Operand::Array(a), _) => Ok(a),
        (Operand::Scalar(s), None) => Ok(Array::from_scalar(s, default_scalar_dtype(s))),
        (Operand::Scalar(s), Some(d)) => {
            let like = Array::from_scalar(Scalar::Bool(false), d);
            ops::scalar_like(s, &like).py()
        }
    }
}

/// `full`: note that MLX's `dtype` only steers how a Python scalar is converted; an array
/// fill value keeps its own dtype.
#[pyfunction]
#[pyo3(signature = (shape, vals, dtype = None, *, stream = None))]
fn full(
    shape: &Bound<'_, PyAny>,
    vals: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let shape = creation_shape(shape, "full")?;
    let dtype = opt_dtype(dtype, "full")?;
    let v = fill_value(scalar_or_array(vals, "full")?, dtype)?;
    on_stream(stream, || ops::full_array(&shape, &v, v.dtype())).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (shape, dtype = None, *, stream = None))]
fn zeros(
    shape: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let shape = creation_shape(shape, "zeros")?;
    let d = opt_dtype(dtype, "zeros")?.unwrap_or(Dtype::Float32);
    on_stream(stream, || ops::zeros(&shape, d)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (shape, dtype = None, *, stream = None))]
fn ones(
    shape: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let shape = creation_shape(shape, "ones")?;
    let d = opt_dtype(dtype, "ones")?.unwrap_or(Dtype::Float32);
    on_stream(stream, || ops::ones(&shape, d)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, dtype = None, *, stream = None))]
fn zeros_like(
    a: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "zeros_like", "a")?;
    let d = opt_dtype(dtype, "zeros_like")?.unwrap_or(a.dtype());
    on_stream(stream, || {
        rmlx::compile::shaped_like(&a, &rmlx::Array::scalar(0u8), ops::zeros(a.shape(), d)?)
    })
    .map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, dtype = None, *, stream = None))]
fn ones_like(
    a: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "ones_like", "a")?;
    let d = opt_dtype(dtype, "ones_like")?.unwrap_or(a.dtype());
    on_stream(stream, || {
        rmlx::compile::shaped_like(&a, &rmlx::Array::scalar(1u8), ops::ones(a.shape(), d)?)
    })
    .map(PyArray::new_py)
}

/// `full_like`: the result has `dtype` (default: `a`'s), whatever the fill value's.
#[pyfunction]
#[pyo3(signature = (a, vals, dtype = None, *, stream = None))]
fn full_like(
    a: &Bound<'_, PyAny>,
    vals: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "full_like", "a")?;
    let d = opt_dtype(dtype, "full_like")?.unwrap_or(a.dtype());
    let v = fill_value(scalar_or_array(vals, "full_like")?, Some(d))?;
    on_stream(stream, || {
        rmlx::compile::shaped_like(&a, &v, ops::full_array(a.shape(), &v, d)?)
    })
    .map(PyArray::new_py)
}

/// A bound of `arange`: a Python bool, int or float.
fn range_number(obj: &Bound<'_, PyAny>) -> PyResult<Option<Scalar>> {
    Ok(match python_scalar(obj)? {
        Some(s @ (Scalar::Bool(_) | Scalar::Int(_) | Scalar::Uint(_) | Scalar::Float(_))) => {
            Some(s)
        }
        _ => None,
    })
}

/// The arguments of one `arange` call, bound to one of MLX's overloads.
struct RangeArgs {
    start: Option<Scalar>,
    stop: Scalar,
    step: Option<Scalar>,
    dtype: Option<Dtype>,
}

/// Binds `positional` and `keywords` to the parameter `names` of one overload; `None` when
/// they do not fit it (as the binding layer tries overloads in turn).
fn bind_overload<'py>(
    names: &[&'static str],
    positional: &[Bound<'py, PyAny>],
    keywords: &[(String, Bound<'py, PyAny>)],
) -> Option<Vec<(&'static str, Bound<'py, PyAny>)>> {
    if positional.len() > names.len() {
        return None;
    }
    let mut bound: Vec<(&'static str, Bound<'py, PyAny>)> = names
        .iter()
        .copied()
        .zip(positional.iter().cloned())
        .collect();
    for (k, v) in keywords {
        let name = names.iter().copied().find(|n| n == k)?;
        if bound.iter().any(|(n, _)| *n == name) {
            return None;
        }
        bound.push((name, v.clone()));
    }
    Some(bound)
}

/// Reads one bound overload (`first` names its first parameter): `None` when a value has
/// the wrong type or a required one is missing.
fn read_overload(
    bound: &[(&'static str, Bound<'_, PyAny>)],
    first: &'static str,
) -> PyResult<Option<RangeArgs>> {
    let get = |n: &str| bound.iter().find(|(k, _)| *k == n).map(|(_, v)| v);
    let number = |n: &str, optional: bool| -> PyResult<Option<Option<Scalar>>> {
        match get(n) {
            None => Ok(if optional { Some(None) } else { None }),
            Some(v) if v.is_none() && optional => Ok(Some(None)),
            Some(v) => Ok(range_number(v)?.map(Some)),
        }
    };
    let dtype = match get("dtype") {
        None => None,
        Some(v) if v.is_none() => None,
        Some(v) => match dtype_only(v, "arange") {
            Ok(d) => Some(d),
            Err(_) => return Ok(None),
        },
    };
    let step = match number("step", true)? {
        Some(s) => s,
        None => return Ok(None),
    };
    if first == "start" {
        // arange(start, stop, step=None, dtype=None): a `None` stop makes `start` the stop.
        let Some(Some(start)) = number("start", false)? else {
            return Ok(None);
        };
        if !bound.iter().any(|(k, _)| *k == "stop") {
            return Ok(None);
        }
        let Some(stop) = number("stop", true)? else {
            return Ok(None);
        };
        return Ok(Some(match stop {
            Some(stop) => RangeArgs {
                start: Some(start),
                stop,
                step,
                dtype,
            },
            None => RangeArgs {
                start: None,
                stop: start,
                step,
                dtype,
            },
        }));
    }
    let Some(Some(stop)) = number("stop", false)? else {
        return Ok(None);
    };
    Ok(Some(RangeArgs {
        start: None,
        stop,
        step,
        dtype,
    }))
}

/// MLX's default `arange` dtype: float32 when a bound or the step is a float, bool when
/// the range is given by bools alone (which arange rejects), otherwise int32, or int64
/// when a value leaves the int32 range.
fn infer_range_dtype(r: &RangeArgs) -> Dtype {
    let given: Vec<Scalar> = [r.start, Some(r.stop), r.step]
        .into_iter()
        .flatten()
        .collect();
    if given.iter().any(|s| matches!(s, Scalar::Float(_))) {
        return Dtype::Float32;
    }
    let bounds = [r.start, Some(r.stop)];
    if bounds
        .iter()
        .flatten()
        .all(|s| matches!(s, Scalar::Bool(_)))
    {
        return Dtype::Bool;
    }
    let wide = given.iter().any(|s| match s {
        Scalar::Int(i) => i32::try_from(*i).is_err(),
        Scalar::Uint(u) => i32::try_from(*u).is_err(),
        _ => false,
    });
    if wide {
        Dtype::Int64
    } else {
        Dtype::Int32
    }
}

/// MLX's `arange(start, stop, step=None, dtype=None)` and `arange(stop, step=None,
/// dtype=None)`, both with `*, stream=None`.
#[pyfunction]
#[pyo3(signature = (*args, **kwargs))]
fn arange(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<PyArray> {
    let positional: Vec<Bound<'_, PyAny>> = args.iter().collect();
    let mut keywords = Vec::new();
    let mut stream = None;
    if let Some(kw) = kwargs {
        for (k, v) in kw.iter() {
            let k: String = k.extract()?;
            if k == "stream" {
                stream = Some(v);
            } else {
                keywords.push((k, v));
            }
        }
    }
    let mut chosen = None;
    for (names, first) in [
        (&["start", "stop", "step", "dtype"][..], "start"),
        (&["stop", "step", "dtype"][..], "stop"),
    ] {
        if let Some(bound) = bind_overload(names, &positional, &keywords) {
            if let Some(r) = read_overload(&bound, first)? {
                chosen = Some(r);
                break;
            }
        }
    }
    let Some(r) = chosen else {
        let types: Vec<String> = positional.iter().map(type_name).collect();
        return Err(type_error(format!(
            "arange(): incompatible function arguments: expected arange(start, stop, step=None, \
             dtype=None) or arange(stop, step=None, dtype=None), got ({}).",
            types.join(", ")
        )));
    };
    let dtype = r.dtype.unwrap_or_else(|| infer_range_dtype(&r));
    let start = r.start.map(Scalar::as_f64).unwrap_or(0.0);
    let step = r.step.map(Scalar::as_f64).unwrap_or(1.0);
    let stop = r.stop.as_f64();
    on_stream(stream.as_ref(), || ops::arange(start, stop, step, dtype)).map(PyArray::new_py)
}

/// `num` evenly spaced values; `endpoint=False` leaves `stop` out (the first `num` of
/// `num + 1` values up to `stop`).
#[pyfunction]
#[pyo3(signature = (start, stop, num = 50, endpoint = true, dtype = None, stream = None))]
fn linspace(
    start: f64,
    stop: f64,
    num: i32,
    endpoint: bool,
    dtype: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let d = opt_dtype(dtype, "linspace")?.unwrap_or(Dtype::Float32);
    on_stream(stream, || {
        if endpoint || num <= 0 {
            return ops::linspace(start, stop, num, d);
        }
        let longer = ops::linspace(start, stop, num + 1, d)?;
        ops::slice_axis(&longer, 0, ops::SliceArg::range(0, num))
    })
    .map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (n, m = None, k = 0, dtype = None, *, stream = None))]
fn eye(
    n: i32,
    m: Option<i32>,
    k: i32,
    dtype: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let d = opt_dtype(dtype, "eye")?.unwrap_or(Dtype::Float32);
    on_stream(stream, || ops::eye(n, m.unwrap_or(n), k, d)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (n, dtype = None, *, stream = None))]
fn identity(
    n: i32,
    dtype: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let d = opt_dtype(dtype, "identity")?.unwrap_or(Dtype::Float32);
    on_stream(stream, || ops::identity(n, d)).map(PyArray::new_py)
}

/// `asarray`: the `array` constructor; `copy` is accepted for MLX compatibility (arrays
/// are immutable values, so a copy is never observable).
#[pyfunction]
#[pyo3(signature = (a, dtype = None, *, copy = None))]
fn asarray(
    a: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    copy: Option<bool>,
) -> PyResult<PyArray> {
    let _ = copy;
    let d = opt_dtype(dtype, "asarray")?;
    Ok(PyArray::new_py(to_array(a, d)?))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(full, m)?)?;
    m.add_function(wrap_pyfunction!(zeros, m)?)?;
    m.add_function(wrap_pyfunction!(ones, m)?)?;
    m.add_function(wrap_pyfunction!(zeros_like, m)?)?;
    m.add_function(wrap_pyfunction!(ones_like, m)?)?;
    m.add_function(wrap_pyfunction!(full_like, m)?)?;
    m.add_function(wrap_pyfunction!(arange, m)?)?;
    m.add_function(wrap_pyfunction!(linspace, m)?)?;
    m.add_function(wrap_pyfunction!(eye, m)?)?;
    m.add_function(wrap_pyfunction!(identity, m)?)?;
    m.add_function(wrap_pyfunction!(asarray, m)?)?;
    // In MLX `empty` is `zeros` and `empty_like` is `zeros_like` (the same objects).
    m.add("empty", m.getattr("zeros")?)?;
    m.add("empty_like", m.getattr("zeros_like")?)?;
    Ok(())
}
