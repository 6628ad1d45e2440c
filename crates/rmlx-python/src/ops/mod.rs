//! Module-level op functions of `rmlx.core`, one file per family, with MLX's Python
//! signatures: positional array arguments, keyword-only options, and `stream=`.

pub(crate) mod binary;
pub(crate) mod indexing;
pub(crate) mod unary;

use pyo3::prelude::*;

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    unary::register(m)?;
    binary::register(m)?;
    indexing::register(m)?;
    Ok(())
}
