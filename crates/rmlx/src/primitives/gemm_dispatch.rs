//! Dtype dispatch for the product primitives built on `backend::cpu::gemm`.
//!
//! A product kernel is written once, generic over the element type; this module picks the
//! instantiation from the output dtype. f32, f64, f16 and complex64 run natively; bfloat16
//! runs as f32 on converted copies of the floating operands and is rounded back at the end
//! (as `Matmul` does). Other dtypes never reach here: the ops reject them.

use super::KernelCtx;
use crate::array::ArrayData;
use crate::backend::cpu::convert::convert_into;
use crate::backend::cpu::gemm::GemmElem;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use half::f16;
use num_complex::Complex32;

/// A product kernel, generic over the element type.
pub(crate) trait GemmKernel {
    /// The op's name, for the (unreachable) unsupported-dtype error.
    fn op_name(&self) -> &'static str;
    /// Computes into the fresh row-major `out` (of the output's shape). `inputs[i]` has
    /// the shape `shapes[i]`; the first `float_inputs` of them hold `T` elements.
    fn compute<T: GemmElem>(
        &self,
        inputs: &[&ArrayData],
        shapes: &[&[i32]],
        out: &ArrayData,
        out_shape: &[i32],
    ) -> Result<()>;
}

/// Evaluates `kernel` for the context's output dtype. The first `float_inputs` inputs have
/// the output dtype; the rest (indices, masks) are passed through untouched.
pub(crate) fn eval_gemm<K: GemmKernel>(
    kernel: &K,
    ctx: &KernelCtx<'_>,
    float_inputs: usize,
) -> Result<Vec<ArrayData>> {
    let out_arr = ctx.output(0);
    let (dt, out_shape) = (out_arr.dtype(), out_arr.shape());
    let inputs: Vec<&ArrayData> = (0..ctx.inputs.len()).map(|i| ctx.input(i)).collect();
    let shapes: Vec<&[i32]> = ctx.inputs.iter().map(|a| a.shape()).collect();
    let out = ArrayData::alloc(out_shape, dt, ctx.device)?;
    match dt {
        Dtype::Float32 => kernel.compute::<f32>(&inputs, &shapes, &out, out_shape)?,
        Dtype::Float64 => kernel.compute::<f64>(&inputs, &shapes, &out, out_shape)?,
        Dtype::Float16 => kernel.compute::<f16>(&inputs, &shapes, &out, out_shape)?,
        Dtype::Complex64 => kernel.compute::<Complex32>(&inputs, &shapes, &out, out_shape)?,
        Dtype::Bfloat16 => {
            let mut converted = Vec::with_capacity(float_inputs);
            for i in 0..float_inputs {
                let c = ArrayData::alloc(shapes[i], Dtype::Float32, ctx.device)?;
                convert_into(inputs[i], Dtype::Bfloat16, shapes[i], &c, Dtype::Float32);
                converted.push(c);
            }
            let mut as_f32: Vec<&ArrayData> = converted.iter().collect();
            as_f32.extend_from_slice(&inputs[float_inputs..]);
            let o32 = ArrayData::alloc(out_shape, Dtype::Float32, ctx.device)?;
            kernel.compute::<f32>(&as_f32, &shapes, &o32, out_shape)?;
            convert_into(&o32, Dtype::Float32, out_shape, &out, Dtype::Bfloat16);
        }
        other => {
            return Err(Error::InvalidArgument(format!(
                "[{}] Unsupported dtype {other}.",
                kernel.op_name()
            )));
        }
    }
    Ok(vec![out])
}
