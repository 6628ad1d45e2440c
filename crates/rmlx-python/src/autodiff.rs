//! `grad`, `value_and_grad`, `vjp` and `jvp` with MLX's Python signatures: pytree
//! arguments, `argnums` / `argnames`, `(loss, aux...)` outputs.
//!
//! The user's Python function runs inside the engine's transform (so it is traced); a Python
//! exception raised there is carried out of the engine and re-raised unchanged.

use crate::array::PyArray;
use crate::errors::{type_error, value_error, IntoPy};
use crate::pytree::{flatten, py_array, rebuild};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use rmlx::Array;
use std::cell::RefCell;

thread_local! {
    /// A Python exception raised inside an engine transform on this thread, waiting to be
    /// re-raised when the transform returns to Python.
    static PENDING: RefCell<Option<PyErr>> = const { RefCell::new(None) };
}

/// Stashes a Python exception and returns the placeholder engine error that carries it out
/// of the engine (see [`Callback::finish`]).
pub(crate) fn stash(e: PyErr) -> rmlx::Error {
    PENDING.with(|p| *p.borrow_mut() = Some(e));
    rmlx::Error::Runtime("[transform] The Python function raised an exception.".into())
}

/// Runs Python callbacks inside engine transforms and re-raises their exceptions unchanged.
pub(crate) struct Callback;

impl Callback {
    pub fn new() -> Self {
        Callback
    }
    /// The callback's result for the engine; a Python error is stashed.
    pub fn run<T>(&self, f: impl FnOnce() -> PyResult<T>) -> rmlx::Result<T> {
        f().map_err(stash)
    }
    /// The transform's result, with a stashed Python exception (if any) re-raised.
    pub fn finish<T>(&self, r: rmlx::Result<T>) -> PyResult<T> {
        if let Some(e) = PENDING.with(|p| p.borrow_mut().take()) {
            return Err(e);
        }
        r.py()
    }
}

/// What `grad` differentiates with respect to.
#[derive(Clone)]
struct Wrt {
    argnums: Vec<i64>,
    /// `argnums` was one int: the gradient comes back bare, not in a tuple.
    single: bool,
    argnames: Vec<String>,
}

fn parse_wrt(
    argnums: Option<&Bound<'_, PyAny>>,
    argnames: Option<&Bound<'_, PyAny>>,
) -> PyResult<Wrt> {
    let argnames: Vec<String> = match argnames {
        None => vec![],
        Some(n) if n.is_instance_of::<pyo3::types::PyString>() => vec![n.extract()?],
        Some(n) => n.extract()?,
    };
    let (argnums, single) = match argnums {
        None if argnames.is_empty() => (vec![0], true),
        None => (vec![], false),
        Some(a) if a.is_instance_of::<pyo3::types::PyInt>() => (vec![a.extract()?], true),
        Some(a) => match a.extract::<Vec<i64>>() {
            // A sequence of one index also gives the bare gradient, as in MLX.
            Ok(mut v) => {
                let single = v.len() == 1;
                // MLX sorts the indices: errors name the smallest negative one, and the
                // gradients come back in increasing argument order.
                v.sort_unstable();
                (v, single)
            }
            Err(_) => {
                return Err(type_error(
                    "grad(): incompatible function arguments: argnums must be an int or a sequence of ints.",
                ))
            }
        },
    };
    Ok(Wrt {
        argnums,
        single,
        argnames,
    })
}

