//! `vmap(fun, in_axes=0, out_axes=0)` with MLX's Python semantics: axes given as an int for
//! every leaf or as a pytree prefix of the arguments (outputs), `None` for an unmapped input.

use crate::array::PyArray;
use crate::autodiff::Callback;
use crate::errors::{type_error, value_error, IntoPy};
use crate::pytree::{flatten, only_arrays, rebuild};
use pyo3::exceptions::PyIndexError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyList, PyTuple};
use rmlx::Array;
use std::cell::RefCell;

fn not_a_prefix() -> PyErr {
    value_error("[tree_map] Additional input tree is not a valid prefix of the first tree.")
}

/// One axis (`Some(int)` or `None`) per array leaf of `tree`, from the prefix tree `spec`.
fn axes_for(
    tree: &Bound<'_, PyAny>,
    spec: &Bound<'_, PyAny>,
    out: &mut Vec<Option<i32>>,
) -> PyResult<()> {
    if spec.is_none() || spec.is_instance_of::<PyInt>() {
        let ax: Option<i32> = if spec.is_none() {
            None
        } else {
            Some(spec.extract()?)
        };
        let mut leaves = Vec::new();
        flatten(tree, true, &mut leaves)?;
        out.extend(std::iter::repeat_n(ax, leaves.len()));
        return Ok(());
    }
    let same_kind = (spec.is_instance_of::<PyList>() && tree.is_instance_of::<PyList>())
        || (spec.is_instance_of::<PyTuple>() && tree.is_instance_of::<PyTuple>());
    if same_kind {
        if spec.len()? != tree.len()? {
            return Err(not_a_prefix());
        }
        for (t, s) in tree.try_iter()?.zip(spec.try_iter()?) {
            axes_for(&t?, &s?, out)?;
        }
        return Ok(());
    }
    if let (Ok(sd), Ok(td)) = (spec.cast::<PyDict>(), tree.cast::<PyDict>()) {
        if sd.len() != td.len() {
            return Err(not_a_prefix());
        }
        for (k, t) in td.iter() {
            let s = sd.get_item(&k)?.ok_or_else(not_a_prefix)?;
            axes_for(&t, &s, out)?;
        }
        return Ok(());
    }
    if spec.is_instance_of::<PyList>()
        || spec.is_instance_of::<PyTuple>()
        || spec.is_instance_of::<PyDict>()
    {
        return Err(not_a_prefix());
    }
    Err(value_error("[vmap] axis must be int or None."))
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
        let mut in_axes = Vec::new();
        let spec = self.in_axes.bind(py);
        if spec.is_instance_of::<PyInt>() {
            axes_for(args.as_any(), spec, &mut in_axes)?;
        } else if spec.is_instance_of::<PyTuple>() {
            axes_for(args.as_any(), spec, &mut in_axes)?;
        } else {
            return Err(value_error("[vmap] axis must be int or None."));
        }
        if in_axes.iter().all(Option::is_none) {
            return Err(value_error("At least one of in_axes must be non-None."));
        }

        let cb = Callback::new();
        let structure: RefCell<Option<Bound<'py, PyAny>>> = RefCell::new(None);
        let result = rmlx::transforms::vmap(
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
            // Batch axes in front; `out_axes` are applied below, where the output tree is known.
            &[0],
        );
        let batched = cb.finish(result)?;
        let out = structure.borrow_mut().take().ok_or_else(only_arrays)?;

        let mut out_axes = Vec::new();
        let ospec = self.out_axes.bind(py);
        if ospec.is_instance_of::<PyInt>() {
            axes_for(&out, ospec, &mut out_axes)?;
        } else if ospec.is_instance_of::<PyTuple>()
            || ospec.is_instance_of::<PyList>()
            || ospec.is_instance_of::<PyDict>()
        {
            axes_for(&out, ospec, &mut out_axes)?;
        } else {
            return Err(value_error("[vmap] axis must be int or None."));
        }
        let moved = batched
            .into_iter()
            .zip(out_axes)
            .map(|(b, ax)| {
                let ax = ax.ok_or_else(|| value_error("[vmap] axis must be int or None."))?;
                let unbatched = &b.shape()[1..];
                let nd = unbatched.len() as i32;
                let ax = if ax < 0 { ax + nd + 1 } else { ax };
                if ax < 0 || ax > nd {
                    return Err(PyIndexError::new_err(format!(
                        "[vmap] Invalid output vectorization axis {ax} for array with shape {}",
                        rmlx::shape::fmt_shape(unbatched)
                    )));
                }
                rmlx::ops::moveaxis(&b, 0, ax).py()
            })
            .collect::<PyResult<Vec<_>>>()?;
        if let Ok(a) = out.cast::<PyArray>() {
            let _ = a;
            return crate::pytree::py_array(py, moved.into_iter().next().ok_or_else(only_arrays)?);
        }
        rebuild(py, &out, &mut moved.into_iter())
    }
}

/// `vmap(fun, in_axes=0, out_axes=0)`.
#[pyfunction(signature = (fun, in_axes = None, out_axes = None))]
fn vmap(
    py: Python<'_>,
    fun: Py<PyAny>,
    in_axes: Option<Py<PyAny>>,
    out_axes: Option<Py<PyAny>>,
) -> PyResult<VmapFn> {
    let zero = || 0i32.into_pyobject(py).map(|o| o.into_any().unbind());
    Ok(VmapFn {
        fun,
        in_axes: match in_axes {
            Some(a) => a,
            None => zero()?,
        },
        out_axes: match out_axes {
            Some(a) => a,
            None => zero()?,
        },
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<VmapFn>()?;
    m.add_function(wrap_pyfunction!(vmap, m)?)?;
    Ok(())
}
