//! `BlockMaskedMM`: a matrix product with `block × block` tiles masked out.
//!
//! The op layer makes `a` (`batch + [M, K]`) and `b` (`batch + [K, N]`) matrices of the
//! output dtype with a common batch, and broadcasts each mask to `batch + [tiles, tiles]`
//! (`ceil(M / block)` by `ceil(K / block)` for `lhs`, and so on). A boolean mask removes
//! tiles: a `false` `lhs` or `rhs` tile is read as zeros (a NaN inside it does not
//! propagate) and a `false` output tile is zero. Any other mask (cast to
//! float64 by the op) scales: tile `(i, k)` of `a` is multiplied by `lhs[i, k]`, tile
//! `(k, j)` of `b` by `rhs[k, j]` and output tile `(i, j)` by `out[i, j]`. These are MLX's
//! rules.
//!
//! Like MLX's CPU backend, operand masks are applied to copies of the operands (a dropped
//! tile is zeros, so a NaN in the other operand still reaches the output, exactly as in
//! MLX), then each batch matrix is one `gemm` call and output tiles are masked after it.
//! The copies cost `O(MK + KN)`, small next to the `O(MNK)` product.

use super::gemm_dispatch::{eval_gemm, GemmKernel};
use super::{KernelCtx, Primitive, VmapResult};
use crate::array::Array;
use crate::transforms::rules::composite;
use crate::transforms::rules::products as rules;

use crate::array::ArrayData;
use crate::backend::cpu::elementwise::SendPtr;
use crate::backend::cpu::gemm::{run_batch, strided_offsets, Batch, GemmElem, Mat, Product};
use crate::backend::cpu::scratch::Scratch;
use crate::error::Result;
use crate::shape::row_major_strides;

/// How a mask's values act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MaskKind {
    /// `bool`: keep or drop a tile.
    Keep,
    /// `float64`: multiply by the value.
    Scale,
}

/// Matrix product with block masks; the masks present follow `a` and `b` as inputs, in the
/// order out, lhs, rhs.
#[derive(Debug, Clone)]
pub(crate) struct BlockMaskedMM {
    pub block: usize,
    pub mask_out: Option<MaskKind>,
    pub mask_lhs: Option<MaskKind>,
    pub mask_rhs: Option<MaskKind>,
}

impl Primitive for BlockMaskedMM {
    fn name(&self) -> String {
        "BlockMaskedMM".into()
    }
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        let f = |x: &[Array]| rules::block_masked_mm_composite(self, x);
        rules::operand_vjp(f, p, c, argnums)
    }
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        let f = |x: &[Array]| rules::block_masked_mm_composite(self, x);
        rules::operand_jvp(f, p, t, argnums, o)
    }
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], _: &[Array]) -> Result<VmapResult> {
        let f = |x: &[Array]| rules::block_masked_mm_composite(self, x);
        composite::vmap(f, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        eval_gemm(self, ctx, 2)
    }
}

/// What a mask says about one tile.
#[derive(Clone, Copy)]
enum Tile {
    Drop,
    Scale(f64),
}

/// A mask's values by (batch position, tile row, tile column).
struct MaskView {
    kind: MaskKind,
    base: SendPtr<u8>,
    batch: Vec<isize>,
    /// Element strides of the two tile dimensions.
    rs: isize,
    cs: isize,
}

impl MaskView {
    fn new(kind: MaskKind, data: &ArrayData, shape: &[i32]) -> MaskView {
        let n = shape.len();
        MaskView {
            kind,
            base: SendPtr(data.ptr::<u8>()),
            batch: strided_offsets(&shape[..n - 2], &data.strides),
            rs: data.strides[n - 2] as isize,
            cs: data.strides[n - 1] as isize,
        }
    }

    fn tile(&self, p: usize, i: usize, j: usize) -> Tile {
        let o = self.batch[p] + i as isize * self.rs + j as isize * self.cs;
        match self.kind {
            MaskKind::Keep => {
                // SAFETY: the mask is broadcast to `batch + [tiles, tiles]` and (p, i, j)
                // lies in it; bool elements are single bytes.
                let keep = unsafe { *self.base.get().offset(o) } != 0;
                if keep {
                    Tile::Scale(1.0)
                } else {
                    Tile::Drop
                }
            }
            // SAFETY: as above, for float64 elements.
            MaskKind::Scale => Tile::Scale(unsafe { *(self.base.get() as *const f64).offset(o) }),
        }
    }
}

