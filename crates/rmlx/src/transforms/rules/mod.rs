//! The transform rules of the primitives, by family. Each primitive's `vjp`, `jvp` and
//! `vmap` methods forward here, so the math of differentiation sits apart from the kernels.
//! Rules are built from ops: their results are graphs that can be transformed again.

pub(crate) mod batching;
pub(crate) mod binary;
pub(crate) mod composite;
pub(crate) mod conv;
pub(crate) mod fast;
pub(crate) mod fft;
pub(crate) mod indexing;
pub(crate) mod linalg;
pub(crate) mod linalg_decomp;
pub(crate) mod order;
pub(crate) mod products;
pub(crate) mod quantized;
pub(crate) mod reduce;
pub(crate) mod select;
pub(crate) mod shape;
pub(crate) mod structure;
pub(crate) mod unary;

use crate::array::Array;
use crate::error::Result;
use crate::ops;

/// A weakly typed constant next to `like` (keeps `like`'s floating dtype).
pub(crate) fn k(value: f64, like: &Array) -> Result<Array> {
    ops::scalar_like(value, like)
}

/// `v` with `x`'s dtype.
pub(crate) fn cast_like(v: &Array, x: &Array) -> Result<Array> {
    if v.dtype() == x.dtype() {
        Ok(v.clone())
    } else {
        ops::astype(v, x.dtype())
    }
}
