//! Python values to arrays: scalars (weakly typed next to arrays), nested lists and tuples,
//! objects with the buffer protocol (NumPy arrays), DLPack producers (PyTorch tensors), and
//! `__array__` providers.

use crate::array::PyArray;
use crate::dlpack::Source;
use crate::element::with_element;
use crate::errors::{type_error, value_error, IntoPy};
use pyo3::exceptions::{PyOverflowError, PyRuntimeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyComplex, PyFloat, PyInt, PyList, PyTuple};
use rmlx::{ops, Array, Dtype, Element, Scalar};
use std::ffi::CStr;

/// A Python `bool`, `int`, `float` or `complex` as a scalar; `None` for anything else.
/// Ints beyond the 64-bit range raise OverflowError.
pub(crate) fn python_scalar(obj: &Bound<'_, PyAny>) -> PyResult<Option<Scalar>> {
    // Exact floats first: the common case in lists of data, and one pointer comparison.
    if let Ok(f) = obj.cast_exact::<PyFloat>() {
        return Ok(Some(Scalar::Float(f.value())));
    }
    if obj.is_instance_of::<PyBool>() {
        return Ok(Some(Scalar::Bool(obj.extract::<bool>()?)));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Some(Scalar::Int(i)));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Some(Scalar::Uint(u)));
        }
        return Err(PyOverflowError::new_err(format!(
            "Python int {} is too large to convert to an array element.",
            obj.str()?
        )));
    }
    if obj.is_instance_of::<PyFloat>() {
        return Ok(Some(Scalar::Float(obj.extract::<f64>()?)));
    }
    if let Ok(c) = obj.cast::<PyComplex>() {
        return Ok(Some(Scalar::Complex(c.real() as f32, c.imag() as f32)));
    }
    Ok(None)
}

/// A NumPy integer or bool scalar (`np.int64(2)`, `np.True_`) as an operand: MLX treats them
/// as weak Python scalars next to arrays (`int8_array + np.int64(2)` stays int8). NumPy is not
/// imported: the scalar is recognised by its type's module and read through `__index__`.
pub(crate) fn numpy_integer_scalar(obj: &Bound<'_, PyAny>) -> PyResult<Option<Scalar>> {
    let ty = obj.get_type();
    if ty.module()?.to_cow()? != "numpy" {
        return Ok(None);
    }
    let name = ty.name()?;
    let name = name.to_cow()?;
    if name == "ndarray" {
        return Ok(None);
    }
    if name == "bool" {
        return Ok(Some(Scalar::Bool(obj.is_truthy()?)));
    }
    if !obj.hasattr("__index__")? {
        return Ok(None);
    }
    let index = obj.call_method0("__index__")?;
    python_scalar(&index)
}

/// The dtype of a Python scalar on its own: bool, int32 (int64 when out of int32 range,
/// uint64 beyond int64), float32, complex64.
pub(crate) fn default_scalar_dtype(s: Scalar) -> Dtype {
    match s {
        Scalar::Bool(_) => Dtype::Bool,
        Scalar::Int(i) if i32::try_from(i).is_ok() => Dtype::Int32,
        Scalar::Int(_) => Dtype::Int64,
        Scalar::Uint(_) => Dtype::Uint64,
        Scalar::Float(_) => Dtype::Float32,
        Scalar::Complex(..) => Dtype::Complex64,
    }
}

/// Converts any array-like Python object to an array; `dtype` casts the result.
pub(crate) fn to_array(obj: &Bound<'_, PyAny>, dtype: Option<Dtype>) -> PyResult<Array> {
    let a = to_array_default(obj, dtype)?;
    match dtype {
        Some(d) if d != a.dtype() => ops::astype(&a, d).py(),
        _ => Ok(a),
    }
}

