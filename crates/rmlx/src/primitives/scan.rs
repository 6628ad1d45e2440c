//! `Scan`: cumulative sum, product, maximum, minimum and log-sum-exp along one axis.

use super::{KernelCtx, Primitive, VmapResult};
use crate::array::Array;
use crate::array::ArrayData;
use crate::backend::cpu::dispatch::dispatch_all;
use crate::backend::cpu::scan::{scan_axis, ScanOp};
use crate::error::Result;
use crate::transforms::rules::hermitian;
use crate::transforms::rules::order as rules;

/// MLX's `Scan`: `op` accumulated along `axis`, from the end when `reverse`, and excluding
/// each position's own element unless `inclusive`. The output has the input's dtype (ops
/// convert first where MLX's result dtype differs).
#[derive(Debug, Clone)]
pub(crate) struct Scan {
    pub op: ScanOp,
    pub axis: usize,
    pub reverse: bool,
    pub inclusive: bool,
}

impl Primitive for Scan {
    fn name(&self) -> String {
        match self.op {
            ScanOp::Sum => "CumSum",
            ScanOp::Prod => "CumProd",
            ScanOp::Max => "CumMax",
            ScanOp::Min => "CumMin",
            ScanOp::LogAddExp => "CumLogaddexp",
        }
        .into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        hermitian(p, c, |c| {
            Ok(vec![rules::scan_vjp(
                self.op,
                self.axis,
                self.reverse,
                self.inclusive,
                &p[0],
                &c[0],
            )?])
        })
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::scan_jvp(
            self.op,
            self.axis,
            self.reverse,
            self.inclusive,
            &p[0],
            &t[0],
        )?])
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::scan_vmap(self.op, self.axis, self.reverse, self.inclusive, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = ctx.input(0);
        let shape = ctx.inputs[0].shape();
        let dt = ctx.inputs[0].dtype();
        let out = ArrayData::alloc(shape, dt, ctx.device)?;
        dispatch_all!(dt, T => scan_axis::<T>(x, shape, self, &out));
        Ok(vec![out])
    }
}