/// MLX's binding rejects a non-callable `fun` with a TypeError naming the signature.
pub(crate) fn require_callable(py: Python<'_>, fun: &Py<PyAny>, signature: &str) -> PyResult<()> {
    if fun.bind(py).is_callable() {
        return Ok(());
    }
    Err(type_error(format!(
        "{signature}\n\nInvoked with types: {}",
        type_name(fun.bind(py))
    )))
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

/// The callable `grad`/`value_and_grad` return.
#[pyclass(name = "GradientFunction", module = "rmlx.core", frozen)]
pub(crate) struct GradFn {
    fun: Py<PyAny>,
    wrt: Wrt,
    with_value: bool,
}

impl GradFn {
    fn name(&self) -> &'static str {
        if self.with_value {
            "value_and_grad"
        } else {
            "grad"
        }
    }

    fn validate(
        &self,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Vec<usize>> {
        let name = "grad";
        let n = args.len();
        if self.wrt.argnums.is_empty() && self.wrt.argnames.is_empty() {
            return Err(value_error(format!(
                "[{name}] Gradient wrt no argument requested"
            )));
        }
        let mut nums = Vec::with_capacity(self.wrt.argnums.len());
        for &i in &self.wrt.argnums {
            if i < 0 {
                return Err(value_error(format!(
                    "[{name}] Can't compute the gradient of negative argument index {i}"
                )));
            }
            if i as usize >= n {
                return Err(value_error(format!(
                    "[{name}] Can't compute the gradient of argument index {i} because the function is called with only {n} positional arguments."
                )));
            }
            if nums.contains(&(i as usize)) {
                return Err(value_error(format!(
                    "[{name}] Duplicate argument index {i} is not allowed."
                )));
            }
            nums.push(i as usize);
        }
        for an in &self.wrt.argnames {
            let present = kwargs.map(|k| k.contains(an)).transpose()?.unwrap_or(false);
            if !present {
                let names: String = kwargs
                    .map(|k| k.keys().iter().map(|k| format!("{k},")).collect())
                    .unwrap_or_default();
                return Err(value_error(format!(
                    "[{name}] Can't compute the gradient of keyword argument '{an}' because the function is called with the following keyword arguments {{{names}}}"
                )));
            }
        }
        Ok(nums)
    }

    /// The loss among the function's outputs (MLX's rules for what may be returned).
    fn loss_of(&self, out: &Bound<'_, PyAny>) -> PyResult<Array> {
        if let Ok(a) = out.cast::<PyArray>() {
            return Ok(a.borrow().inner.clone());
        }
        if self.with_value {
            if let Ok(t) = out.cast::<PyTuple>() {
                let Some(first) = t.iter().next() else {
                    return Err(value_error(
                        "[value_and_grad] The return value of the function whose gradient we \
                         want to compute should be either a scalar array or a non-empty tuple. \
                         The first value should be a scalar array and the rest can be anything. \
                         Instead, we got an empty tuple.",
                    ));
                };
                if let Ok(a) = first.cast::<PyArray>() {
                    return Ok(a.borrow().inner.clone());
                }
                return Err(value_error(format!(
                    "[value_and_grad] The return value of the function whose gradient we want \
                     to compute should be either a scalar array or a tuple with the first value \
                     being a scalar array (Union[array, tuple[array, Any, ...]]); but it was a \
                     tuple with the first value being of type {} .",
                    type_name(&first)
                )));
            }
            return Err(value_error(format!(
                "[value_and_grad] The return value of the function whose gradient we want to compute should be either a scalar array or a tuple with the first value being a scalar array (Union[array, tuple[array, Any, ...]]); but {} was returned.",
                type_name(out)
            )));
        }
        Err(value_error(format!(
            "[grad] The return value of the function whose gradient we want to compute should be a scalar array; but {} was returned.",
            type_name(out)
        )))
    }
}

#[pymethods]
impl GradFn {
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let nums = self.validate(args, kwargs)?;
        // The differentiated arrays: each chosen argument's leaves, then each keyword's.
        let mut primals = Vec::new();
        let mut counts = Vec::new();
        for &i in &nums {
            let before = primals.len();
            flatten(&args.get_item(i)?, true, &mut primals)?;
            counts.push(primals.len() - before);
        }
        let kw = |name: &str| -> PyResult<Bound<'py, PyAny>> {
            kwargs
                .and_then(|k| k.get_item(name).ok().flatten())
                .ok_or_else(|| value_error(format!("[grad] Missing keyword argument '{name}'.")))
        };
        for an in &self.wrt.argnames {
            let before = primals.len();
            flatten(&kw(an)?, true, &mut primals)?;
            counts.push(primals.len() - before);
        }

        let cb = Callback::new();
        let value: RefCell<Option<Bound<'py, PyAny>>> = RefCell::new(None);
        let result = rmlx::transforms::vjp(
            |leaves: &[Array]| {
                cb.run(|| {
                    let mut it = leaves.iter().cloned();
                    let mut call_args: Vec<Bound<'py, PyAny>> = args.iter().collect();
                    for &i in &nums {
                        call_args[i] = rebuild(py, &args.get_item(i)?, &mut it)?;
                    }
                    let call_kwargs = match kwargs {
                        Some(k) => Some(k.copy()?),
                        None => None,
                    };
                    if let Some(ck) = &call_kwargs {
                        for an in &self.wrt.argnames {
                            ck.set_item(an, rebuild(py, &kw(an)?, &mut it)?)?;
                        }
                    }
                    let out = self
                        .fun
                        .bind(py)
                        .call(PyTuple::new(py, call_args)?, call_kwargs.as_ref())?;
                    let loss = self.loss_of(&out)?;
                    *value.borrow_mut() = Some(out);
                    Ok(vec![loss])
                })
            },
            &primals,
            &[Array::scalar(1.0f32)],
        );
        let (_, grads) = cb.finish(result)?;

        // Rebuild each argument's structure with its gradients.
        let mut it = grads.into_iter();
        let mut positional = Vec::with_capacity(nums.len());
        for &i in &nums {
            positional.push(rebuild(py, &args.get_item(i)?, &mut it)?);
        }
        let positional = if nums.is_empty() {
            py.None().into_bound(py)
        } else if self.wrt.single {
            positional.remove(0)
        } else {
            PyTuple::new(py, positional)?.into_any()
        };
        let _ = counts;
        let grads = if self.wrt.argnames.is_empty() {
            positional
        } else {
            let named = PyDict::new(py);
            for an in &self.wrt.argnames {
                named.set_item(an, rebuild(py, &kw(an)?, &mut it)?)?;
            }
            PyTuple::new(py, [positional, named.into_any()])?.into_any()
        };
        if self.with_value {
            let v = value
                .borrow_mut()
                .take()
                .unwrap_or_else(|| py.None().into_bound(py));
            Ok(PyTuple::new(py, [v, grads])?.into_any())
        } else {
            Ok(grads)
        }
    }

    fn __repr__(&self) -> String {
        format!("<rmlx.core.{} function>", self.name())
    }
}

