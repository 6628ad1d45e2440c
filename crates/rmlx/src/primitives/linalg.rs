//! Dense linear algebra primitives (`Inverse`, `Cholesky`, `QRF`, `SVD`, `Eigh`, `Eig`,
//! `LUF`, `Solve`, `SolveTriangular`): each factors every matrix of the batch with
//! `backend::cpu::linalg` (`linalg_lu`, `linalg_complex`). Their transform rules live in
//! `transforms::rules::linalg_decomp`.
//!
//! The op layer casts inputs to float32 or float64 and broadcasts batch dimensions; the
//! kernel copies each input to row-major scratch (so views, transposes and broadcasts are
//! read correctly) and walks the batch.

use super::{KernelCtx, Primitive, VmapResult};
use crate::array::{Array, ArrayData};
use crate::backend::cpu::convert::convert_into;
use crate::backend::cpu::linalg::{self as la, LaFloat};
use crate::backend::cpu::linalg_complex::{self as lc, EigElem};
use crate::backend::cpu::linalg_lu;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::transforms::rules::hermitian;
use crate::transforms::rules::linalg_decomp as rules;
use num_complex::Complex32 as C32;

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
    /// LU with partial pivoting: outputs the packed `L\U` (`m × n`), LAPACK's pivots
    /// (uint32, `min(m, n)`) and MLX's row permutation of `lu` (uint32, `m`).
    Luf,
    /// General eigendecomposition: complex64 eigenvalues and, with `vectors`, eigenvectors.
    Eig { vectors: bool },
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
            LinalgKind::Luf => "LUF",
            LinalgKind::Eig { .. } => "Eig",
        }
        .into()
    }

    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        // faer's decompositions need IEEE subnormals (kernel threads flush them to zero).
        crate::backend::cpu::threads::with_gradual_underflow(|| self.eval_kind(ctx))
    }

    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        hermitian(p, c, |c| rules::vjp(self.kind, p, c, argnums, o))
    }

    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::jvp(self.kind, p, t, argnums, o)
    }

    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::vmap(self.kind, x, axes, o)
    }
}

/// Fresh output buffers for every output of the node.
fn alloc_outputs(ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
    ctx.outputs
        .iter()
        .map(|o| ArrayData::alloc(o.shape(), o.dtype(), ctx.device))
        .collect()
}

/// `Eig` of every matrix of the batch (complex64 outputs whatever the input dtype).
fn run_eig<T: EigElem>(ctx: &KernelCtx<'_>, vectors: bool) -> Result<Vec<ArrayData>> {
    let a = row_major(ctx, 0)?;
    let src = a.dense::<T>();
    let (batch, n, _) = dims(ctx.inputs[0].shape());
    let outs = alloc_outputs(ctx)?;
    if batch == 0 || n == 0 {
        return Ok(outs);
    }
    // SAFETY: fresh output buffers of this kernel, distinct from each other.
    let w = unsafe { outs[0].dense_mut::<C32>() };
    for b in 0..batch {
        let m = la::view(&src[b * n * n..], n, n);
        let v = if vectors {
            // SAFETY: as above.
            Some(&mut unsafe { outs[1].dense_mut::<C32>() }[b * n * n..])
        } else {
            None
        };
        T::eig_into(m, &mut w[b * n..], v)?;
    }
    Ok(outs)
}

/// What the batched kernels (`run`, `run_complex`) start from: the row-major copy of
/// input 0, its `(batch, m, n)`, the fresh outputs and each output's size per matrix.
type Batched = (ArrayData, (usize, usize, usize), Vec<ArrayData>, Vec<usize>);

/// The start of a batched kernel; `Err(outputs)` when there is nothing to compute (an empty
/// batch or only empty outputs): the kernel returns the fresh outputs as they are.
fn batched(ctx: &KernelCtx<'_>) -> Result<std::result::Result<Batched, Vec<ArrayData>>> {
    let a = row_major(ctx, 0)?;
    let (batch, m, n) = dims(ctx.inputs[0].shape());
    let outs = alloc_outputs(ctx)?;
    if batch == 0 || ctx.outputs.iter().all(|o| o.size() == 0) {
        return Ok(Err(outs));
    }
    let per = ctx.outputs.iter().map(|o| o.size() / batch).collect();
    Ok(Ok((a, (batch, m, n), outs, per)))
}

/// `SVD` of every matrix of the batch: `values` writes the singular values (of type `S`,
/// real for complex input), `full` writes `U`, `S` and `Vᵀ` (`U`, `Vᵀ` of type `E`).
fn svd_batch<M, E, S>(
    outs: &[ArrayData],
    per: &[usize],
    batch: usize,
    compute_uv: bool,
    mat: impl Fn(usize) -> M,
    values: impl Fn(M, &mut [S]) -> Result<()>,
    full: impl Fn(M, &mut [E], &mut [S], &mut [E]) -> Result<()>,
) -> Result<()> {
    if !compute_uv {
        // SAFETY: a fresh output buffer.
        let s = unsafe { outs[0].dense_mut::<S>() };
        for b in 0..batch {
            values(mat(b), &mut s[b * per[0]..])?;
        }
        return Ok(());
    }
    // SAFETY: distinct fresh output buffers.
    let (u, s, vt) = unsafe {
        (
            outs[0].dense_mut::<E>(),
            outs[1].dense_mut::<S>(),
            outs[2].dense_mut::<E>(),
        )
    };
    for b in 0..batch {
        full(
            mat(b),
            &mut u[b * per[0]..],
            &mut s[b * per[1]..],
            &mut vt[b * per[2]..],
        )?;
    }
    Ok(())
}

