//! The buffer protocol on `array`: `memoryview(a)`, `np.asarray(a)`, `bytes(a)`.
//!
//! As in MLX the export is zero-copy and writable: a consumer sees the evaluated array's own
//! memory with its real byte strides (0 for broadcast axes, negative for reversed slices),
//! and writing through it changes the array. The export owns a clone of the engine array, not
//! the Python object's current value, because `a += b` and `a[i] = v` rebind what the Python
//! object holds while a NumPy view of the old data may still be alive.
//!
//! One deliberate difference: MLX hands out its strided layout even to consumers that cannot
//! take strides or that demand a contiguous buffer, which makes them read the wrong elements
//! or past the end of a broadcast array. Here such a consumer gets a contiguous copy
//! (read-only), or a BufferError when it asked to write.

use crate::array::PyArray;
use crate::errors::IntoPy;
use pyo3::exceptions::{PyBufferError, PyModuleNotFoundError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyMemoryView;
use rmlx::{ops, Array, Dtype};
use std::ffi::{c_int, CStr};

/// The PEP 3118 format MLX reports for each dtype. bfloat16 has no PEP 3118 code; MLX
/// reports the dtype's name, which NumPy then rejects with its own ValueError.
pub(crate) fn buffer_format(dtype: Dtype) -> &'static CStr {
    match dtype {
        Dtype::Bool => c"?",
        Dtype::Uint8 => c"B",
        Dtype::Uint16 => c"H",
        Dtype::Uint32 => c"I",
        Dtype::Uint64 => c"Q",
        Dtype::Int8 => c"b",
        Dtype::Int16 => c"h",
        Dtype::Int32 => c"i",
        Dtype::Int64 => c"q",
        Dtype::Float16 => c"e",
        Dtype::Float32 => c"f",
        Dtype::Float64 => c"d",
        Dtype::Bfloat16 => c"bfloat16",
        Dtype::Complex64 => c"Zf",
    }
}

/// Evaluates `a` with the GIL released, then describes its memory.
pub(crate) fn evaluated_view(py: Python<'_>, a: &Array) -> PyResult<rmlx::array::RawView> {
    let pending = a.clone();
    py.detach(|| pending.eval()).py()?;
    a.raw_view().py()
}

/// What one export owns, boxed in `Py_buffer::internal` until `__releasebuffer__`.
struct Export {
    /// Keeps the exported memory alive (and out of buffer donation) for the export's life.
    _array: Array,
    shape: Vec<ffi::Py_ssize_t>,
    strides: Vec<ffi::Py_ssize_t>,
}

/// True when the elements are laid out in the order `axes` lists them (innermost last)
/// without gaps. Axes of length 1 do not matter, and an empty array is contiguous.
fn dense_in_order(
    shape: &[i32],
    strides: &[isize],
    itemsize: isize,
    axes: impl Iterator<Item = usize>,
) -> bool {
    if shape.contains(&0) {
        return true;
    }
    let mut expected = itemsize;
    for ax in axes {
        if shape[ax] != 1 && strides[ax] != expected {
            return false;
        }
        expected *= shape[ax] as isize;
    }
    true
}

fn is_c_contiguous(shape: &[i32], strides: &[isize], itemsize: isize) -> bool {
    dense_in_order(shape, strides, itemsize, (0..shape.len()).rev())
}

fn is_f_contiguous(shape: &[i32], strides: &[isize], itemsize: isize) -> bool {
    dense_in_order(shape, strides, itemsize, 0..shape.len())
}

/// Which dense layout a consumer's flags demand, if any.
#[derive(Clone, Copy, PartialEq)]
enum Demand {
    Strided,
    RowMajor,
    ColumnMajor,
    Either,
}

fn demand(flags: c_int) -> Demand {
    let has = |f: c_int| flags & f == f;
    if has(ffi::PyBUF_C_CONTIGUOUS) || !has(ffi::PyBUF_STRIDES) {
        // Without strides a consumer assumes row-major order.
        Demand::RowMajor
    } else if has(ffi::PyBUF_F_CONTIGUOUS) {
        Demand::ColumnMajor
    } else if has(ffi::PyBUF_ANY_CONTIGUOUS) {
        Demand::Either
    } else {
        Demand::Strided
    }
}

/// The array to export for `flags` and whether it is a copy: `a` itself when its layout
/// satisfies the consumer, a dense copy otherwise (a BufferError when the consumer wants to
/// write, since writes into a copy would be lost).
fn exportable(py: Python<'_>, a: &Array, flags: c_int) -> PyResult<(Array, bool)> {
    let a = a.clone();
    let view = evaluated_view(py, &a)?;
    let item = a.itemsize() as isize;
    let c = is_c_contiguous(a.shape(), &view.byte_strides, item);
    let f = is_f_contiguous(a.shape(), &view.byte_strides, item);
    let want = demand(flags);
    let column = match want {
        Demand::Strided => return Ok((a, false)),
        Demand::RowMajor if c => return Ok((a, false)),
        Demand::ColumnMajor if f => return Ok((a, false)),
        Demand::Either if c || f => return Ok((a, false)),
        Demand::ColumnMajor => true,
        _ => false,
    };
    if flags & ffi::PyBUF_WRITABLE == ffi::PyBUF_WRITABLE {
        return Err(PyBufferError::new_err(format!(
            "[array] A writable {} buffer was requested, but the array of shape {:?} is not \
             laid out that way; request strides (e.g. through memoryview or NumPy) to write \
             into it.",
            if column {
                "Fortran-contiguous"
            } else {
                "C-contiguous"
            },
            a.shape()
        )));
    }
    let copy = if column {
        let t = ops::transpose(&a).py()?;
        ops::transpose(&ops::contiguous(&t, false).py()?).py()?
    } else {
        ops::contiguous(&a, false).py()?
    };
    let c2 = copy.clone();
    py.detach(|| c2.eval()).py()?;
    Ok((copy, true))
}

