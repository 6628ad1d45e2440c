//! `export_function`, `exporter` and `import_function` (MLX's function export): traced
//! functions saved to a file, or handed to a callback, and imported back as callables.
//! Files are written by `rmlx::export`, so a function exported here runs from Rust.

use crate::array::PyArray;
use crate::autodiff::{require_callable, Callback};
use crate::dtype::PyDtype;
use crate::errors::{value_error, IntoPy};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use rmlx::export::{Arguments, ExportOptions, FunctionExporter, GraphEntry, NamedSpec, Value};
use rmlx::Array;
use std::path::PathBuf;

const INPUTS_ERROR: &str = "Inputs can either be a variable number of positional and keyword \
arrays or a single tuple and/or dictionary of arrays.";

fn array_of(obj: &Bound<'_, PyAny>) -> Option<Array> {
    obj.cast::<PyArray>().ok().map(|a| a.borrow().inner.clone())
}

/// MLX's two calling forms: `*args, **kwargs` of arrays, or one tuple (list) of arrays
/// and/or one dict of arrays.
fn arguments(
    caller: &str,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Arguments> {
    let bad = || value_error(format!("[{caller}] {INPUTS_ERROR}"));
    let items: Vec<Bound<'_, PyAny>> = args.iter().collect();
    let kwargs_empty = kwargs.is_none_or(|k| k.is_empty());
    let is_seq = |o: &Bound<'_, PyAny>| o.cast::<PyTuple>().is_ok() || o.cast::<PyList>().is_ok();
    let (positional, keywords): (Vec<Bound<'_, PyAny>>, Option<Bound<'_, PyDict>>) = match &items[..]
    {
        [t] if kwargs_empty && is_seq(t) => (t.try_iter()?.collect::<PyResult<_>>()?, None),
        [d] if kwargs_empty && d.cast::<PyDict>().is_ok() => {
            (Vec::new(), Some(d.cast::<PyDict>()?.clone()))
        }
        [t, d] if kwargs_empty && is_seq(t) && d.cast::<PyDict>().is_ok() => (
            t.try_iter()?.collect::<PyResult<_>>()?,
            Some(d.cast::<PyDict>()?.clone()),
        ),
        _ => (items.clone(), kwargs.cloned()),
    };
    let args = positional
        .iter()
        .map(|o| array_of(o).ok_or_else(bad))
        .collect::<PyResult<Vec<_>>>()?;
    let mut kw = Vec::new();
    if let Some(d) = keywords {
        for (k, v) in d.iter() {
            let name = k.cast::<PyString>().map_err(|_| bad())?.to_string();
            kw.push((name, array_of(&v).ok_or_else(bad)?));
        }
    }
    Ok(Arguments { args, kwargs: kw })
}

/// Runs the Python function on traced inputs: positional, then keywords sorted by name
/// (the order `rmlx::export` flattens them in).
fn run_traced(
    py: Python<'_>,
    fun: &Py<PyAny>,
    example: &Arguments,
    leaves: &[Array],
) -> PyResult<Vec<Array>> {
    let n = example.args.len();
    let wrap = |a: &Array| Bound::new(py, PyArray::new_py(a.clone()));
    let args = PyTuple::new(
        py,
        leaves[..n].iter().map(wrap).collect::<PyResult<Vec<_>>>()?,
    )?;
    let mut names: Vec<&String> = example.kwargs.iter().map(|(k, _)| k).collect();
    names.sort();
    let kwargs = PyDict::new(py);
    for (name, leaf) in names.into_iter().zip(&leaves[n..]) {
        kwargs.set_item(name, wrap(leaf)?)?;
    }
    let out = fun.bind(py).call(args, Some(&kwargs))?;
    let bad = || {
        value_error(
            "[export_function] Outputs can be either a single array, a tuple, or a list of \
             arrays.",
        )
    };
    if let Some(a) = array_of(&out) {
        return Ok(vec![a]);
    }
    if out.cast::<PyTuple>().is_err() && out.cast::<PyList>().is_err() {
        return Err(bad());
    }
    out.try_iter()?
        .map(|o| array_of(&o?).ok_or_else(bad))
        .collect()
}

/// Traces `fun` into `exporter`.
fn add_trace(
    py: Python<'_>,
    exporter: &mut FunctionExporter,
    fun: &Py<PyAny>,
    example: &Arguments,
) -> PyResult<()> {
    let cb = Callback::new();
    let result = exporter.trace(|x| cb.run(|| run_traced(py, fun, example, x)), example);
    cb.finish(result)
}

fn value_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::None => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::Float(f) => f.into_pyobject(py)?.into_any(),
        Value::Str(s) => s.into_pyobject(py)?.into_any(),
        Value::List(items) => PyList::new(
            py,
            items
                .iter()
                .map(|x| value_to_py(py, x))
                .collect::<PyResult<Vec<_>>>()?,
        )?
        .into_any(),
    })
}

fn specs_to_py<'py>(py: Python<'py>, specs: &[NamedSpec]) -> PyResult<Bound<'py, PyList>> {
    let items = specs
        .iter()
        .map(|(name, shape, dtype)| {
            (
                name.as_str(),
                PyTuple::new(py, shape)?,
                Bound::new(py, PyDtype(*dtype))?,
            )
                .into_pyobject(py)
        })
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

