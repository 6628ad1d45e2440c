//! Convolutions: `conv1d`, `conv2d`, `conv3d`, `conv_general`, `conv_transpose1d/2d/3d` and
//! `convolve`, with MLX's Python signatures. `convNd` take an int or an N-tuple (any
//! N-sequence) per parameter; `conv_general` takes an int or a sequence, and its padding may
//! also be a pair of sequences `(low, high)`.

use super::args::{bad_arg, int_arg, int_sequence, strict_array};
use crate::array::PyArray;
use crate::device::on_stream;
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyInt, PyString};
use rmlx::ops;

/// An `int | tuple[int, ...N]` argument of `convNd`: `N` values.
fn int_or_n(obj: &Bound<'_, PyAny>, n: usize, func: &str, arg: &str) -> PyResult<Vec<i32>> {
    if obj.is_instance_of::<PyInt>() {
        return Ok(vec![int_arg(obj, func, arg)?; n]);
    }
    if obj.is_instance_of::<PyFloat>() || obj.is_instance_of::<PyString>() {
        return Err(bad_arg(
            func,
            arg,
            &format!("an int or a tuple of {n} ints"),
            obj,
        ));
    }
    match int_sequence(obj, func, arg) {
        Ok(v) if v.len() == n => Ok(v),
        _ => Err(bad_arg(
            func,
            arg,
            &format!("an int or a tuple of {n} ints"),
            obj,
        )),
    }
}

/// An `int | Sequence[int]` argument of `conv_general`.
fn int_or_seq(obj: &Bound<'_, PyAny>, func: &str, arg: &str) -> PyResult<Vec<i32>> {
    if obj.is_instance_of::<PyInt>() {
        return Ok(vec![int_arg(obj, func, arg)?]);
    }
    int_sequence(obj, func, arg)
        .map_err(|_| bad_arg(func, arg, "an int or a sequence of ints", obj))
}

/// `conv_general`'s padding: an int, a sequence of ints (both sides), or a pair of
/// sequences `(low, high)`.
fn padding_arg(obj: &Bound<'_, PyAny>) -> PyResult<(Vec<i32>, Vec<i32>)> {
    let func = "conv_general";
    if let Ok(v) = int_or_seq(obj, func, "padding") {
        return Ok((v.clone(), v));
    }
    let expected = "an int, a sequence of ints or a pair of sequences of ints";
    let items: Vec<Bound<'_, PyAny>> = match obj.try_iter() {
        Ok(it) => it.collect::<PyResult<_>>()?,
        Err(_) => return Err(bad_arg(func, "padding", expected, obj)),
    };
    if items.len() != 2 {
        return Err(bad_arg(func, "padding", expected, obj));
    }
    let lo = int_sequence(&items[0], func, "padding")
        .map_err(|_| bad_arg(func, "padding", expected, obj))?;
    let hi = int_sequence(&items[1], func, "padding")
        .map_err(|_| bad_arg(func, "padding", expected, obj))?;
    Ok((lo, hi))
}

/// An optional int argument (MLX's default when left out).
fn int_or(obj: Option<&Bound<'_, PyAny>>, default: i32, func: &str, arg: &str) -> PyResult<i32> {
    obj.map_or(Ok(default), |o| int_arg(o, func, arg))
}

/// An optional spatial argument of `convNd` / `conv_transposeNd`: an int for `N = 1`
/// (`conv1d` takes no tuples), an int or an N-tuple otherwise.
fn spatial_or(
    obj: Option<&Bound<'_, PyAny>>,
    default: i32,
    n: usize,
    func: &str,
    arg: &str,
) -> PyResult<Vec<i32>> {
    match obj {
        None => Ok(vec![default; n]),
        Some(o) if n == 1 => Ok(vec![int_arg(o, func, arg)?]),
        Some(o) => int_or_n(o, n, func, arg),
    }
}

/// An optional `int | Sequence[int]` argument of `conv_general`.
fn seq_or(
    obj: Option<&Bound<'_, PyAny>>,
    default: i32,
    func: &str,
    arg: &str,
) -> PyResult<Vec<i32>> {
    obj.map_or(Ok(vec![default]), |o| int_or_seq(o, func, arg))
}

/// The engine's spatial parameter types: `i32` for 1-D, a pair for 2-D, a triple for 3-D.
fn single(v: &[i32]) -> i32 {
    v[0]
}
fn pair(v: &[i32]) -> (i32, i32) {
    (v[0], v[1])
}
fn triple(v: &[i32]) -> (i32, i32, i32) {
    (v[0], v[1], v[2])
}