/// `Eigh` of every matrix of the batch: `f` writes the eigenvalues (of type `W`, real for
/// complex input) and, with `vectors`, the eigenvectors (of type `V`).
fn eigh_batch<M, V, W>(
    outs: &[ArrayData],
    per: &[usize],
    batch: usize,
    vectors: bool,
    mat: impl Fn(usize) -> M,
    f: impl Fn(M, &mut [W], Option<&mut [V]>) -> Result<()>,
) -> Result<()> {
    // SAFETY: a fresh output buffer.
    let w = unsafe { outs[0].dense_mut::<W>() };
    for b in 0..batch {
        let v = if vectors {
            // SAFETY: a fresh output buffer, distinct from `w`.
            Some(&mut unsafe { outs[1].dense_mut::<V>() }[b * per[1]..])
        } else {
            None
        };
        f(mat(b), &mut w[b * per[0]..], v)?;
    }
    Ok(())
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
    /// The kernel for this kind and input dtype.
    fn eval_kind(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let dt = ctx.inputs[0].dtype();
        match (self.kind, dt) {
            (LinalgKind::Eig { vectors }, Dtype::Float64) => run_eig::<f64>(ctx, vectors),
            (LinalgKind::Eig { vectors }, Dtype::Complex64) => run_eig::<C32>(ctx, vectors),
            (LinalgKind::Eig { vectors }, _) => run_eig::<f32>(ctx, vectors),
            (_, Dtype::Complex64) => self.run_complex(ctx),
            (_, Dtype::Float64) => self.run::<f64>(ctx),
            _ => self.run::<f32>(ctx),
        }
    }

    fn run<T: LaFloat>(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let (a, (batch, m, n), outs, per) = match batched(ctx)? {
            Ok(b) => b,
            Err(empty) => return Ok(empty),
        };
        let src = a.dense::<T>();
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
            LinalgKind::Svd { compute_uv } => svd_batch::<_, T, T>(
                &outs,
                &per,
                batch,
                compute_uv,
                mat,
                la::singular_values,
                la::svd,
            )?,
            LinalgKind::Eigh { upper, vectors } => {
                eigh_batch::<_, T, T>(&outs, &per, batch, vectors, mat, |a, w, v| {
                    la::eigh(a, upper, w, v)
                })?
            }
            LinalgKind::Luf => {
                let k = m.min(n);
                // SAFETY: distinct fresh output buffers.
                let (lu, piv, perm) = unsafe {
                    (
                        outs[0].dense_mut::<T>(),
                        outs[1].dense_mut::<u32>(),
                        outs[2].dense_mut::<u32>(),
                    )
                };
                for b in 0..batch {
                    let f = linalg_lu::lu(mat(b));
                    la::write(f.packed.as_ref(), &mut lu[b * m * n..], false);
                    for (d, p) in piv[b * k..(b + 1) * k].iter_mut().zip(f.pivots()) {
                        *d = p as u32;
                    }
                    for (d, p) in perm[b * m..(b + 1) * m].iter_mut().zip(f.perm()) {
                        *d = p as u32;
                    }
                }
            }
            LinalgKind::Eig { .. } => {
                return Err(Error::Runtime(
                    "[Eig::eval_cpu] dispatched to the real path".into(),
                ))
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

    /// The complex64 paths (`svd`, `eigh`); the op layer admits complex input only there.
    fn run_complex(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let (a, (batch, m, n), outs, per) = match batched(ctx)? {
            Ok(b) => b,
            Err(empty) => return Ok(empty),
        };
        let src = a.dense::<C32>();
        let mat = |b: usize| lc::cview(&src[b * m * n..], m, n);
        match self.kind {
            LinalgKind::Svd { compute_uv } => svd_batch::<_, C32, f32>(
                &outs,
                &per,
                batch,
                compute_uv,
                mat,
                lc::singular_values_c,
                lc::svd_c,
            )?,
            LinalgKind::Eigh { upper, vectors } => {
                eigh_batch::<_, C32, f32>(&outs, &per, batch, vectors, mat, |a, w, v| {
                    lc::eigh_c(a, upper, w, v)
                })?
            }
            _ => {
                return Err(Error::NotImplemented(format!(
                    "[{}::eval_cpu] complex64 input is not supported.",
                    self.name()
                )))
            }
        }
        Ok(outs)
    }
}
