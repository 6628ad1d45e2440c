//! `searchsorted` and `unique`.

use crate::array::PyArray;
use crate::convert::Operand;
use crate::device::on_stream;
use crate::errors::IntoPy;
use crate::ops::args::{scalar_or_array, strict_array};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use rmlx::{ops, Array, Dtype, Scalar};

#[pyfunction]
#[pyo3(signature = (sorted_sequence, values, /, side = "left", *, stream = None))]
fn searchsorted(
    sorted_sequence: &Bound<'_, PyAny>,
    values: &Bound<'_, PyAny>,
    side: &str,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let seq = strict_array(sorted_sequence, "searchsorted", "sorted_sequence")?;
    let values = strict_array(values, "searchsorted", "values")?;
    on_stream(stream, || ops::searchsorted(&seq, &values, side)).map(PyArray::new_py)
}

/// `unique`'s `fill_value`: an array (the engine casts it), or a Python scalar weakly
/// typed against `dtype` as in MLX (an int must fit an integer dtype; a float converts
/// C-style).
fn fill_arg(obj: Option<&Bound<'_, PyAny>>, dtype: Dtype) -> PyResult<Option<Array>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    Ok(Some(match scalar_or_array(obj, "unique")? {
        Operand::Array(a) => a,
        Operand::Scalar(s) => {
            let like = Array::from_scalar(Scalar::Bool(false), dtype);
            ops::scalar_like(s, &like).py()?
        }
    }))
}

/// The sorted unique values, or a tuple of (values, index, inverse, counts) restricted to
/// those requested.
#[pyfunction]
#[pyo3(signature = (
    a, /, size, return_index = false, return_inverse = false, return_counts = false,
    fill_value = None, *, stream = None
))]
#[allow(clippy::too_many_arguments)]
fn unique<'py>(
    py: Python<'py>,
    a: &Bound<'py, PyAny>,
    size: i32,
    return_index: bool,
    return_inverse: bool,
    return_counts: bool,
    fill_value: Option<&Bound<'py, PyAny>>,
    stream: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let a = strict_array(a, "unique", "a")?;
    let fill = fill_arg(fill_value, a.dtype())?;
    let u = on_stream(stream, || ops::unique(&a, size, fill.as_ref()))?;
    if !(return_index || return_inverse || return_counts) {
        return Ok(Bound::new(py, PyArray::new_py(u.values))?.into_any());
    }
    let mut out = vec![u.values];
    for (wanted, x) in [
        (return_index, u.index),
        (return_inverse, u.inverse),
        (return_counts, u.counts),
    ] {
        if wanted {
            out.push(x);
        }
    }
    Ok(PyTuple::new(py, out.into_iter().map(PyArray::new_py))?.into_any())
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(searchsorted, m)?)?;
    m.add_function(wrap_pyfunction!(unique, m)?)?;
    Ok(())
}
