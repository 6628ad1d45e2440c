//! Elementwise functions of two arrays or scalars, with MLX's weak scalars:
//! `mx.add(a, b, /, *, stream=None)` and friends. The logical functions convert Python
//! scalars on their own (no weak typing, so no overflow check: the result is bool anyway)
//! and `matmul` takes only arrays, as in MLX.

use super::args::{scalar_or_array, scalar_or_array_value, strict_array};
use crate::array::PyArray;
use crate::convert::operand_pair;
use crate::device::on_stream;
use pyo3::prelude::*;
use rmlx::ops;

macro_rules! binary_functions {
    ($($name:ident),* ; plain: $($plain:ident),* $(,)?) => {
        $(
            #[pyfunction]
            #[pyo3(signature = (a, b, /, *, stream = None))]
            fn $name(
                a: &Bound<'_, PyAny>,
                b: &Bound<'_, PyAny>,
                stream: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<PyArray> {
                let name = stringify!($name);
                let (a, b) = operand_pair(scalar_or_array(a, name)?, scalar_or_array(b, name)?)?;
                on_stream(stream, || ops::$name(&a, &b)).map(PyArray::new_py)
            }
        )*
        $(
            #[pyfunction]
            #[pyo3(signature = (a, b, /, *, stream = None))]
            fn $plain(
                a: &Bound<'_, PyAny>,
                b: &Bound<'_, PyAny>,
                stream: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<PyArray> {
                let name = stringify!($plain);
                let a = scalar_or_array_value(a, name)?;
                let b = scalar_or_array_value(b, name)?;
                on_stream(stream, || ops::$plain(&a, &b)).map(PyArray::new_py)
            }
        )*
        pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $( m.add_function(wrap_pyfunction!($name, m)?)?; )*
            $( m.add_function(wrap_pyfunction!($plain, m)?)?; )*
            m.add_function(wrap_pyfunction!(matmul, m)?)?;
            Ok(())
        }
    };
}

binary_functions!(
    add,
    subtract,
    multiply,
    divide,
    floor_divide,
    remainder,
    power,
    maximum,
    minimum,
    logaddexp,
    arctan2,
    equal,
    not_equal,
    greater,
    greater_equal,
    less,
    less_equal,
    bitwise_and,
    bitwise_or,
    bitwise_xor,
    left_shift,
    right_shift;
    plain: logical_and,
    logical_or,
    logical_xor,
);

#[pyfunction]
#[pyo3(signature = (a, b, /, *, stream = None))]
fn matmul(
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "matmul", "a")?;
    let b = strict_array(b, "matmul", "b")?;
    on_stream(stream, || ops::matmul(&a, &b)).map(PyArray::new_py)
}
