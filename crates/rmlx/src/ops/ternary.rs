//! `where` and `clip`.

use super::op_stream;
use crate::array::Array;
use crate::dtype::{promote_types, Dtype};
use crate::error::{bail, Result};
use crate::primitives::ternary::Select;

/// MLX's `where`: `x` where `condition` is true (nonzero), else `y`. `x` and `y` are promoted
/// together; all three broadcast. (`where` is a Rust keyword, hence the underscore.)
pub fn where_(condition: &Array, x: &Array, y: &Array) -> Result<Array> {
    let dt = promote_types(x.dtype(), y.dtype());
    let c = super::astype(condition, Dtype::Bool)?;
    let x = super::astype(x, dt)?;
    let y = super::astype(y, dt)?;
    let v = super::broadcast_arrays(&[c, x, y])?;
    let s = op_stream("where")?;
    Ok(Array::from_op(v[0].shape().to_vec(), dt, s, Select, v))
}

/// Limits `a` to `[min, max]`: `minimum(maximum(a, min), max)`, with promotion and
/// broadcasting (the result may be larger than `a`). NaN stays NaN. At most one bound may
/// be `None`.
pub fn clip(a: &Array, min: Option<&Array>, max: Option<&Array>) -> Result<Array> {
    if min.is_none() && max.is_none() {
        bail!("At most one of a_min and a_max may be None");
    }
    let mut out = a.clone();
    if let Some(lo) = min {
        out = super::maximum(&out, lo)?;
    }
    if let Some(hi) = max {
        out = super::minimum(&out, hi)?;
    }
    Ok(out)
}
