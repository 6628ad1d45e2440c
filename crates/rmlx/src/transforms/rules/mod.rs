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

/// Runs a vjp rule written as the transpose product `Jᵀ·c` so that it returns MLX's complex
/// convention, the conjugate-transpose product `Jᴴ·c = conj(Jᵀ·conj(c))`.
///
/// Under MLX's convention the gradient of a real loss `L` with respect to `z = x + iy` is
/// `∂L/∂x + i·∂L/∂y`, and a holomorphic map's vjp is `c·conj(f'(z))`. Writing rules as the
/// plain transpose keeps them identical to the real case (`multiply` is `c·b`, a matmul is
/// `c·Bᵀ`); this wrapper conjugates the cotangents going in and the results coming out, which
/// costs nothing when nothing is complex. Real-structured rules (reshapes, gathers, masks)
/// are the same under both conventions and need no wrapper; rules composed through the
/// transforms themselves get the convention from the primitives they are built of.
pub(crate) fn hermitian<F>(primals: &[Array], cotangents: &[Array], rule: F) -> Result<Vec<Array>>
where
    F: FnOnce(&[Array]) -> Result<Vec<Array>>,
{
    let complex = |a: &Array| a.dtype().is_complex();
    if !primals.iter().any(complex) && !cotangents.iter().any(complex) {
        return rule(cotangents);
    }
    let conj = |a: &Array| {
        if complex(a) {
            ops::conjugate(a)
        } else {
            Ok(a.clone())
        }
    };
    let c = cotangents.iter().map(conj).collect::<Result<Vec<_>>>()?;
    rule(&c)?.iter().map(conj).collect()
}

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