/// The conversion before any requested cast. `wanted` only steers float64 sources, which
/// become float32 unless float64 is asked for.
fn to_array_default(obj: &Bound<'_, PyAny>, wanted: Option<Dtype>) -> PyResult<Array> {
    if let Ok(a) = obj.cast::<PyArray>() {
        return Ok(a.borrow().inner.clone());
    }
    if let Some(s) = python_scalar(obj)? {
        let d = match (s, wanted) {
            // A Python float asked to be float64 keeps its full precision.
            (Scalar::Float(_), Some(Dtype::Float64)) => Dtype::Float64,
            _ => default_scalar_dtype(s),
        };
        return Ok(Array::from_scalar(s, d));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        return from_nested(obj, wanted);
    }
    if let Some(a) = from_buffer(obj, wanted)? {
        return Ok(a);
    }
    // PyTorch tensors and other DLPack producers (MLX reads them this way; bfloat16 too).
    if let Some(a) = crate::dlpack::from_dlpack_object(obj, wanted)? {
        return Ok(a);
    }
    if obj.hasattr("__array__")? {
        let arr = obj.call_method0("__array__")?;
        if let Some(a) = from_buffer(&arr, wanted)? {
            return Ok(a);
        }
    }
    // MLX reports a string as an invalid value (ValueError), other objects as a TypeError.
    if obj.is_instance_of::<pyo3::types::PyString>() {
        return Err(value_error(
            "Invalid type str received in array initialization.",
        ));
    }
    Err(type_error(format!(
        "Cannot convert {} to an array.",
        obj.get_type().name()?
    )))
}

/// What a nested list holds at its leaves.
#[derive(Default)]
struct Leaves {
    shape: Vec<i32>,
    values: Vec<Scalar>,
    arrays: Vec<Array>,
}

fn from_nested(obj: &Bound<'_, PyAny>, wanted: Option<Dtype>) -> PyResult<Array> {
    let mut leaves = Leaves::default();
    walk(obj, 0, &mut leaves)?;
    if !leaves.arrays.is_empty() {
        return stack_leaves(leaves);
    }
    let dtype = match (leaves.values.iter().copied().reduce(wider_kind), wanted) {
        (None, _) => Dtype::Float32,
        (Some(Scalar::Float(_)), Some(Dtype::Float64)) => Dtype::Float64,
        (Some(Scalar::Int(_) | Scalar::Uint(_)), _) => {
            let mut d = Dtype::Int32;
            for v in &leaves.values {
                d = d.max(default_scalar_dtype(*v));
                if d == Dtype::Uint64 {
                    // Mixed with negative values, a uint64 cannot hold them all.
                    if leaves
                        .values
                        .iter()
                        .any(|x| matches!(x, Scalar::Int(i) if *i < 0))
                    {
                        return Err(PyOverflowError::new_err(
                            "[array] Python ints do not fit one 64-bit integer type.",
                        ));
                    }
                }
            }
            d
        }
        (Some(s), _) => default_scalar_dtype(s),
    };
    with_element!(dtype, T => {
        let data: Vec<T> = leaves.values.iter().map(|&s| T::from_scalar(s)).collect();
        Array::from_slice(&data, &leaves.shape).py()
    })
}

/// Of two scalars, one whose kind holds both (bool < int < float < complex).
fn wider_kind(a: Scalar, b: Scalar) -> Scalar {
    fn rank(s: &Scalar) -> u8 {
        match s {
            Scalar::Bool(_) => 0,
            Scalar::Int(_) | Scalar::Uint(_) => 1,
            Scalar::Float(_) => 2,
            Scalar::Complex(..) => 3,
        }
    }
    if rank(&b) > rank(&a) {
        b
    } else {
        a
    }
}

fn non_uniform() -> PyErr {
    value_error("Initialization encountered non-uniform length.")
}

/// Records (first visit) or checks the length of the sequence met at `depth`.
fn enter_level(depth: usize, len: usize, leaves: &mut Leaves) -> PyResult<()> {
    let n = len as i32;
    if depth == leaves.shape.len() {
        if !leaves.values.is_empty() || !leaves.arrays.is_empty() {
            return Err(non_uniform());
        }
        leaves.shape.push(n);
    } else if leaves.shape[depth] != n {
        return Err(non_uniform());
    }
    Ok(())
}