/// `grad(fun, argnums=None, argnames=[])`: a function computing the gradient of `fun`.
#[pyfunction(signature = (fun, argnums = None, argnames = None))]
fn grad(
    py: Python<'_>,
    fun: Py<PyAny>,
    argnums: Option<&Bound<'_, PyAny>>,
    argnames: Option<&Bound<'_, PyAny>>,
) -> PyResult<GradFn> {
    require_callable(
        py,
        &fun,
        "grad(): incompatible function arguments. The following argument types are \
         supported:\n    1. grad(fun: Callable[P, R], argnums: int | Sequence[int] | None = \
         None, argnames: str | Sequence[str] = []) -> Callable[P, Any]",
    )?;
    Ok(GradFn {
        fun,
        wrt: parse_wrt(argnums, argnames)?,
        with_value: false,
    })
}

/// `value_and_grad(fun, argnums=None, argnames=[])`: a function returning `fun`'s value and
/// its gradient.
#[pyfunction(signature = (fun, argnums = None, argnames = None))]
fn value_and_grad(
    py: Python<'_>,
    fun: Py<PyAny>,
    argnums: Option<&Bound<'_, PyAny>>,
    argnames: Option<&Bound<'_, PyAny>>,
) -> PyResult<GradFn> {
    require_callable(
        py,
        &fun,
        "value_and_grad(): incompatible function arguments. The following argument types are \
         supported:\n    1. value_and_grad(fun: Callable[P, R], argnums: int | Sequence[int] | \
         None = None, argnames: str | Sequence[str] = []) -> Callable[P, tuple[R, Any]]",
    )?;
    Ok(GradFn {
        fun,
        wrt: parse_wrt(argnums, argnames)?,
        with_value: true,
    })
}

