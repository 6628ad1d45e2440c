//! `GatherMM`: products of matrices picked from the batches of `a` and `b` by index arrays.
//!
//! `lhs_indices[p]` is a flat index into the batch of `a` (all but its last two dimensions,
//! or all but the last for a vector), `rhs_indices[p]` one into the batch of `b`; output
//! block `p` is their product. The op layer casts `a` and `b` to the output dtype, casts the
//! indices to int64 and broadcasts them to the output batch shape. Each index is **clamped**
//! into `[0, batch - 1]` (the gather rule of rmlx: no index value reads outside a buffer;
//! MLX reads stray memory for out-of-range indices). An operand with an empty batch gives
//! zero products.

use super::gemm_dispatch::{eval_gemm, GemmKernel};
use super::{KernelCtx, Primitive, VmapResult};
use crate::array::Array;
use crate::transforms::rules::composite;
use crate::transforms::rules::products as rules;

use crate::array::ArrayData;
use crate::backend::cpu::gemm::{run_batch, strided_offsets, Batch, GemmElem, Mat, Product};
use crate::error::Result;

/// Matrix products with a gather over the batch dimensions.
#[derive(Debug, Clone)]
pub(crate) struct GatherMM {
    pub a_vec: bool,
    pub b_vec: bool,
}

impl Primitive for GatherMM {
    fn name(&self) -> String {
        "GatherMM".into()
    }
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        let f = |x: &[Array]| rules::gather_mm_composite(self.a_vec, self.b_vec, x);
        rules::operand_vjp(f, p, c, argnums)
    }
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        let f = |x: &[Array]| rules::gather_mm_composite(self.a_vec, self.b_vec, x);
        rules::operand_jvp(f, p, t, argnums, o)
    }
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], _: &[Array]) -> Result<VmapResult> {
        let f = |x: &[Array]| rules::gather_mm_composite(self.a_vec, self.b_vec, x);
        composite::vmap(f, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        eval_gemm(self, ctx, 2)
    }
}

/// The operand offsets the (int64) `indices` select from `offsets`, clamped into range;
/// `None` where the operand's batch is empty.
fn select(indices: &ArrayData, shape: &[i32], offsets: &[isize]) -> Vec<Option<isize>> {
    let base = indices.ptr::<i64>();
    strided_offsets(shape, &indices.strides)
        .into_iter()
        .map(|o| {
            // SAFETY: `o` comes from the index array's own shape and strides.
            let i = unsafe { *base.offset(o) };
            let last = offsets.len() as i64 - 1;
            (last >= 0).then(|| offsets[i.clamp(0, last) as usize])
        })
        .collect()
}

impl GemmKernel for GatherMM {
    fn op_name(&self) -> &'static str {
        "gather_mm"
    }
    fn compute<T: GemmElem>(
        &self,
        inputs: &[&ArrayData],
        shapes: &[&[i32]],
        out: &ArrayData,
        _out_shape: &[i32],
    ) -> Result<()> {
        let (a, b) = (inputs[0], inputs[1]);
        let ma = Mat::new(a, shapes[0], self.a_vec, true);
        let mb = Mat::new(b, shapes[1], self.b_vec, false);
        let lhs = select(inputs[2], shapes[2], &ma.batch_offsets());
        let rhs = select(inputs[3], shapes[3], &mb.batch_offsets());
        let products = lhs
            .into_iter()
            .zip(rhs)
            .map(|(l, r)| match (l, r) {
                (Some(lhs), Some(rhs)) => Product {
                    lhs,
                    rhs,
                    k: ma.cols,
                },
                // Nothing to read: a zero product.
                _ => Product {
                    lhs: 0,
                    rhs: 0,
                    k: 0,
                },
            })
            .collect();
        let batch = Batch::overwrite(&ma, &mb, products);
        // SAFETY: `out` is fresh; every selected offset is one of the operands' own batch
        // offsets (indices clamped), so every read stays inside `a` and `b`.
        unsafe { run_batch(&batch, a.ptr::<T>(), b.ptr::<T>(), out.dense_mut::<T>()) };
        Ok(())
    }
}
