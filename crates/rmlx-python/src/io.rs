//! MLX's file functions: `load`, `save` (.npy), `savez`, `savez_compressed`,
//! `save_safetensors`, `save_gguf`. The formats live in the engine (`rmlx::io`); this file
//! resolves file arguments (str, `os.PathLike`, binary file objects) as MLX 0.32 does and
//! converts dictionaries and metadata.

use crate::array::PyArray;
use crate::device::stream_of;
use crate::errors::{value_error, IntoPy};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use rmlx::io::{self, Format, GgufValue, NamedArrays};
use rmlx::Array;

/// A file argument: a path, or an object with `read`/`write`.
enum FileArg<'py> {
    Path(String),
    Object(Bound<'py, PyAny>),
}

/// Resolves `file` like MLX: str and `os.PathLike` are paths; an object with `method`
/// (`read` for loading, `write` for saving) is a file object.
fn file_arg<'py>(file: &Bound<'py, PyAny>, method: &str, err: &str) -> PyResult<FileArg<'py>> {
    if let Ok(s) = file.cast::<PyString>() {
        return Ok(FileArg::Path(s.to_str()?.to_string()));
    }
    if file.hasattr("__fspath__")? {
        let os = file.py().import("os")?;
        let p = os.call_method1("fspath", (file,))?;
        if let Ok(s) = p.cast::<PyString>() {
            return Ok(FileArg::Path(s.to_str()?.to_string()));
        }
    }
    if file.hasattr(method)? {
        return Ok(FileArg::Object(file.clone()));
    }
    Err(value_error(err))
}

fn runtime(msg: String) -> PyErr {
    PyRuntimeError::new_err(msg)
}

/// The engine array of a Python `mlx.array`; MLX raises RuntimeError (a failed cast) for
/// anything else.
fn array_of(fname: &str, obj: &Bound<'_, PyAny>) -> PyResult<Array> {
    match obj.cast::<PyArray>() {
        Ok(a) => Ok(a.borrow().inner.clone()),
        Err(_) => Err(runtime(format!(
            "[{fname}] Expected an array, got {}.",
            obj.get_type().name()?
        ))),
    }
}

fn named_dict<'py>(py: Python<'py>, arrays: NamedArrays) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, a) in arrays {
        d.set_item(k, Py::new(py, PyArray { inner: a })?)?;
    }
    Ok(d)
}

/// Writes `bytes` through a file object's `write`.
fn write_object(obj: &Bound<'_, PyAny>, bytes: &[u8]) -> PyResult<()> {
    obj.call_method1("write", (PyBytes::new(obj.py(), bytes),))?;
    Ok(())
}

