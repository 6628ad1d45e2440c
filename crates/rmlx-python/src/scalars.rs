//! Array elements as Python scalars: `item()` and `tolist()`.

use crate::element::with_element;
use crate::errors::IntoPy;
use pyo3::prelude::*;
use pyo3::types::{PyComplex, PyList};
use rmlx::{Array, Element, Scalar};

/// One element as the Python type MLX returns: bool, int, float or complex.
pub(crate) fn scalar_to_py(py: Python<'_>, s: Scalar) -> PyResult<Py<PyAny>> {
    Ok(match s {
        Scalar::Bool(b) => b.into_pyobject(py)?.to_owned().into_any().unbind(),
        Scalar::Int(i) => i.into_pyobject(py)?.into_any().unbind(),
        Scalar::Uint(u) => u.into_pyobject(py)?.into_any().unbind(),
        Scalar::Float(f) => f.into_pyobject(py)?.into_any().unbind(),
        Scalar::Complex(re, im) => PyComplex::from_doubles(py, re as f64, im as f64)
            .into_any()
            .unbind(),
    })
}

/// The evaluated array as nested Python lists (a scalar for 0-d arrays).
pub(crate) fn to_pylist(py: Python<'_>, a: &Array) -> PyResult<Py<PyAny>> {
    let dtype = a.dtype();
    let items: Vec<Py<PyAny>> = with_element!(dtype, T => {
        let bytes = a.to_bytes().py()?;
        let n = a.size();
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            // SAFETY: `bytes` holds `n` row-major elements of `T` (the array's dtype); the
            // unaligned read copes with the byte vector's alignment.
            let v: T = unsafe {
                std::ptr::read_unaligned(bytes.as_ptr().add(i * std::mem::size_of::<T>()) as *const T)
            };
            out.push(scalar_to_py(py, v.to_scalar())?);
        }
        out
    });
    if a.ndim() == 0 {
        return Ok(items.into_iter().next().unwrap_or_else(|| py.None()));
    }
    let mut iter = items.into_iter();
    nest(py, a.shape(), &mut iter)
}

fn nest(
    py: Python<'_>,
    shape: &[i32],
    items: &mut impl Iterator<Item = Py<PyAny>>,
) -> PyResult<Py<PyAny>> {
    let n = shape[0] as usize;
    let list = if shape.len() == 1 {
        PyList::new(py, items.take(n).collect::<Vec<_>>())?
    } else {
        let mut rows = Vec::with_capacity(n);
        for _ in 0..n {
            rows.push(nest(py, &shape[1..], items)?);
        }
        PyList::new(py, rows)?
    };
    Ok(list.into_any().unbind())
}
