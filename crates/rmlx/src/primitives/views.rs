//! View primitives: outputs that share the input's buffer with new strides and offset.

use super::{KernelCtx, Primitive};
use crate::array::ArrayData;
use crate::error::Result;

/// Broadcasts to a larger shape: stride 0 on the new and size-1 dimensions.
#[derive(Debug, Clone)]
pub(crate) struct Broadcast;

impl Primitive for Broadcast {
    fn name(&self) -> String {
        "Broadcast".into()
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = ctx.input(0);
        let in_shape = ctx.inputs[0].shape();
        let out_shape = ctx.output(0).shape();
        let lead = out_shape.len() - in_shape.len();
        let mut strides = vec![0i64; out_shape.len()];
        for (i, (&d, &s)) in in_shape.iter().zip(&x.strides).enumerate() {
            strides[lead + i] = if d == 1 && out_shape[lead + i] != 1 { 0 } else { s };
        }
        Ok(vec![x.view(out_shape, strides, x.offset)])
    }
}
