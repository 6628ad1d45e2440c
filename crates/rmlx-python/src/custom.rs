//! `custom_function` (a decorator class with `.vjp`, `.jvp`, `.vmap` rule setters) and
//! `checkpoint`, over the engine's `CustomFunction`.
//!
//! Rules receive MLX's arguments: the primals as the call's arguments (one argument is
//! passed bare, several as a tuple), cotangents and outputs in the function's output
//! structure. Arrays captured by the function are constants, as in MLX.

use crate::autodiff::{stash, Callback};
use crate::errors::value_error;
use crate::pytree::{flatten, py_array, rebuild};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyTuple};
use rmlx::transforms::CustomFunction;
use rmlx::Array;
use std::sync::{Arc, Mutex};

/// The call's argument structure and the function's output structure, shared by the rules.
struct Shapes {
    args: Py<PyTuple>,
    kwargs: Option<Py<PyDict>>,
    output: Mutex<Option<Py<PyAny>>>,
}

/// `tree` with its arrays replaced by `arrays`; a one-element tuple is unwrapped, as MLX
/// passes a single argument (or output) bare.
fn structured<'py>(
    py: Python<'py>,
    tree: &Bound<'py, PyAny>,
    arrays: &[Array],
    unwrap: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let t = rebuild(py, tree, &mut arrays.iter().cloned())?;
    if unwrap {
        if let Ok(tuple) = t.cast::<PyTuple>() {
            if tuple.len() == 1 {
                return tuple.get_item(0);
            }
        }
    }
    Ok(t)
}

