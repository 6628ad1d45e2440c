//! `mx.linalg`'s factorizations and solvers (CPU, float32 and float64, through faer).
//!
//! Each op checks MLX's dtype and shape rules eagerly (messages `[linalg::name] ...`, MLX's
//! text) and builds one [`Linalg`] node over the batch (every axis but the last two).

use super::op_stream;
use crate::array::Array;
use crate::dtype::{promote_types, Dtype};
use crate::error::{bail, Result};
use crate::primitives::linalg::{Linalg, LinalgKind};
use crate::shape::{broadcast_shapes, fmt_shape};

/// MLX's float32/float64 rule for the LAPACK-backed ops.
pub(crate) fn check_float(name: &str, a: &Array) -> Result<()> {
    if !matches!(a.dtype(), Dtype::Float32 | Dtype::Float64) {
        bail!(
            "[linalg::{name}] Arrays must have type float32 or float64. Received array with type {}.",
            a.dtype()
        );
    }
    Ok(())
}

/// The rule of the ops MLX also runs on complex64 (svd, eigh, eigvalsh, eig, eigvals).
pub(crate) fn check_float_or_complex(name: &str, a: &Array) -> Result<()> {
    match a.dtype() {
        Dtype::Float32 | Dtype::Float64 | Dtype::Complex64 => Ok(()),
        d => bail!(
            "[linalg::{name}] Arrays must have type float32, float64 or complex64. Received \
             array with type {d}."
        ),
    }
}

/// The dtype of singular values and Hermitian eigenvalues: float32 for complex64 input.
pub(crate) fn real_dtype(d: Dtype) -> Dtype {
    if d == Dtype::Complex64 {
        Dtype::Float32
    } else {
        d
    }
}

pub(crate) fn check_ndim(name: &str, a: &Array) -> Result<()> {
    if a.ndim() < 2 {
        bail!(
            "[linalg::{name}] Arrays must have >= 2 dimensions. Received array with {} dimensions.",
            a.ndim()
        );
    }
    Ok(())
}

pub(crate) fn is_square(a: &Array) -> bool {
    let s = a.shape();
    s[s.len() - 1] == s[s.len() - 2]
}

pub(crate) fn node(a: &Array, name: &str, shape: Vec<i32>, kind: LinalgKind) -> Result<Array> {
    let s = op_stream(name)?;
    Ok(Array::from_op(
        shape,
        a.dtype(),
        s,
        Linalg { kind },
        vec![a.clone()],
    ))
}

/// Batch shape with the last two axes replaced by `tail`.
pub(crate) fn with_tail(a: &Array, tail: &[i32]) -> Vec<i32> {
    let s = a.shape();
    let mut v = s[..s.len() - 2].to_vec();
    v.extend_from_slice(tail);
    v
}

/// Inverse of each square matrix. A singular matrix is a `RuntimeError` at evaluation.
pub fn inv(a: &Array) -> Result<Array> {
    check_float("inv", a)?;
    check_ndim("inv", a)?;
    if !is_square(a) {
        bail!("[linalg::inv] Inverses are only defined for square matrices.");
    }
    node(
        a,
        "inv",
        a.shape().to_vec(),
        LinalgKind::Inverse { triangular: None },
    )
}

/// Inverse of each triangular matrix (the `upper` or lower triangle is read).
pub fn tri_inv(a: &Array, upper: bool) -> Result<Array> {
    check_float("inv", a)?;
    check_ndim("inv", a)?;
    if !is_square(a) {
        bail!("[linalg::inv] Inverses are only defined for square matrices.");
    }
    let kind = LinalgKind::Inverse {
        triangular: Some(upper),
    };
    node(a, "tri_inv", a.shape().to_vec(), kind)
}

/// Cholesky factor `L` (`A = L Lᵀ`) or, with `upper`, `U` (`A = Uᵀ U`).
pub fn cholesky(a: &Array, upper: bool) -> Result<Array> {
    check_float("cholesky", a)?;
    check_ndim("cholesky", a)?;
    if !is_square(a) {
        bail!("[linalg::cholesky] Cholesky decomposition is only defined for square matrices.");
    }
    node(
        a,
        "cholesky",
        a.shape().to_vec(),
        LinalgKind::Cholesky { upper },
    )
}

