//! The CPU kernel of `Convolution`: tiled im2col + GEMM.
//!
//! The output is a matrix with one row per output position (`N × M_1 × .. × M_d` rows) and
//! `O` columns. A tile of rows is lowered into a column buffer ("im2col"): row `r` holds,
//! for each group, every kernel tap's `C / groups` input channels (zeros where the tap falls
//! on padding or between dilated samples). Each group's output columns are then one GEMM of
//! that tile with the group's weights, `[tile, K·Cg] @ [K·Cg, O/groups]`, written straight
//! into the output (row stride `O`).
//!
//! Tiles keep the column buffer small and hot in cache: a whole-array im2col of the
//! 8×56×56×64, 3×3 benchmark would be 58 MB, a tile is a few hundred KB. Each worker thread
//! of the pool takes tiles from a shared counter and owns one tile-sized scratch slot; the
//! scratch comes from the memory manager. Within a tile, `gemm` runs single-threaded
//! (threads already split the tiles).

use super::convert::convert_into;
use super::gemm::{gemm_one, GemmElem, PARALLEL_FLOPS};
use super::scratch::Scratch;
use super::threads::{num_threads, run_parallel};
use crate::array::ArrayData;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::primitives::conv::Convolution;
use crate::primitives::KernelCtx;
use gemm::Parallelism;
use half::f16;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes of column buffer per tile: about half a 2 MB L2 cache, so the tile and the packed
/// weights stay resident while `gemm` runs over them.
const TILE_BYTES: usize = 512 * 1024;

/// Fewest rows per tile, whatever the column count: `gemm`'s f32 AVX-512 micro-kernel covers
/// 64 rows, and every call packs its right-hand side (`K·Cg × Og` weights) again, so very
/// wide column matrices (the weight gradient's, whose "kernel" is the whole output
/// cotangent) still get 64-row tiles: the scratch grows past `TILE_BYTES` only there.
const MIN_TILE: usize = 64;

/// A pointer that worker threads may share; each thread writes only its own disjoint part.
#[derive(Clone, Copy)]
struct SharedMut<T>(*mut T);
// SAFETY: the kernel hands every thread disjoint output rows and its own scratch slot.
unsafe impl<T> Send for SharedMut<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for SharedMut<T> {}
impl<T> SharedMut<T> {
    fn get(self) -> *mut T {
        self.0
    }
}

/// Runs the convolution of `ctx`'s two inputs (input, weight; both of the output dtype).
pub(crate) fn convolution(p: &Convolution, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
    let out_arr = ctx.output(0);
    let dt = out_arr.dtype();
    let (xs, ws) = (ctx.inputs[0].shape(), ctx.inputs[1].shape());
    let out = ArrayData::alloc(out_arr.shape(), dt, ctx.device)?;
    let geom = Geom::new(p, xs, ws, out_arr.shape());
    // Inputs are read row-major; views (transposed, sliced, broadcast) are copied first.
    let dense = |i: usize, to: Dtype| -> Result<ArrayData> {
        let d = ctx.input(i);
        let shape = ctx.inputs[i].shape();
        if d.flags.row_contiguous && to == dt {
            return Ok(d.clone());
        }
        let fresh = ArrayData::alloc(shape, to, ctx.device)?;
        convert_into(d, dt, shape, &fresh, to);
        Ok(fresh)
    };
    match dt {
        Dtype::Float32 => run::<f32>(&geom, &dense(0, dt)?, &dense(1, dt)?, &out)?,
        Dtype::Float64 => run::<f64>(&geom, &dense(0, dt)?, &dense(1, dt)?, &out)?,
        Dtype::Float16 => run::<f16>(&geom, &dense(0, dt)?, &dense(1, dt)?, &out)?,
        Dtype::Bfloat16 => {
            // Products in f32, rounded to bfloat16 once at the end.
            let (x, w) = (dense(0, Dtype::Float32)?, dense(1, Dtype::Float32)?);
            let o32 = ArrayData::alloc(out_arr.shape(), Dtype::Float32, ctx.device)?;
            run::<f32>(&geom, &x, &w, &o32)?;
            convert_into(&o32, Dtype::Float32, out_arr.shape(), &out, Dtype::Bfloat16);
        }
        other => {
            return Err(Error::InvalidArgument(format!(
                "[conv] Unsupported dtype {other}."
            )))
        }
    }
    Ok(vec![out])
}

/// Sizes of one convolution with the spatial dimensions padded to three (leading 1s), and
/// for each spatial dimension the input index read by every (output position, tap) pair.
struct Geom {
    n: usize,
    c: usize,
    o: usize,
    groups: usize,
    cg: usize,
    og: usize,
    in_sp: [usize; 3],
    out_sp: [usize; 3],
    k_sp: [usize; 3],
    /// `taps[d][m * K_d + k]`: input index read by output `m`, tap `k`, or -1 for a zero.
    taps: [Vec<i64>; 3],
}

