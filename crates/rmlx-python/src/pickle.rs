//! Pickling and copying arrays: `pickle`, `copy.copy`, `copy.deepcopy`.
//!
//! MLX's state is `(numpy_array, dtype_code)`, which needs NumPy; this package never imports
//! it, so its own state is `(bytes, shape, dtype_code)` with the elements row-major. The
//! dtype code is the dtype's position in MLX's order (bool 0 ... bfloat16 12, complex64 13),
//! as in MLX. `__setstate__` takes both forms, so a state made by MLX loads here too.
//!
//! Copies are new Python objects holding the same engine array, as in MLX: they share the
//! memory (a write through a NumPy view shows in both), and rebinding one (`a += 1`) leaves
//! the other alone. `deepcopy` behaves the same way in MLX.

use crate::array::PyArray;
use crate::convert::to_array;
use crate::errors::{value_error, IntoPy};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use rmlx::dtype::ALL_DTYPES;
use rmlx::{Array, Dtype};

/// MLX's code for a dtype.
fn dtype_code(d: Dtype) -> usize {
    ALL_DTYPES.iter().position(|&x| x == d).unwrap_or(0)
}

fn dtype_from_code(code: usize) -> PyResult<Dtype> {
    ALL_DTYPES.get(code).copied().ok_or_else(|| {
        value_error(format!(
            "[array.__setstate__] Unknown dtype code {code}; expected 0 to {}.",
            ALL_DTYPES.len() - 1
        ))
    })
}

/// An array from MLX's state form: array-like data and a dtype code. MLX stores bfloat16
/// as its uint16 bit patterns.
fn from_mlx_state(data: &Bound<'_, PyAny>, dtype: Dtype) -> PyResult<Array> {
    if dtype != Dtype::Bfloat16 {
        return to_array(data, Some(dtype));
    }
    let bits = to_array(data, Some(Dtype::Uint16))?;
    let bytes = bits.to_bytes().py()?;
    Array::from_bytes(&bytes, bits.shape(), Dtype::Bfloat16).py()
}

/// An array from this package's state form: row-major bytes, a shape and a dtype code.
fn from_bytes_state(
    data: &Bound<'_, PyAny>,
    shape: &Bound<'_, PyAny>,
    dtype: Dtype,
) -> PyResult<Array> {
    let bytes = data.cast::<PyBytes>()?.as_bytes();
    let shape: Vec<i32> = shape.extract()?;
    Array::from_bytes(bytes, &shape, dtype).py()
}

#[pymethods]
impl PyArray {
    /// `(bytes, shape, dtype_code)`: the evaluated elements, row-major.
    fn __getstate__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let a = self.inner.clone();
        let bytes = py.detach(|| a.to_bytes()).py()?;
        PyTuple::new(
            py,
            [
                PyBytes::new(py, &bytes).into_any(),
                PyTuple::new(py, self.inner.shape())?.into_any(),
                dtype_code(self.inner.dtype()).into_pyobject(py)?.into_any(),
            ],
        )
    }

    /// Restores from `(bytes, shape, dtype_code)` or MLX's `(array_like, dtype_code)`.
    fn __setstate__(&mut self, state: &Bound<'_, PyTuple>) -> PyResult<()> {
        let code = |i: usize| -> PyResult<Dtype> { dtype_from_code(state.get_item(i)?.extract()?) };
        self.inner = match state.len() {
            2 => from_mlx_state(&state.get_item(0)?, code(1)?)?,
            3 => from_bytes_state(&state.get_item(0)?, &state.get_item(1)?, code(2)?)?,
            n => {
                return Err(value_error(format!(
                    "[array.__setstate__] Expected a state of 2 or 3 items, got {n}."
                )))
            }
        };
        Ok(())
    }

    /// Pickles as `array(0)` followed by `__setstate__`: the class has no argument-free
    /// constructor for pickle's default reduction to call. Protocols 0 and 1 cannot pickle
    /// arrays in MLX either.
    fn __reduce_ex__<'py>(slf: &Bound<'py, Self>, protocol: i32) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        if protocol < 2 {
            return Err(PyTypeError::new_err("cannot pickle 'array' object"));
        }
        let state = slf.borrow().__getstate__(py)?;
        PyTuple::new(
            py,
            [
                slf.get_type().into_any(),
                PyTuple::new(py, [0])?.into_any(),
                state.into_any(),
            ],
        )
    }

    /// A new array object over the same data (MLX's `__copy__`).
    fn __copy__(&self) -> PyArray {
        PyArray::new_py(self.inner.clone())
    }

    /// As `__copy__`: MLX's deep copy shares the data too.
    fn __deepcopy__(&self, memo: &Bound<'_, PyAny>) -> PyArray {
        let _ = memo;
        PyArray::new_py(self.inner.clone())
    }
}