/// Inverse of `A` from its Cholesky factor `a` (lower, or `upper`).
pub fn cholesky_inv(a: &Array, upper: bool) -> Result<Array> {
    check_float("cholesky_inv", a)?;
    check_ndim("cholesky_inv", a)?;
    if !is_square(a) {
        bail!("[linalg::cholesky_inv] Cholesky inverse is only defined for square matrices.");
    }
    let t = tri_inv(a, upper)?;
    let tt = super::swapaxes(&t, -1, -2)?;
    // A = L Lᵀ → A⁻¹ = L⁻ᵀ L⁻¹; A = Uᵀ U → A⁻¹ = U⁻¹ U⁻ᵀ.
    if upper {
        super::matmul(&t, &tt)
    } else {
        super::matmul(&tt, &t)
    }
}

/// Reduced QR of each matrix: `Q` (`m × k`), `R` (`k × n`), `k = min(m, n)`.
pub fn qr(a: &Array) -> Result<(Array, Array)> {
    check_float("qr", a)?;
    check_ndim("qr", a)?;
    let (m, n) = (a.shape()[a.ndim() - 2], a.shape()[a.ndim() - 1]);
    let k = m.min(n);
    let s = op_stream("qr")?;
    let specs = vec![
        (with_tail(a, &[m, k]), a.dtype()),
        (with_tail(a, &[k, n]), a.dtype()),
    ];
    let mut v = Array::multi_from_op(
        specs,
        s,
        Linalg {
            kind: LinalgKind::Qrf,
        },
        vec![a.clone()],
    );
    let r = v.pop();
    let q = v.pop();
    match (q, r) {
        (Some(q), Some(r)) => Ok((q, r)),
        _ => Err(crate::Error::Runtime("[linalg::qr] missing outputs".into())),
    }
}

/// SVD of each matrix: `[U, S, Vᵀ]` (full `U`, `Vᵀ`), or `[S]` without `compute_uv`.
pub fn svd(a: &Array, compute_uv: bool) -> Result<Vec<Array>> {
    check_float_or_complex("svd", a)?;
    if a.ndim() < 2 {
        bail!(
            "[linalg::svd] Input array must have >= 2 dimensions. Received array with {} dimensions.",
            a.ndim()
        );
    }
    let (m, n) = (a.shape()[a.ndim() - 2], a.shape()[a.ndim() - 1]);
    let k = m.min(n);
    let batch = &a.shape()[..a.ndim() - 2];
    let s_shape = [batch, &[k]].concat();
    let real = real_dtype(a.dtype());
    let specs = if compute_uv {
        vec![
            (with_tail(a, &[m, m]), a.dtype()),
            (s_shape, real),
            (with_tail(a, &[n, n]), a.dtype()),
        ]
    } else {
        vec![(s_shape, real)]
    };
    let s = op_stream("svd")?;
    let kind = LinalgKind::Svd { compute_uv };
    Ok(Array::multi_from_op(
        specs,
        s,
        Linalg { kind },
        vec![a.clone()],
    ))
}

pub(crate) fn check_eigh(name: &str, a: &Array) -> Result<()> {
    check_float_or_complex(name, a)?;
    check_ndim(name, a)?;
    if !is_square(a) {
        bail!("[linalg::{name}] Only defined for square matrices.");
    }
    Ok(())
}

