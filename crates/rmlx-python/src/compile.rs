//! `compile(fun, inputs=None, outputs=None, shapeless=False)` with MLX's Python semantics,
//! `disable_compile` / `enable_compile`, and `export_to_dot`.
//!
//! The engine's [`CompileCache`] does the tracing, caching and replay; this file maps
//! Python calls onto it:
//! - the arguments (positional and keyword) are pytrees of arrays and constants (ints,
//!   floats, strings, None); the arrays are the engine inputs, the rest goes into the cache
//!   key as text (the structure, with lists and tuples alike as in MLX, and the values:
//!   a change retraces);
//! - `inputs=` / `outputs=` are trees of captured state (lists, tuples, dicts, and
//!   `random.state`): their arrays are read before each call and appended to the inputs;
//!   while tracing they are swapped in place for the tracers, and after each call the
//!   `outputs` tree's arrays are replaced in place by the new values;
//! - the function's result may hold non-array leaves: they are kept from the trace;
//! - traces are cached per Python function, as MLX keys its cache on the function's
//!   identity: `compile(f)` twice shares them, and destroying any compiled object of `f`
//!   drops the traces of all (the others retrace on their next call).

use crate::array::PyArray;
use crate::autodiff::{require_callable, Callback};
use crate::errors::{value_error, IntoPy};
use crate::pytree::rebuild;
use crate::transforms::tree_arrays;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use rmlx::compile::CompileCache;
use rmlx::Array;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

/// What a trace leaves for later calls besides the tape: the result's structure (arrays
/// stood in for by a dummy) and how many flat outputs are the function's own.
struct Outputs {
    template: Py<PyAny>,
    n_fun: usize,
}

/// The traces of one Python function (and shapeless flag).
type Cache = Arc<CompileCache<Arc<Outputs>>>;

/// The trace caches, keyed on the function's identity (its object address: a compiled
/// object holds the function, so the address is not reused while an entry can be made)
/// and the shapeless flag, which MLX's cache entries also compare.
fn caches() -> &'static Mutex<HashMap<(usize, bool), Cache>> {
    static CACHES: std::sync::OnceLock<Mutex<HashMap<(usize, bool), Cache>>> =
        std::sync::OnceLock::new();
    CACHES.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The cache of function `id` (made empty if there is none).
fn cache_of(id: usize, shapeless: bool) -> Cache {
    let mut map = caches().lock().unwrap_or_else(|p| p.into_inner());
    map.entry((id, shapeless))
        .or_insert_with(|| Arc::new(CompileCache::new(shapeless)))
        .clone()
}

/// The object `compile` returns.
#[pyclass(name = "_gc_func", module = "rmlx.core", frozen, dict)]
pub(crate) struct CompiledFunction {
    fun: Py<PyAny>,
    inputs: Option<Py<PyAny>>,
    outputs: Option<Py<PyAny>>,
    /// The function's identity: the key of its traces in [`caches`].
    fun_id: usize,
    shapeless: bool,
}

impl Drop for CompiledFunction {
    /// MLX erases the function's cache entries when a compiled object of it goes: every
    /// trace of the function, shared with its other compiled objects, is dropped.
    fn drop(&mut self) {
        let removed: Vec<Cache> = {
            let mut map = caches().lock().unwrap_or_else(|p| p.into_inner());
            [false, true]
                .iter()
                .filter_map(|&s| map.remove(&(self.fun_id, s)))
                .collect()
        };
        // Dropped outside the lock: the traces' payloads hold Python objects.
        drop(removed);
    }
}

/// The qualified name MLX's messages give a Python type (`object`, `mlx.core.Dtype`).
fn qualified_type(obj: &Bound<'_, PyAny>) -> String {
    let t = obj.get_type();
    let name = t
        .qualname()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into());
    match t.module().map(|m| m.to_string()) {
        Ok(m) if m != "builtins" => format!("{m}.{name}"),
        _ => name,
    }
}

/// Appends the arrays of an argument tree to `arrays` and its structure and constants to
/// `key`; anything but arrays, containers and constants is MLX's error.
fn argument_tree(
    obj: &Bound<'_, PyAny>,
    arrays: &mut Vec<Array>,
    key: &mut String,
) -> PyResult<()> {
    if let Ok(a) = obj.cast::<PyArray>() {
        arrays.push(a.borrow().inner.clone());
        key.push('a');
    } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        key.push('[');
        for x in obj.try_iter()? {
            argument_tree(&x?, arrays, key)?;
            key.push(',');
        }
        key.push(']');
    } else if let Ok(d) = obj.cast::<PyDict>() {
        key.push('{');
        for (k, v) in d.iter() {
            let _ = write!(key, "{}:", k.repr()?);
            argument_tree(&v, arrays, key)?;
            key.push(',');
        }
        key.push('}');
    } else if obj.is_none() {
        key.push('N');
    } else if obj.is_instance_of::<PyBool>() || obj.is_instance_of::<PyInt>() {
        // True and 1 share a trace, as in MLX.
        match obj.extract::<i64>() {
            Ok(v) => {
                let _ = write!(key, "i{v}");
            }
            Err(_) => {
                let _ = write!(key, "i{}", obj.str()?);
            }
        }
    } else if obj.is_instance_of::<PyFloat>() {
        let v: f64 = obj.extract()?;
        let _ = write!(key, "f{:x}", v.to_bits());
    } else if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_str()?;
        let _ = write!(key, "s{}:{s}", s.len());
    } else {
        return Err(value_error(format!(
            "[compile] Function arguments must be trees of arrays or constants (floats, ints, \
             strings, or None), but received type {}.",
            qualified_type(obj)
        )));
    }
    Ok(())
}