fn walk(obj: &Bound<'_, PyAny>, depth: usize, leaves: &mut Leaves) -> PyResult<()> {
    if let Ok(list) = obj.cast::<PyList>() {
        enter_level(depth, list.len(), leaves)?;
        for item in list.iter() {
            walk(&item, depth + 1, leaves)?;
        }
        return Ok(());
    }
    if let Ok(tuple) = obj.cast::<PyTuple>() {
        enter_level(depth, tuple.len(), leaves)?;
        for item in tuple.iter() {
            walk(&item, depth + 1, leaves)?;
        }
        return Ok(());
    }
    if depth != leaves.shape.len() {
        return Err(non_uniform());
    }
    if let Some(s) = python_scalar(obj)? {
        if !leaves.arrays.is_empty() {
            leaves.arrays.push(to_array(obj, None)?);
        } else {
            leaves.values.push(s);
        }
        return Ok(());
    }
    // An array (or array-like) inside the list: the result stacks them. Anything else is
    // MLX's ValueError.
    let a = to_array(obj, None).map_err(|e| {
        if e.is_instance_of::<pyo3::exceptions::PyTypeError>(obj.py()) {
            invalid_leaf(obj)
        } else {
            e
        }
    })?;
    for v in leaves.values.drain(..) {
        leaves
            .arrays
            .push(Array::from_scalar(v, default_scalar_dtype(v)));
    }
    leaves.arrays.push(a);
    Ok(())
}

/// MLX's error for a list element that is neither a scalar nor array-like.
fn invalid_leaf(obj: &Bound<'_, PyAny>) -> PyErr {
    let t = obj.get_type();
    let qualname = t.qualname().map(|n| n.to_string()).unwrap_or_default();
    let name = match t.module().map(|m| m.to_string()) {
        Ok(m) if m != "builtins" => format!("{m}.{qualname}"),
        _ => qualname,
    };
    value_error(format!(
        "Invalid type {name} received in array initialization."
    ))
}

/// A list whose leaves include arrays: every leaf must have the same shape; the result
/// has the promoted dtype.
fn stack_leaves(leaves: Leaves) -> PyResult<Array> {
    let first = leaves.arrays[0].shape().to_vec();
    if leaves.arrays.iter().any(|a| a.shape() != first.as_slice()) {
        return Err(non_uniform());
    }
    let dtype = leaves
        .arrays
        .iter()
        .map(|a| a.dtype())
        .reduce(rmlx::promote_types)
        .unwrap_or(Dtype::Float32);
    let cast: Vec<Array> = leaves
        .arrays
        .iter()
        .map(|a| ops::astype(a, dtype))
        .collect::<rmlx::Result<_>>()
        .py()?;
    let flat = ops::stack(&cast, 0).py()?;
    let mut shape = leaves.shape;
    shape.extend_from_slice(&first);
    ops::reshape(&flat, &shape).py()
}

/// The dtype named by a PEP 3118 format string and item size.
fn buffer_dtype(format: &str, itemsize: usize) -> PyResult<Dtype> {
    let f = format.trim_start_matches(['@', '=', '<', '!']);
    if format.starts_with(['>', '!']) && itemsize > 1 {
        return Err(PyRuntimeError::new_err(
            "[array] Big-endian buffers are not supported.",
        ));
    }
    let signed = |n| match n {
        1 => Some(Dtype::Int8),
        2 => Some(Dtype::Int16),
        4 => Some(Dtype::Int32),
        8 => Some(Dtype::Int64),
        _ => None,
    };
    let unsigned = |n| match n {
        1 => Some(Dtype::Uint8),
        2 => Some(Dtype::Uint16),
        4 => Some(Dtype::Uint32),
        8 => Some(Dtype::Uint64),
        _ => None,
    };
    let d = match f {
        "?" => Some(Dtype::Bool),
        "b" | "h" | "i" | "l" | "q" | "n" => signed(itemsize),
        "B" | "H" | "I" | "L" | "Q" | "N" => unsigned(itemsize),
        "e" => Some(Dtype::Float16),
        "f" => Some(Dtype::Float32),
        "d" => Some(Dtype::Float64),
        "Zf" => Some(Dtype::Complex64),
        // complex128 has no MLX dtype; it is narrowed to complex64 below.
        "Zd" => Some(Dtype::Complex64),
        _ => None,
    };
    // MLX fails here with a RuntimeError (strings, objects, datetimes, long doubles).
    d.ok_or_else(|| {
        PyRuntimeError::new_err(format!("[array] Unsupported buffer format '{format}'."))
    })
}

