//! LU-based `mx.linalg` ops: `lu_factor`, `lu`, `det`, `slogdet`.
//!
//! One `LUF` node factors the batch (faer, LAPACK's pivoting); the rest is composed of ops.
//! `det` and `slogdet` follow MLX: matrices up to 3×3 use the closed-form expansion (any
//! floating dtype, differentiable by composition, exact cofactors at singular matrices),
//! larger ones the LU factors (float32/float64, as `lu_factor`).

use super::linalg_decomp::{check_float, check_ndim, is_square, with_tail};
use super::op_stream;
use crate::array::Array;
use crate::dtype::Dtype;
use crate::error::{bail, Error, Result};
use crate::primitives::linalg::{Linalg, LinalgKind};

/// The `LUF` node: packed `L\U`, LAPACK pivots (uint32) and `lu`'s permutation (uint32).
pub fn luf(a: &Array) -> Result<(Array, Array, Array)> {
    let (m, n) = (a.shape()[a.ndim() - 2], a.shape()[a.ndim() - 1]);
    let batch = &a.shape()[..a.ndim() - 2];
    let specs = vec![
        (a.shape().to_vec(), a.dtype()),
        ([batch, &[m.min(n)]].concat(), Dtype::Uint32),
        ([batch, &[m]].concat(), Dtype::Uint32),
    ];
    let s = op_stream("lu_factor")?;
    let kind = LinalgKind::Luf;
    let mut v = Array::multi_from_op(specs, s, Linalg { kind }, vec![a.clone()]);
    match (v.pop(), v.pop(), v.pop()) {
        (Some(perm), Some(piv), Some(lu)) => Ok((lu, piv, perm)),
        _ => Err(Error::Runtime("[linalg::lu_factor] missing outputs".into())),
    }
}

/// LU factorization with partial pivoting: the packed `L\U` (`m × n`, unit diagonal of `L`
/// implied) and LAPACK's 0-based pivot indices (uint32, `min(m, n)`).
pub fn lu_factor(a: &Array) -> Result<(Array, Array)> {
    check_float("lu_factor", a)?;
    check_ndim("lu_factor", a)?;
    let (lu, piv, _) = luf(a)?;
    Ok((lu, piv))
}

/// `(P, L, U)` with `A = L[P] @ U`: `P` the row permutation (uint32, `m`), `L` unit lower
/// triangular (`m × k`), `U` upper triangular (`k × n`), `k = min(m, n)`.
pub fn lu(a: &Array) -> Result<(Array, Array, Array)> {
    check_float("lu", a)?;
    check_ndim("lu", a)?;
    let (m, n) = (a.shape()[a.ndim() - 2], a.shape()[a.ndim() - 1]);
    let k = m.min(n);
    let (packed, _, perm) = luf(a)?;
    let l = super::slice_axis(&packed, -1, super::SliceArg::range(0, k))?;
    let l = super::add(&super::tril(&l, -1)?, &super::eye(m, k, 0, a.dtype())?)?;
    let u = super::triu(
        &super::slice_axis(&packed, -2, super::SliceArg::range(0, k))?,
        0,
    )?;
    debug_assert_eq!(u.shape(), with_tail(a, &[k, n]).as_slice());
    Ok((perm, l, u))
}

/// MLX's shared checks of `det`/`slogdet`; returns the input as a floating array.
fn det_input(name: &str, a: &Array) -> Result<Array> {
    if a.dtype() == Dtype::Complex64 {
        bail!("[linalg::{name}] Complex inputs are not supported.");
    }
    check_ndim(name, a)?;
    if !is_square(a) {
        bail!("[linalg::{name}] Only defined for square matrices.");
    }
    if a.dtype().is_inexact() {
        Ok(a.clone())
    } else {
        super::astype(a, Dtype::Float32)
    }
}

/// Entry `(i, j)` of every matrix of the batch.
fn entry(a: &Array, i: i32, j: i32) -> Result<Array> {
    let r = super::slice_axis(a, -2, super::SliceArg::range(i, i + 1))?;
    let e = super::slice_axis(&r, -1, super::SliceArg::range(j, j + 1))?;
    super::squeeze_axes(&e, &[-2, -1])
}

/// Closed-form determinant of matrices up to 3×3 (cofactor expansion along row 0).
fn small_det(a: &Array, n: i32) -> Result<Array> {
    let e = |i, j| entry(a, i, j);
    let mul = |x: &Array, y: &Array| super::multiply(x, y);
    let sub = |x: &Array, y: &Array| super::subtract(x, y);
    match n {
        0 => {
            let batch = &a.shape()[..a.ndim() - 2];
            super::ones(batch, a.dtype())
        }
        1 => e(0, 0),
        2 => sub(&mul(&e(0, 0)?, &e(1, 1)?)?, &mul(&e(0, 1)?, &e(1, 0)?)?),
        _ => {
            let minor = |r1: i32, c1: i32, r2: i32, c2: i32| -> Result<Array> {
                sub(
                    &mul(&e(r1, c1)?, &e(r2, c2)?)?,
                    &mul(&e(r1, c2)?, &e(r2, c1)?)?,
                )
            };
            let t0 = mul(&e(0, 0)?, &minor(1, 1, 2, 2)?)?;
            let t1 = mul(&e(0, 1)?, &minor(1, 0, 2, 2)?)?;
            let t2 = mul(&e(0, 2)?, &minor(1, 0, 2, 1)?)?;
            super::add(&sub(&t0, &t1)?, &t2)
        }
    }
}

/// `(diag(U), ±1)`: the pivots of the LU factors and the sign of the row permutation.
fn lu_diag_and_parity(a: &Array) -> Result<(Array, Array)> {
    check_float("lu_factor", a)?;
    let (packed, piv, _) = luf(a)?;
    let d = super::diagonal(&packed, 0, -2, -1)?;
    let k = piv.shape()[piv.ndim() - 1];
    let steps = super::arange(0.0, k as f64, 1.0, Dtype::Uint32)?;
    let swaps = super::sum(&super::not_equal(&piv, &steps)?, &[-1], false)?;
    let odd = super::remainder(&swaps, &super::scalar_like(2, &swaps)?)?;
    let one = super::scalar_like(1.0, &d)?;
    let two = super::scalar_like(2.0, &d)?;
    let parity = super::subtract(
        &one,
        &super::multiply(&two, &super::astype(&odd, a.dtype())?)?,
    )?;
    Ok((d, parity))
}

/// Determinant of each square matrix (float32 for integer or bool input).
pub fn det(a: &Array) -> Result<Array> {
    let a = det_input("det", a)?;
    let n = a.shape()[a.ndim() - 1];
    if n <= 3 {
        return small_det(&a, n);
    }
    let (d, parity) = lu_diag_and_parity(&a)?;
    super::multiply(&super::prod(&d, &[-1], false)?, &parity)
}

/// `(sign, log|det|)` of each square matrix: sign 0 and `-inf` for a singular one.
pub fn slogdet(a: &Array) -> Result<(Array, Array)> {
    let a = det_input("slogdet", a)?;
    let n = a.shape()[a.ndim() - 1];
    if n <= 3 {
        let d = small_det(&a, n)?;
        return Ok((super::sign(&d)?, super::log(&super::abs(&d)?)?));
    }
    let (d, parity) = lu_diag_and_parity(&a)?;
    let sign = super::multiply(&super::prod(&super::sign(&d)?, &[-1], false)?, &parity)?;
    let logabs = super::sum(&super::log(&super::abs(&d)?)?, &[-1], false)?;
    Ok((sign, logabs))
}
