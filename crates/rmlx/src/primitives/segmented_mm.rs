//! `SegmentedMM`: one product per segment of the inner dimension.
//!
//! `a` is `M × K`, `b` is `K × N` and `segments` (int64, cast by the op) has shape
//! `S + [2]`: segment `s = [start, end)` gives output block `s` = `a[:, start:end] @
//! b[start:end, :]`. Bounds are clamped into `[0, K]` and an empty or reversed segment gives
//! zeros, so no segment value reads outside `a` or `b` (MLX reads stray memory or aborts in
//! BLAS for out-of-range segments).

use super::gemm_dispatch::{eval_gemm, GemmKernel};
use super::{KernelCtx, Primitive, VmapResult};
use crate::array::Array;
use crate::transforms::rules::composite;
use crate::transforms::rules::products as rules;

use crate::array::ArrayData;
use crate::backend::cpu::gemm::{run_batch, strided_offsets, Batch, GemmElem, Mat, Product};
use crate::error::Result;

/// Matrix products over segments of the inner dimension.
#[derive(Debug, Clone)]
pub(crate) struct SegmentedMM;

impl Primitive for SegmentedMM {
    fn name(&self) -> String {
        "SegmentedMM".into()
    }
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        rules::operand_vjp(rules::segmented_mm_composite, p, c, argnums)
    }
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::operand_jvp(rules::segmented_mm_composite, p, t, argnums, o)
    }
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], _: &[Array]) -> Result<VmapResult> {
        composite::vmap(rules::segmented_mm_composite, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        eval_gemm(self, ctx, 2)
    }
}

impl GemmKernel for SegmentedMM {
    fn op_name(&self) -> &'static str {
        "segmented_mm"
    }
    fn compute<T: GemmElem>(
        &self,
        inputs: &[&ArrayData],
        shapes: &[&[i32]],
        out: &ArrayData,
        _out_shape: &[i32],
    ) -> Result<()> {
        let (a, b, seg) = (inputs[0], inputs[1], inputs[2]);
        let ma = Mat::new(a, shapes[0], false, true);
        let mb = Mat::new(b, shapes[1], false, false);
        let k = ma.cols as i64;
        let seg_shape = shapes[2];
        let last = seg.strides[seg_shape.len() - 1] as isize;
        let base = seg.ptr::<i64>();
        let products = strided_offsets(&seg_shape[..seg_shape.len() - 1], &seg.strides)
            .into_iter()
            .map(|o| {
                // SAFETY: `o` and `o + last` address the segment's two bounds, inside the
                // segments array (its own shape and strides).
                let (start, end) = unsafe { (*base.offset(o), *base.offset(o + last)) };
                let (start, end) = (start.clamp(0, k), end.clamp(0, k));
                let s = start as isize;
                Product {
                    lhs: s * ma.rc.1,
                    rhs: s * mb.rc.0,
                    k: (end - start).max(0) as usize,
                }
            })
            .collect();
        let batch = Batch::overwrite(&ma, &mb, products);
        // SAFETY: `out` is fresh; clamped segments keep columns of `a` and rows of `b`
        // inside `[0, K)`, and the op checked that both have the same `K`.
        unsafe { run_batch(&batch, a.ptr::<T>(), b.ptr::<T>(), out.dense_mut::<T>()) };
        Ok(())
    }
}