/// Loads arrays from a `.npy`, `.npz`, `.safetensors` or `.gguf` file.
#[pyfunction]
#[pyo3(signature = (file, /, format=None, return_metadata=false, *, stream=None))]
fn load<'py>(
    py: Python<'py>,
    file: &Bound<'py, PyAny>,
    format: Option<String>,
    return_metadata: bool,
    stream: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    // Loading happens on the host; the stream is validated for MLX's signature.
    stream_of(stream)?;
    let arg = file_arg(
        file,
        "read",
        "[load] Input must be a file-like object opened in binary mode, or string",
    )?;
    let fmt = match (&format, &arg) {
        (Some(f), _) => Format::from_name(f).py()?,
        (None, FileArg::Path(p)) => Format::infer(p).py()?,
        (None, FileArg::Object(o)) => {
            let name: String = o.getattr("name")?.str()?.to_string();
            Format::infer(&name).py()?
        }
    };
    if return_metadata && matches!(fmt, Format::Npy | Format::Npz) {
        return Err(value_error(format!(
            "[load] metadata not supported for format {}",
            fmt.extension()
        )));
    }
    // A file object's bytes are read whole; a path is memory-mapped by the engine.
    let bytes: Option<Vec<u8>> = match &arg {
        FileArg::Object(o) => Some(o.call_method0("read")?.extract::<Vec<u8>>()?),
        FileArg::Path(_) => None,
    };
    let path = match &arg {
        FileArg::Path(p) => p.clone(),
        FileArg::Object(_) => String::new(),
    };
    match fmt {
        Format::Npy => {
            let a = py
                .detach(|| match &bytes {
                    Some(b) => io::read_npy(b),
                    None => io::load_npy(&path),
                })
                .py()?;
            Ok(Py::new(py, PyArray { inner: a })?.into_bound(py).into_any())
        }
        Format::Npz => {
            let arrays = py
                .detach(|| match &bytes {
                    Some(b) => io::read_npz(b),
                    None => io::load_npz(&path),
                })
                .py()?;
            Ok(named_dict(py, arrays)?.into_any())
        }
        Format::Safetensors => {
            let (arrays, meta) = py
                .detach(|| match &bytes {
                    Some(b) => io::read_safetensors(b),
                    None => io::load_safetensors(&path),
                })
                .py()?;
            let d = named_dict(py, arrays)?;
            if !return_metadata {
                return Ok(d.into_any());
            }
            let m = PyDict::new(py);
            for (k, v) in meta {
                m.set_item(k, v)?;
            }
            Ok(PyTuple::new(py, [d.into_any(), m.into_any()])?.into_any())
        }
        Format::Gguf => {
            let (arrays, meta) = py
                .detach(|| match &bytes {
                    Some(b) => io::read_gguf(b),
                    None => io::load_gguf(&path),
                })
                .py()?;
            let d = named_dict(py, arrays)?;
            if !return_metadata {
                return Ok(d.into_any());
            }
            let m = PyDict::new(py);
            for (k, v) in meta {
                match v {
                    GgufValue::Array(a) => m.set_item(k, Py::new(py, PyArray { inner: a })?)?,
                    GgufValue::String(s) => m.set_item(k, s)?,
                    GgufValue::Strings(s) => m.set_item(k, PyList::new(py, s)?)?,
                }
            }
            Ok(PyTuple::new(py, [d.into_any(), m.into_any()])?.into_any())
        }
    }
}

/// Saves an array to a `.npy` file.
#[pyfunction]
#[pyo3(signature = (file, arr))]
fn save(py: Python<'_>, file: &Bound<'_, PyAny>, arr: PyRef<'_, PyArray>) -> PyResult<()> {
    let a = arr.inner.clone();
    match file_arg(
        file,
        "write",
        "[save] Input must be a file-like object, or string",
    )? {
        FileArg::Path(p) => py.detach(|| io::save_npy(&p, &a)).py().map(|_| ()),
        FileArg::Object(o) => {
            let mut out = Vec::new();
            py.detach(|| io::write_npy(&mut out, &a)).py()?;
            write_object(&o, &out)
        }
    }
}

fn savez_impl(
    py: Python<'_>,
    file: &Bound<'_, PyAny>,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
    compressed: bool,
) -> PyResult<()> {
    let fname = if compressed {
        "savez_compressed"
    } else {
        "savez"
    };
    let mut arrays: NamedArrays = Vec::new();
    for (i, a) in args.iter().enumerate() {
        arrays.push((format!("arr_{i}"), array_of(fname, &a)?));
    }
    if let Some(kw) = kwargs {
        for (k, v) in kw.iter() {
            let k: String = k.extract()?;
            if arrays.iter().any(|(n, _)| *n == k) {
                return Err(value_error(format!(
                    "[{fname}] Cannot use un-named variables and keyword {k}"
                )));
            }
            arrays.push((k, array_of(fname, &v)?));
        }
    }
    match file_arg(
        file,
        "write",
        &format!("[{fname}] Input must be a file-like object, or string"),
    )? {
        FileArg::Path(p) => py
            .detach(|| io::save_npz(&p, &arrays, compressed))
            .py()
            .map(|_| ()),
        FileArg::Object(o) => {
            let mut out = Vec::new();
            py.detach(|| io::write_npz(&mut out, &arrays, compressed))
                .py()?;
            write_object(&o, &out)
        }
    }
}

/// Saves several arrays to an uncompressed `.npz` file.
#[pyfunction]
#[pyo3(signature = (file, *args, **kwargs))]
fn savez(
    py: Python<'_>,
    file: &Bound<'_, PyAny>,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<()> {
    savez_impl(py, file, args, kwargs, false)
}

