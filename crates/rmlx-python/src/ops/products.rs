//! Products: `addmm`, `inner`, `outer`, `tensordot`, `kron`, `vecdot`, `block_masked_mm`,
//! `gather_mm`, `segmented_mm` and `hadamard_transform`, with MLX's Python signatures
//! (array arguments strictly typed `array`; `kron`'s operands and `hadamard_transform`'s
//! scale may be passed by keyword; `vecdot`'s axis also positionally, as MLX accepts).

use super::args::{bad_arg, int_sequence, strict_array};
use crate::array::PyArray;
use crate::device::on_stream;
use crate::errors::value_error;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyFloat, PyString};
use rmlx::{ops, Array};

/// An optional argument typed `array | None`.
fn opt_array(obj: Option<&Bound<'_, PyAny>>, func: &str, arg: &str) -> PyResult<Option<Array>> {
    match obj {
        Some(o) if !o.is_none() => strict_array(o, func, arg).map(Some),
        _ => Ok(None),
    }
}

#[pyfunction]
#[pyo3(signature = (c, a, b, /, alpha = 1.0, beta = 1.0, *, stream = None))]
fn addmm(
    c: &Bound<'_, PyAny>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    alpha: f64,
    beta: f64,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let c = strict_array(c, "addmm", "c")?;
    let a = strict_array(a, "addmm", "a")?;
    let b = strict_array(b, "addmm", "b")?;
    on_stream(stream, || ops::addmm(&c, &a, &b, alpha, beta)).map(PyArray::new_py)
}

/// Binds a two-array product `name(a, b, /, *, stream=None)`.
macro_rules! pair_op {
    ($($name:ident),*) => {$(
        #[pyfunction]
        #[pyo3(signature = (a, b, /, *, stream = None))]
        fn $name(
            a: &Bound<'_, PyAny>,
            b: &Bound<'_, PyAny>,
            stream: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<PyArray> {
            let a = strict_array(a, stringify!($name), "a")?;
            let b = strict_array(b, stringify!($name), "b")?;
            on_stream(stream, || ops::$name(&a, &b)).map(PyArray::new_py)
        }
    )*};
}
pair_op!(inner, outer);

#[pyfunction]
#[pyo3(signature = (a, b, *, stream = None))]
fn kron(
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "kron", "a")?;
    let b = strict_array(b, "kron", "b")?;
    on_stream(stream, || ops::kron(&a, &b)).map(PyArray::new_py)
}

/// `tensordot`'s `axes`: a count, or two sequences of axes.
enum Axes {
    Count(i32),
    Pairs(Vec<i32>, Vec<i32>),
}

fn tensordot_axes(obj: &Bound<'_, PyAny>) -> PyResult<Axes> {
    let expected = "an int or a list of two sequences of ints";
    if obj.is_instance_of::<PyFloat>() {
        return Err(bad_arg("tensordot", "axes", expected, obj));
    }
    if let Ok(n) = obj.extract::<i32>() {
        return Ok(Axes::Count(n));
    }
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Err(bad_arg("tensordot", "axes", expected, obj));
    }
    let Ok(items) = obj.try_iter() else {
        return Err(bad_arg("tensordot", "axes", expected, obj));
    };
    let mut lists = Vec::new();
    for item in items {
        let item = item?;
        let axes = int_sequence(&item, "tensordot", "axes")
            .map_err(|_| bad_arg("tensordot", "axes", expected, obj))?;
        lists.push(axes);
    }
    match <[Vec<i32>; 2]>::try_from(lists) {
        Ok([x, y]) => Ok(Axes::Pairs(x, y)),
        Err(_) => Err(value_error("[tensordot] axes must be a list of two lists.")),
    }
}

#[pyfunction]
#[pyo3(signature = (a, b, /, axes = None, *, stream = None))]
fn tensordot(
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    axes: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "tensordot", "a")?;
    let b = strict_array(b, "tensordot", "b")?;
    let axes = match axes {
        Some(o) => tensordot_axes(o)?,
        None => Axes::Count(2),
    };
    on_stream(stream, || match &axes {
        Axes::Count(n) => ops::tensordot(&a, &b, *n),
        Axes::Pairs(x, y) => ops::tensordot_axes(&a, &b, x, y),
    })
    .map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, b, /, axis = -1, *, stream = None))]
fn vecdot(
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    axis: i32,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "vecdot", "a")?;
    let b = strict_array(b, "vecdot", "b")?;
    on_stream(stream, || ops::vecdot(&a, &b, axis)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, b, /, block_size = 64, mask_out = None, mask_lhs = None, mask_rhs = None, *, stream = None))]
#[allow(clippy::too_many_arguments)]
fn block_masked_mm(
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    block_size: i32,
    mask_out: Option<&Bound<'_, PyAny>>,
    mask_lhs: Option<&Bound<'_, PyAny>>,
    mask_rhs: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "block_masked_mm";
    let a = strict_array(a, f, "a")?;
    let b = strict_array(b, f, "b")?;
    let mo = opt_array(mask_out, f, "mask_out")?;
    let ml = opt_array(mask_lhs, f, "mask_lhs")?;
    let mr = opt_array(mask_rhs, f, "mask_rhs")?;
    on_stream(stream, || {
        ops::block_masked_mm(&a, &b, block_size, mo.as_ref(), ml.as_ref(), mr.as_ref())
    })
    .map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, b, /, lhs_indices = None, rhs_indices = None, *, sorted_indices = false, stream = None))]
fn gather_mm(
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    lhs_indices: Option<&Bound<'_, PyAny>>,
    rhs_indices: Option<&Bound<'_, PyAny>>,
    sorted_indices: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "gather_mm";
    let a = strict_array(a, f, "a")?;
    let b = strict_array(b, f, "b")?;
    let li = opt_array(lhs_indices, f, "lhs_indices")?;
    let ri = opt_array(rhs_indices, f, "rhs_indices")?;
    on_stream(stream, || {
        ops::gather_mm(&a, &b, li.as_ref(), ri.as_ref(), sorted_indices)
    })
    .map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, b, /, segments, *, stream = None))]
fn segmented_mm(
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    segments: &Bound<'_, PyAny>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "segmented_mm", "a")?;
    let b = strict_array(b, "segmented_mm", "b")?;
    let s = strict_array(segments, "segmented_mm", "segments")?;
    on_stream(stream, || ops::segmented_mm(&a, &b, &s)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, scale = None, stream = None))]
fn hadamard_transform(
    a: &Bound<'_, PyAny>,
    scale: Option<f64>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "hadamard_transform", "a")?;
    on_stream(stream, || ops::hadamard_transform(&a, scale)).map(PyArray::new_py)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(addmm, m)?)?;
    m.add_function(wrap_pyfunction!(inner, m)?)?;
    m.add_function(wrap_pyfunction!(outer, m)?)?;
    m.add_function(wrap_pyfunction!(kron, m)?)?;
    m.add_function(wrap_pyfunction!(tensordot, m)?)?;
    m.add_function(wrap_pyfunction!(vecdot, m)?)?;
    m.add_function(wrap_pyfunction!(block_masked_mm, m)?)?;
    m.add_function(wrap_pyfunction!(gather_mm, m)?)?;
    m.add_function(wrap_pyfunction!(segmented_mm, m)?)?;
    m.add_function(wrap_pyfunction!(hadamard_transform, m)?)?;
    Ok(())
}
