//! The `random` submodule (`rmlx.core.random`): MLX's `mx.random`, bit for bit, over the
//! engine's `rmlx::random`. Python scalars take their default dtype (float32 or int32)
//! before the engine casts them, as MLX's binding converts them.

use crate::array::PyArray;
use crate::convert::{default_scalar_dtype, Operand};
use crate::device::on_stream;
use crate::errors::{type_error, value_error};
use crate::ops::args::{
    int_arg, int_sequence, opt_dtype, scalar_or_array, scalar_or_array_value, strict_array,
};
use pyo3::prelude::*;
use rmlx::{random, Array, Dtype, Scalar};

/// A `key: array | None` argument.
fn key_arg(key: Option<&Bound<'_, PyAny>>, func: &str) -> PyResult<Option<Array>> {
    match key {
        Some(k) if !k.is_none() => strict_array(k, func, "key").map(Some),
        _ => Ok(None),
    }
}

/// A `Sequence[int]` shape; `None` when absent or None.
fn shape_arg(shape: Option<&Bound<'_, PyAny>>, func: &str) -> PyResult<Option<Vec<i32>>> {
    match shape {
        Some(s) if !s.is_none() => int_sequence(s, func, "shape").map(Some),
        _ => Ok(None),
    }
}

/// A `scalar | array | None` argument.
fn opt_value(obj: Option<&Bound<'_, PyAny>>, func: &str) -> PyResult<Option<Array>> {
    match obj {
        Some(o) if !o.is_none() => scalar_or_array_value(o, func).map(Some),
        _ => Ok(None),
    }
}

/// A `scalar | array | None` parameter of a draw in `dtype`. MLX converts a Python number
/// straight to `dtype` from its double value, so for float64 draws it keeps every digit
/// (`loc=0.3` is 0.3, not float32's 0.30000001); narrower types round as float32 does.
fn opt_param(obj: Option<&Bound<'_, PyAny>>, func: &str, dtype: Dtype) -> PyResult<Option<Array>> {
    match obj {
        Some(o) if !o.is_none() => Ok(Some(match scalar_or_array(o, func)? {
            Operand::Array(a) => a,
            Operand::Scalar(s) if dtype == Dtype::Float64 && !matches!(s, Scalar::Bool(_)) => {
                Array::from_scalar(s, Dtype::Float64)
            }
            Operand::Scalar(s) => Array::from_scalar(s, default_scalar_dtype(s)),
        })),
        _ => Ok(None),
    }
}

/// A non-negative seed up to 2^64 - 1 (MLX's binding refuses others as a TypeError).
fn seed_arg(obj: &Bound<'_, PyAny>, func: &str) -> PyResult<u64> {
    obj.extract::<u64>().map_err(|_| {
        type_error(format!(
            "{func}(): incompatible function arguments. The following argument types are \
             supported:\n    1. {func}(seed: int)"
        ))
    })
}

#[pyfunction]
fn key(seed: &Bound<'_, PyAny>) -> PyResult<PyArray> {
    Ok(PyArray::new_py(random::key(seed_arg(seed, "key")?)))
}

#[pyfunction]
fn seed(seed: &Bound<'_, PyAny>) -> PyResult<()> {
    random::seed(seed_arg(seed, "seed")?);
    Ok(())
}

#[pyfunction]
#[pyo3(signature = (key, num = 2, stream = None))]
fn split(key: &Bound<'_, PyAny>, num: i32, stream: Option<&Bound<'_, PyAny>>) -> PyResult<PyArray> {
    let k = strict_array(key, "split", "key")?;
    on_stream(stream, || random::split(&k, num)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (low = None, high = None, shape = None, dtype = None, key = None, stream = None))]
fn uniform(
    low: Option<&Bound<'_, PyAny>>,
    high: Option<&Bound<'_, PyAny>>,
    shape: Option<&Bound<'_, PyAny>>,
    dtype: Option<&Bound<'_, PyAny>>,
    key: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "uniform";
    let lo = opt_value(low, f)?.unwrap_or_else(|| Array::scalar(0.0f32));
    let hi = opt_value(high, f)?.unwrap_or_else(|| Array::scalar(1.0f32));
    let shape = shape_arg(shape, f)?.unwrap_or_default();
    let dtype = opt_dtype(dtype, f)?.unwrap_or(Dtype::Float32);
    let k = key_arg(key, f)?;
    on_stream(stream, || {
        random::uniform(&lo, &hi, &shape, dtype, k.as_ref())
    })
    .map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (shape = None, dtype = None, loc = None, scale = None, key = None, stream = None))]
