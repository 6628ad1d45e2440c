//! Reductions: `mx.sum(a, /, axis=None, keepdims=False, *, stream=None)` and friends,
//! argmax/argmin (one axis or `None`), and softmax (`precise=`).
//!
//! The `array` methods of the same names (`a.sum(...)`, `a.var(...)`, `a.argmax(...)`) are
//! generated here, from the same entries as the module functions.

use super::args::{opt_axes, opt_axis, strict_array};
use crate::array::PyArray;
use crate::device::on_stream;
use pyo3::prelude::*;
use rmlx::{ops, Array};

/// An engine reduction over explicit axes, and its every-axis form.
type AxesFn = fn(&Array, &[i32], bool) -> rmlx::Result<Array>;
type AllFn = fn(&Array, bool) -> rmlx::Result<Array>;

/// The reduction `name` of `a` over `axis` (`None`: every axis, through `f_all`).
fn reduce_impl(
    name: &str,
    (f, f_all): (AxesFn, AllFn),
    a: &Array,
    axis: Option<&Bound<'_, PyAny>>,
    keepdims: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let axes = opt_axes(axis, name)?;
    on_stream(stream, || match &axes {
        Some(ax) => f(a, ax, keepdims),
        None => f_all(a, keepdims),
    })
    .map(PyArray::new_py)
}

/// Variance (`is_std == false`) or standard deviation; `correction`, when given,
/// replaces `ddof` (MLX accepts both keywords).
fn var_std_impl(
    is_std: bool,
    a: &Array,
    axis: Option<&Bound<'_, PyAny>>,
    keepdims: bool,
    ddof: i32,
    correction: Option<i32>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let name = if is_std { "std" } else { "var" };
    let axes = opt_axes(axis, name)?;
    let ddof = correction.unwrap_or(ddof);
    on_stream(stream, || match (&axes, is_std) {
        (Some(ax), false) => ops::var(a, ax, keepdims, ddof),
        (Some(ax), true) => ops::std(a, ax, keepdims, ddof),
        (None, false) => ops::var_all(a, keepdims, ddof),
        (None, true) => ops::std_all(a, keepdims, ddof),
    })
    .map(PyArray::new_py)
}

/// argmax (`is_max`) or argmin over one axis or the flattened array.
fn arg_impl(
    is_max: bool,
    a: &Array,
    axis: Option<&Bound<'_, PyAny>>,
    keepdims: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let name = if is_max { "argmax" } else { "argmin" };
    let axis = opt_axis(axis, name)?;
    on_stream(stream, || {
        if is_max {
            ops::argmax(a, axis, keepdims)
        } else {
            ops::argmin(a, axis, keepdims)
        }
    })
    .map(PyArray::new_py)
}

// PyO3's generated wrappers for functions and methods written by a `macro_rules!` carry
// this crate's spans, so the workspace's `unsafe_op_in_unsafe_fn` lint would fire on PyO3's
// own code.
//
// Each macro below writes a reduction twice from one entry, as the module function
// `mx.name(a, /, ...)` and as the method `a.name(...)`; both call the same `*_impl` helper.
#[allow(unsafe_op_in_unsafe_fn)]
mod generated {
    use super::*;

    /// `(axis=None, keepdims=False)` reductions: each name with its every-axis engine fn.
    macro_rules! reductions {
        ($($name:ident => $all:ident),* $(,)?) => {
            $(
                #[pyfunction]
                #[pyo3(signature = (a, /, axis = None, keepdims = false, *, stream = None))]
                pub(super) fn $name(
                    a: &Bound<'_, PyAny>,
                    axis: Option<&Bound<'_, PyAny>>,
                    keepdims: bool,
                    stream: Option<&Bound<'_, PyAny>>,
                ) -> PyResult<PyArray> {
                    let name = stringify!($name);
                    let a = strict_array(a, name, "a")?;
                    reduce_impl(name, (ops::$name, ops::$all), &a, axis, keepdims, stream)
                }
            )*

            #[pymethods]
            impl PyArray {
                $(
                    #[pyo3(signature = (axis = None, keepdims = false, *, stream = None))]
                    fn $name(
                        &self,
                        axis: Option<&Bound<'_, PyAny>>,
                        keepdims: bool,
                        stream: Option<&Bound<'_, PyAny>>,
                    ) -> PyResult<PyArray> {
                        let name = stringify!($name);
                        reduce_impl(name, (ops::$name, ops::$all), &self.inner, axis, keepdims, stream)
                    }
                )*
            }
        };
    }

