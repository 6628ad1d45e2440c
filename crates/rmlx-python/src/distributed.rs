//! `mx.distributed` for a single process: MLX's behaviour when no communication backend
//! can start.
//!
//! rmlx has no backend (no MPI, ring, NCCL or JACCL), so `is_available()` is False and
//! `init()` returns the singleton group: rank 0 of 1. Over it the reductions and gathers
//! return their input, and point-to-point `send`/`recv` raise MLX's ValueError. The
//! signatures, names and errors are MLX's, so multi-process code runs unchanged on one
//! process.

use crate::array::PyArray;
use crate::convert::array_arg;
use crate::device::stream_of;
use crate::dtype::dtype_arg;
use crate::errors::value_error;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use rmlx::Array;

/// The backends MLX knows by name.
const BACKENDS: [&str; 5] = ["any", "mpi", "nccl", "jaccl", "ring"];

/// A group of processes that communicate (MLX's `mlx.core.distributed.Group`). Only the
/// singleton group exists here.
#[pyclass(name = "Group", module = "rmlx.core.distributed", frozen)]
pub struct PyGroup {
    rank: i32,
    size: i32,
}

impl PyGroup {
    fn singleton() -> PyGroup {
        PyGroup { rank: 0, size: 1 }
    }
}

#[pymethods]
impl PyGroup {
    /// The rank of this process in the group.
    fn rank(&self) -> i32 {
        self.rank
    }

    /// The number of processes in the group.
    fn size(&self) -> i32 {
        self.size
    }

    /// Splits the group by `color` (ordering by `key`); a singleton cannot be split.
    #[pyo3(signature = (color, key = -1))]
    fn split(&self, color: i32, key: i32) -> PyResult<PyGroup> {
        let _ = (color, key);
        Err(PyRuntimeError::new_err(
            "Cannot split the distributed group further.",
        ))
    }
}

fn check_backend(backend: &str) -> PyResult<()> {
    if BACKENDS.contains(&backend) {
        return Ok(());
    }
    Err(value_error(format!(
        "[distributed] The only valid values for backend are 'any', 'mpi', 'nccl', 'jaccl' \
         and 'ring' but '{backend}' was provided."
    )))
}

/// Whether a communication backend is available: none is, in rmlx.
#[pyfunction]
#[pyo3(signature = (backend = "any"))]
fn is_available(backend: &str) -> bool {
    let _ = backend;
    false
}

