//! `AddMM`: `alpha * (a @ b) + beta * c` in one GEMM pass per product.
//!
//! The op layer casts the three inputs to the output dtype, broadcasts `c` to the output
//! shape and `a`, `b` to the common batch (as for `Matmul`). The kernel copies `c` into the
//! row-major output and lets `gemm` accumulate the product into it, so no temporary product
//! is ever materialised. As in MLX (and BLAS), `beta == 0` never reads `c` (a NaN there does
//! not propagate) and `alpha == 0` never computes the product.

use super::gemm_dispatch::{eval_gemm, GemmKernel};
use super::{KernelCtx, Primitive, VmapResult};
use crate::array::Array;
use crate::transforms::rules::hermitian;
use crate::transforms::rules::products as rules;

use crate::array::ArrayData;
use crate::backend::cpu::gemm::{run_batch, Batch, GemmElem, Mat, Product};
use crate::backend::cpu::strided_copy::copy_general;
use crate::error::Result;
use crate::shape::row_major_strides;

/// `alpha * (a @ b) + beta * c`, batched like `Matmul`.
#[derive(Debug, Clone)]
pub(crate) struct AddMM {
    /// `a` is a vector (`batch + [K]`): one row.
    pub a_vec: bool,
    /// `b` is a vector (`batch + [K]`): one column.
    pub b_vec: bool,
    pub alpha: f64,
    pub beta: f64,
}

impl Primitive for AddMM {
    fn name(&self) -> String {
        "AddMM".into()
    }
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        hermitian(p, c, |c| {
            rules::addmm_vjp(self.a_vec, self.b_vec, self.alpha, self.beta, p, c, argnums)
        })
    }
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        rules::addmm_jvp(self.a_vec, self.b_vec, self.alpha, self.beta, p, t, argnums)
    }
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], _: &[Array]) -> Result<VmapResult> {
        rules::addmm_vmap(self.a_vec, self.b_vec, self.alpha, self.beta, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        eval_gemm(self, ctx, 3)
    }
}

impl GemmKernel for AddMM {
    fn op_name(&self) -> &'static str {
        "addmm"
    }
    fn compute<T: GemmElem>(
        &self,
        inputs: &[&ArrayData],
        shapes: &[&[i32]],
        out: &ArrayData,
        out_shape: &[i32],
    ) -> Result<()> {
        let (c, a, b) = (inputs[0], inputs[1], inputs[2]);
        // SAFETY: `out` is the kernel's fresh buffer.
        let dst = unsafe { out.dense_mut::<T>() };
        let beta = T::from_f64(self.beta);
        if self.beta != 0.0 {
            copy_general(
                c,
                out_shape,
                std::mem::size_of::<T>(),
                out,
                0,
                &row_major_strides(out_shape),
            );
        }
        if self.alpha == 0.0 {
            // No product: beta * c (zeros when beta is 0 too).
            for v in dst.iter_mut() {
                *v = if self.beta == 0.0 {
                    T::zero()
                } else {
                    beta * *v
                };
            }
            return Ok(());
        }
        let ma = Mat::new(a, shapes[1], self.a_vec, true);
        let mb = Mat::new(b, shapes[2], self.b_vec, false);
        let products = ma
            .batch_offsets()
            .into_iter()
            .zip(mb.batch_offsets())
            .map(|(lhs, rhs)| Product {
                lhs,
                rhs,
                k: ma.cols,
            })
            .collect();
        let batch = Batch {
            read_dst: self.beta != 0.0,
            dst_scale: beta,
            prod_scale: T::from_f64(self.alpha),
            ..Batch::overwrite(&ma, &mb, products)
        };
        // SAFETY: `a` and `b` share the broadcast batch shape, so every offset and stride
        // comes from their own layouts; `dst` holds `c` whenever it is read.
        unsafe { run_batch(&batch, a.ptr::<T>(), b.ptr::<T>(), dst) };
        Ok(())
    }
}
