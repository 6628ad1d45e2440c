//! `rmlx.core.linalg`: MLX's `mx.linalg` functions (norm, inv, tri_inv, cholesky,
//! cholesky_inv, qr, svd, eigh, eigvalsh, eig, eigvals, lu, lu_factor, det, slogdet, pinv,
//! cross, solve, solve_triangular) with MLX's signatures.
//! Array arguments are strictly typed `array`, as in MLX.

use crate::array::PyArray;
use crate::device::on_stream;
use crate::errors::type_error;
use crate::ops::args::{int_or_sequence, strict_array};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString};
use rmlx::ops::{self, NormOrd};

fn arr(obj: &Bound<'_, PyAny>, f: &str) -> PyResult<rmlx::Array> {
    strict_array(obj, f, "a")
}

/// `ord`: None, an int or float, or a string.
fn ord_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<NormOrd>> {
    let Some(o) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    if let Ok(s) = o.cast::<PyString>() {
        return Ok(Some(NormOrd::Str(s.to_str()?.to_string())));
    }
    if !o.is_instance_of::<PyBool>()
        && (o.is_instance_of::<PyInt>() || o.is_instance_of::<PyFloat>())
    {
        return Ok(Some(NormOrd::Num(o.extract::<f64>()?)));
    }
    Err(type_error(format!(
        "norm(): incompatible function arguments: ord must be None, an int, a float or a str, got {}.",
        o.get_type().name()?
    )))
}

#[pyfunction]
#[pyo3(signature = (a, /, ord = None, axis = None, keepdims = false, *, stream = None))]
fn norm(
    a: &Bound<'_, PyAny>,
    ord: Option<&Bound<'_, PyAny>>,
    axis: Option<&Bound<'_, PyAny>>,
    keepdims: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = arr(a, "norm")?;
    let ord = ord_arg(ord)?;
    let axis = match axis.filter(|o| !o.is_none()) {
        Some(o) => Some(int_or_sequence(o, "norm", "axis")?),
        None => None,
    };
    on_stream(stream, || {
        ops::norm(&a, ord.as_ref(), axis.as_deref(), keepdims)
    })
    .map(PyArray::new_py)
}

/// Binds `name(a, *, stream=None) -> array`.
macro_rules! unary_la {
    ($($name:ident => $call:expr),* $(,)?) => {$(
        #[pyfunction]
        #[pyo3(signature = (a, *, stream = None))]
        fn $name(a: &Bound<'_, PyAny>, stream: Option<&Bound<'_, PyAny>>) -> PyResult<PyArray> {
            let a = arr(a, stringify!($name))?;
            on_stream(stream, || $call(&a)).map(PyArray::new_py)
        }
    )*};
}

unary_la!(inv => ops::inv, det => ops::det, pinv => ops::pinv, eigvals => ops::eigvals);