/// Saves several arrays to a compressed `.npz` file.
#[pyfunction]
#[pyo3(signature = (file, *args, **kwargs))]
fn savez_compressed(
    py: Python<'_>,
    file: &Bound<'_, PyAny>,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<()> {
    savez_impl(py, file, args, kwargs, true)
}

fn arrays_of(fname: &str, arrays: &Bound<'_, PyDict>) -> PyResult<NamedArrays> {
    let mut out = Vec::with_capacity(arrays.len());
    for (k, v) in arrays.iter() {
        let k: String = k
            .extract()
            .map_err(|_| runtime(format!("[{fname}] Array names must be strings.")))?;
        out.push((k, array_of(fname, &v)?));
    }
    Ok(out)
}

/// Saves arrays to a `.safetensors` file.
#[pyfunction]
#[pyo3(signature = (file, arrays, metadata=None))]
fn save_safetensors(
    py: Python<'_>,
    file: &Bound<'_, PyAny>,
    arrays: &Bound<'_, PyDict>,
    metadata: Option<&Bound<'_, PyDict>>,
) -> PyResult<()> {
    let named = arrays_of("save_safetensors", arrays)?;
    let mut meta = Vec::new();
    if let Some(m) = metadata {
        for (k, v) in m.iter() {
            match (k.extract::<String>(), v.cast::<PyString>()) {
                (Ok(k), Ok(v)) => meta.push((k, v.to_str()?.to_string())),
                _ => return Err(value_error(
                    "[save_safetensors] Metadata must be a dictionary with string keys and values",
                )),
            }
        }
    }
    match file_arg(
        file,
        "write",
        "[save_safetensors] Input must be a file-like object, or string",
    )? {
        FileArg::Path(p) => py
            .detach(|| io::save_safetensors(&p, &named, &meta))
            .py()
            .map(|_| ()),
        FileArg::Object(o) => {
            let mut out = Vec::new();
            py.detach(|| io::write_safetensors(&mut out, &named, &meta))
                .py()?;
            write_object(&o, &out)
        }
    }
}

/// Saves arrays to a `.gguf` file.
#[pyfunction]
#[pyo3(signature = (file, arrays, metadata=None))]
fn save_gguf(
    py: Python<'_>,
    file: &Bound<'_, PyAny>,
    arrays: &Bound<'_, PyDict>,
    metadata: Option<&Bound<'_, PyDict>>,
) -> PyResult<()> {
    // MLX takes only paths here.
    let path = match file_arg(file, "\0", "[save_gguf] Input must be a string")? {
        FileArg::Path(p) => p,
        FileArg::Object(_) => return Err(value_error("[save_gguf] Input must be a string")),
    };
    let named = arrays_of("save_gguf", arrays)?;
    let mut meta = Vec::new();
    if let Some(m) = metadata {
        for (k, v) in m.iter() {
            let k: String = k
                .extract()
                .map_err(|_| runtime("[save_gguf] Metadata keys must be strings.".into()))?;
            let value = if let Ok(s) = v.cast::<PyString>() {
                GgufValue::String(s.to_str()?.to_string())
            } else if let Ok(a) = v.cast::<PyArray>() {
                GgufValue::Array(a.borrow().inner.clone())
            } else if let Ok(items) = v.extract::<Vec<String>>() {
                GgufValue::Strings(items)
            } else {
                return Err(runtime(format!(
                    "[save_gguf] Metadata value of '{k}' must be an array, a string or a list \
                     of strings."
                )));
            };
            meta.push((k, value));
        }
    }
    py.detach(|| io::save_gguf(&path, &named, &meta))
        .py()
        .map(|_| ())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(save, m)?)?;
    m.add_function(wrap_pyfunction!(savez, m)?)?;
    m.add_function(wrap_pyfunction!(savez_compressed, m)?)?;
    m.add_function(wrap_pyfunction!(save_safetensors, m)?)?;
    m.add_function(wrap_pyfunction!(save_gguf, m)?)?;
    Ok(())
}
