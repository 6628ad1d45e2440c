//! Dense linear algebra kernels: one matrix at a time through `faer`.
//!
//! Inputs arrive as row-major `[batch, rows, cols]` slices; every function here factors or
//! solves one matrix and writes its outputs row-major. f32 and f64 only (MLX's CPU rule).
//! Failures MLX reports at evaluation (a singular matrix) come back as `Runtime` errors with
//! MLX's text.

use crate::error::{Error, Result};
use faer::linalg::solvers::{DenseSolveCore, Solve};
use faer::traits::RealField;
use faer::{Mat, MatRef, Side};

/// A real floating type faer can factor.
pub(crate) trait LaFloat: RealField + Copy + Send + Sync + 'static {
    fn nan() -> Self;
}
impl LaFloat for f32 {
    fn nan() -> Self {
        f32::NAN
    }
}
impl LaFloat for f64 {
    fn nan() -> Self {
        f64::NAN
    }
}

/// Row-major view of one `rows × cols` matrix.
pub(crate) fn view<T>(src: &[T], rows: usize, cols: usize) -> MatRef<'_, T> {
    MatRef::from_row_major_slice(&src[..rows * cols], rows, cols)
}

/// Writes `m` (or its transpose) row-major into `dst`.
pub(crate) fn write<T: Copy>(m: MatRef<'_, T>, dst: &mut [T], transpose: bool) {
    let (r, c) = if transpose {
        (m.ncols(), m.nrows())
    } else {
        (m.nrows(), m.ncols())
    };
    for i in 0..r {
        for j in 0..c {
            dst[i * c + j] = if transpose { m[(j, i)] } else { m[(i, j)] };
        }
    }
}

/// Index (1-based, LAPACK's error code) of the first zero on the diagonal of `m`.
fn zero_diagonal<T: LaFloat>(m: MatRef<'_, T>) -> Option<usize> {
    let zero = T::from_f64_impl(0.0);
    (0..m.nrows().min(m.ncols()))
        .find(|&i| m[(i, i)] == zero)
        .map(|i| i + 1)
}

fn identity<T: LaFloat>(n: usize) -> Mat<T> {
    Mat::from_fn(n, n, |i, j| {
        T::from_f64_impl(if i == j { 1.0 } else { 0.0 })
    })
}

/// Inverse of a general square matrix through a partially pivoted LU. A zero pivot is MLX's
/// `LU factorization failed` error (LAPACK's getrf code: the 1-based pivot index).
pub(crate) fn inverse<T: LaFloat>(a: MatRef<'_, T>, dst: &mut [T]) -> Result<()> {
    let lu = a.partial_piv_lu();
    if let Some(code) = zero_diagonal(lu.U()) {
        return Err(Error::Runtime(format!(
            "[Inverse::eval_cpu] LU factorization failed with error code {code}"
        )));
    }
    write(lu.inverse().as_ref(), dst, false);
    Ok(())
}

/// Inverse of a triangular matrix (only the `upper` or lower triangle is read).
pub(crate) fn tri_inverse<T: LaFloat>(a: MatRef<'_, T>, upper: bool, dst: &mut [T]) -> Result<()> {
    if let Some(code) = zero_diagonal(a) {
        return Err(Error::Runtime(format!(
            "[Inverse::eval_cpu] triangular inversion failed with error code {code}"
        )));
    }
    let mut x = identity::<T>(a.nrows());
    if upper {
        a.solve_upper_triangular_in_place(x.as_mut());
    } else {
        a.solve_lower_triangular_in_place(x.as_mut());
    }
    write(x.as_ref(), dst, false);
    Ok(())
}

/// Cholesky factor (`L` with `A = L Lᵀ`, or `U = Lᵀ`), reading one triangle. A matrix that
/// is not positive definite gives NaNs (MLX returns LAPACK's partial factor unchecked).
pub(crate) fn cholesky<T: LaFloat>(a: MatRef<'_, T>, upper: bool, dst: &mut [T]) {
    let n = a.nrows();
    // faer reads the lower triangle for `Side::Lower`; for `upper` the upper one.
    let side = if upper { Side::Upper } else { Side::Lower };
    match a.llt(side) {
        Ok(llt) => {
            let l = llt.L();
            let zero = T::from_f64_impl(0.0);
            for i in 0..n {
                for j in 0..n {
                    let v = if upper {
                        if j >= i {
                            l[(j, i)]
                        } else {
                            zero
                        }
                    } else if j <= i {
                        l[(i, j)]
                    } else {
                        zero
                    };
                    dst[i * n + j] = v;
                }
            }
        }
        Err(_) => dst[..n * n].fill(T::nan()),
    }
}

