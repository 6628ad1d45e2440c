//! The general eigendecomposition (complex results for any input) and the complex64 paths
//! of `svd` and `eigh`, one matrix at a time through faer.
//!
//! MLX returns eigenvalues and eigenvectors of `eig` as complex64 whatever the input
//! dtype; the vectors here follow LAPACK's `geev` normalization (unit 2-norm, the component
//! of largest modulus real) so that they are comparable with MLX's up to sign/order.
//!
//! Complex64 inputs are decomposed in complex128. faer's complex SVD and eigensolver need
//! IEEE subnormals: under the kernel threads' flush-to-zero they return wrong factors for
//! most complex matrices beyond 8×8, which is why the `Linalg` primitive runs every faer
//! call with gradual underflow (`threads::with_gradual_underflow`). Singular values alone
//! come from the real SVD of the real embedding `[[X, -Y], [Y, X]]` of `A = X + iY` (each
//! singular value of `A` appears twice there). As a safety net, full complex SVDs and
//! `eig` are still verified by their residual and fail with a RuntimeError rather than
//! return wrong factors.

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
/// An input element as complex64 (for the residual check of `eig`).
trait AsC32: Copy {
    fn as_c32(self) -> C32;
}
impl AsC32 for f32 {
    fn as_c32(self) -> C32 {
        C32::new(self, 0.0)
    }
}
impl AsC32 for f64 {
    fn as_c32(self) -> C32 {
        C32::new(self as f32, 0.0)
    }
}
impl AsC32 for C64 {
    fn as_c32(self) -> C32 {
        C32::new(self.re as f32, self.im as f32)
    }
}

fn eig<T: ComplexField + AsC32>(
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
            // Residual check (see the module note): ‖A V − V diag(w)‖ ≤ tol · ‖A‖ ‖V‖.
            let (mut err, mut an, mut vn) = (0.0f64, 0.0f64, 0.0f64);
            for i in 0..n {
                for j in 0..n {
                    let mut acc = C32::new(0.0, 0.0);
                    for l in 0..n {
                        acc += a[(i, l)].as_c32() * u[(l, j)].c32();
                    }
                    acc -= u[(i, j)].c32() * w_dst[j];
                    err += acc.norm_sqr() as f64;
                    an += a[(i, j)].as_c32().norm_sqr() as f64;
                    vn += u[(i, j)].c32().norm_sqr() as f64;
                }
            }
            if err.sqrt() > 1e-4 * (1.0 + an.sqrt() * vn.sqrt()) {
                return Err(Error::Runtime(
                    "[Eig::eval_cpu] The eigendecomposition failed (faer returned inaccurate \
                     eigenvectors for this matrix)."
                        .into(),
                ));
            }
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
    let wide = widen(a);
    let svd = wide.svd().map_err(svd_error)?;
    // Residual check (see the module note): ‖A − U S Vᴴ‖ ≤ tol · ‖A‖.
    {
        let (u, v, sv) = (svd.U(), svd.V(), svd.S().column_vector());
        let k = sv.nrows();
        let mut err = 0.0f64;
        let mut norm = 0.0f64;
        for i in 0..wide.nrows() {
            for j in 0..wide.ncols() {
                let mut acc = C64::new(0.0, 0.0);
                for l in 0..k {
                    acc += u[(i, l)] * sv[l] * v[(j, l)].conj();
                }
                err += (acc - wide[(i, j)]).norm_sqr();
                norm += wide[(i, j)].norm_sqr();
            }
        }
        if err.sqrt() > 1e-6 * (1.0 + norm.sqrt()) {
            return Err(Error::Runtime(
                "[SVD::eval_cpu] The complex SVD failed (faer returned inaccurate factors \
                 for this matrix)."
                    .into(),
            ));
        }
    }
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
    let (m, n) = (a.nrows(), a.ncols());
    let b = Mat::<f64>::from_fn(2 * m, 2 * n, |i, j| {
        let z = a[(i % m, j % n)];
        match (i < m, j < n) {
            (true, true) | (false, false) => z.re as f64,
            (true, false) => -z.im as f64,
            (false, true) => z.im as f64,
        }
    });
    let s = b.singular_values().map_err(svd_error)?;
    // Descending, each value twice: take every other one.
    for (d, v) in s_dst.iter_mut().zip(s.iter().step_by(2)) {
        *d = *v as f32;
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