/// MLX's dict for one graph entry.
fn entry_to_py<'py>(py: Python<'py>, e: &GraphEntry) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    match e {
        GraphEntry::Inputs(specs) => {
            d.set_item("type", "inputs")?;
            d.set_item("inputs", specs_to_py(py, specs)?)?;
        }
        GraphEntry::KeywordInputs(pairs) => {
            d.set_item("type", "keyword_inputs")?;
            d.set_item("keywords", pairs.clone())?;
        }
        GraphEntry::Outputs(specs) => {
            d.set_item("type", "outputs")?;
            d.set_item("outputs", specs_to_py(py, specs)?)?;
        }
        GraphEntry::Constants(cs) => {
            let items = cs
                .iter()
                .map(|(n, a)| Ok((n.as_str(), Bound::new(py, PyArray::new_py(a.clone()))?)))
                .collect::<PyResult<Vec<_>>>()?;
            d.set_item("type", "constants")?;
            d.set_item("constants", items)?;
        }
        GraphEntry::Primitive {
            name,
            arguments,
            inputs,
            outputs,
        } => {
            d.set_item("type", "primitive")?;
            d.set_item("name", name)?;
            d.set_item("arguments", value_to_py(py, arguments)?)?;
            d.set_item("inputs", specs_to_py(py, inputs)?)?;
            d.set_item("outputs", specs_to_py(py, outputs)?)?;
        }
    }
    Ok(d)
}

#[pyfunction(signature = (file_or_callback, fun, *args, shapeless = false, metadata = None, **kwargs))]
fn export_function(
    py: Python<'_>,
    file_or_callback: &Bound<'_, PyAny>,
    fun: Py<PyAny>,
    args: &Bound<'_, PyTuple>,
    shapeless: bool,
    metadata: Option<String>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<()> {
    require_callable(py, &fun, "export_function")?;
    let example = arguments("export_function", args, kwargs)?;
    if file_or_callback.is_callable() {
        if metadata.is_some() {
            return Err(value_error(
                "[export_function] The metadata argument is only supported when exporting to \
                 a file, not when using a callback.",
            ));
        }
        let cb = Callback::new();
        let mut forward = |e: GraphEntry| -> rmlx::Result<()> {
            cb.run(|| {
                file_or_callback.call1((entry_to_py(py, &e)?,))?;
                Ok(())
            })
        };
        let result = rmlx::export::export_to_callback(
            |x| cb.run(|| run_traced(py, &fun, &example, x)),
            &example,
            shapeless,
            &mut forward,
        );
        return cb.finish(result);
    }
    let path: PathBuf = file_or_callback.extract()?;
    let options = ExportOptions {
        shapeless,
        metadata: metadata.unwrap_or_default(),
    };
    add_trace(
        py,
        &mut FunctionExporter::new(path, options),
        &fun,
        &example,
    )
}

/// Exports several traces of one function to a file (MLX's `FunctionExporter`).
#[pyclass(name = "FunctionExporter", module = "rmlx.core")]
struct PyFunctionExporter {
    exporter: FunctionExporter,
    fun: Py<PyAny>,
}

#[pymethods]
impl PyFunctionExporter {
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        &mut self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let example = arguments("export_function", args, kwargs)?;
        let fun = self.fun.clone_ref(py);
        add_trace(py, &mut self.exporter, &fun, &example)
    }

    fn close(&mut self) {
        self.exporter.close();
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&mut self, _args: &Bound<'_, PyTuple>) {
        self.exporter.close();
    }
}

#[pyfunction(signature = (file, fun, *, shapeless = false, metadata = None))]
fn exporter(
    py: Python<'_>,
    file: PathBuf,
    fun: Py<PyAny>,
    shapeless: bool,
    metadata: Option<String>,
) -> PyResult<PyFunctionExporter> {
    require_callable(py, &fun, "exporter")?;
    let options = ExportOptions {
        shapeless,
        metadata: metadata.unwrap_or_default(),
    };
    Ok(PyFunctionExporter {
        exporter: FunctionExporter::new(file, options),
        fun,
    })
}

/// A function read back by `import_function`; calls return a tuple of arrays.
#[pyclass(name = "ImportedFunction", module = "rmlx.core", frozen)]
struct PyImportedFunction {
    inner: rmlx::export::ImportedFunction,
}

#[pymethods]
impl PyImportedFunction {
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let inputs = arguments("import_function::call", args, kwargs)?;
        let outs = self.inner.call_with(&inputs).py()?;
        PyTuple::new(
            py,
            outs.into_iter()
                .map(|a| Bound::new(py, PyArray::new_py(a)))
                .collect::<PyResult<Vec<_>>>()?,
        )
    }
}

#[pyfunction(signature = (file, return_metadata = false))]
fn import_function(py: Python<'_>, file: PathBuf, return_metadata: bool) -> PyResult<Py<PyAny>> {
    let inner = py.detach(|| rmlx::export::import_function(&file)).py()?;
    let metadata = inner.metadata().to_string();
    let f = Bound::new(py, PyImportedFunction { inner })?.into_any();
    if return_metadata {
        return Ok((f, metadata).into_pyobject(py)?.into_any().unbind());
    }
    Ok(f.unbind())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyFunctionExporter>()?;
    m.add_class::<PyImportedFunction>()?;
    m.add_function(wrap_pyfunction!(export_function, m)?)?;
    m.add_function(wrap_pyfunction!(exporter, m)?)?;
    m.add_function(wrap_pyfunction!(import_function, m)?)?;
    Ok(())
}
