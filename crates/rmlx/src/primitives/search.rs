//! `SearchSorted`: insertion positions of values in a sorted 1-D sequence.

use super::VmapResult;
use super::{KernelCtx, Primitive};
use crate::array::Array;
use crate::array::ArrayData;
use crate::backend::cpu::dispatch::dispatch_all;
use crate::backend::cpu::search::search_sorted;
use crate::dtype::Dtype;
use crate::error::Result;
use crate::transforms::rules::structure as rules;

/// Inputs: the sequence (1-D) and the values, already of one dtype. Output: uint32
/// positions of the values' shape; `right` selects the side.
#[derive(Debug, Clone)]
pub(crate) struct SearchSorted {
    pub right: bool,
}

impl Primitive for SearchSorted {
    fn name(&self) -> String {
        "SearchSorted".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::zero_vjp(p, argnums)
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::zero_jvp(o)
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::searchsorted_vmap(self.right, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let (seq, values) = (ctx.input(0), ctx.input(1));
        let n = ctx.inputs[0].size();
        let vshape = ctx.inputs[1].shape();
        let out = ArrayData::alloc(vshape, Dtype::Uint32, ctx.device)?;
        dispatch_all!(ctx.inputs[0].dtype(), T => search_sorted::<T>(seq, n, values, vshape, self.right, &out));
        Ok(vec![out])
    }
}