/// The global group: the singleton group unless `strict`, which fails since no backend
/// can start.
#[pyfunction]
#[pyo3(signature = (strict = false, backend = "any", *, all_gather_factory = None))]
fn init(
    strict: bool,
    backend: &str,
    all_gather_factory: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyGroup> {
    let _ = all_gather_factory;
    check_backend(backend)?;
    if strict {
        return Err(PyRuntimeError::new_err(if backend == "any" {
            "[distributed] Couldn't initialize any backend".to_string()
        } else {
            format!("[distributed] Cannot initialize the '{backend}' backend: rmlx has none.")
        }));
    }
    Ok(PyGroup::singleton())
}

/// The input of a collective: an array or a scalar, as MLX's `array` argument (lists are
/// not accepted there).
fn collective_input(x: &Bound<'_, PyAny>) -> PyResult<Array> {
    if x.is_instance_of::<PyList>() || x.is_instance_of::<PyTuple>() {
        return Err(value_error(format!(
            "Invalid type {} received in array initialization.",
            x.get_type().name()?
        )));
    }
    array_arg(x)
}

/// Checks the `group=` and `stream=` arguments and returns the group's size.
fn group_size(group: Option<&PyGroup>, stream: Option<&Bound<'_, PyAny>>) -> PyResult<i32> {
    stream_of(stream)?;
    Ok(group.map_or(1, |g| g.size))
}

/// A collective over a group of one: every process's `x` is just `x`.
fn identity_collective(
    x: &Bound<'_, PyAny>,
    group: Option<&PyGroup>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let x = collective_input(x)?;
    group_size(group, stream)?;
    Ok(PyArray::new_py(x))
}

// PyO3's generated wrappers for functions written by a `macro_rules!` carry this crate's
// spans, so the workspace's `unsafe_op_in_unsafe_fn` lint would fire on PyO3's own code.
#[allow(unsafe_op_in_unsafe_fn)]
mod identity {
    use super::*;

    /// The collectives that, over a group of one, return their input: one signature
    /// `(x, *, group=None, stream=None)` and one body, `identity_collective`.
    macro_rules! identity_collectives {
        ($($(#[doc = $doc:literal])* $name:ident),* $(,)?) => {
            $(
                $(#[doc = $doc])*
                #[pyfunction]
                #[pyo3(signature = (x, *, group = None, stream = None))]
                pub(super) fn $name(
                    x: &Bound<'_, PyAny>,
                    group: Option<PyRef<'_, PyGroup>>,
                    stream: Option<&Bound<'_, PyAny>>,
                ) -> PyResult<PyArray> {
                    identity_collective(x, group.as_deref(), stream)
                }
            )*
            pub(super) fn register(sub: &Bound<'_, PyModule>) -> PyResult<()> {
                $( sub.add_function(wrap_pyfunction!($name, sub)?)?; )*
                Ok(())
            }
        };
    }

    identity_collectives!(
        /// Sum of `x` over all processes in the group.
        all_sum,
        /// Maximum of `x` over all processes in the group.
        all_max,
        /// Minimum of `x` over all processes in the group.
        all_min,
        /// The `x` of every process concatenated along the first axis; with one process,
        /// `x` (0-d included, as in MLX).
        all_gather,
        /// The sum over processes, split along the first axis; with one process, `x`.
        sum_scatter,
    );
}

/// Sends `x` to rank `dst`; a singleton group has nobody to send to.
#[pyfunction]
#[pyo3(signature = (x, dst, *, group = None, stream = None))]
fn send(
    x: &Bound<'_, PyAny>,
    dst: i32,
    group: Option<PyRef<'_, PyGroup>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let _ = (collective_input(x)?, dst);
    group_size(group.as_deref(), stream)?;
    Err(value_error("Cannot send to a singleton group"))
}

/// Receives an array of `shape` and `dtype` from rank `src`; a singleton group has nobody
/// to receive from.
#[pyfunction]
#[pyo3(signature = (shape, dtype, src, *, group = None, stream = None))]
fn recv(
    shape: Vec<i32>,
    dtype: &Bound<'_, PyAny>,
    src: i32,
    group: Option<PyRef<'_, PyGroup>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let _ = (shape, dtype_arg(dtype)?, src);
    group_size(group.as_deref(), stream)?;
    Err(value_error("Cannot recv from a singleton group"))
}

/// `recv(x.shape, x.dtype, src)`.
#[pyfunction]
#[pyo3(signature = (x, src, *, group = None, stream = None))]
fn recv_like(
    x: &Bound<'_, PyAny>,
    src: i32,
    group: Option<PyRef<'_, PyGroup>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let _ = (collective_input(x)?, src);
    group_size(group.as_deref(), stream)?;
    Err(value_error("Cannot recv from a singleton group"))
}

/// Adds the `distributed` submodule, also importable as `rmlx.core.distributed`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let sub = PyModule::new(py, "rmlx.core.distributed")?;
    sub.add_class::<PyGroup>()?;
    sub.add_function(wrap_pyfunction!(is_available, &sub)?)?;
    sub.add_function(wrap_pyfunction!(init, &sub)?)?;
    identity::register(&sub)?;
    sub.add_function(wrap_pyfunction!(send, &sub)?)?;
    sub.add_function(wrap_pyfunction!(recv, &sub)?)?;
    sub.add_function(wrap_pyfunction!(recv_like, &sub)?)?;
    m.add("distributed", &sub)?;
    // `import rmlx.core.distributed` and `from rmlx.core.distributed import init` look the
    // submodule up here, as they do for MLX's.
    py.import("sys")?
        .getattr("modules")?
        .set_item("rmlx.core.distributed", &sub)?;
    Ok(())
}