/// Eigenvalues (ascending) and eigenvectors (columns) of each symmetric matrix, read from
/// its lower triangle (`uplo = "U"`: the upper one).
pub fn eigh(a: &Array, uplo: &str) -> Result<(Array, Array)> {
    check_eigh("eigh", a)?;
    let n = a.shape()[a.ndim() - 1];
    let batch = &a.shape()[..a.ndim() - 2];
    let specs = vec![
        ([batch, &[n]].concat(), real_dtype(a.dtype())),
        (a.shape().to_vec(), a.dtype()),
    ];
    let kind = LinalgKind::Eigh {
        upper: uplo == "U",
        vectors: true,
    };
    let s = op_stream("eigh")?;
    let mut v = Array::multi_from_op(specs, s, Linalg { kind }, vec![a.clone()]);
    let vecs = v.pop();
    let w = v.pop();
    match (w, vecs) {
        (Some(w), Some(vecs)) => Ok((w, vecs)),
        _ => Err(crate::Error::Runtime(
            "[linalg::eigh] missing outputs".into(),
        )),
    }
}

/// Eigenvalues (ascending) of each symmetric matrix.
pub fn eigvalsh(a: &Array, uplo: &str) -> Result<Array> {
    check_eigh("eigvalsh", a)?;
    let n = a.shape()[a.ndim() - 1];
    let shape = [&a.shape()[..a.ndim() - 2], &[n]].concat();
    let kind = LinalgKind::Eigh {
        upper: uplo == "U",
        vectors: false,
    };
    let s = op_stream("eigvalsh")?;
    Ok(Array::from_op(
        shape,
        real_dtype(a.dtype()),
        s,
        Linalg { kind },
        vec![a.clone()],
    ))
}

/// Shared checks and broadcasting of `solve` and `solve_triangular`: `a` `[..., n, n]`, `b`
/// `[..., n, k]` or `[n]`; returns the node's output.
fn solve_impl(name: &str, a: &Array, b: &Array, kind: LinalgKind) -> Result<Array> {
    let dt = promote_types(a.dtype(), b.dtype());
    if !matches!(dt, Dtype::Float32 | Dtype::Float64) {
        bail!(
            "[linalg::{name}] Input arrays must promote to float32 or float64.  Received arrays \
             with type {} and {}.",
            a.dtype(),
            b.dtype()
        );
    }
    check_ndim(name, a)?;
    if !is_square(a) {
        bail!(
            "[linalg::{name}] First input must be a square matrix. Received array with shape {}.",
            fmt_shape(a.shape())
        );
    }
    let n = a.shape()[a.ndim() - 1];
    let vector = b.ndim() == 1;
    let rows = if b.ndim() == 0 {
        -1
    } else if vector {
        b.shape()[0]
    } else {
        b.shape()[b.ndim() - 2]
    };
    if rows != n {
        bail!(
            "[linalg::{name}] Last dimension of first input with shape {} must match second to \
             last dimension of second input with shape {}.",
            fmt_shape(a.shape()),
            fmt_shape(b.shape())
        );
    }
    let a = super::astype(a, dt)?;
    let b = super::astype(b, dt)?;
    let b2 = if vector {
        super::reshape(&b, &[n, 1])?
    } else {
        b
    };
    let k = b2.shape()[b2.ndim() - 1];
    let batch = broadcast_shapes(&a.shape()[..a.ndim() - 2], &b2.shape()[..b2.ndim() - 2])?;
    let a = super::broadcast_to(&a, &[batch.as_slice(), &[n, n]].concat())?;
    let out_shape = [batch.as_slice(), &[n, k]].concat();
    let b2 = super::broadcast_to(&b2, &out_shape)?;
    let s = op_stream(name)?;
    let x = Array::from_op(out_shape, dt, s, Linalg { kind }, vec![a, b2]);
    if vector {
        let mut shape = x.shape().to_vec();
        shape.pop();
        super::reshape(&x, &shape)
    } else {
        Ok(x)
    }
}

/// `X` with `A X = B` for each square `A` (LU with partial pivoting).
pub fn solve(a: &Array, b: &Array) -> Result<Array> {
    solve_impl("solve", a, b, LinalgKind::Solve)
}

/// `X` with `A X = B` for each triangular `A` (`upper` or lower triangle).
pub fn solve_triangular(a: &Array, b: &Array, upper: bool) -> Result<Array> {
    solve_impl(
        "solve_triangular",
        a,
        b,
        LinalgKind::SolveTriangular { upper },
    )
}