/// The arrays of a captured-state tree, in order (other leaves are ignored).
fn state_arrays(obj: &Bound<'_, PyAny>, out: &mut Vec<Array>) -> PyResult<()> {
    if let Ok(a) = obj.cast::<PyArray>() {
        out.push(a.borrow().inner.clone());
    } else if is_random_state(obj) {
        state_arrays(&obj.get_item(0)?, out)?;
    } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        for x in obj.try_iter()? {
            state_arrays(&x?, out)?;
        }
    } else if let Ok(d) = obj.cast::<PyDict>() {
        for (_, v) in d.iter() {
            state_arrays(&v, out)?;
        }
    }
    Ok(())
}

/// `random.state`: a one-item sequence whose item is the global key.
fn is_random_state(obj: &Bound<'_, PyAny>) -> bool {
    obj.get_type().name().is_ok_and(|n| n == "_RandomState")
}

/// Replaces, in place, the arrays of a captured-state tree by `arrays` (in order). Tuples
/// cannot change: their mutable children are updated.
fn replace_state(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    arrays: &mut impl Iterator<Item = Array>,
) -> PyResult<()> {
    let mut set = |container: &Bound<'_, PyAny>, key: Bound<'_, PyAny>, v: Bound<'_, PyAny>| {
        if v.cast::<PyArray>().is_ok() {
            match arrays.next() {
                Some(a) => container.set_item(key, Py::new(py, PyArray::new_py(a))?),
                None => Ok(()),
            }
        } else {
            replace_state(py, &v, arrays)
        }
    };
    if is_random_state(obj) {
        return set(obj, 0i32.into_pyobject(py)?.into_any(), obj.get_item(0)?);
    }
    if let Ok(l) = obj.cast::<PyList>() {
        for (i, v) in l.iter().enumerate() {
            set(obj, i.into_pyobject(py)?.into_any(), v)?;
        }
    } else if let Ok(d) = obj.cast::<PyDict>() {
        let items: Vec<_> = d.iter().collect();
        for (k, v) in items {
            set(obj, k, v)?;
        }
    } else if let Ok(t) = obj.cast::<PyTuple>() {
        for v in t.iter() {
            replace_state(py, &v, arrays)?;
        }
    }
    Ok(())
}

impl CompiledFunction {
    fn captured(&self, py: Python<'_>) -> PyResult<Vec<Array>> {
        let mut out = Vec::new();
        if let Some(i) = &self.inputs {
            state_arrays(i.bind(py), &mut out)?;
        }
        Ok(out)
    }

    /// One run of the Python function on `leaves` (the arguments' arrays, then the captured
    /// inputs'): the flat outputs (the function's, then the captured outputs') and their
    /// structure.
    fn run<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
        n_args: usize,
        leaves: &[Array],
    ) -> PyResult<(Vec<Array>, Arc<Outputs>)> {
        let mut it = leaves[..n_args].iter().cloned();
        let call_args = rebuild(py, args.as_any(), &mut it)?;
        let call_args = call_args.cast_into::<PyTuple>()?;
        let call_kwargs = match kwargs {
            Some(k) => Some(rebuild(py, k.as_any(), &mut it)?.cast_into::<PyDict>()?),
            None => None,
        };
        // Swap the captured inputs for the leaves while the function runs.
        let originals = self.captured(py)?;
        if let Some(i) = &self.inputs {
            replace_state(py, i.bind(py), &mut leaves[n_args..].iter().cloned())?;
        }
        let result = self.fun.bind(py).call(call_args, call_kwargs.as_ref());
        let collected = result.and_then(|out| {
            let mut flat = Vec::new();
            tree_arrays(&out, &mut flat)?;
            let n_fun = flat.len();
            if let Some(o) = &self.outputs {
                state_arrays(o.bind(py), &mut flat)?;
            }
            // The structure keeps a dummy where each array was, not the traced graph.
            let dummy = Array::scalar(0.0f32);
            let template = rebuild(py, &out, &mut std::iter::repeat(dummy))?.unbind();
            Ok((flat, Arc::new(Outputs { template, n_fun })))
        });
        if let Some(i) = &self.inputs {
            replace_state(py, i.bind(py), &mut originals.into_iter())?;
        }
        collected
    }
}

