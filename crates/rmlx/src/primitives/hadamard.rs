//! `Hadamard`: the Walsh–Hadamard transform along the last axis, times a scale.
//!
//! The op layer casts the input to float16, bfloat16 or float32 and checks the length. The
//! kernel transforms row-major float32 rows in place (see `backend::cpu::hadamard`): for
//! float32 the output buffer itself, filled with a copy of the input; for the half types a
//! float32 copy, rounded back once at the end.

use super::VmapResult;
use super::{KernelCtx, Primitive};
use crate::array::Array;
use crate::array::ArrayData;
use crate::backend::cpu::convert::convert_into;
use crate::backend::cpu::hadamard::transform_row;
use crate::backend::cpu::threads::par_chunks_mut;
use crate::dtype::Dtype;
use crate::error::Result;
use crate::transforms::rules::structure as rules;

/// Walsh–Hadamard transform of the last axis (`n = m · 2^k`).
#[derive(Debug, Clone)]
pub(crate) struct Hadamard {
    pub m: usize,
    pub scale: f32,
}

/// Rows below this many elements in all stay on one thread.
const PARALLEL_ELEMS: usize = 1 << 15;

impl Primitive for Hadamard {
    fn name(&self) -> String {
        "Hadamard".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::hadamard_linear(self.scale, &c[0])?])
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::hadamard_linear(self.scale, &t[0])?])
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::hadamard_vmap(self.scale, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = ctx.input(0);
        let shape = ctx.inputs[0].shape();
        let dt = ctx.output(0).dtype();
        let out = ArrayData::alloc(shape, dt, ctx.device)?;
        let work = if dt == Dtype::Float32 {
            out.clone()
        } else {
            ArrayData::alloc(shape, Dtype::Float32, ctx.device)?
        };
        convert_into(x, dt, shape, &work, Dtype::Float32);
        let n = shape.last().copied().unwrap_or(1).max(1) as usize;
        // SAFETY: `work` is a fresh buffer of this kernel (the output itself for float32;
        // `out` is not touched through another path until the transform is done).
        let data = unsafe { work.dense_mut::<f32>() };
        let (m, scale) = (self.m, self.scale);
        if data.len() >= PARALLEL_ELEMS && data.len() > n {
            par_chunks_mut(data, n, |_, row| transform_row(row, m, scale));
        } else {
            data.chunks_exact_mut(n)
                .for_each(|row| transform_row(row, m, scale));
        }
        if dt != Dtype::Float32 {
            convert_into(&work, Dtype::Float32, shape, &out, dt);
        }
        Ok(vec![out])
    }
}