fn normal(
    shape: Option<&Bound<'_, PyAny>>,
    dtype: Option<&Bound<'_, PyAny>>,
    loc: Option<&Bound<'_, PyAny>>,
    scale: Option<&Bound<'_, PyAny>>,
    key: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "normal";
    let shape = shape_arg(shape, f)?.unwrap_or_default();
    let dtype = opt_dtype(dtype, f)?.unwrap_or(Dtype::Float32);
    let loc = opt_param(loc, f, dtype)?;
    let scale = opt_param(scale, f, dtype)?;
    let k = key_arg(key, f)?;
    on_stream(stream, || {
        random::normal(&shape, dtype, loc.as_ref(), scale.as_ref(), k.as_ref())
    })
    .map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (low, high, shape = None, dtype = None, key = None, stream = None))]
fn randint(
    low: &Bound<'_, PyAny>,
    high: &Bound<'_, PyAny>,
    shape: Option<&Bound<'_, PyAny>>,
    dtype: Option<&Bound<'_, PyAny>>,
    key: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "randint";
    let lo = scalar_or_array_value(low, f)?;
    let hi = scalar_or_array_value(high, f)?;
    let shape = shape_arg(shape, f)?.unwrap_or_default();
    let dtype = opt_dtype(dtype, f)?.unwrap_or(Dtype::Int32);
    let k = key_arg(key, f)?;
    on_stream(stream, || {
        random::randint(&lo, &hi, &shape, dtype, k.as_ref())
    })
    .map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (p = None, shape = None, key = None, stream = None))]
fn bernoulli(
    p: Option<&Bound<'_, PyAny>>,
    shape: Option<&Bound<'_, PyAny>>,
    key: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "bernoulli";
    let p = opt_value(p, f)?.unwrap_or_else(|| Array::scalar(0.5f32));
    let shape = shape_arg(shape, f)?;
    let k = key_arg(key, f)?;
    on_stream(stream, || {
        random::bernoulli(&p, shape.as_deref(), k.as_ref())
    })
    .map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (lower, upper, shape = None, dtype = None, key = None, stream = None))]
fn truncated_normal(
    lower: &Bound<'_, PyAny>,
    upper: &Bound<'_, PyAny>,
    shape: Option<&Bound<'_, PyAny>>,
    dtype: Option<&Bound<'_, PyAny>>,
    key: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "truncated_normal";
    let lo = scalar_or_array_value(lower, f)?;
    let hi = scalar_or_array_value(upper, f)?;
    let shape = shape_arg(shape, f)?;
    let dtype = opt_dtype(dtype, f)?.unwrap_or(Dtype::Float32);
    let k = key_arg(key, f)?;
    on_stream(stream, || {
        random::truncated_normal(&lo, &hi, shape.as_deref(), dtype, k.as_ref())
    })
    .map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (logits, axis = -1, shape = None, num_samples = None, key = None, stream = None))]
fn categorical(
    logits: &Bound<'_, PyAny>,
    axis: i32,
    shape: Option<&Bound<'_, PyAny>>,
    num_samples: Option<&Bound<'_, PyAny>>,
    key: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "categorical";
    let l = strict_array(logits, f, "logits")?;
    let shape = shape_arg(shape, f)?;
    let num = match num_samples {
        Some(n) if !n.is_none() => Some(int_arg(n, f, "num_samples")?),
        _ => None,
    };
    let k = key_arg(key, f)?;
    on_stream(stream, || {
        random::categorical(&l, axis, shape.as_deref(), num, k.as_ref())
    })
    .map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (shape = None, dtype = None, key = None, stream = None))]
fn gumbel(
    shape: Option<&Bound<'_, PyAny>>,
    dtype: Option<&Bound<'_, PyAny>>,
    key: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "gumbel";
    let shape = shape_arg(shape, f)?.unwrap_or_default();
    let dtype = opt_dtype(dtype, f)?.unwrap_or(Dtype::Float32);
    let k = key_arg(key, f)?;
    on_stream(stream, || random::gumbel(&shape, dtype, k.as_ref())).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (shape = None, dtype = None, loc = 0.0, scale = 1.0, key = None, stream = None))]
fn laplace(
    shape: Option<&Bound<'_, PyAny>>,
    dtype: Option<&Bound<'_, PyAny>>,
    loc: f64,
    scale: f64,
    key: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "laplace";
    let shape = shape_arg(shape, f)?.unwrap_or_default();
    let dtype = opt_dtype(dtype, f)?.unwrap_or(Dtype::Float32);
    let k = key_arg(key, f)?;
    // MLX's binding holds loc and scale as C floats.
    let (loc, scale) = (f64::from(loc as f32), f64::from(scale as f32));
    on_stream(stream, || {
        random::laplace(&shape, dtype, loc, scale, k.as_ref())
    })
    .map(PyArray::new_py)
}