/// Fills `view` for `array`, leaking the owning `Export` into `view.internal`.
///
/// # Safety
/// `view` must point to a writable `Py_buffer`.
unsafe fn fill_view(
    py: Python<'_>,
    array: Array,
    view: *mut ffi::Py_buffer,
    flags: c_int,
    readonly: bool,
) -> PyResult<()> {
    let raw = evaluated_view(py, &array)?;
    let itemsize = array.itemsize() as ffi::Py_ssize_t;
    let export = Box::new(Export {
        shape: array
            .shape()
            .iter()
            .map(|&d| d as ffi::Py_ssize_t)
            .collect(),
        strides: raw.byte_strides.clone(),
        _array: array,
    });
    let ndim = export.shape.len();
    let has = |f: c_int| flags & f == f;
    // SAFETY: the caller guarantees `view` is valid for writes. The pointers stored in it
    // (data, shape, strides, format) stay valid until `__releasebuffer__` frees `export`:
    // the data is owned by the array clone inside it, the vectors never reallocate, and the
    // format is a static string.
    unsafe {
        (*view).buf = raw.ptr as *mut std::ffi::c_void;
        (*view).len = export.shape.iter().product::<ffi::Py_ssize_t>() * itemsize;
        (*view).itemsize = itemsize;
        (*view).readonly = c_int::from(readonly);
        (*view).ndim = ndim as c_int;
        (*view).format = if has(ffi::PyBUF_FORMAT) {
            buffer_format(export._array.dtype()).as_ptr() as *mut _
        } else {
            std::ptr::null_mut()
        };
        // A 0-d array has neither shape nor strides to point at.
        (*view).shape = if has(ffi::PyBUF_ND) && ndim > 0 {
            export.shape.as_ptr() as *mut _
        } else {
            std::ptr::null_mut()
        };
        (*view).strides = if has(ffi::PyBUF_STRIDES) && ndim > 0 {
            export.strides.as_ptr() as *mut _
        } else {
            std::ptr::null_mut()
        };
        (*view).suboffsets = std::ptr::null_mut();
        (*view).internal = Box::into_raw(export) as *mut std::ffi::c_void;
    }
    Ok(())
}

#[pymethods]
impl PyArray {
    /// Exports the evaluated data (see the module notes for layouts and lifetime).
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        if view.is_null() {
            return Err(PyBufferError::new_err("[array] The buffer view is null."));
        }
        let py = slf.py();
        let current = slf.borrow().inner.clone();
        // A dense copy made for the consumer is read-only: writes into it would be lost.
        let (array, readonly) = exportable(py, &current, flags)?;
        // SAFETY: `view` is non-null and CPython hands us a writable Py_buffer.
        unsafe {
            (*view).obj = std::ptr::null_mut();
            fill_view(py, array, view, flags, readonly)?;
            // The view holds a reference to the exporting object, as the protocol requires.
            (*view).obj = slf.into_any().into_ptr();
        }
        Ok(())
    }

    /// Frees what `__getbuffer__` stored for this view.
    unsafe fn __releasebuffer__(&self, view: *mut ffi::Py_buffer) {
        if view.is_null() {
            return;
        }
        // SAFETY: `internal` was set by `fill_view` to a leaked `Box<Export>` and CPython
        // calls this exactly once per successful export; it is cleared so a second call
        // would be harmless.
        unsafe {
            let internal = (*view).internal as *mut Export;
            if !internal.is_null() {
                drop(Box::from_raw(internal));
                (*view).internal = std::ptr::null_mut();
            }
        }
    }

    /// A NumPy array sharing this array's memory (through the buffer protocol). As in MLX,
    /// `dtype` and `copy` are accepted and ignored: NumPy casts or copies afterwards when it
    /// asked for that. NumPy is taken from `sys.modules` (whoever calls `__array__` has
    /// loaded it); this package never imports it.
    #[pyo3(signature = (dtype = None, copy = None))]
    fn __array__<'py>(
        slf: &Bound<'py, Self>,
        dtype: Option<&Bound<'py, PyAny>>,
        copy: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let _ = (dtype, copy);
        if slf.borrow().inner.dtype() == Dtype::Bfloat16 {
            return Err(PyTypeError::new_err(
                "bfloat16 arrays cannot be converted to NumPy.",
            ));
        }
        let py = slf.py();
        let numpy = py
            .import("sys")?
            .getattr("modules")?
            .get_item("numpy")
            .map_err(|_| {
                PyModuleNotFoundError::new_err("[array.__array__] NumPy has not been imported.")
            })?;
        let view = PyMemoryView::from(slf.as_any())?;
        numpy.call_method1("asarray", (view,))
    }

    /// The elements as bytes in row-major order (MLX's `__bytes__`).
    fn __bytes__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        let a = self.inner.clone();
        let bytes = py.detach(|| a.to_bytes()).py()?;
        Ok(pyo3::types::PyBytes::new(py, &bytes))
    }
}
