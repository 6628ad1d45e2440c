//! Elementwise functions of two arrays or scalars, with MLX's weak scalars:
//! `mx.add(a, b, /, *, stream=None)` and friends.

use crate::array::{matmul_operand, PyArray};
use crate::convert::{operand_pair, Operand};
use crate::device::on_stream;
use pyo3::prelude::*;
use rmlx::ops;

macro_rules! binary_functions {
    ($($name:ident),* $(,)?) => {
        $(
            #[pyfunction]
            #[pyo3(signature = (a, b, /, *, stream = None))]
            fn $name(
                a: &Bound<'_, PyAny>,
                b: &Bound<'_, PyAny>,
                stream: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<PyArray> {
                let name = stringify!($name);
                let (a, b) = operand_pair(Operand::require(a, name)?, Operand::require(b, name)?)?;
                on_stream(stream, || ops::$name(&a, &b)).map(PyArray::new_py)
            }
        )*
        pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $( m.add_function(wrap_pyfunction!($name, m)?)?; )*
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
    logical_and,
    logical_or,
    logical_xor,
    bitwise_and,
    bitwise_or,
    bitwise_xor,
    left_shift,
    right_shift,
);

/// `mx.matmul(a, b)`: MLX takes only arrays here (TypeError for scalars, lists, NumPy).
#[pyfunction]
#[pyo3(signature = (a, b, /, *, stream = None))]
fn matmul(
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = matmul_operand(a, "matmul")?;
    let b = matmul_operand(b, "matmul")?;
    on_stream(stream, || ops::matmul(&a, &b)).map(PyArray::new_py)
}
