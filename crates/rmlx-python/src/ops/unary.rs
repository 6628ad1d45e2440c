//! Elementwise functions of one array: `mx.exp(a, /, *, stream=None)` and friends.

use crate::array::PyArray;
use crate::convert::array_arg;
use crate::device::on_stream;
use pyo3::prelude::*;
use rmlx::ops;

macro_rules! unary_functions {
    ($($name:ident),* $(,)?) => {
        $(
            #[pyfunction]
            #[pyo3(signature = (a, /, *, stream = None))]
            fn $name(a: &Bound<'_, PyAny>, stream: Option<&Bound<'_, PyAny>>) -> PyResult<PyArray> {
                let a = array_arg(a)?;
                on_stream(stream, || ops::$name(&a)).map(PyArray::new_py)
            }
        )*
        pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $( m.add_function(wrap_pyfunction!($name, m)?)?; )*
            Ok(())
        }
    };
}

unary_functions!(
    abs,
    negative,
    positive,
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
    trunc,
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
    bitwise_invert,
    stop_gradient,
);