/// MLX takes the covariance's square root from its SVD (`U diag(sqrt(S)) Vt`, so positive
/// semi-definite and even indefinite matrices are accepted) and needs `linalg.svd`, which
/// the engine does not have yet: the arguments are checked as MLX checks them, then a clear
/// NotImplementedError names what is missing.
#[pyfunction]
#[pyo3(signature = (mean, cov, shape = None, dtype = None, key = None, stream = None))]
#[allow(clippy::too_many_arguments)]
fn multivariate_normal(
    mean: &Bound<'_, PyAny>,
    cov: &Bound<'_, PyAny>,
    shape: Option<&Bound<'_, PyAny>>,
    dtype: Option<&Bound<'_, PyAny>>,
    key: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "multivariate_normal";
    let (mean, cov) = (strict_array(mean, f, "mean")?, strict_array(cov, f, "cov")?);
    let shp = shape_arg(shape, f)?.unwrap_or_default();
    let k = key_arg(key, f)?;
    if opt_dtype(dtype, f)?.is_some_and(|d| d != Dtype::Float32) {
        return Err(value_error(format!("[{f}] dtype must be float32.")));
    }
    if mean.ndim() < 1 {
        return Err(value_error(format!(
            "[{f}] mean must have at least one dimension."
        )));
    }
    if cov.ndim() < 2 {
        return Err(value_error(format!(
            "[{f}] cov must have at least two dimensions."
        )));
    }
    let (cs, ms) = (cov.shape(), mean.shape());
    if cs[cs.len() - 1] != cs[cs.len() - 2] {
        return Err(value_error(format!(
            "[{f}] last two dimensions of cov must be equal."
        )));
    }
    if ms[ms.len() - 1] != cs[cs.len() - 1] {
        return Err(value_error(format!(
            "[{f}] mean and cov must have compatible shapes."
        )));
    }
    on_stream(stream, || {
        random::multivariate_normal(&mean, &cov, &shp, Dtype::Float32, k.as_ref())
    })
    .map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (x, axis = 0, key = None, stream = None))]
fn permutation(
    x: &Bound<'_, PyAny>,
    axis: i32,
    key: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "permutation";
    let k = key_arg(key, f)?;
    if x.is_instance_of::<pyo3::types::PyInt>() {
        let n = int_arg(x, f, "x")?;
        return on_stream(stream, || random::permutation_of(n, k.as_ref())).map(PyArray::new_py);
    }
    let a = strict_array(x, f, "x")?;
    on_stream(stream, || random::permutation(&a, axis, k.as_ref())).map(PyArray::new_py)
}

/// `random.state`: a one-item sequence holding the current global key.
#[pyclass(name = "_RandomState", module = "rmlx.core.random")]
struct RandomState;

#[pymethods]
impl RandomState {
    fn __len__(&self) -> usize {
        1
    }
    fn __getitem__(&self, index: isize) -> PyResult<PyArray> {
        if index != 0 && index != -1 {
            return Err(pyo3::exceptions::PyIndexError::new_err(
                "list index out of range",
            ));
        }
        Ok(PyArray::new_py(random::state()))
    }
    /// Replaces the global key (compile writes captured `random.state` back this way).
    fn __setitem__(&self, index: isize, value: PyRef<'_, PyArray>) -> PyResult<()> {
        if index != 0 && index != -1 {
            return Err(pyo3::exceptions::PyIndexError::new_err(
                "list assignment index out of range",
            ));
        }
        random::set_state(value.inner.clone());
        Ok(())
    }
}

/// Adds the `random` submodule, also importable as `rmlx.core.random`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let sub = PyModule::new(py, "rmlx.core.random")?;
    sub.add_class::<RandomState>()?;
    sub.add_function(wrap_pyfunction!(key, &sub)?)?;
    sub.add_function(wrap_pyfunction!(seed, &sub)?)?;
    sub.add_function(wrap_pyfunction!(split, &sub)?)?;
    sub.add_function(wrap_pyfunction!(uniform, &sub)?)?;
    sub.add_function(wrap_pyfunction!(normal, &sub)?)?;
    sub.add_function(wrap_pyfunction!(randint, &sub)?)?;
    sub.add_function(wrap_pyfunction!(bernoulli, &sub)?)?;
    sub.add_function(wrap_pyfunction!(truncated_normal, &sub)?)?;
    sub.add_function(wrap_pyfunction!(categorical, &sub)?)?;
    sub.add_function(wrap_pyfunction!(gumbel, &sub)?)?;
    sub.add_function(wrap_pyfunction!(laplace, &sub)?)?;
    sub.add_function(wrap_pyfunction!(multivariate_normal, &sub)?)?;
    sub.add_function(wrap_pyfunction!(permutation, &sub)?)?;
    sub.add("state", Py::new(py, RandomState)?)?;
    m.add("random", &sub)?;
    py.import("sys")?
        .getattr("modules")?
        .set_item("rmlx.core.random", &sub)?;
    Ok(())
}
