//! `mx.linalg.eig` / `eigvals`: the general (non-symmetric) eigendecomposition through
//! faer. Results are complex64 whatever the input dtype (MLX's rule); eigenvalues come in
//! the solver's order (no sorting, as LAPACK's `geev`).

use super::linalg_decomp::{check_float_or_complex, check_ndim, is_square};
use super::op_stream;
use crate::array::Array;
use crate::dtype::Dtype;
use crate::error::{bail, Error, Result};
use crate::primitives::linalg::{Linalg, LinalgKind};

fn check(name: &str, a: &Array) -> Result<()> {
    check_float_or_complex(name, a)?;
    check_ndim(name, a)?;
    if !is_square(a) {
        bail!("[linalg::{name}] Only defined for square matrices.");
    }
    Ok(())
}

/// Eigenvalues (complex64, `[..., n]`) and right eigenvectors (columns, `[..., n, n]`).
pub fn eig(a: &Array) -> Result<(Array, Array)> {
    check("eig", a)?;
    let n = a.shape()[a.ndim() - 1];
    let batch = &a.shape()[..a.ndim() - 2];
    let specs = vec![
        ([batch, &[n]].concat(), Dtype::Complex64),
        (a.shape().to_vec(), Dtype::Complex64),
    ];
    let kind = LinalgKind::Eig { vectors: true };
    let mut v = Array::multi_from_op(specs, op_stream("eig")?, Linalg { kind }, vec![a.clone()]);
    match (v.pop(), v.pop()) {
        (Some(vecs), Some(w)) => Ok((w, vecs)),
        _ => Err(Error::Runtime("[linalg::eig] missing outputs".into())),
    }
}

/// Eigenvalues (complex64) of each square matrix.
pub fn eigvals(a: &Array) -> Result<Array> {
    check("eigvals", a)?;
    let n = a.shape()[a.ndim() - 1];
    let shape = [&a.shape()[..a.ndim() - 2], &[n]].concat();
    let kind = LinalgKind::Eig { vectors: false };
    Ok(Array::from_op(
        shape,
        Dtype::Complex64,
        op_stream("eigvals")?,
        Linalg { kind },
        vec![a.clone()],
    ))
}