    reductions!(
        sum => sum_all,
        prod => prod_all,
        mean => mean_all,
        max => max_all,
        min => min_all,
        all => all_all,
        any => any_all,
        logsumexp => logsumexp_all,
    );

    /// `var` and `std` (`is_std`), with `ddof=` and `correction=`; the Rust names differ
    /// from the Python ones so that `std` does not shadow the crate.
    macro_rules! variances {
        ($($rust:ident = $name:literal => $is_std:literal),* $(,)?) => {
            $(
                #[pyfunction]
                #[pyo3(name = $name, signature = (a, /, axis = None, keepdims = false, ddof = 0, *, correction = None, stream = None))]
                pub(super) fn $rust(
                    a: &Bound<'_, PyAny>,
                    axis: Option<&Bound<'_, PyAny>>,
                    keepdims: bool,
                    ddof: i32,
                    correction: Option<i32>,
                    stream: Option<&Bound<'_, PyAny>>,
                ) -> PyResult<PyArray> {
                    let a = strict_array(a, $name, "a")?;
                    var_std_impl($is_std, &a, axis, keepdims, ddof, correction, stream)
                }
            )*

            #[pymethods]
            impl PyArray {
                $(
                    #[pyo3(name = $name, signature = (axis = None, keepdims = false, ddof = 0, *, correction = None, stream = None))]
                    fn $rust(
                        &self,
                        axis: Option<&Bound<'_, PyAny>>,
                        keepdims: bool,
                        ddof: i32,
                        correction: Option<i32>,
                        stream: Option<&Bound<'_, PyAny>>,
                    ) -> PyResult<PyArray> {
                        var_std_impl($is_std, &self.inner, axis, keepdims, ddof, correction, stream)
                    }
                )*
            }
        };
    }

    variances!(var = "var" => false, std_dev = "std" => true);

    /// `argmax` and `argmin` (`is_max`): one axis or the flattened array.
    macro_rules! arg_reductions {
        ($($name:ident => $is_max:literal),* $(,)?) => {
            $(
                #[pyfunction]
                #[pyo3(signature = (a, /, axis = None, keepdims = false, *, stream = None))]
                pub(super) fn $name(
                    a: &Bound<'_, PyAny>,
                    axis: Option<&Bound<'_, PyAny>>,
                    keepdims: bool,
                    stream: Option<&Bound<'_, PyAny>>,
                ) -> PyResult<PyArray> {
                    let a = strict_array(a, stringify!($name), "a")?;
                    arg_impl($is_max, &a, axis, keepdims, stream)
                }
            )*

            #[pymethods]
            impl PyArray {
                $(
                    #[pyo3(signature = (axis = None, keepdims = false, *, stream = None))]
                    fn $name(
                        &self,
                        axis: Option<&Bound<'_, PyAny>>,
                        keepdims: bool,
                        stream: Option<&Bound<'_, PyAny>>,
                    ) -> PyResult<PyArray> {
                        arg_impl($is_max, &self.inner, axis, keepdims, stream)
                    }
                )*
            }
        };
    }

    arg_reductions!(argmax => true, argmin => false);

    pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add_function(wrap_pyfunction!(sum, m)?)?;
        m.add_function(wrap_pyfunction!(prod, m)?)?;
        m.add_function(wrap_pyfunction!(mean, m)?)?;
        m.add_function(wrap_pyfunction!(max, m)?)?;
        m.add_function(wrap_pyfunction!(min, m)?)?;
        m.add_function(wrap_pyfunction!(all, m)?)?;
        m.add_function(wrap_pyfunction!(any, m)?)?;
        m.add_function(wrap_pyfunction!(logsumexp, m)?)?;
        m.add_function(wrap_pyfunction!(var, m)?)?;
        m.add_function(wrap_pyfunction!(std_dev, m)?)?;
        m.add_function(wrap_pyfunction!(argmax, m)?)?;
        m.add_function(wrap_pyfunction!(argmin, m)?)?;
        Ok(())
    }
}

/// Softmax over `axis` (`None`: every axis); `precise` accumulates half types in float32.
#[pyfunction]
#[pyo3(signature = (a, /, axis = None, *, precise = false, stream = None))]
fn softmax(
    a: &Bound<'_, PyAny>,
    axis: Option<&Bound<'_, PyAny>>,
    precise: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "softmax", "a")?;
    let axes = opt_axes(axis, "softmax")?;
    on_stream(stream, || match &axes {
        Some(ax) => ops::softmax(&a, ax, precise),
        None => ops::softmax_all(&a, precise),
    })
    .map(PyArray::new_py)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    generated::register(m)?;
    m.add_function(wrap_pyfunction!(softmax, m)?)?;
    Ok(())
}
