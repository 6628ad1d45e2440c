//! `from_dlpack`.

use crate::array::PyArray;
use crate::convert::to_array;
use crate::dlpack::from_dlpack_object;
use crate::errors::{type_error, value_error};
use crate::ops::args::type_name;
use pyo3::exceptions::PyBufferError;
use pyo3::prelude::*;

fn not_dlpack(obj: &Bound<'_, PyAny>) -> PyErr {
    type_error(format!(
        "from_dlpack(): incompatible function arguments: 'x' must support DLPack, not {}.",
        type_name(obj)
    ))
}

/// An array with a copy of the data of any `__dlpack__` producer (NumPy, PyTorch, rmlx,
/// MLX) or, as MLX also accepts, of an object with the buffer protocol (NumPy scalars,
/// `bytes`). rmlx always copies (float64 becomes float32, as everywhere), so
/// `copy=False` is MLX's ValueError for a CPU import it cannot share.
/// Whether `obj` exports the buffer protocol.
fn has_buffer(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: `PyObject_CheckBuffer` only inspects the type of a live object and sets no
    // error.
    unsafe { pyo3::ffi::PyObject_CheckBuffer(obj.as_ptr()) == 1 }
}

#[pyfunction]
#[pyo3(signature = (x, /, *, copy = None))]
fn from_dlpack(x: &Bound<'_, PyAny>, copy: Option<bool>) -> PyResult<PyArray> {
    if copy == Some(false) {
        return Err(value_error(
            "[convert] Cannot import a CPU array without a copy.",
        ));
    }
    match from_dlpack_object(x, None) {
        Ok(Some(a)) => Ok(PyArray::new_py(a)),
        Ok(None) if has_buffer(x) => to_array(x, None).map(PyArray::new_py),
        Ok(None) => Err(not_dlpack(x)),
        // A producer that cannot export this array (a NumPy string array, say) is, to
        // MLX's binding, not DLPack-compatible.
        Err(e) if e.is_instance_of::<PyBufferError>(x.py()) => Err(not_dlpack(x)),
        Err(e) => Err(e),
    }
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(from_dlpack, m)?)
}
