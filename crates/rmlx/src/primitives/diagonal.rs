//! `Diagonal`: the diagonals of 2-D slices as a view of the input's buffer.
//!
//! MLX builds `diagonal` from a gather; a view gives the same values without a copy. Like
//! the other views it never writes, so sharing the buffer is safe.

use super::VmapResult;
use super::{KernelCtx, Primitive};
use crate::array::Array;
use crate::array::ArrayData;
use crate::error::Result;
use crate::shape::size_of;
use crate::transforms::rules::structure as rules;

/// Output: the input's axes other than `axis1` and `axis2`, in order, then the diagonal
/// `offset` of those two axes (above the main one when positive).
#[derive(Debug, Clone)]
pub(crate) struct Diagonal {
    pub offset: i32,
    pub axis1: usize,
    pub axis2: usize,
}

impl Primitive for Diagonal {
    fn name(&self) -> String {
        "Diagonal".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::diagonal_vjp(
            self.offset,
            self.axis1,
            self.axis2,
            &p[0],
            &c[0],
        )?])
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::diagonal_apply(
            self.offset,
            self.axis1,
            self.axis2,
            &t[0],
        )?])
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::diagonal_vmap(self.offset, self.axis1, self.axis2, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = ctx.input(0);
        let out_shape = ctx.output(0).shape();
        let (s1, s2) = (x.strides[self.axis1], x.strides[self.axis2]);
        let mut strides: Vec<i64> = x
            .strides
            .iter()
            .enumerate()
            .filter(|&(d, _)| d != self.axis1 && d != self.axis2)
            .map(|(_, &s)| s)
            .collect();
        strides.push(s1 + s2);
        // The first diagonal element is (row, col) = (-offset, 0) or (0, offset); the op
        // made the diagonal empty unless that position lies inside both axes, and an empty
        // view keeps the input's offset so its pointer stays inside the buffer.
        let offset = if size_of(out_shape) == 0 {
            x.offset
        } else if self.offset >= 0 {
            x.offset + self.offset as i64 * s2
        } else {
            x.offset - self.offset as i64 * s1
        };
        Ok(vec![x.view(out_shape, strides, offset)])
    }
}
