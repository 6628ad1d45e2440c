//! `vmap(fun, in_axes=0, out_axes=0)` with MLX's Python semantics, corners included:
//!
//! - `in_axes` / `out_axes` are an int (every leaf), `None` (an unmapped leaf) or a pytree
//!   prefix of the arguments (outputs) whose leaves are ints or `None`; an explicit `None`
//!   for the whole argument is rejected at `vmap(...)` as MLX's binding rejects it.
//! - With one positional argument, `in_axes` describes that argument itself (so
//!   `in_axes=(0, 1)` maps a single tuple argument), otherwise the tuple of arguments.
//! - A one-element tuple `(ax,)` stands for `ax` at an array leaf (only when the whole tree
//!   is one array; elsewhere it is "[vmap] axis must be int or None.").
//! - Containers must match in kind and length (`[tree_map] ... not a valid prefix`), dicts
//!   in keys (`[tree_visit] ...`); non-array leaves are `[tree_flatten]` errors.
//! - Axes are checked against each input's shape (IndexError with the normalised axis),
//!   output axes against each unbatched output (one more position); an output axis `None`
//!   leaves an unmapped output broadcast with the batch axis last and is an error for a
//!   mapped one.

use crate::array::PyArray;
use crate::autodiff::Callback;
use crate::errors::{type_error, value_error};
use crate::pytree::{flatten, only_arrays, rebuild};
use pyo3::exceptions::PyIndexError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyList, PyTuple};
use rmlx::Array;
use std::cell::RefCell;

fn not_a_prefix() -> PyErr {
    value_error("[tree_map] Additional input tree is not a valid prefix of the first tree.")
}

fn bad_axis() -> PyErr {
    value_error("[vmap] axis must be int or None.")
}

/// Flattens the axes of `tree` (a pytree of arrays) given by `spec`, MLX's way.
struct AxesOf {
    /// Output axes may point one past the (unbatched) last axis.
    output: bool,
    /// A one-element tuple stood for an axis somewhere.
    saw_tuple: bool,
    axes: Vec<Option<i32>>,
}

impl AxesOf {
    fn flat(
        tree: &Bound<'_, PyAny>,
        spec: &Bound<'_, PyAny>,
        output: bool,
    ) -> PyResult<Vec<Option<i32>>> {
        let mut v = AxesOf {
            output,
            saw_tuple: false,
            axes: Vec::new(),
        };
        v.visit(tree, spec)?;
        if v.saw_tuple && tree.cast::<PyArray>().is_err() {
            return Err(bad_axis());
        }
        Ok(v.axes)
    }

    fn visit(&mut self, tree: &Bound<'_, PyAny>, spec: &Bound<'_, PyAny>) -> PyResult<()> {
        let is_list = |o: &Bound<'_, PyAny>| o.is_instance_of::<PyList>();
        let is_tuple = |o: &Bound<'_, PyAny>| o.is_instance_of::<PyTuple>();
        let is_dict = |o: &Bound<'_, PyAny>| o.is_instance_of::<PyDict>();
        if is_list(tree) || is_tuple(tree) {
            let same = if is_list(tree) {
                is_list(spec)
            } else {
                is_tuple(spec)
            };
            let other = if is_list(tree) {
                is_tuple(spec) || is_dict(spec)
            } else {
                is_list(spec) || is_dict(spec)
            };
            if other || (same && spec.len()? != tree.len()?) {
                return Err(not_a_prefix());
            }
            for (i, t) in tree.try_iter()?.enumerate() {
                let s = if same {
                    spec.get_item(i)?
                } else {
                    spec.clone()
                };
                self.visit(&t?, &s)?;
            }
            return Ok(());
        }
        if let Ok(d) = tree.cast::<PyDict>() {
            if is_list(spec) || is_tuple(spec) {
                return Err(not_a_prefix());
            }
            let sd = spec.cast::<PyDict>().ok();
            if let Some(sd) = sd {
                if sd.len() != d.len() {
                    return Err(not_a_prefix());
                }
            }
            for (k, t) in d.iter() {
                let s = match sd {
                    Some(sd) => sd.get_item(&k)?.ok_or_else(|| {
                        value_error(
                            "[tree_visit] Tree is not a valid prefix tree of the first tree.",
                        )
                    })?,
                    None => spec.clone(),
                };
                self.visit(&t, &s)?;
            }
            return Ok(());
        }
        let Ok(a) = tree.cast::<PyArray>() else {
            return Err(only_arrays());
        };
        let shape = a.borrow().inner.shape().to_vec();
        let mut spec = spec.clone();
        if let Ok(t) = spec.cast::<PyTuple>() {
            self.saw_tuple = true;
            if t.len() != 1 {
                return Err(bad_axis());
            }
            let inner = t.get_item(0)?;
            if !inner.is_none() && !inner.is_instance_of::<PyInt>() {
                return Err(bad_axis());
            }
            spec = inner;
        }
        if spec.is_none() {
            self.axes.push(None);
            return Ok(());
        }
        if !spec.is_instance_of::<PyInt>() {
            return Err(bad_axis());
        }
        let nd = shape.len() as i64 + self.output as i64;
        let ax: i64 = spec.extract()?;
        let ax = if ax < 0 { ax + nd } else { ax };
        if ax < 0 || ax >= nd {
            return Err(PyIndexError::new_err(format!(
                "[vmap] Invalid{}vectorization axis {ax} for array with shape {}",
                if self.output { " output " } else { " " },
                rmlx::shape::fmt_shape(&shape)
            )));
        }
        self.axes.push(Some(ax as i32));
        Ok(())
    }
}

