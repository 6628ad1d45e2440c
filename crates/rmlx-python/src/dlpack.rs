//! DLPack: `a.__dlpack__()` / `a.__dlpack_device__()` for `np.from_dlpack(a)` and
//! `torch.from_dlpack(a)`, and reading other libraries' DLPack tensors when constructing an
//! array (`mx.array(torch_tensor)`).
//!
//! As MLX does, the export is the unversioned `"dltensor"` capsule whatever `max_version`
//! asks for, on the CPU, zero-copy, with the array's real strides. The capsule owns a clone
//! of the engine array; its deleter (run by the consumer, or by the capsule's destructor when
//! nobody consumed it) drops that clone.

use crate::array::PyArray;
use crate::errors::IntoPy;
use pyo3::exceptions::{PyBufferError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use rmlx::{Array, Dtype};
use std::ffi::{c_void, CStr};

/// DLPack's device type for host memory.
const KDL_CPU: i32 = 1;

// DLPack's type codes.
const KDL_INT: u8 = 0;
const KDL_UINT: u8 = 1;
const KDL_FLOAT: u8 = 2;
const KDL_BFLOAT: u8 = 4;
const KDL_COMPLEX: u8 = 5;
const KDL_BOOL: u8 = 6;

const CAPSULE_NAME: &CStr = c"dltensor";

// The DLPack ABI (dlpack.h, unversioned), field for field.
#[repr(C)]
#[derive(Clone, Copy)]
struct DLDevice {
    device_type: i32,
    device_id: i32,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct DLDataType {
    code: u8,
    bits: u8,
    lanes: u16,
}

#[repr(C)]
struct DLTensor {
    data: *mut c_void,
    device: DLDevice,
    ndim: i32,
    dtype: DLDataType,
    shape: *mut i64,
    strides: *mut i64,
    byte_offset: u64,
}

#[repr(C)]
struct DLManagedTensor {
    dl_tensor: DLTensor,
    manager_ctx: *mut c_void,
    deleter: Option<unsafe extern "C" fn(*mut DLManagedTensor)>,
}

/// An exported tensor and what keeps it valid. `tensor` comes first so a pointer to the
/// `DLManagedTensor` is a pointer to the whole export.
#[repr(C)]
struct Export {
    tensor: DLManagedTensor,
    _array: Array,
    shape: Vec<i64>,
    strides: Vec<i64>,
}

/// The DLPack type of a dtype.
fn dl_dtype(dtype: Dtype) -> DLDataType {
    let code = match dtype {
        Dtype::Bool => KDL_BOOL,
        Dtype::Uint8 | Dtype::Uint16 | Dtype::Uint32 | Dtype::Uint64 => KDL_UINT,
        Dtype::Int8 | Dtype::Int16 | Dtype::Int32 | Dtype::Int64 => KDL_INT,
        Dtype::Float16 | Dtype::Float32 | Dtype::Float64 => KDL_FLOAT,
        Dtype::Bfloat16 => KDL_BFLOAT,
        Dtype::Complex64 => KDL_COMPLEX,
    };
    DLDataType {
        code,
        bits: (dtype.size() * 8) as u8,
        lanes: 1,
    }
}

/// What a DLPack tensor's elements are: an MLX dtype, or complex128 (narrowed on import).
pub(crate) enum Source {
    Dtype(Dtype),
    Complex128,
}

fn source_of(t: DLDataType) -> PyResult<Source> {
    let d = match (t.code, t.bits) {
        (KDL_BOOL, 8) => Dtype::Bool,
        (KDL_UINT, 8) => Dtype::Uint8,
        (KDL_UINT, 16) => Dtype::Uint16,
        (KDL_UINT, 32) => Dtype::Uint32,
        (KDL_UINT, 64) => Dtype::Uint64,
        (KDL_INT, 8) => Dtype::Int8,
        (KDL_INT, 16) => Dtype::Int16,
        (KDL_INT, 32) => Dtype::Int32,
        (KDL_INT, 64) => Dtype::Int64,
        (KDL_FLOAT, 16) => Dtype::Float16,
        (KDL_FLOAT, 32) => Dtype::Float32,
        (KDL_FLOAT, 64) => Dtype::Float64,
        (KDL_BFLOAT, 16) => Dtype::Bfloat16,
        (KDL_COMPLEX, 64) => Dtype::Complex64,
        (KDL_COMPLEX, 128) if t.lanes == 1 => return Ok(Source::Complex128),
        _ => {
            return Err(PyRuntimeError::new_err(format!(
                "[array] Unsupported DLPack data type (code {}, bits {}, lanes {}).",
                t.code, t.bits, t.lanes
            )))
        }
    };
    if t.lanes != 1 {
        return Err(PyRuntimeError::new_err(format!(
            "[array] Vector DLPack data types are not supported ({} lanes).",
            t.lanes
        )));
    }
    Ok(Source::Dtype(d))
}

/// Frees an export: the DLPack deleter. Consumers may call it from any thread without the
/// GIL; dropping an engine array needs neither.
unsafe extern "C" fn delete_export(tensor: *mut DLManagedTensor) {
    if !tensor.is_null() {
        // SAFETY: every tensor with this deleter is the first field of a leaked
        // `Box<Export>` (see `export`), and DLPack calls the deleter once.
        drop(unsafe { Box::from_raw(tensor as *mut Export) });
    }
}

/// The capsule's destructor: frees the export unless a consumer took it (renaming the
/// capsule to "used_dltensor" and taking over the deleter).
unsafe extern "C" fn capsule_destructor(capsule: *mut ffi::PyObject) {
    // SAFETY: CPython calls this with the capsule being destroyed; `PyCapsule_IsValid` only
    // compares the name and sets no error, so an exception in flight is left untouched.
    unsafe {
        if ffi::PyCapsule_IsValid(capsule, CAPSULE_NAME.as_ptr()) == 1 {
            let tensor =
                ffi::PyCapsule_GetPointer(capsule, CAPSULE_NAME.as_ptr()) as *mut DLManagedTensor;
            if let Some(deleter) = tensor.as_ref().and_then(|t| t.deleter) {
                deleter(tensor);
            }
        }
    }
}

/// Wraps an evaluated array in a "dltensor" capsule that shares its memory.
fn export(py: Python<'_>, array: Array) -> PyResult<Bound<'_, PyAny>> {
    let raw = crate::buffer::evaluated_view(py, &array)?;
    let item = array.itemsize() as isize;
    let mut boxed = Box::new(Export {
        tensor: DLManagedTensor {
            dl_tensor: DLTensor {
                data: raw.ptr as *mut c_void,
                device: DLDevice {
                    device_type: KDL_CPU,
                    device_id: 0,
                },
                ndim: array.ndim() as i32,
                dtype: dl_dtype(array.dtype()),
                shape: std::ptr::null_mut(),
                strides: std::ptr::null_mut(),
                byte_offset: 0,
            },
            manager_ctx: std::ptr::null_mut(),
            deleter: Some(delete_export),
        },
        shape: array.shape().iter().map(|&d| i64::from(d)).collect(),
        // DLPack counts strides in elements.
        strides: raw
            .byte_strides
            .iter()
            .map(|&s| (s / item) as i64)
            .collect(),
        _array: array,
    });
    // The vectors' heap storage does not move when the box is leaked below.
    boxed.tensor.dl_tensor.shape = boxed.shape.as_mut_ptr();
    boxed.tensor.dl_tensor.strides = boxed.strides.as_mut_ptr();
    let ptr = Box::into_raw(boxed);
    // SAFETY: `ptr` is a live `Export` whose first field is the DLManagedTensor; the capsule
    // (or a consumer that renames it) frees it exactly once through `delete_export`.
    let capsule = unsafe {
        ffi::PyCapsule_New(
            ptr as *mut c_void,
            CAPSULE_NAME.as_ptr(),
            Some(capsule_destructor),
        )
    };
    if capsule.is_null() {
        // SAFETY: the capsule was not created, so nothing else owns `ptr`.
        drop(unsafe { Box::from_raw(ptr) });
        return Err(PyErr::fetch(py));
    }
    // SAFETY: `capsule` is a new, non-null reference that we own.
    Ok(unsafe { Bound::from_owned_ptr(py, capsule) })
}

#[pymethods]
impl PyArray {
    /// A DLPack capsule sharing this array's memory (MLX's `__dlpack__`).
    #[pyo3(signature = (*, stream = None, max_version = None, dl_device = None, copy = None))]
    fn __dlpack__<'py>(
        &self,
        py: Python<'py>,
        stream: Option<&Bound<'py, PyAny>>,
        max_version: Option<&Bound<'py, PyAny>>,
        dl_device: Option<(i32, i32)>,
        copy: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        // Host memory needs no stream synchronisation, and the unversioned capsule is what
        // MLX returns for every `max_version`.
        let _ = (stream, max_version);
        if let Some((kind, id)) = dl_device {
            if kind != KDL_CPU || id != 0 {
                return Err(PyBufferError::new_err(format!(
                    "[array.__dlpack__] Only export to the CPU (device (1, 0)) is supported, \
                     got device ({kind}, {id})."
                )));
            }
        }
        let array = if copy == Some(true) {
            // A fresh row-major copy that nothing else references.
            let a = self.inner.clone();
            let bytes = py.detach(|| a.to_bytes()).py()?;
            Array::from_bytes(&bytes, a.shape(), a.dtype()).py()?
        } else {
            self.inner.clone()
        };
        export(py, array)
    }

    /// `(device_type, device_id)`: DLPack's `(kDLCPU, 0)`.
    fn __dlpack_device__(&self) -> (i32, i32) {
        (KDL_CPU, 0)
    }
}

/// Reads an object with `__dlpack__` (a PyTorch tensor, say) into a new array: the
/// elements are copied, then the producer's capsule is dropped. `None` when the object
/// has no `__dlpack__`.
pub(crate) fn from_dlpack_object(
    obj: &Bound<'_, PyAny>,
    wanted: Option<Dtype>,
) -> PyResult<Option<Array>> {
    if obj.is_instance_of::<pyo3::types::PyType>() || !obj.hasattr("__dlpack__")? {
        return Ok(None);
    }
    let capsule = obj.call_method0("__dlpack__")?;
    // SAFETY: `PyCapsule_IsValid` accepts any object and sets no error.
    if unsafe { ffi::PyCapsule_IsValid(capsule.as_ptr(), CAPSULE_NAME.as_ptr()) } != 1 {
        return Err(PyTypeError::new_err(
            "[array] __dlpack__ did not return a \"dltensor\" capsule.",
        ));
    }
    // SAFETY: the capsule is valid under this name; its pointer is the producer's
    // DLManagedTensor, alive as long as the (unconsumed) capsule, which we hold.
    let tensor = unsafe {
        &(*(ffi::PyCapsule_GetPointer(capsule.as_ptr(), CAPSULE_NAME.as_ptr())
            as *const DLManagedTensor))
            .dl_tensor
    };
    if tensor.device.device_type != KDL_CPU {
        return Err(PyRuntimeError::new_err(format!(
            "[array] Only CPU DLPack tensors can be read, got device type {}.",
            tensor.device.device_type
        )));
    }
    let source = source_of(tensor.dtype)?;
    let ndim = usize::try_from(tensor.ndim).unwrap_or(0);
    let shape: Vec<i32> = (0..ndim)
        // SAFETY: DLPack gives `ndim` shape entries.
        .map(|i| unsafe { *tensor.shape.add(i) } as i32)
        .collect();
    let itemsize = (tensor.dtype.bits as usize).div_ceil(8);
    let strides: Vec<isize> = if tensor.strides.is_null() {
        // No strides: row-major.
        let mut s = vec![itemsize as isize; ndim];
        for i in (0..ndim.saturating_sub(1)).rev() {
            s[i] = s[i + 1] * shape[i + 1] as isize;
        }
        s
    } else {
        (0..ndim)
            // SAFETY: non-null strides have `ndim` entries, counted in elements.
            .map(|i| unsafe { *tensor.strides.add(i) } as isize * itemsize as isize)
            .collect()
    };
    if strides.iter().any(|&s| s < 0) {
        return Err(PyValueError::new_err(
            "Cannot convert DLPack arrays with negative strides to an array.",
        ));
    }
    // SAFETY: `byte_offset` stays inside the producer's allocation by DLPack's contract.
    let base = unsafe { (tensor.data as *const u8).add(tensor.byte_offset as usize) };
    let bytes = crate::convert::gather_bytes(base, &shape, &strides, itemsize);
    drop(capsule);
    crate::convert::from_elements(&bytes, &shape, source, wanted).map(Some)
}