/// Reduced QR: `Q` (`m × k`) and `R` (`k × n`), `k = min(m, n)`.
pub(crate) fn qr<T: LaFloat>(a: MatRef<'_, T>, q_dst: &mut [T], r_dst: &mut [T]) {
    let qr = a.qr();
    write(qr.compute_thin_Q().as_ref(), q_dst, false);
    write(qr.thin_R(), r_dst, false);
}

fn svd_error(e: impl std::fmt::Debug) -> Error {
    Error::Runtime(format!("[SVD::eval_cpu] The SVD did not converge ({e:?})."))
}

/// Full SVD: `U` (`m × m`), singular values (descending) and `Vᵀ` (`n × n`).
pub(crate) fn svd<T: LaFloat>(
    a: MatRef<'_, T>,
    u_dst: &mut [T],
    s_dst: &mut [T],
    vt_dst: &mut [T],
) -> Result<()> {
    let svd = a.svd().map_err(svd_error)?;
    write(svd.U(), u_dst, false);
    for (i, s) in svd.S().column_vector().iter().enumerate() {
        s_dst[i] = *s;
    }
    write(svd.V(), vt_dst, true);
    Ok(())
}

/// Singular values only (descending).
pub(crate) fn singular_values<T: LaFloat>(a: MatRef<'_, T>, s_dst: &mut [T]) -> Result<()> {
    let s = a.singular_values().map_err(svd_error)?;
    s_dst[..s.len()].copy_from_slice(&s);
    Ok(())
}

fn evd_error(e: impl std::fmt::Debug) -> Error {
    Error::Runtime(format!(
        "[Eigh::eval_cpu] The eigendecomposition did not converge ({e:?})."
    ))
}

/// Eigenvalues (ascending) and, with `v_dst`, eigenvectors (columns) of a symmetric matrix
/// given by its `upper` or lower triangle.
pub(crate) fn eigh<T: LaFloat>(
    a: MatRef<'_, T>,
    upper: bool,
    w_dst: &mut [T],
    v_dst: Option<&mut [T]>,
) -> Result<()> {
    let side = if upper { Side::Upper } else { Side::Lower };
    match v_dst {
        Some(v) => {
            let e = a.self_adjoint_eigen(side).map_err(evd_error)?;
            for (i, s) in e.S().column_vector().iter().enumerate() {
                w_dst[i] = *s;
            }
            write(e.U(), v, false);
        }
        None => {
            let w = a.self_adjoint_eigenvalues(side).map_err(evd_error)?;
            w_dst[..w.len()].copy_from_slice(&w);
        }
    }
    Ok(())
}

/// `X` with `A X = B` (`A` square, `B` `n × k`) through a partially pivoted LU.
pub(crate) fn solve<T: LaFloat>(a: MatRef<'_, T>, b: MatRef<'_, T>, dst: &mut [T]) -> Result<()> {
    let lu = a.partial_piv_lu();
    if let Some(code) = zero_diagonal(lu.U()) {
        return Err(Error::Runtime(format!(
            "[Inverse::eval_cpu] triangular inversion failed with error code {code}"
        )));
    }
    write(lu.solve(b).as_ref(), dst, false);
    Ok(())
}

/// `X` with `A X = B` for a triangular `A` (its `upper` or lower triangle).
pub(crate) fn solve_triangular<T: LaFloat>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    upper: bool,
    dst: &mut [T],
) {
    let mut x = b.to_owned();
    if upper {
        a.solve_upper_triangular_in_place(x.as_mut());
    } else {
        a.solve_lower_triangular_in_place(x.as_mut());
    }
    write(x.as_ref(), dst, false);
}