impl Geom {
    fn new(p: &Convolution, xs: &[i32], ws: &[i32], os: &[i32]) -> Geom {
        let nd = xs.len() - 2;
        let lead = 3 - nd;
        let mut in_sp = [1usize; 3];
        let mut out_sp = [1usize; 3];
        let mut k_sp = [1usize; 3];
        let mut taps: [Vec<i64>; 3] = [vec![0], vec![0], vec![0]];
        for d in 0..nd {
            let (len, k, m) = (xs[1 + d], ws[1 + d], os[1 + d]);
            in_sp[lead + d] = len as usize;
            k_sp[lead + d] = k as usize;
            out_sp[lead + d] = m as usize;
            let span = Convolution::dilated(len, p.input_dilation[d]);
            let (s, kd, id) = (
                p.stride[d] as i64,
                p.kernel_dilation[d] as i64,
                p.input_dilation[d] as i64,
            );
            let lo = p.pad_lo[d] as i64;
            let mut t = Vec::with_capacity(m as usize * k as usize);
            for mi in 0..m as i64 {
                for ki in 0..k as i64 {
                    let kk = if p.flip { k as i64 - 1 - ki } else { ki };
                    let pos = mi * s + kk * kd - lo;
                    let valid = pos >= 0 && pos < span && pos % id == 0;
                    t.push(if valid { pos / id } else { -1 });
                }
            }
            taps[lead + d] = t;
        }
        let (c, o, groups) = (xs[nd + 1] as usize, ws[0] as usize, p.groups as usize);
        Geom {
            n: xs[0] as usize,
            c,
            o,
            groups,
            cg: c / groups,
            og: o / groups,
            in_sp,
            out_sp,
            k_sp,
            taps,
        }
    }

    fn rows(&self) -> usize {
        self.n * self.out_sp.iter().product::<usize>()
    }
    /// Columns of one group: every tap's channels.
    fn kc_group(&self) -> usize {
        self.k_sp.iter().product::<usize>() * self.cg
    }

    /// Writes rows `r0..r1` of the column matrix into `cols` (`(r1 - r0) × groups·K·Cg`).
    fn im2col<T: Copy + Default>(&self, x: &[T], r0: usize, r1: usize, cols: &mut [T]) {
        let kc = self.groups * self.kc_group();
        let [i0n, i1n, i2n] = self.in_sp;
        let [m0n, m1n, m2n] = self.out_sp;
        let [k0n, k1n, k2n] = self.k_sp;
        let cg = self.cg;
        let image = i0n * i1n * i2n * self.c;
        for (r, row) in (r0..r1).zip(cols.chunks_exact_mut(kc.max(1))) {
            let m2 = r % m2n;
            let m1 = (r / m2n) % m1n;
            let m0 = (r / (m2n * m1n)) % m0n;
            let n = r / (m2n * m1n * m0n);
            let xn = &x[n * image..(n + 1) * image];
            let mut col = 0;
            for g in 0..self.groups {
                for k0 in 0..k0n {
                    let i0 = self.taps[0][m0 * k0n + k0];
                    for k1 in 0..k1n {
                        let i1 = self.taps[1][m1 * k1n + k1];
                        let taps2 = &self.taps[2][m2 * k2n..(m2 + 1) * k2n];
                        if i0 < 0 || i1 < 0 {
                            row[col..col + k2n * cg].fill(T::default());
                            col += k2n * cg;
                            continue;
                        }
                        let line = (i0 as usize * i1n + i1 as usize) * i2n;
                        let mut k2 = 0;
                        while k2 < k2n {
                            let i2 = taps2[k2];
                            // Taps reading neighbouring pixels form one run; without groups
                            // (cg == C) a run is one contiguous copy of `run · C` values.
                            let mut run = 1;
                            if i2 >= 0 && self.groups == 1 {
                                while k2 + run < k2n && taps2[k2 + run] == i2 + run as i64 {
                                    run += 1;
                                }
                            }
                            let dst = &mut row[col..col + run * cg];
                            col += run * cg;
                            if i2 < 0 {
                                dst.fill(T::default());
                            } else {
                                let at = (line + i2 as usize) * self.c + g * cg;
                                copy_short(dst, &xn[at..at + run * cg]);
                            }
                            k2 += run;
                        }
                    }
                }
            }
        }
    }
}

/// `dst.copy_from_slice(src)` for the short copies of im2col (grouped convolutions copy a
/// few channels per tap): fixed 16-element blocks compile to inline vector moves, where a
/// `memcpy` call per 16–64 bytes would cost more than the copy.
fn copy_short<T: Copy>(dst: &mut [T], src: &[T]) {
    debug_assert_eq!(dst.len(), src.len());
    if dst.len() > 64 {
        dst.copy_from_slice(src);
        return;
    }
    let full = dst.len() / 16 * 16;
    let (dh, dt) = dst.split_at_mut(full);
    let (sh, st) = src.split_at(full.min(src.len()));
    for (x, y) in dh.chunks_exact_mut(16).zip(sh.chunks_exact(16)) {
        // Both chunks have exactly 16 elements; the conversions make the size a constant.
        if let (Ok(x), Ok(y)) = (<&mut [T; 16]>::try_from(x), <&[T; 16]>::try_from(y)) {
            *x = *y;
        }
    }
    for (x, y) in dt.iter_mut().zip(st) {
        *x = *y;
    }
}