/// A Python buffer, released on drop.
struct BufferGuard(ffi::Py_buffer);

impl Drop for BufferGuard {
    fn drop(&mut self) {
        // SAFETY: the buffer was filled by a successful PyObject_GetBuffer and is released
        // exactly once; the GIL is held (guards live only inside GIL-holding functions).
        unsafe { ffi::PyBuffer_Release(&mut self.0) }
    }
}

/// Copies an object exporting the buffer protocol into a new array; `None` when the object
/// has no buffer.
fn from_buffer(obj: &Bound<'_, PyAny>, wanted: Option<Dtype>) -> PyResult<Option<Array>> {
    // SAFETY: `PyObject_CheckBuffer` only inspects the type slots of a live object.
    if unsafe { ffi::PyObject_CheckBuffer(obj.as_ptr()) } == 0 {
        return Ok(None);
    }
    let mut guard = BufferGuard(
        // SAFETY: Py_buffer is a plain C struct for which all-zero is a valid empty state.
        unsafe { std::mem::zeroed() },
    );
    // SAFETY: `obj` is live and the GIL is held; on success `guard` owns the view.
    let rc = unsafe { ffi::PyObject_GetBuffer(obj.as_ptr(), &mut guard.0, ffi::PyBUF_RECORDS_RO) };
    if rc != 0 {
        return Err(PyErr::fetch(obj.py()));
    }
    let view = &guard.0;
    let format = if view.format.is_null() {
        "B".to_string()
    } else {
        // SAFETY: a non-null format is a NUL-terminated string owned by the view.
        unsafe { CStr::from_ptr(view.format) }
            .to_string_lossy()
            .into_owned()
    };
    let itemsize = view.itemsize as usize;
    let ndim = view.ndim as usize;
    let shape: Vec<i32> = (0..ndim)
        // SAFETY: with PyBUF_RECORDS the view provides `ndim` shape entries.
        .map(|i| unsafe { *view.shape.add(i) } as i32)
        .collect();
    let strides: Vec<isize> = (0..ndim)
        // SAFETY: with PyBUF_RECORDS the view provides `ndim` stride entries.
        .map(|i| unsafe { *view.strides.add(i) })
        .collect();
    let dtype = buffer_dtype(&format, itemsize)?;
    // MLX reads NumPy arrays through DLPack, which refuses negative strides.
    if strides.iter().any(|&s| s < 0) {
        return Err(value_error(
            "Cannot convert DLPack arrays with negative strides to an array.",
        ));
    }
    let bytes = gather_bytes(view.buf as *const u8, &shape, &strides, itemsize);
    drop(guard);
    let source = if format.trim_start_matches(['@', '=', '<']) == "Zd" {
        Source::Complex128
    } else {
        Source::Dtype(dtype)
    };
    from_elements(&bytes, &shape, source, wanted).map(Some)
}

/// An array from row-major element bytes read out of a buffer or a DLPack tensor:
/// complex128 is narrowed to complex64, and float64 becomes float32, as in MLX, unless
/// float64 is asked for.
pub(crate) fn from_elements(
    bytes: &[u8],
    shape: &[i32],
    source: Source,
    wanted: Option<Dtype>,
) -> PyResult<Array> {
    let dtype = match source {
        Source::Complex128 => {
            let pairs: Vec<num_complex::Complex32> = bytes
                .chunks_exact(16)
                .map(|c| {
                    let re = f64::from_ne_bytes(c[..8].try_into().unwrap_or([0; 8]));
                    let im = f64::from_ne_bytes(c[8..].try_into().unwrap_or([0; 8]));
                    num_complex::Complex32::new(re as f32, im as f32)
                })
                .collect();
            return Array::from_slice(&pairs, shape).py();
        }
        Source::Dtype(d) => d,
    };
    let array = Array::from_bytes(bytes, shape, dtype).py()?;
    if dtype == Dtype::Float64 && wanted != Some(Dtype::Float64) {
        return ops::astype(&array, Dtype::Float32).py();
    }
    Ok(array)
}

