//! `rmlx.core.fft`: MLX's `mx.fft` functions (fft, ifft, fft2, ifft2, fftn, ifftn, rfft,
//! irfft, rfft2, irfft2, rfftn, irfftn, fftfreq, rfftfreq, fftshift, ifftshift) with MLX's
//! signatures. Array arguments are strictly typed `array`, as in MLX; `s` and `axes` of the
//! transforms are sequences (an int is a TypeError), `axes` of the shifts may be an int.

use crate::array::PyArray;
use crate::device::on_stream;
use crate::errors::IntoPy;
use crate::ops::args::{int_or_sequence, strict_array};
use pyo3::prelude::*;
use rmlx::ops::{self, FftNorm};

fn arr(obj: &Bound<'_, PyAny>, f: &str) -> PyResult<rmlx::Array> {
    strict_array(obj, f, "a")
}

fn norm_arg(f: &str, norm: &str) -> PyResult<FftNorm> {
    FftNorm::parse(f, norm).py()
}

/// Binds a one-axis transform `name(a, n=None, axis=-1, norm='backward', stream=None)`.
macro_rules! one_axis {
    ($($name:ident),* $(,)?) => {$(
        #[pyfunction]
        #[pyo3(signature = (a, n = None, axis = -1, norm = "backward", stream = None))]
        fn $name(
            a: &Bound<'_, PyAny>,
            n: Option<i32>,
            axis: i32,
            norm: &str,
            stream: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<PyArray> {
            let a = arr(a, stringify!($name))?;
            let norm = norm_arg(stringify!($name), norm)?;
            on_stream(stream, || ops::$name(&a, n, axis, norm)).map(PyArray::new_py)
        }
    )*};
}

one_axis!(fft, ifft, rfft, irfft);

/// Binds `name(a, s=None, axes=<default>, norm='backward', stream=None)`; `axes=None`
/// means every axis (and then `s` must be None too).
macro_rules! n_axes {
    ($($name:ident => $default:expr),* $(,)?) => {$(
        #[pyfunction]
        #[pyo3(signature = (a, s = None, axes = $default, norm = "backward", stream = None))]
        fn $name(
            a: &Bound<'_, PyAny>,
            s: Option<Vec<i32>>,
            axes: Option<Vec<i32>>,
            norm: &str,
            stream: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<PyArray> {
            let f = stringify!($name);
            let a = arr(a, f)?;
            let norm = norm_arg(f, norm)?;
            if axes.is_none() && s.is_some() {
                return Err(crate::errors::value_error(format!(
                    "[{f}] `axes` should not be `None` if `s` is not `None`."
                )));
            }
            let all: Vec<i32> = (0..a.ndim() as i32).collect();
            let axes = axes.unwrap_or(all);
            on_stream(stream, || ops::$name(&a, s.as_deref(), Some(&axes), norm))
                .map(PyArray::new_py)
        }
    )*};
}

n_axes!(
    fft2 => Some(vec![-2, -1]),
    ifft2 => Some(vec![-2, -1]),
    rfft2 => Some(vec![-2, -1]),
    irfft2 => Some(vec![-2, -1]),
    fftn => None,
    ifftn => None,
    rfftn => None,
    irfftn => None,
);

#[pyfunction]
#[pyo3(signature = (n, d = 1.0, stream = None))]
fn fftfreq(n: i32, d: f64, stream: Option<&Bound<'_, PyAny>>) -> PyResult<PyArray> {
    on_stream(stream, || ops::fftfreq(n, d)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (n, d = 1.0, stream = None))]
fn rfftfreq(n: i32, d: f64, stream: Option<&Bound<'_, PyAny>>) -> PyResult<PyArray> {
    on_stream(stream, || ops::rfftfreq(n, d)).map(PyArray::new_py)
}

/// Binds `name(a, axes=None, stream=None)` (`axes`: None, an int or a sequence).
macro_rules! shift {
    ($($name:ident),* $(,)?) => {$(
        #[pyfunction]
        #[pyo3(signature = (a, axes = None, stream = None))]
        fn $name(
            a: &Bound<'_, PyAny>,
            axes: Option<&Bound<'_, PyAny>>,
            stream: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<PyArray> {
            let f = stringify!($name);
            let a = arr(a, f)?;
            let axes = match axes.filter(|o| !o.is_none()) {
                Some(o) => Some(int_or_sequence(o, f, "axes")?),
                None => None,
            };
            on_stream(stream, || ops::$name(&a, axes.as_deref())).map(PyArray::new_py)
        }
    )*};
}

shift!(fftshift, ifftshift);

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let sub = PyModule::new(py, "rmlx.core.fft")?;
    sub.add_function(wrap_pyfunction!(fft, &sub)?)?;
    sub.add_function(wrap_pyfunction!(ifft, &sub)?)?;
    sub.add_function(wrap_pyfunction!(rfft, &sub)?)?;
    sub.add_function(wrap_pyfunction!(irfft, &sub)?)?;
    sub.add_function(wrap_pyfunction!(fft2, &sub)?)?;
    sub.add_function(wrap_pyfunction!(ifft2, &sub)?)?;
    sub.add_function(wrap_pyfunction!(rfft2, &sub)?)?;
    sub.add_function(wrap_pyfunction!(irfft2, &sub)?)?;
    sub.add_function(wrap_pyfunction!(fftn, &sub)?)?;
    sub.add_function(wrap_pyfunction!(ifftn, &sub)?)?;
    sub.add_function(wrap_pyfunction!(rfftn, &sub)?)?;
    sub.add_function(wrap_pyfunction!(irfftn, &sub)?)?;
    sub.add_function(wrap_pyfunction!(fftfreq, &sub)?)?;
    sub.add_function(wrap_pyfunction!(rfftfreq, &sub)?)?;
    sub.add_function(wrap_pyfunction!(fftshift, &sub)?)?;
    sub.add_function(wrap_pyfunction!(ifftshift, &sub)?)?;
    m.add("fft", &sub)?;
    py.import("sys")?
        .getattr("modules")?
        .set_item("rmlx.core.fft", &sub)?;
    Ok(())
}