/// A list of arrays from a Python sequence of arrays.
fn array_list(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<Array>> {
    let items: Vec<Bound<'_, PyAny>> = obj
        .try_iter()
        .map_err(|_| type_error(format!("[{what}] Expected a list of arrays.")))?
        .collect::<PyResult<_>>()?;
    items
        .iter()
        .map(|x| {
            x.cast::<PyArray>()
                .map(|a| a.borrow().inner.clone())
                .map_err(|_| type_error(format!("[{what}] Expected a list of arrays.")))
        })
        .collect()
}

/// A function's outputs as a flat list: one array, or a list/tuple of arrays.
fn outputs_of(out: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<Array>> {
    if let Ok(a) = out.cast::<PyArray>() {
        return Ok(vec![a.borrow().inner.clone()]);
    }
    if out.is_instance_of::<PyList>() || out.is_instance_of::<PyTuple>() {
        return array_list(out, what).map_err(|_| {
            PyRuntimeError::new_err(format!(
                "[{what}] The function must return an array or a list or tuple of arrays."
            ))
        });
    }
    Err(PyRuntimeError::new_err(format!(
        "[{what}] The function must return an array or a list or tuple of arrays."
    )))
}

type Transform = fn(
    &dyn Fn(&[Array]) -> rmlx::Result<Vec<Array>>,
    &[Array],
    &[Array],
) -> rmlx::Result<(Vec<Array>, Vec<Array>)>;

/// Shared body of `vjp` and `jvp`: calls `fun(*primals)` inside the engine transform.
fn forward_backward<'py>(
    py: Python<'py>,
    what: &str,
    transform: Transform,
    fun: &Bound<'py, PyAny>,
    primals: &Bound<'py, PyAny>,
    seeds: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let primals = array_list(primals, what)?;
    let seeds = array_list(seeds, what)?;
    let cb = Callback::new();
    let call = |leaves: &[Array]| {
        cb.run(|| {
            let args = leaves
                .iter()
                .map(|a| py_array(py, a.clone()))
                .collect::<PyResult<Vec<_>>>()?;
            outputs_of(&fun.call1(PyTuple::new(py, args)?)?, what)
        })
    };
    let (outs, derived) = cb.finish(transform(&call, &primals, &seeds))?;
    let to_list = |v: Vec<Array>| -> PyResult<Bound<'py, PyAny>> {
        let items = v
            .into_iter()
            .map(|a| py_array(py, a))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, items)?.into_any())
    };
    Ok(PyTuple::new(py, [to_list(outs)?, to_list(derived)?])?.into_any())
}

/// `vjp(fun, primals, cotangents)` → `(outputs, vjps)`.
#[pyfunction]
fn vjp<'py>(
    py: Python<'py>,
    fun: &Bound<'py, PyAny>,
    primals: &Bound<'py, PyAny>,
    cotangents: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    forward_backward(
        py,
        "vjp",
        |f, p, c| rmlx::transforms::vjp(f, p, c),
        fun,
        primals,
        cotangents,
    )
}

/// `jvp(fun, primals, tangents)` → `(outputs, jvps)`.
#[pyfunction]
fn jvp<'py>(
    py: Python<'py>,
    fun: &Bound<'py, PyAny>,
    primals: &Bound<'py, PyAny>,
    tangents: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    forward_backward(
        py,
        "jvp",
        |f, p, t| rmlx::transforms::jvp(f, p, t),
        fun,
        primals,
        tangents,
    )
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<GradFn>()?;
    m.add_function(wrap_pyfunction!(grad, m)?)?;
    m.add_function(wrap_pyfunction!(value_and_grad, m)?)?;
    m.add_function(wrap_pyfunction!(vjp, m)?)?;
    m.add_function(wrap_pyfunction!(jvp, m)?)?;
    Ok(())
}