/// Copies the elements of a strided buffer into row-major bytes.
pub(crate) fn gather_bytes(
    base: *const u8,
    shape: &[i32],
    strides: &[isize],
    itemsize: usize,
) -> Vec<u8> {
    let n: usize = shape.iter().map(|&d| d as usize).product();
    let mut out = Vec::with_capacity(n * itemsize);
    if n == 0 {
        return out;
    }
    // Row-major without gaps (the usual NumPy array): one copy.
    let mut expected = itemsize as isize;
    let dense = shape.iter().zip(strides).rev().all(|(&d, &s)| {
        let ok = d == 1 || s == expected;
        expected *= d as isize;
        ok
    });
    if dense {
        // SAFETY: the exporter's buffer holds `n` elements laid out contiguously from `base`.
        out.extend_from_slice(unsafe { std::slice::from_raw_parts(base, n * itemsize) });
        return out;
    }
    let mut index = vec![0i32; shape.len()];
    for _ in 0..n {
        let off: isize = index
            .iter()
            .zip(strides)
            .map(|(&i, &s)| i as isize * s)
            .sum();
        // SAFETY: `off` addresses an element of the exporter's buffer: indices are in range
        // of the shape it reported, combined with the strides it reported.
        let src = unsafe { std::slice::from_raw_parts(base.offset(off), itemsize) };
        out.extend_from_slice(src);
        for d in (0..shape.len()).rev() {
            index[d] += 1;
            if index[d] < shape[d] {
                break;
            }
            index[d] = 0;
        }
    }
    out
}

/// An operand of a binary op: an array, or a Python scalar that is weakly typed.
pub(crate) enum Operand {
    Array(Array),
    Scalar(Scalar),
}

impl Operand {
    /// Reads an operand; `None` when the object is neither array-like nor a scalar.
    pub(crate) fn extract(obj: &Bound<'_, PyAny>) -> PyResult<Option<Operand>> {
        if let Ok(a) = obj.cast::<PyArray>() {
            return Ok(Some(Operand::Array(a.borrow().inner.clone())));
        }
        if let Some(s) = python_scalar(obj)? {
            return Ok(Some(Operand::Scalar(s)));
        }
        if let Some(s) = numpy_integer_scalar(obj)? {
            return Ok(Some(Operand::Scalar(s)));
        }
        // MLX's binary ops take arrays, scalars and buffers, not nested lists.
        if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
            return Err(value_error(format!(
                "Invalid type {} received in array initialization.",
                obj.get_type().name()?
            )));
        }
        match to_array(obj, None) {
            Ok(a) => Ok(Some(Operand::Array(a))),
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyTypeError>(obj.py()) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Two operands as arrays under MLX's weak-scalar rules: a scalar takes its dtype from the
/// array beside it; two scalars get their default dtypes.
pub(crate) fn operand_pair(a: Operand, b: Operand) -> PyResult<(Array, Array)> {
    Ok(match (a, b) {
        (Operand::Array(x), Operand::Array(y)) => (x, y),
        (Operand::Array(x), Operand::Scalar(s)) => {
            let y = ops::scalar_like(s, &x).py()?;
            (x, y)
        }
        (Operand::Scalar(s), Operand::Array(y)) => {
            let x = ops::scalar_like(s, &y).py()?;
            (x, y)
        }
        (Operand::Scalar(s), Operand::Scalar(t)) => (
            Array::from_scalar(s, default_scalar_dtype(s)),
            Array::from_scalar(t, default_scalar_dtype(t)),
        ),
    })
}

/// An array argument (no weak typing): scalars get their default dtype.
pub(crate) fn array_arg(obj: &Bound<'_, PyAny>) -> PyResult<Array> {
    to_array(obj, None)
}
