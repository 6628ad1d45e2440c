//! Module-level op functions of `rmlx.core`, one file per family, with MLX's Python
//! signatures: positional array arguments, keyword-only options, and `stream=`.

pub(crate) mod args;
pub(crate) mod binary;
pub(crate) mod conv;
pub(crate) mod creation;
pub(crate) mod einsum;
pub(crate) mod indexing;
pub(crate) mod misc;
pub(crate) mod misc_ops;
pub(crate) mod products;
pub(crate) mod quantized;
pub(crate) mod reduce;
pub(crate) mod scan;
pub(crate) mod shape;
pub(crate) mod shape_ops;
pub(crate) mod sort;
pub(crate) mod unary;

use pyo3::prelude::*;

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    unary::register(m)?;
    binary::register(m)?;
    reduce::register(m)?;
    shape::register(m)?;
    creation::register(m)?;
    misc::register(m)?;
    // Names MLX binds to the very same function objects.
    for (alias, name) in [
        ("acos", "arccos"),
        ("acosh", "arccosh"),
        ("asin", "arcsin"),
        ("asinh", "arcsinh"),
        ("atan", "arctan"),
        ("atan2", "arctan2"),
        ("atanh", "arctanh"),
        ("bitwise_left_shift", "left_shift"),
        ("bitwise_right_shift", "right_shift"),
        ("pow", "power"),
    ] {
        m.add(alias, m.getattr(name)?)?;
    }
    indexing::register(m)?;
    sort::register(m)?;
    scan::register(m)?;
    shape_ops::register(m)?;
    products::register(m)?;
    misc_ops::register(m)?;
    einsum::register(m)?;
    quantized::register(m)?;
    conv::register(m)?;
    Ok(())
}
