//! Elementwise functions of one array: `mx.exp(a, /, *, stream=None)` and friends.
//!
//! Most take `scalar | array` (Python scalars and NumPy arrays too; lists are a
//! ValueError); `positive`, `trunc` and `stop_gradient` take only arrays, as in MLX.

use super::args::{scalar_or_array_value, strict_array};
use crate::array::PyArray;
use crate::device::on_stream;
use pyo3::prelude::*;
use rmlx::ops;

macro_rules! unary_functions {
    ($($name:ident),* ; strict: $($strict:ident),* $(,)?) => {
        $(
            #[pyfunction]
            #[pyo3(signature = (a, /, *, stream = None))]
            fn $name(a: &Bound<'_, PyAny>, stream: Option<&Bound<'_, PyAny>>) -> PyResult<PyArray> {
                let a = scalar_or_array_value(a, stringify!($name))?;
                on_stream(stream, || ops::$name(&a)).map(PyArray::new_py)
            }
        )*
        $(
            #[pyfunction]
            #[pyo3(signature = (a, /, *, stream = None))]
            fn $strict(a: &Bound<'_, PyAny>, stream: Option<&Bound<'_, PyAny>>) -> PyResult<PyArray> {
                let a = strict_array(a, stringify!($strict), "a")?;
                on_stream(stream, || ops::$strict(&a)).map(PyArray::new_py)
            }
        )*
        pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $( m.add_function(wrap_pyfunction!($name, m)?)?; )*
            $( m.add_function(wrap_pyfunction!($strict, m)?)?; )*
            Ok(())
        }
    };
}

unary_functions!(
    abs,
    negative,
    sign,
    sqrt,
    rsqrt,
    square,
    reciprocal,
    exp,
    expm1,
    log,
    log2,
    log10,
    log1p,
    sin,
    cos,
    tan,
    arcsin,
    arccos,
    arctan,
    sinh,
    cosh,
    tanh,
    arcsinh,
    arccosh,
    arctanh,
    sigmoid,
    erf,
    erfinv,
    floor,
    ceil,
    degrees,
    radians,
    real,
    imag,
    conj,
    conjugate,
    isnan,
    isinf,
    isfinite,
    isposinf,
    isneginf,
    logical_not,
    bitwise_invert;
    strict: positive,
    trunc,
    stop_gradient,
);
