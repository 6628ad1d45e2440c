//! Window functions: `bartlett`, `blackman`, `hamming`, `hanning`.

use crate::array::PyArray;
use crate::device::on_stream;
use pyo3::prelude::*;
use rmlx::ops;

#[allow(unsafe_op_in_unsafe_fn)]
mod generated {
    use super::*;

    /// `name(M, *, stream=None)` over the engine function of the same name.
    macro_rules! windows {
        ($($name:ident),*) => {$(
            #[pyfunction]
            #[pyo3(signature = (M, *, stream = None))]
            #[allow(non_snake_case)]
            pub(super) fn $name(M: i32, stream: Option<&Bound<'_, PyAny>>) -> PyResult<PyArray> {
                on_stream(stream, || ops::$name(M)).map(PyArray::new_py)
            }
        )*};
    }
    windows!(bartlett, blackman, hamming, hanning);
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(generated::bartlett, m)?)?;
    m.add_function(wrap_pyfunction!(generated::blackman, m)?)?;
    m.add_function(wrap_pyfunction!(generated::hamming, m)?)?;
    m.add_function(wrap_pyfunction!(generated::hanning, m)?)?;
    Ok(())
}
