//! `RandomBits`: the bytes Threefry-2x32 draws from one key (MLX's primitive of that name).

use super::VmapResult;
use super::{KernelCtx, Primitive};
use crate::array::Array;
use crate::array::ArrayData;
use crate::error::Result;
use crate::random::threefry::fill_bytes;
use crate::transforms::rules::structure as rules;

/// Random bits shaped as the output (uint8, uint16 or uint32); input 0 is the uint32 key
/// of shape (2,).
#[derive(Debug, Clone)]
pub(crate) struct RandomBits;

impl Primitive for RandomBits {
    fn name(&self) -> String {
        "RandomBits".into()
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
        rules::random_bits_vmap(x, axes, o)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let k = ctx.input(0);
        let stride = k.strides()[0] as isize;
        // SAFETY: the op checked the key is a uint32 array of shape (2,), so elements 0 and
        // `stride` lie inside its buffer.
        let key = unsafe { [*k.ptr::<u32>(), *k.ptr::<u32>().offset(stride)] };
        let o = ctx.output(0);
        let out = ArrayData::alloc(o.shape(), o.dtype(), ctx.device)?;
        let nbytes = o.size() * o.dtype().size();
        // SAFETY: a fresh row-contiguous buffer of `nbytes` bytes owned by this kernel; any
        // byte pattern is a valid unsigned integer.
        let bytes = unsafe { std::slice::from_raw_parts_mut(out.ptr_mut::<u8>(), nbytes) };
        fill_bytes(key, bytes);
        Ok(vec![out])
    }
}