fn arrays_of(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Array>> {
    let mut out = Vec::new();
    flatten(obj, false, &mut out)?;
    Ok(out)
}

/// `custom_function(fun)`: callable like `fun`, with optional custom transform rules.
#[pyclass(name = "custom_function", module = "rmlx.core")]
pub(crate) struct PyCustomFunction {
    fun: Py<PyAny>,
    /// Made by `checkpoint`: recomputed in transforms even without rules.
    checkpointed: bool,
    vjp: Option<Py<PyAny>>,
    jvp: Option<Py<PyAny>>,
    vmap: Option<Py<PyAny>>,
}

impl PyCustomFunction {
    fn engine_function(&self, py: Python<'_>, shapes: Arc<Shapes>) -> CustomFunction {
        let fun = self.fun.clone_ref(py);
        let s = shapes.clone();
        let mut f = CustomFunction::new(Arc::new(move |leaves: &[Array]| {
            Python::attach(|py| -> PyResult<Vec<Array>> {
                let args = rebuild(py, s.args.bind(py).as_any(), &mut leaves.iter().cloned())?;
                let out = fun.bind(py).call(
                    args.cast::<PyTuple>()?,
                    s.kwargs.as_ref().map(|k| k.bind(py)),
                )?;
                let mut arrays = Vec::new();
                flatten(&out, true, &mut arrays)?;
                *s.output.lock().unwrap_or_else(|p| p.into_inner()) = Some(out.unbind());
                Ok(arrays)
            })
            .map_err(stash)
        }));
        if let Some(rule) = &self.vjp {
            let (rule, s) = (rule.clone_ref(py), shapes.clone());
            f = f.with_vjp(Arc::new(
                move |primals: &[Array], cots: &[Array], outs: &[Array]| {
                    Python::attach(|py| -> PyResult<Vec<Array>> {
                        let out_tree = s
                            .output
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .as_ref()
                            .map(|o| o.clone_ref(py));
                        let out_tree = out_tree
                            .ok_or_else(|| value_error("[custom_function] No output recorded."))?;
                        let p = structured(py, s.args.bind(py).as_any(), primals, true)?;
                        let c = structured(py, out_tree.bind(py), cots, false)?;
                        let o = structured(py, out_tree.bind(py), outs, false)?;
                        let r = rule.bind(py).call1((p, c, o))?;
                        let grads = arrays_of(&r)?;
                        if grads.len() != primals.len() {
                            return Err(value_error(format!(
                                "[custom_function] The vjp returned {} arrays for {} primals.",
                                grads.len(),
                                primals.len()
                            )));
                        }
                        Ok(grads)
                    })
                    .map_err(stash)
                },
            ));
        }
        if let Some(rule) = &self.jvp {
            let (rule, s) = (rule.clone_ref(py), shapes.clone());
            f = f.with_jvp(Arc::new(move |primals: &[Array], tangents: &[Array]| {
                Python::attach(|py| -> PyResult<Vec<Array>> {
                    let p = structured(py, s.args.bind(py).as_any(), primals, true)?;
                    let t = structured(py, s.args.bind(py).as_any(), tangents, true)?;
                    arrays_of(&rule.bind(py).call1((p, t))?)
                })
                .map_err(stash)
            }));
        }
        if let Some(rule) = &self.vmap {
            let (rule, s) = (rule.clone_ref(py), shapes);
            f = f.with_vmap(Arc::new(move |inputs: &[Array], axes: &[Option<i32>]| {
                Python::attach(|py| -> PyResult<(Vec<Array>, Vec<Option<i32>>)> {
                    let i = structured(py, s.args.bind(py).as_any(), inputs, true)?;
                    let ax: Vec<Py<PyAny>> = axes
                        .iter()
                        .map(|a| match a {
                            Some(v) => v
                                .into_pyobject(py)
                                .map_or_else(|e| match e {}, |o| o.into_any().unbind()),
                            None => py.None(),
                        })
                        .collect();
                    let ax = if ax.len() == 1 {
                        ax[0].clone_ref(py).into_bound(py)
                    } else {
                        PyTuple::new(py, ax)?.into_any()
                    };
                    let r = rule.bind(py).call1((i, ax))?;
                    let pair = r.cast::<PyTuple>().map_err(|_| {
                        value_error("[custom_function] The vmap must return (outputs, axes).")
                    })?;
                    let outs = arrays_of(&pair.get_item(0)?)?;
                    let spec = pair.get_item(1)?;
                    let out_axes: Vec<Option<i32>> =
                        if spec.is_none() || spec.is_instance_of::<PyInt>() {
                            vec![spec.extract()?; outs.len()]
                        } else {
                            spec.extract()?
                        };
                    Ok((outs, out_axes))
                })
                .map_err(stash)
            }));
        }
        f
    }
}

#[pymethods]
impl PyCustomFunction {
    #[new]
    fn new(py: Python<'_>, fun: Py<PyAny>) -> PyResult<Self> {
        crate::autodiff::require_callable(
            py,
            &fun,
            "__init__(): incompatible function arguments. The following argument types are \
             supported:\n    1. __init__(self, f: Callable)",
        )?;
        Ok(PyCustomFunction {
            fun,
            checkpointed: false,
            vjp: None,
            jvp: None,
            vmap: None,
        })
    }

    #[pyo3(signature = (*args, **kwargs))]
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if !self.checkpointed && self.vjp.is_none() && self.jvp.is_none() && self.vmap.is_none() {
            // With no rule at all MLX calls the function as is (captured arrays included).
            return self.fun.bind(py).call(args, kwargs);
        }
        let shapes = Arc::new(Shapes {
            args: args.clone().unbind(),
            kwargs: kwargs.map(|k| k.clone().unbind()),
            output: Mutex::new(None),
        });
        let f = self.engine_function(py, shapes.clone());
        let inputs = arrays_of(args.as_any())?;
        let cb = Callback::new();
        let outs = cb.finish(f.call(&inputs))?;
        let tree = shapes
            .output
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|o| o.clone_ref(py));
        match tree {
            Some(t) => rebuild(py, t.bind(py), &mut outs.into_iter()),
            None => py_array(
                py,
                outs.into_iter()
                    .next()
                    .ok_or_else(|| value_error("[custom_function] No output."))?,
            ),
        }
    }

    /// Sets the vjp rule `f(primals, cotangents, outputs)`; usable as a decorator.
    fn vjp(slf: Bound<'_, Self>, f: Py<PyAny>) -> Bound<'_, Self> {
        slf.borrow_mut().vjp = Some(f);
        slf
    }

    /// Sets the jvp rule `f(primals, tangents)`.
    fn jvp(slf: Bound<'_, Self>, f: Py<PyAny>) -> Bound<'_, Self> {
        slf.borrow_mut().jvp = Some(f);
        slf
    }

    /// Sets the vmap rule `f(inputs, axes) -> (outputs, axes)`.
    fn vmap(slf: Bound<'_, Self>, f: Py<PyAny>) -> Bound<'_, Self> {
        slf.borrow_mut().vmap = Some(f);
        slf
    }
}

/// `checkpoint(fun)`: `fun` recomputed in the backward pass instead of keeping its
/// intermediates.
#[pyfunction]
fn checkpoint(py: Python<'_>, fun: Py<PyAny>) -> PyResult<PyCustomFunction> {
    crate::autodiff::require_callable(
        py,
        &fun,
        "checkpoint(): incompatible function arguments. The following argument types are \
         supported:\n    1. checkpoint(fun: Callable[P, R]) -> Callable[P, R]",
    )?;
    Ok(PyCustomFunction {
        checkpointed: true,
        ..PyCustomFunction::new(py, fun)?
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCustomFunction>()?;
    m.add_function(wrap_pyfunction!(checkpoint, m)?)?;
    Ok(())
}