/// Binds `name(a, *, stream=None) -> (array, array)`.
macro_rules! pair_la {
    ($($name:ident => $call:expr),* $(,)?) => {$(
        #[pyfunction]
        #[pyo3(signature = (a, *, stream = None))]
        fn $name(
            a: &Bound<'_, PyAny>,
            stream: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<(PyArray, PyArray)> {
            let a = arr(a, stringify!($name))?;
            let (x, y) = on_stream(stream, || $call(&a))?;
            Ok((PyArray::new_py(x), PyArray::new_py(y)))
        }
    )*};
}

pair_la!(slogdet => ops::slogdet, lu_factor => ops::lu_factor, eig => ops::eig);

#[pyfunction]
#[pyo3(signature = (a, *, stream = None))]
fn lu(
    a: &Bound<'_, PyAny>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<(PyArray, PyArray, PyArray)> {
    let a = arr(a, "lu")?;
    let (p, l, u) = on_stream(stream, || ops::lu(&a))?;
    Ok((PyArray::new_py(p), PyArray::new_py(l), PyArray::new_py(u)))
}

#[pyfunction]
#[pyo3(signature = (a, b, axis = -1, *, stream = None))]
fn cross(
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    axis: i32,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let (a, b) = (arr(a, "cross")?, strict_array(b, "cross", "b")?);
    on_stream(stream, || ops::cross(&a, &b, axis)).map(PyArray::new_py)
}

/// Binds `name(a, upper=False, *, stream=None) -> array`.
macro_rules! upper_la {
    ($($name:ident => $call:expr),* $(,)?) => {$(
        #[pyfunction]
        #[pyo3(signature = (a, upper = false, *, stream = None))]
        fn $name(
            a: &Bound<'_, PyAny>,
            upper: bool,
            stream: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<PyArray> {
            let a = arr(a, stringify!($name))?;
            on_stream(stream, || $call(&a, upper)).map(PyArray::new_py)
        }
    )*};
}

upper_la!(tri_inv => ops::tri_inv, cholesky => ops::cholesky, cholesky_inv => ops::cholesky_inv);

#[pyfunction]
#[pyo3(signature = (a, *, stream = None))]
fn qr(a: &Bound<'_, PyAny>, stream: Option<&Bound<'_, PyAny>>) -> PyResult<(PyArray, PyArray)> {
    let a = arr(a, "qr")?;
    let (q, r) = on_stream(stream, || ops::qr(&a))?;
    Ok((PyArray::new_py(q), PyArray::new_py(r)))
}

#[pyfunction]
#[pyo3(signature = (a, compute_uv = true, *, stream = None))]
fn svd(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    compute_uv: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let a = arr(a, "svd")?;
    let mut outs = on_stream(stream, || ops::svd(&a, compute_uv))?;
    if !compute_uv {
        // MLX returns the singular values alone (an array, not a tuple).
        if let Some(s) = outs.pop() {
            return Ok(Py::new(py, PyArray::new_py(s))?.into_any());
        }
    }
    let items: Vec<PyArray> = outs.into_iter().map(PyArray::new_py).collect();
    Ok(pyo3::types::PyTuple::new(py, items)?.into_any().unbind())
}

#[pyfunction]
#[pyo3(signature = (a, UPLO = "L", *, stream = None))]
#[allow(non_snake_case)]
fn eigh(
    a: &Bound<'_, PyAny>,
    UPLO: &str,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<(PyArray, PyArray)> {
    let a = arr(a, "eigh")?;
    let (w, v) = on_stream(stream, || ops::eigh(&a, UPLO))?;
    Ok((PyArray::new_py(w), PyArray::new_py(v)))
}

#[pyfunction]
#[pyo3(signature = (a, UPLO = "L", *, stream = None))]
#[allow(non_snake_case)]
fn eigvalsh(
    a: &Bound<'_, PyAny>,
    UPLO: &str,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = arr(a, "eigvalsh")?;
    on_stream(stream, || ops::eigvalsh(&a, UPLO)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, b, *, stream = None))]
fn solve(
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let (a, b) = (arr(a, "solve")?, strict_array(b, "solve", "b")?);
    on_stream(stream, || ops::solve(&a, &b)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, b, *, upper = false, stream = None))]
fn solve_triangular(
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    upper: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "solve_triangular";
    let (a, b) = (arr(a, f)?, strict_array(b, f, "b")?);
    on_stream(stream, || ops::solve_triangular(&a, &b, upper)).map(PyArray::new_py)
}

/// Adds the `linalg` submodule, also importable as `rmlx.core.linalg`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let sub = PyModule::new(py, "rmlx.core.linalg")?;
    sub.add_function(wrap_pyfunction!(norm, &sub)?)?;
    sub.add_function(wrap_pyfunction!(inv, &sub)?)?;
    sub.add_function(wrap_pyfunction!(tri_inv, &sub)?)?;
    sub.add_function(wrap_pyfunction!(cholesky, &sub)?)?;
    sub.add_function(wrap_pyfunction!(cholesky_inv, &sub)?)?;
    sub.add_function(wrap_pyfunction!(qr, &sub)?)?;
    sub.add_function(wrap_pyfunction!(svd, &sub)?)?;
    sub.add_function(wrap_pyfunction!(eigh, &sub)?)?;
    sub.add_function(wrap_pyfunction!(eigvalsh, &sub)?)?;
    sub.add_function(wrap_pyfunction!(solve, &sub)?)?;
    sub.add_function(wrap_pyfunction!(solve_triangular, &sub)?)?;
    sub.add_function(wrap_pyfunction!(det, &sub)?)?;
    sub.add_function(wrap_pyfunction!(slogdet, &sub)?)?;
    sub.add_function(wrap_pyfunction!(pinv, &sub)?)?;
    sub.add_function(wrap_pyfunction!(lu, &sub)?)?;
    sub.add_function(wrap_pyfunction!(lu_factor, &sub)?)?;
    sub.add_function(wrap_pyfunction!(eig, &sub)?)?;
    sub.add_function(wrap_pyfunction!(eigvals, &sub)?)?;
    sub.add_function(wrap_pyfunction!(cross, &sub)?)?;
    m.add("linalg", &sub)?;
    py.import("sys")?
        .getattr("modules")?
        .set_item("rmlx.core.linalg", &sub)?;
    Ok(())
}
