//! `Sort`, `ArgSort`, `Partition`, `ArgPartition`: ordering along one axis.

use super::{KernelCtx, Primitive, VmapResult};
use crate::array::Array;
use crate::array::ArrayData;
use crate::backend::cpu::dispatch::dispatch_all;
use crate::backend::cpu::sort::{sort_axis, SortMode};
use crate::dtype::Dtype;
use crate::error::Result;
use crate::transforms::rules::order as rules;

/// Sorts (or partitions) along `axis`; `indices` gives uint32 positions instead of values.
#[derive(Debug, Clone)]
pub(crate) struct Sort {
    pub axis: usize,
    pub mode: SortMode,
    pub indices: bool,
}

impl Primitive for Sort {
    fn name(&self) -> String {
        match (self.mode, self.indices) {
            (SortMode::Sort, false) => "Sort",
            (SortMode::Sort, true) => "ArgSort",
            (SortMode::Partition(_), false) => "Partition",
            (SortMode::Partition(_), true) => "ArgPartition",
        }
        .into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::sort_vjp(
            self.mode,
            self.indices,
            self.axis,
            &p[0],
            &c[0],
        )?])
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::sort_jvp(
            self.mode,
            self.indices,
            self.axis,
            &p[0],
            &t[0],
            &o[0],
        )?])
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::sort_vmap(self.mode, self.indices, self.axis, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = ctx.input(0);
        let shape = ctx.inputs[0].shape();
        let dt = if self.indices {
            Dtype::Uint32
        } else {
            ctx.inputs[0].dtype()
        };
        let out = ArrayData::alloc(shape, dt, ctx.device)?;
        dispatch_all!(ctx.inputs[0].dtype(), T => sort_axis::<T>(x, shape, self.axis, self.mode, self.indices, &out))?;
        Ok(vec![out])
    }
}
