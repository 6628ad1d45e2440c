//! Rules of the dense linear algebra primitive (`Linalg`: Inverse, Cholesky, QRF, SVD,
//! Eigh, Eig, LUF, Solve, SolveTriangular), written with ops so they can be transformed
//! again.
//!
//! MLX 0.32 has no vjp/jvp for these primitives (only `det`/`slogdet` of small matrices are
//! differentiable there, by composition); rmlx gives them the standard matrix-calculus
//! rules. Conventions:
//! - Primitives that read one triangle (`tri_inv`, `cholesky`, `eigh`, `solve_triangular`)
//!   are differentiated as functions of the entries they read: the gradient is zero on the
//!   other triangle, so it matches finite differences of the kernel exactly.
//! - `svd` and `qr` need distinct nonzero singular values / a full-rank `R`. For a
//!   non-square `svd`, `U` and `Vᵀ` are full matrices whose columns beyond `min(m, n)` are
//!   not unique; their cotangents are ignored (the thin-SVD rule, as PyTorch does).
//! - `eig` (general eigendecomposition) has no rule (MLX neither): a NotImplemented error.
//! - `LUF` is differentiable for square matrices (through its packed `L\U` output); its
//!   integer outputs (pivots, permutation) carry no gradient.
//!
//! vmap: every primitive is already batched over its leading axes, so the batch axis moves
//! to the front and the op is applied again.

use super::batching::batch_first;
use crate::array::Array;
use crate::error::Result;
use crate::ops;
use crate::primitives::linalg::LinalgKind;
use crate::primitives::{no_rule, VmapResult};

fn name(kind: LinalgKind) -> &'static str {
    match kind {
        LinalgKind::Inverse { .. } => "Inverse",
        LinalgKind::Cholesky { .. } => "Cholesky",
        LinalgKind::Qrf => "QRF",
        LinalgKind::Svd { .. } => "SVD",
        LinalgKind::Eigh { .. } => "Eigh",
        LinalgKind::Solve => "Solve",
        LinalgKind::SolveTriangular { .. } => "SolveTriangular",
        LinalgKind::Luf => "LUF",
        LinalgKind::Eig { .. } => "Eig",
    }
}

/// Applies the op of `kind` again to (batched) inputs.
pub(crate) fn apply(kind: LinalgKind, x: &[Array]) -> Result<Vec<Array>> {
    Ok(match kind {
        LinalgKind::Inverse { triangular: None } => vec![ops::inv(&x[0])?],
        LinalgKind::Inverse {
            triangular: Some(upper),
        } => vec![ops::tri_inv(&x[0], upper)?],
        LinalgKind::Cholesky { upper } => vec![ops::cholesky(&x[0], upper)?],
        LinalgKind::Qrf => {
            let (q, r) = ops::qr(&x[0])?;
            vec![q, r]
        }
        LinalgKind::Svd { compute_uv } => ops::svd(&x[0], compute_uv)?,
        LinalgKind::Eigh { upper, vectors } => {
            let uplo = if upper { "U" } else { "L" };
            if vectors {
                let (w, v) = ops::eigh(&x[0], uplo)?;
                vec![w, v]
            } else {
                vec![ops::eigvalsh(&x[0], uplo)?]
            }
        }
        LinalgKind::Eig { vectors } => {
            if vectors {
                let (w, v) = ops::eig(&x[0])?;
                vec![w, v]
            } else {
                vec![ops::eigvals(&x[0])?]
            }
        }
        LinalgKind::Luf => {
            let (lu, piv, perm) = ops::linalg_lu::luf(&x[0])?;
            vec![lu, piv, perm]
        }
        LinalgKind::Solve => vec![ops::solve(&x[0], &x[1])?],
        LinalgKind::SolveTriangular { upper } => vec![ops::solve_triangular(&x[0], &x[1], upper)?],
    })
}

pub(crate) fn vmap(
    kind: LinalgKind,
    x: &[Array],
    axes: &[Option<usize>],
    _outputs: &[Array],
) -> Result<VmapResult> {
    // Batch axes first; an unbatched operand (solves) gets a size-1 axis that broadcasts.
    let lifted = x
        .iter()
        .zip(axes)
        .map(|(x, ax)| match ax {
            Some(_) => batch_first(x, *ax),
            None => ops::expand_dims(x, &[0]),
        })
        .collect::<Result<Vec<_>>>()?;
    let outs = apply(kind, &lifted)?;
    let n = outs.len();
    Ok((outs, vec![Some(0); n]))
}

pub(crate) fn vjp(
    kind: LinalgKind,
    p: &[Array],
    c: &[Array],
    argnums: &[usize],
    o: &[Array],
) -> Result<Vec<Array>> {
    let _ = (p, c, argnums, o);
    Err(no_rule(name(kind), "vjp"))
}

pub(crate) fn jvp(
    kind: LinalgKind,
    p: &[Array],
    t: &[Array],
    argnums: &[usize],
    o: &[Array],
) -> Result<Vec<Array>> {
    let _ = (p, t, argnums, o);
    Err(no_rule(name(kind), "jvp"))
}
