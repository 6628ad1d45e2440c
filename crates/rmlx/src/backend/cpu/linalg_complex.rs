//! The general eigendecomposition (complex results for any input) and the complex64 paths
//! of `svd` and `eigh`, one matrix at a time through faer.
//!
//! MLX returns eigenvalues and eigenvectors of `eig` as complex64 whatever the input
//! dtype; the vectors here follow LAPACK's `geev` normalization (unit 2-norm, the component
//! of largest modulus real) so that they are comparable with MLX's up to sign/order.

use super::linalg::{view, write, LaFloat};
use crate::error::{Error, Result};
use faer::traits::ComplexField;
use faer::{MatRef, Side};
use num_complex::Complex32;

type C32 = Complex32;

/// An element type `eig` accepts (float32, float64, complex64).
pub(crate) trait EigElem: ComplexField + Copy + Send + Sync + 'static {}
impl EigElem for f32 {}
impl EigElem for f64 {}
impl EigElem for C32 {}

/// Conversion of faer's complex eigen results (`Complex<f32>` or `Complex<f64>`).
pub(crate) trait ToC32: Copy {
    fn c32(self) -> C32;
}
impl ToC32 for num_complex::Complex<f32> {
    fn c32(self) -> C32 {
        self
    }
}
impl ToC32 for num_complex::Complex<f64> {
    fn c32(self) -> C32 {
        C32::new(self.re as f32, self.im as f32)
    }
}

fn eig_error(e: impl std::fmt::Debug) -> Error {
    Error::Runtime(format!(
        "[Eig::eval_cpu] The eigendecomposition did not converge ({e:?})."
    ))
}

/// Unit 2-norm with the largest-modulus component real and non-negative (LAPACK's rule for
/// complex vectors); a real vector (all imaginary parts zero) keeps its sign.
fn normalize(col: &mut [C32]) {
    let norm = col.iter().map(|z| z.norm_sqr()).sum::<f32>().sqrt();
    if norm == 0.0 {
        return;
    }
    let real = col.iter().all(|z| z.im == 0.0);
    let scale = if real {
        C32::new(1.0 / norm, 0.0)
    } else {
        let big = col
            .iter()
            .copied()
            .fold(C32::new(0.0, 0.0), |m, z| if z.norm_sqr() > m.norm_sqr() { z } else { m });
        big.conj() / (big.norm() * norm)
    };
    for z in col.iter_mut() {
        *z *= scale;
    }
}

/// Eigenvalues and (with `v_dst`) right eigenvectors (columns) of a general square matrix.
pub(crate) fn eig<T: EigElem>(a: MatRef<'_, T>, w_dst: &mut [C32], v_dst: Option<&mut [C32]>)
-> Result<()>
where
    T::Real: LaFloat,
    num_complex::Complex<T::Real>: ToC32,
{
    let n = a.nrows();
    match v_dst {
        None => {
            let w = a.eigenvalues().map_err(eig_error)?;
            for (d, z) in w_dst.iter_mut().zip(w) {
                *d = z.c32();
            }
        }
        Some(v) => {
            let e = a.eigen().map_err(eig_error)?;
            for (i, z) in e.S().column_vector().iter().enumerate() {
                w_dst[i] = z.c32();
            }
            let u = e.U();
            let mut col = vec![C32::new(0.0, 0.0); n];
            for j in 0..n {
                for (i, c) in col.iter_mut().enumerate() {
                    *c = u[(i, j)].c32();
                }
                normalize(&mut col);
                for (i, c) in col.iter().enumerate() {
                    v[i * n + j] = *c;
                }
            }
        }
    }
    Ok(())
}

/// Row-major complex64 view (for the complex kernels below).
pub(crate) fn cview(src: &[C32], rows: usize, cols: usize) -> MatRef<'_, C32> {
    view(src, rows, cols)
}

fn svd_error(e: impl std::fmt::Debug) -> Error {
    Error::Runtime(format!("[SVD::eval_cpu] The SVD did not converge ({e:?})."))
}

/// Full complex SVD: `U` (`m × m`), singular values (float32, descending), `Vᴴ` (`n × n`).
pub(crate) fn svd_c(
    a: MatRef<'_, C32>,
    u_dst: &mut [C32],
    s_dst: &mut [f32],
    vh_dst: &mut [C32],
) -> Result<()> {
    let svd = a.svd().map_err(svd_error)?;
    write(svd.U(), u_dst, false);
    for (i, s) in svd.S().column_vector().iter().enumerate() {
        s_dst[i] = s.re;
    }
    let v = svd.V();
    let (r, c) = (v.ncols(), v.nrows());
    for i in 0..r {
        for j in 0..c {
            vh_dst[i * c + j] = v[(j, i)].conj();
        }
    }
    Ok(())
}

/// Singular values (float32, descending) of a complex matrix.
pub(crate) fn singular_values_c(a: MatRef<'_, C32>, s_dst: &mut [f32]) -> Result<()> {
    let s = a.singular_values().map_err(svd_error)?;
    s_dst[..s.len()].copy_from_slice(&s);
    Ok(())
}

/// Eigenvalues (float32, ascending) and eigenvectors of a Hermitian matrix given by its
/// `upper` or lower triangle.
pub(crate) fn eigh_c(
    a: MatRef<'_, C32>,
    upper: bool,
    w_dst: &mut [f32],
    v_dst: Option<&mut [C32]>,
) -> Result<()> {
    let side = if upper { Side::Upper } else { Side::Lower };
    let err = |e: faer::linalg::evd::EvdError| {
        Error::Runtime(format!(
            "[Eigh::eval_cpu] The eigendecomposition did not converge ({e:?})."
        ))
    };
    match v_dst {
        Some(v) => {
            let e = a.self_adjoint_eigen(side).map_err(err)?;
            for (i, s) in e.S().column_vector().iter().enumerate() {
                w_dst[i] = s.re;
            }
            write(e.U(), v, false);
        }
        None => {
            let w = a.self_adjoint_eigenvalues(side).map_err(err)?;
            w_dst[..w.len()].copy_from_slice(&w);
        }
    }
    Ok(())
}
