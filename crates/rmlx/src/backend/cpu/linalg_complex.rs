//! The general eigendecomposition (complex results for any input) and the complex64 paths
//! of `svd` and `eigh`, one matrix at a time through faer.
//!
//! MLX returns eigenvalues and eigenvectors of `eig` as complex64 whatever the input
//! dtype; the vectors here follow LAPACK's `geev` normalization (unit 2-norm, the component
//! of largest modulus real) so that they are comparable with MLX's up to sign/order.
//!
//! Complex64 inputs are decomposed in complex128: faer 0.24's single-precision complex SVD
//! (and, for some sizes, its complex eigensolver) returns wrong factors for matrices beyond
//! a few rows (checked against NumPy), while its double-precision paths are correct. The
//! results are rounded back to complex64/float32 as MLX returns them.

use super::linalg::{view, LaFloat};
use crate::error::{Error, Result};
use faer::traits::ComplexField;
use faer::{Mat, MatRef, Side};
use num_complex::Complex32;

type C32 = Complex32;

type C64 = num_complex::Complex<f64>;

/// An element type `eig` accepts (float32, float64, complex64).
pub(crate) trait EigElem: Copy + Send + Sync + 'static {
    /// `eig` of one matrix of this type.
    fn eig_into(a: MatRef<'_, Self>, w: &mut [C32], v: Option<&mut [C32]>) -> Result<()>;
}
impl EigElem for f32 {
    fn eig_into(a: MatRef<'_, Self>, w: &mut [C32], v: Option<&mut [C32]>) -> Result<()> {
        eig(a, w, v)
    }
}
impl EigElem for f64 {
    fn eig_into(a: MatRef<'_, Self>, w: &mut [C32], v: Option<&mut [C32]>) -> Result<()> {
        eig(a, w, v)
    }
}
impl EigElem for C32 {
    fn eig_into(a: MatRef<'_, Self>, w: &mut [C32], v: Option<&mut [C32]>) -> Result<()> {
        eig(widen(a).as_ref(), w, v)
    }
}

/// A complex64 matrix in complex128 (see the module note).
fn widen(a: MatRef<'_, C32>) -> Mat<C64> {
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| {
        let z = a[(i, j)];
        C64::new(z.re as f64, z.im as f64)
    })
}

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
        let big = col.iter().copied().fold(C32::new(0.0, 0.0), |m, z| {
            if z.norm_sqr() > m.norm_sqr() {
                z
            } else {
                m
            }
        });
        big.conj() / (big.norm() * norm)
    };
    for z in col.iter_mut() {
        *z *= scale;
    }
}

/// Eigenvalues and (with `v_dst`) right eigenvectors (columns) of a general square matrix.
fn eig<T: ComplexField + Copy>(
    a: MatRef<'_, T>,
    w_dst: &mut [C32],
    v_dst: Option<&mut [C32]>,
) -> Result<()>
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
    let svd = widen(a).svd().map_err(svd_error)?;
    let u = svd.U();
    let m = u.nrows();
    for i in 0..m {
        for j in 0..m {
            u_dst[i * m + j] = u[(i, j)].c32();
        }
    }
    for (i, s) in svd.S().column_vector().iter().enumerate() {
        s_dst[i] = s.re as f32;
    }
    let v = svd.V();
    let (r, c) = (v.ncols(), v.nrows());
    for i in 0..r {
        for j in 0..c {
            vh_dst[i * c + j] = v[(j, i)].conj().c32();
        }
    }
    Ok(())
}

/// Singular values (float32, descending) of a complex matrix.
pub(crate) fn singular_values_c(a: MatRef<'_, C32>, s_dst: &mut [f32]) -> Result<()> {
    let s = widen(a).singular_values().map_err(svd_error)?;
    for (d, v) in s_dst.iter_mut().zip(s) {
        *d = v as f32;
    }
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
    let a = widen(a);
    match v_dst {
        Some(v) => {
            let e = a.self_adjoint_eigen(side).map_err(err)?;
            for (i, s) in e.S().column_vector().iter().enumerate() {
                w_dst[i] = s.re as f32;
            }
            let u = e.U();
            let n = u.nrows();
            for i in 0..n {
                for j in 0..n {
                    v[i * n + j] = u[(i, j)].c32();
                }
            }
        }
        None => {
            let w = a.self_adjoint_eigenvalues(side).map_err(err)?;
            for (d, x) in w_dst.iter_mut().zip(w) {
                *d = x as f32;
            }
        }
    }
    Ok(())
}