/// Binds `convNd(input, weight, /, stride, padding, dilation, groups, *, stream)` or, with
/// the trailing `output_padding`, `conv_transposeNd(input, weight, /, stride, padding,
/// dilation, output_padding, groups, *, stream)`. Arguments are checked in that order.
macro_rules! conv_nd {
    ($name:ident, $n:literal, $tuple:ident $(, $op:ident)?) => {
        #[pyfunction]
        #[pyo3(signature = (input, weight, /, stride = None, padding = None, dilation = None, $($op = None,)? groups = None, *, stream = None))]
        #[allow(clippy::too_many_arguments)]
        fn $name(
            input: &Bound<'_, PyAny>,
            weight: &Bound<'_, PyAny>,
            stride: Option<&Bound<'_, PyAny>>,
            padding: Option<&Bound<'_, PyAny>>,
            dilation: Option<&Bound<'_, PyAny>>,
            $($op: Option<&Bound<'_, PyAny>>,)?
            groups: Option<&Bound<'_, PyAny>>,
            stream: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<PyArray> {
            let f = stringify!($name);
            let x = strict_array(input, f, "input")?;
            let w = strict_array(weight, f, "weight")?;
            let s = $tuple(&spatial_or(stride, 1, $n, f, "stride")?);
            let p = $tuple(&spatial_or(padding, 0, $n, f, "padding")?);
            let d = $tuple(&spatial_or(dilation, 1, $n, f, "dilation")?);
            $(let $op = $tuple(&spatial_or($op, 0, $n, f, stringify!($op))?);)?
            let g = int_or(groups, 1, f, "groups")?;
            on_stream(stream, || ops::$name(&x, &w, s, p, d, $($op,)? g)).map(PyArray::new_py)
        }
    };
}
conv_nd!(conv1d, 1, single);
conv_nd!(conv2d, 2, pair);
conv_nd!(conv3d, 3, triple);
conv_nd!(conv_transpose1d, 1, single, output_padding);
conv_nd!(conv_transpose2d, 2, pair, output_padding);
conv_nd!(conv_transpose3d, 3, triple, output_padding);

#[pyfunction]
#[pyo3(signature = (input, weight, /, stride = None, padding = None, kernel_dilation = None, input_dilation = None, groups = None, flip = None, *, stream = None))]
#[allow(clippy::too_many_arguments)]
fn conv_general(
    input: &Bound<'_, PyAny>,
    weight: &Bound<'_, PyAny>,
    stride: Option<&Bound<'_, PyAny>>,
    padding: Option<&Bound<'_, PyAny>>,
    kernel_dilation: Option<&Bound<'_, PyAny>>,
    input_dilation: Option<&Bound<'_, PyAny>>,
    groups: Option<&Bound<'_, PyAny>>,
    flip: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "conv_general";
    let x = strict_array(input, f, "input")?;
    let w = strict_array(weight, f, "weight")?;
    let s = seq_or(stride, 1, f, "stride")?;
    let (lo, hi) = match padding {
        Some(p) => padding_arg(p)?,
        None => (vec![0], vec![0]),
    };
    let kd = seq_or(kernel_dilation, 1, f, "kernel_dilation")?;
    let id = seq_or(input_dilation, 1, f, "input_dilation")?;
    let g = int_or(groups, 1, f, "groups")?;
    let flip: bool = match flip {
        Some(b) => b.extract().map_err(|_| bad_arg(f, "flip", "a bool", b))?,
        None => false,
    };
    on_stream(stream, || {
        ops::conv_general(&x, &w, &s, &lo, &hi, &kd, &id, g, flip)
    })
    .map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, v, /, mode = None, *, stream = None))]
fn convolve(
    a: &Bound<'_, PyAny>,
    v: &Bound<'_, PyAny>,
    mode: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "convolve", "a")?;
    let v = strict_array(v, "convolve", "v")?;
    let mode: String = match mode {
        Some(m) => m
            .extract()
            .map_err(|_| bad_arg("convolve", "mode", "a str", m))?,
        None => "full".into(),
    };
    on_stream(stream, || ops::convolve(&a, &v, &mode)).map(PyArray::new_py)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(conv1d, m)?)?;
    m.add_function(wrap_pyfunction!(conv2d, m)?)?;
    m.add_function(wrap_pyfunction!(conv3d, m)?)?;
    m.add_function(wrap_pyfunction!(conv_general, m)?)?;
    m.add_function(wrap_pyfunction!(conv_transpose1d, m)?)?;
    m.add_function(wrap_pyfunction!(conv_transpose2d, m)?)?;
    m.add_function(wrap_pyfunction!(conv_transpose3d, m)?)?;
    m.add_function(wrap_pyfunction!(convolve, m)?)?;
    Ok(())
}