/// `in_axes` / `out_axes` as given: anything but an explicit `None`.
pub(crate) struct AxesArg(Option<Py<PyAny>>);

impl<'a, 'py> FromPyObject<'a, 'py> for AxesArg {
    type Error = PyErr;
    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(AxesArg(Some(obj.to_owned().unbind())))
    }
}

/// The callable `vmap` returns.
#[pyclass(name = "VmapFunction", module = "rmlx.core", frozen)]
pub(crate) struct VmapFn {
    fun: Py<PyAny>,
    in_axes: Py<PyAny>,
    out_axes: Py<PyAny>,
}

#[pymethods]
impl VmapFn {
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if kwargs.is_some_and(|k| !k.is_empty()) {
            return Err(type_error("[vmap] Keyword arguments are not supported."));
        }
        let mut inputs = Vec::new();
        flatten(args.as_any(), true, &mut inputs)?;
        // One argument: the axes describe it; several: the tuple of them.
        let tree = if args.len() == 1 {
            args.get_item(0)?
        } else {
            args.clone().into_any()
        };
        let in_axes = AxesOf::flat(&tree, self.in_axes.bind(py), false)?;
        if in_axes.iter().all(Option::is_none) {
            return Err(value_error("At least one of in_axes must be non-None."));
        }

        let cb = Callback::new();
        let structure: RefCell<Option<Bound<'py, PyAny>>> = RefCell::new(None);
        let result = rmlx::transforms::vmap_with(
            |leaves: &[Array]| {
                cb.run(|| {
                    let mut it = leaves.iter().cloned();
                    let call_args = rebuild(py, args.as_any(), &mut it)?;
                    let out = self.fun.bind(py).call1(call_args.cast::<PyTuple>()?)?;
                    let mut arrays = Vec::new();
                    flatten(&out, true, &mut arrays)?;
                    *structure.borrow_mut() = Some(out);
                    Ok(arrays)
                })
            },
            &inputs,
            &in_axes,
            |_traced: &[Array]| {
                cb.run(|| {
                    let out = structure.borrow();
                    let out = out.as_ref().ok_or_else(only_arrays)?;
                    AxesOf::flat(out, self.out_axes.bind(py), true)
                })
            },
        );
        let batched = cb.finish(result)?;
        let out = structure.borrow_mut().take().ok_or_else(only_arrays)?;
        rebuild(py, &out, &mut batched.into_iter())
    }
}

/// `vmap(fun, in_axes=0, out_axes=0)`.
#[pyfunction(signature = (fun, in_axes = AxesArg(None), out_axes = AxesArg(None)))]
fn vmap(py: Python<'_>, fun: Py<PyAny>, in_axes: AxesArg, out_axes: AxesArg) -> PyResult<VmapFn> {
    let incompatible = || {
        type_error(
            "vmap(): incompatible function arguments. The following argument types are \
             supported:\n    1. vmap(fun: Callable[P, R], in_axes: object = 0, out_axes: \
             object = 0) -> Callable[P, R]",
        )
    };
    if !fun.bind(py).is_callable() {
        return Err(incompatible());
    }
    let zero = || 0i32.into_pyobject(py).map(|o| o.into_any().unbind());
    let axes = |a: AxesArg| -> PyResult<Py<PyAny>> {
        match a.0 {
            // nanobind does not convert None to `object` arguments.
            Some(o) if o.is_none(py) => Err(incompatible()),
            Some(o) => Ok(o),
            None => Ok(zero()?),
        }
    };
    Ok(VmapFn {
        fun,
        in_axes: axes(in_axes)?,
        out_axes: axes(out_axes)?,
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<VmapFn>()?;
    m.add_function(wrap_pyfunction!(vmap, m)?)?;
    Ok(())
}