#[pymethods]
impl CompiledFunction {
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut inputs = Vec::new();
        let mut key = String::new();
        argument_tree(args.as_any(), &mut inputs, &mut key)?;
        if let Some(k) = kwargs {
            key.push('|');
            argument_tree(k.as_any(), &mut inputs, &mut key)?;
        }
        let n_args = inputs.len();
        inputs.extend(self.captured(py)?);
        let cache = cache_of(self.fun_id, self.shapeless);
        let cb = Callback::new();
        let result = cache.call(&inputs, &key, |leaves: &[Array]| {
            cb.run(|| self.run(py, args, kwargs, n_args, leaves))
        });
        let (flat, outs) = cb.finish(result)?;
        let mut it = flat.into_iter();
        let own: Vec<Array> = it.by_ref().take(outs.n_fun).collect();
        if let Some(o) = &self.outputs {
            replace_state(py, o.bind(py), &mut it)?;
        }
        rebuild(py, outs.template.bind(py), &mut own.into_iter())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<rmlx.core compiled function {}>",
            self.fun.bind(py).repr()?
        ))
    }
}

/// `compile(fun, inputs=None, outputs=None, shapeless=False)`.
#[pyfunction(signature = (fun, inputs = None, outputs = None, shapeless = false))]
fn compile(
    py: Python<'_>,
    fun: Py<PyAny>,
    inputs: Option<Py<PyAny>>,
    outputs: Option<Py<PyAny>>,
    shapeless: bool,
) -> PyResult<Bound<'_, CompiledFunction>> {
    require_callable(
        py,
        &fun,
        "compile(): incompatible function arguments. The following argument types are \
         supported:\n    1. compile(fun: Callable[P, R], inputs: object | None = None, \
         outputs: object | None = None, shapeless: bool = False) -> Callable[P, R]",
    )?;
    let none = |o: Option<Py<PyAny>>| o.filter(|o| !o.bind(py).is_none());
    let f = fun.bind(py).clone();
    let fun_id = fun.as_ptr() as usize;
    let compiled = Bound::new(
        py,
        CompiledFunction {
            fun,
            inputs: none(inputs),
            outputs: none(outputs),
            fun_id,
            shapeless,
        },
    )?;
    // The function's name and docstring, in the instance dict (where they shadow the
    // class's docstring).
    for attr in ["__name__", "__qualname__", "__doc__", "__module__"] {
        if let Ok(v) = f.getattr(attr) {
            compiled.setattr(attr, v)?;
        }
    }
    // `inspect.signature` of the compiled function is the function's (MLX keeps it).
    if let Ok(sig) = py
        .import("inspect")
        .and_then(|i| i.call_method1("signature", (&f,)))
    {
        compiled.setattr("__signature__", sig)?;
    }
    Ok(compiled)
}

/// Compiled functions just call their function from now on.
#[pyfunction]
fn disable_compile() {
    rmlx::compile::disable_compile();
}

/// Compiled functions trace and replay again.
#[pyfunction]
fn enable_compile() {
    rmlx::compile::enable_compile();
}

/// `export_to_dot(file, *args, **kwargs)`: the graph of the arrays `args` and `kwargs` in
/// DOT; `kwargs` also names its arrays. `file` is a path or an object with `write`.
#[pyfunction(signature = (file, *args, **kwargs))]
fn export_to_dot(
    file: &Bound<'_, PyAny>,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<()> {
    let mut outputs = Vec::new();
    for a in args.iter() {
        tree_arrays(&a, &mut outputs)?;
    }
    let mut names = Vec::new();
    if let Some(k) = kwargs {
        for (name, v) in k.iter() {
            if let Ok(a) = v.cast::<PyArray>() {
                let a = a.borrow().inner.clone();
                // Named arrays are part of the graph too (MLX walks them after `args`).
                outputs.push(a.clone());
                names.push((name.extract::<String>()?, a));
            }
        }
    }
    let mut text = Vec::new();
    rmlx::compile::export_to_dot(&mut text, &outputs, &names).py()?;
    let text = String::from_utf8_lossy(&text).into_owned();
    if let Ok(path) = file.extract::<std::path::PathBuf>() {
        return std::fs::write(&path, text)
            .map_err(|e| pyo3::exceptions::PyOSError::new_err(e.to_string()));
    }
    file.call_method1("write", (text,))?;
    Ok(())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<CompiledFunction>()?;
    m.add_function(wrap_pyfunction!(compile, m)?)?;
    m.add_function(wrap_pyfunction!(disable_compile, m)?)?;
    m.add_function(wrap_pyfunction!(enable_compile, m)?)?;
    m.add_function(wrap_pyfunction!(export_to_dot, m)?)?;
    Ok(())
}