/// The convolution in element type `T` on row-major `x` and `w` into the fresh `out`.
fn run<T: GemmElem + Default>(
    g: &Geom,
    x: &ArrayData,
    w: &ArrayData,
    out: &ArrayData,
) -> Result<()> {
    let rows = g.rows();
    if rows == 0 || g.o == 0 {
        return Ok(());
    }
    let kcg = g.kc_group();
    let kc = g.groups * kcg;
    let x_len = g.n * g.in_sp.iter().product::<usize>() * g.c;
    // SAFETY: `x` is row-contiguous with `x_len` elements of type `T` (the caller copied
    // views), and stays alive for the whole call.
    let xs: &[T] = unsafe { std::slice::from_raw_parts(x.ptr::<T>(), x_len) };
    // The weights as one row-major `K·Cg × Og` matrix per group: `gemm` streams a row-major
    // right-hand side much faster than the `[O, K.., Cg]` layout read as columns.
    let w_len = g.o * kcg;
    // SAFETY: `w` is row-contiguous with `O·K·Cg` elements of type `T`.
    let wsrc: &[T] = unsafe { std::slice::from_raw_parts(w.ptr::<T>(), w_len) };
    let mut wt = Scratch::<T>::filled(w_len, T::zero())?;
    for gi in 0..g.groups {
        let (src, dst) = (gi * g.og * kcg, gi * kcg * g.og);
        for j in 0..g.og {
            for k in 0..kcg {
                wt[dst + k * g.og + j] = wsrc[src + j * kcg + k];
            }
        }
    }
    let wp = SharedMut(wt.as_mut_ptr());
    // A 1×1 kernel with unit stride, no padding and no input dilation reads the input
    // itself as the column matrix (one row per pixel): no lowering needed.
    let direct = g.k_sp == [1, 1, 1]
        && g.out_sp == g.in_sp
        && g.taps
            .iter()
            .all(|t| t.iter().enumerate().all(|(i, &v)| v == i as i64));
    let op = SharedMut(out.ptr_mut::<T>());
    let elem = std::mem::size_of::<T>();
    let tile = (TILE_BYTES / (kc.max(1) * elem))
        .clamp(MIN_TILE, 4096)
        .min(rows);
    let tiles = rows.div_ceil(tile);
    let flops = rows.saturating_mul(kc).saturating_mul(g.og);
    let workers = if flops < PARALLEL_FLOPS {
        1
    } else {
        num_threads().min(tiles).max(1)
    };
    let slot = if direct { 0 } else { tile * kc };
    let mut scratch = Scratch::<T>::filled(workers * slot, T::zero())?;
    let sp = SharedMut(scratch.as_mut_ptr());
    let next = AtomicUsize::new(0);
    let work = |worker: usize| {
        // SAFETY: worker `worker` is the only user of scratch slot `worker` (run_parallel
        // calls each index once), which lies inside the `workers * slot` scratch buffer.
        let cols = unsafe { std::slice::from_raw_parts_mut(sp.get().add(worker * slot), slot) };
        loop {
            let t = next.fetch_add(1, Ordering::Relaxed);
            if t >= tiles {
                break;
            }
            let (r0, r1) = (t * tile, ((t + 1) * tile).min(rows));
            let (lhs, lhs_rs) = if direct {
                (xs[r0 * g.c..].as_ptr(), g.c as isize)
            } else {
                g.im2col(xs, r0, r1, cols);
                (cols.as_ptr(), kc as isize)
            };
            for gi in 0..g.groups {
                // SAFETY: the destination is rows r0..r1, columns gi·og..(gi+1)·og of the
                // fresh `rows × O` output, written only by the worker that took tile `t`;
                // the lhs is the tile's `(r1 - r0) × kc` column buffer, or in the direct
                // case rows r0..r1 of the `rows × C` input (this group's kcg = Cg columns);
                // the rhs is group gi's row-major `kcg × og` block of `wt`. All lie inside
                // their buffers.
                unsafe {
                    gemm_one(
                        (r1 - r0, g.og, kcg),
                        op.get().add(r0 * g.o + gi * g.og),
                        g.o as isize,
                        false,
                        (lhs.add(gi * kcg), (lhs_rs, 1)),
                        (
                            wp.get().add(gi * kcg * g.og) as *const T,
                            (g.og as isize, 1),
                        ),
                        T::zero(),
                        T::one(),
                        Parallelism::None,
                    );
                }
            }
        }
    };
    run_parallel(workers, &work);
    Ok(())
}
