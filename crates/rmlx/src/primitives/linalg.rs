//! Dense linear algebra primitives (`Inverse`, `Cholesky`, `QRF`, `SVD`, `Eigh`,
//! `Solve`, `SolveTriangular`): each factors every matrix of the batch with
//! `backend::cpu::linalg`.
//!
//! The op layer casts inputs to float32 or float64 and broadcasts batch dimensions; the
//! kernel copies each input to row-major scratch (so views, transposes and broadcasts are
//! read correctly) and walks the batch.

use super::{KernelCtx, Primitive};
use crate::array::ArrayData;
use crate::backend::cpu::convert::convert_into;
use crate::backend::cpu::linalg::{self as la, LaFloat};
use crate::dtype::Dtype;
use crate::error::Result;

/// Which factorization a [`Linalg`] node computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinalgKind {
    /// Inverse; `Some(upper)` for a triangular input.
    Inverse { triangular: Option<bool> },
    /// Cholesky factor (`upper`: `U` with `A = UᵀU`).
    Cholesky { upper: bool },
    /// Reduced QR: outputs `Q`, `R`.
    Qrf,
    /// SVD: outputs `U`, `S`, `Vᵀ`, or only `S`.
    Svd { compute_uv: bool },
    /// Symmetric eigendecomposition: outputs `w` and, with `vectors`, `V`.
    Eigh { upper: bool, vectors: bool },
    /// `A X = B` (two inputs, `B` of shape `[batch, n, k]`).
    Solve,
    /// Triangular `A X = B`.
    SolveTriangular { upper: bool },
}

/// One linear algebra primitive; `kind` picks MLX's primitive.
#[derive(Debug, Clone)]
pub(crate) struct Linalg {
    pub kind: LinalgKind,
}

impl Primitive for Linalg {
    fn name(&self) -> String {
        match self.kind {
            LinalgKind::Inverse { .. } => "Inverse",
            LinalgKind::Cholesky { .. } => "Cholesky",
            LinalgKind::Qrf => "QRF",
            LinalgKind::Svd { .. } => "SVD",
            LinalgKind::Eigh { .. } => "Eigh",
            LinalgKind::Solve => "Solve",
            LinalgKind::SolveTriangular { .. } => "SolveTriangular",
        }
        .into()
    }

    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        match ctx.inputs[0].dtype() {
            Dtype::Float64 => self.run::<f64>(ctx),
            _ => self.run::<f32>(ctx),
        }
    }
}

/// Row-major copy of input `i` (the kernel may read it as one dense slice).
fn row_major(ctx: &KernelCtx<'_>, i: usize) -> Result<ArrayData> {
    let a = &ctx.inputs[i];
    let out = ArrayData::alloc(a.shape(), a.dtype(), ctx.device)?;
    convert_into(ctx.input(i), a.dtype(), a.shape(), &out, a.dtype());
    Ok(out)
}

/// `(batch, rows, cols)` of a shape whose last two axes are the matrix.
fn dims(shape: &[i32]) -> (usize, usize, usize) {
    let nd = shape.len();
    let r = shape[nd - 2] as usize;
    let c = shape[nd - 1] as usize;
    let batch = shape[..nd - 2].iter().map(|&d| d as usize).product();
    (batch, r, c)
}

impl Linalg {
    fn run<T: LaFloat>(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let a = row_major(ctx, 0)?;
        let src = a.dense::<T>();
        let (batch, m, n) = dims(ctx.inputs[0].shape());
        let outs: Vec<ArrayData> = ctx
            .outputs
            .iter()
            .map(|o| ArrayData::alloc(o.shape(), o.dtype(), ctx.device))
            .collect::<Result<_>>()?;
        if batch == 0 || ctx.outputs.iter().all(|o| o.size() == 0) {
            return Ok(outs);
        }
        let per: Vec<usize> = ctx.outputs.iter().map(|o| o.size() / batch).collect();
        let mat = |b: usize| la::view(&src[b * m * n..], m, n);
        match self.kind {
            LinalgKind::Inverse { triangular } => {
                // SAFETY: `outs` are fresh buffers of this kernel.
                let dst = unsafe { outs[0].dense_mut::<T>() };
                for b in 0..batch {
                    let d = &mut dst[b * per[0]..];
                    match triangular {
                        None => la::inverse(mat(b), d)?,
                        Some(upper) => la::tri_inverse(mat(b), upper, d)?,
                    }
                }
            }
            LinalgKind::Cholesky { upper } => {
                // SAFETY: a fresh output buffer.
                let dst = unsafe { outs[0].dense_mut::<T>() };
                for b in 0..batch {
                    la::cholesky(mat(b), upper, &mut dst[b * per[0]..]);
                }
            }
            LinalgKind::Qrf => {
                // SAFETY: distinct fresh output buffers.
                let (q, r) = unsafe { (outs[0].dense_mut::<T>(), outs[1].dense_mut::<T>()) };
                for b in 0..batch {
                    la::qr(mat(b), &mut q[b * per[0]..], &mut r[b * per[1]..]);
                }
            }
            LinalgKind::Svd { compute_uv: false } => {
                // SAFETY: a fresh output buffer.
                let s = unsafe { outs[0].dense_mut::<T>() };
                for b in 0..batch {
                    la::singular_values(mat(b), &mut s[b * per[0]..])?;
                }
            }
            LinalgKind::Svd { compute_uv: true } => {
                // SAFETY: distinct fresh output buffers.
                let (u, s, vt) = unsafe {
                    (
                        outs[0].dense_mut::<T>(),
                        outs[1].dense_mut::<T>(),
                        outs[2].dense_mut::<T>(),
                    )
                };
                for b in 0..batch {
                    la::svd(
                        mat(b),
                        &mut u[b * per[0]..],
                        &mut s[b * per[1]..],
                        &mut vt[b * per[2]..],
                    )?;
                }
            }
            LinalgKind::Eigh { upper, vectors } => {
                // SAFETY: distinct fresh output buffers.
                let w = unsafe { outs[0].dense_mut::<T>() };
                for b in 0..batch {
                    let v = if vectors {
                        // SAFETY: a fresh output buffer, distinct from `w`.
                        Some(&mut unsafe { outs[1].dense_mut::<T>() }[b * per[1]..])
                    } else {
                        None
                    };
                    la::eigh(mat(b), upper, &mut w[b * per[0]..], v)?;
                }
            }
            LinalgKind::Solve | LinalgKind::SolveTriangular { .. } => {
                let rhs = row_major(ctx, 1)?;
                let bsrc = rhs.dense::<T>();
                let k = per[0] / m.max(1);
                // SAFETY: a fresh output buffer.
                let dst = unsafe { outs[0].dense_mut::<T>() };
                for b in 0..batch {
                    let bm = la::view(&bsrc[b * m * k..], m, k);
                    let d = &mut dst[b * per[0]..];
                    match self.kind {
                        LinalgKind::SolveTriangular { upper } => {
                            la::solve_triangular(mat(b), bm, upper, d)
                        }
                        _ => la::solve(mat(b), bm, d)?,
                    }
                }
            }
        }
        Ok(outs)
    }
}
