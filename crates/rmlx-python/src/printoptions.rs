//! MLX's print options: `set_printoptions`, `get_printoptions`, the `PrintOptions` class and
//! the `printoptions(...)` context manager.
//!
//! The options are process-wide, as in MLX. Today there is one: `precision`, where `-1`
//! means "the default format" (`%g`) and any other value fixed notation with that many
//! decimals (see [`crate::format::FloatStyle`]).

use crate::errors::type_error;
use crate::format::FloatStyle;
use pyo3::prelude::*;
use std::sync::atomic::{AtomicI32, Ordering};

/// The process-wide print precision.
static PRECISION: AtomicI32 = AtomicI32::new(-1);

/// How floating-point elements print right now.
pub(crate) fn float_style() -> FloatStyle {
    FloatStyle::from_precision(PRECISION.load(Ordering::Relaxed))
}

/// A `precision` argument: any Python integer that fits a C `int`. Like MLX, anything else
/// (floats, `None`, out-of-range integers) is a `TypeError`, not an `OverflowError`.
#[derive(Clone, Copy)]
struct Precision(i32);

impl<'a, 'py> FromPyObject<'a, 'py> for Precision {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        obj.extract::<i32>()
            .map(Precision)
            .map_err(|_| type_error("precision must be an int that fits in a C int"))
    }
}

/// A snapshot of the print options (MLX's `PrintOptions`). Changing its attributes changes
/// only the snapshot; `set_printoptions` or a `printoptions` context applies options.
#[pyclass(name = "PrintOptions", module = "rmlx.core")]
#[derive(Clone)]
pub struct PyPrintOptions {
    /// Decimals of fixed notation, or -1 for the default format.
    #[pyo3(get)]
    precision: i32,
}

#[pymethods]
impl PyPrintOptions {
    #[new]
    #[pyo3(signature = (precision = Precision(-1)))]
    fn py_new(precision: Precision) -> Self {
        PyPrintOptions::new(precision.0)
    }

    #[setter]
    fn set_precision(&mut self, precision: Precision) {
        self.precision = precision.0;
    }
}

impl PyPrintOptions {
    fn new(precision: i32) -> Self {
        PyPrintOptions { precision }
    }

    fn current() -> Self {
        PyPrintOptions {
            precision: PRECISION.load(Ordering::Relaxed),
        }
    }

    fn apply(&self) {
        PRECISION.store(self.precision, Ordering::Relaxed);
    }
}

/// The context manager `printoptions(...)` returns: entering applies its options and
/// remembers the ones in force; leaving restores them (MLX's `_PrintOptionsContext`).
#[pyclass(name = "_PrintOptionsContext", module = "rmlx.core")]
#[derive(Clone)]
pub struct PyPrintOptionsContext {
    options: PyPrintOptions,
    /// The options to restore on exit. Like MLX, a context left without being entered
    /// restores the defaults.
    saved: PyPrintOptions,
}

#[pymethods]
impl PyPrintOptionsContext {
    #[new]
    fn new(options: PyRef<'_, PyPrintOptions>) -> Self {
        PyPrintOptionsContext::with(options.clone())
    }

    /// Applies the options. Like MLX, returns a new context object rather than `self`.
    fn __enter__(&mut self) -> Self {
        self.saved = PyPrintOptions::current();
        self.options.apply();
        self.clone()
    }

    /// Restores the options in force at `__enter__`; exceptions propagate.
    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, pyo3::types::PyTuple>) {
        self.saved.apply();
    }
}

impl PyPrintOptionsContext {
    fn with(options: PyPrintOptions) -> Self {
        PyPrintOptionsContext {
            options,
            saved: PyPrintOptions::new(-1),
        }
    }
}

/// Sets the global print precision: fixed notation with `precision` decimals, or the
/// default format for -1.
#[pyfunction]
#[pyo3(signature = (precision = Precision(-1)))]
fn set_printoptions(precision: Precision) {
    PyPrintOptions::new(precision.0).apply();
}

/// A copy of the print options in force.
#[pyfunction]
fn get_printoptions() -> PyPrintOptions {
    PyPrintOptions::current()
}

/// A context manager that applies these print options while it is entered.
#[pyfunction]
#[pyo3(signature = (precision = Precision(-1)))]
fn printoptions(precision: Precision) -> PyPrintOptionsContext {
    PyPrintOptionsContext::with(PyPrintOptions::new(precision.0))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPrintOptions>()?;
    m.add_class::<PyPrintOptionsContext>()?;
    m.add_function(wrap_pyfunction!(set_printoptions, m)?)?;
    m.add_function(wrap_pyfunction!(get_printoptions, m)?)?;
    m.add_function(wrap_pyfunction!(printoptions, m)?)?;
    Ok(())
}