/// `src` (a stack of matrices described by `mat`, batch offsets `offsets`) as a row-major
/// copy with `mask` applied tile by tile: a dropped tile becomes zeros, a kept one is
/// multiplied by its scale.
fn masked_copy<T: GemmElem>(
    src: &ArrayData,
    mat: &Mat,
    offsets: &[isize],
    mask: &MaskView,
    bs: usize,
) -> Result<Scratch<T>> {
    let (rows, cols) = (mat.rows, mat.cols);
    let mut out = Scratch::filled(offsets.len() * rows * cols, T::zero())?;
    let base = src.ptr::<T>();
    for (p, (&off, block)) in offsets
        .iter()
        .zip(out.chunks_mut((rows * cols).max(1)))
        .enumerate()
    {
        for i in 0..rows {
            for tj in 0..cols.div_ceil(bs) {
                let Tile::Scale(s) = mask.tile(p, i / bs, tj) else {
                    continue; // dropped: stays zero
                };
                let s = T::from_f64(s);
                for j in tj * bs..cols.min((tj + 1) * bs) {
                    // SAFETY: (p, i, j) lies in the operand, addressed with its own offsets
                    // and strides.
                    let x = unsafe {
                        *base.offset(off + i as isize * mat.rc.0 + j as isize * mat.rc.1)
                    };
                    block[i * cols + j] = x * s;
                }
            }
        }
    }
    Ok(out)
}

/// A row-major stack of `like`'s matrices.
fn dense_mat(like: &Mat) -> Mat {
    Mat {
        rows: like.rows,
        cols: like.cols,
        rc: (like.cols as isize, 1),
        batch_shape: like.batch_shape.clone(),
        batch_strides: row_major_strides(&like.batch_shape)
            .iter()
            .map(|s| s * (like.rows * like.cols) as i64)
            .collect(),
    }
}

impl GemmKernel for BlockMaskedMM {
    fn op_name(&self) -> &'static str {
        "block_masked_mm"
    }
    fn compute<T: GemmElem>(
        &self,
        inputs: &[&ArrayData],
        shapes: &[&[i32]],
        out: &ArrayData,
        _out_shape: &[i32],
    ) -> Result<()> {
        let (a, b) = (inputs[0], inputs[1]);
        let mut ma = Mat::new(a, shapes[0], false, true);
        let mut mb = Mat::new(b, shapes[1], false, false);
        let (mut a_off, mut b_off) = (ma.batch_offsets(), mb.batch_offsets());
        let mut next = 2;
        let mut mask = |kind: Option<MaskKind>| {
            kind.map(|k| {
                let v = MaskView::new(k, inputs[next], shapes[next]);
                next += 1;
                v
            })
        };
        let (m_out, m_lhs, m_rhs) = (
            mask(self.mask_out),
            mask(self.mask_lhs),
            mask(self.mask_rhs),
        );
        let bs = self.block;
        // Operand masks act on the operands (MLX's rule: a dropped tile is zeros, so a NaN
        // in the other operand still propagates through it).
        let a_copy = match &m_lhs {
            Some(v) => Some(masked_copy::<T>(a, &ma, &a_off, v, bs)?),
            None => None,
        };
        let b_copy = match &m_rhs {
            Some(v) => Some(masked_copy::<T>(b, &mb, &b_off, v, bs)?),
            None => None,
        };
        let pa = match &a_copy {
            Some(c) => {
                ma = dense_mat(&ma);
                a_off = ma.batch_offsets();
                c.as_ptr()
            }
            None => a.ptr::<T>(),
        };
        let pb = match &b_copy {
            Some(c) => {
                mb = dense_mat(&mb);
                b_off = mb.batch_offsets();
                c.as_ptr()
            }
            None => b.ptr::<T>(),
        };
        let products = a_off
            .iter()
            .zip(&b_off)
            .map(|(&lhs, &rhs)| Product {
                lhs,
                rhs,
                k: ma.cols,
            })
            .collect();
        let batch = Batch::overwrite(&ma, &mb, products);
        // SAFETY: `out` is fresh; the operands (or their masked row-major copies) are read
        // with their own offsets and strides.
        let dst = unsafe { out.dense_mut::<T>() };
        // SAFETY: as above.
        unsafe { run_batch(&batch, pa, pb, dst) };
        if let Some(v) = &m_out {
            let (m, n) = (ma.rows, mb.cols);
            for (p, block) in dst.chunks_mut((m * n).max(1)).enumerate().take(a_off.len()) {
                for i in 0..m {
                    for tj in 0..n.div_ceil(bs) {
                        let row = &mut block[i * n + tj * bs..i * n + n.min((tj + 1) * bs)];
                        match v.tile(p, i / bs, tj) {
                            Tile::Drop => row.fill(T::zero()),
                            Tile::Scale(s) if s != 1.0 => {
                                let s = T::from_f64(s);
                                row.iter_mut().for_each(|x| *x = *x * s);
                            }
                            Tile::Scale(_) => {}
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
