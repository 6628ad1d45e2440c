//! `can_cast` and `isdtype`.

use crate::array::PyArray;
use crate::dtype::PyDtype;
use crate::errors::{value_error, IntoPy};
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use rmlx::{ops, Dtype};

/// `from_` may be an array (its dtype counts) or a dtype; anything else is MLX's
/// ValueError. `to` must be a dtype (the binding's TypeError otherwise).
#[pyfunction]
#[pyo3(signature = (from_, to))]
fn can_cast(from_: &Bound<'_, PyAny>, to: PyDtype) -> PyResult<bool> {
    let from = if let Ok(a) = from_.cast::<PyArray>() {
        a.borrow().inner.dtype()
    } else if let Ok(d) = from_.extract::<PyDtype>() {
        d.0
    } else {
        return Err(value_error(
            "[can_cast] `from_` must be an array or a dtype.",
        ));
    };
    Ok(ops::can_cast(from, to.0))
}

fn bad_kind() -> PyErr {
    value_error("[isdtype] `kind` must be a dtype, a string, or a tuple of dtypes and strings.")
}

/// Whether `dtype` matches one kind: a dtype (equality) or a kind name.
fn matches_one(dtype: Dtype, kind: &Bound<'_, PyAny>) -> PyResult<bool> {
    if let Ok(d) = kind.extract::<PyDtype>() {
        return Ok(d.0 == dtype);
    }
    if let Ok(s) = kind.cast::<PyString>() {
        return ops::isdtype(dtype, s.to_str()?).py();
    }
    Err(bad_kind())
}

/// `kind` is a dtype, a kind name, or a tuple of those (not nested, not a list).
#[pyfunction]
#[pyo3(signature = (dtype, kind))]
fn isdtype(dtype: PyDtype, kind: &Bound<'_, PyAny>) -> PyResult<bool> {
    if let Ok(t) = kind.cast::<PyTuple>() {
        let mut any = false;
        for k in t.iter() {
            // Every entry is checked (a bad one is an error even after a match).
            any |= matches_one(dtype.0, &k)?;
        }
        return Ok(any);
    }
    matches_one(dtype.0, kind)
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(can_cast, m)?)?;
    m.add_function(wrap_pyfunction!(isdtype, m)?)?;
    Ok(())
}
