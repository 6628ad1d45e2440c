//! rmlx errors as the Python exceptions MLX raises.

use pyo3::exceptions::{PyIndexError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::PyErr;

/// The Python exception for an engine error: ValueError for bad arguments, IndexError for
/// indices MLX reports that way, TypeError for wrong types, RuntimeError for failures while
/// evaluating (out of memory included).
pub(crate) fn to_py(e: rmlx::Error) -> PyErr {
    let msg = e.to_string();
    match e {
        rmlx::Error::InvalidArgument(_) => PyValueError::new_err(msg),
        rmlx::Error::Index(_) => PyIndexError::new_err(msg),
        rmlx::Error::Type(_) => PyTypeError::new_err(msg),
        _ => PyRuntimeError::new_err(msg),
    }
}

/// `.py()` turns an engine `Result` into a `PyResult`.
pub(crate) trait IntoPy<T> {
    fn py(self) -> pyo3::PyResult<T>;
}

impl<T> IntoPy<T> for rmlx::Result<T> {
    #[inline]
    fn py(self) -> pyo3::PyResult<T> {
        self.map_err(to_py)
    }
}

/// A ValueError with `msg`.
pub(crate) fn value_error(msg: impl Into<String>) -> PyErr {
    PyValueError::new_err(msg.into())
}

/// A TypeError with `msg`.
pub(crate) fn type_error(msg: impl Into<String>) -> PyErr {
    PyTypeError::new_err(msg.into())
}
