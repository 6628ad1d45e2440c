//! The `ScaledDotProductAttention` kernel: flash-style attention on the CPU.
//!
//! Work is split into units of (batch, query head, block of `QB` queries), handed to the
//! kernel threads through a shared counter (causal blocks differ in cost). A unit keeps its
//! scaled queries, a `QB × KB` score block and a `QB × D_v` output accumulator in scratch
//! and streams the keys and values of its key/value head in blocks of `KB`: scores by GEMM,
//! mask, an online softmax (running max and sum per row, earlier output rescaled when the
//! max grows), then the output accumulated by GEMM. No `T_q × T_kv` matrix is formed.
//! Everything is computed in float32 (float64 for float64); float16/bfloat16 keys and
//! values are widened once into scratch, float32/float64 ones are read in place (any
//! strides).

use super::accumulate::{Arith, FloatAcc, FloatElem, Ordered};
use super::gemm::{gemm_one, GemmElem};
use super::scratch::Scratch;
use super::simd::multiversion;
use super::threads::{num_threads, par_chunks_mut, run_parallel};
use crate::array::ArrayData;
use crate::error::Result;
use gemm::Parallelism;
use std::any::TypeId;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Queries per unit (64 halves the key packing per query against 32, with the score block
/// still in L1/L2: 64 × 128 float32 is 32 KiB).
const QB: usize = 64;
/// Keys per streamed block.
const KB: usize = 128;

/// The mask as the kernel reads it: array masks with their element strides broadcast to
/// `[B, N_q, T_q, T_kv]` (0 on broadcast axes).
pub(crate) enum MaskData<'a> {
    None,
    Causal,
    Bool(&'a ArrayData, [i64; 4]),
    /// Of the output dtype.
    Additive(&'a ArrayData, [i64; 4]),
}

/// The operands of one attention.
pub(crate) struct Attention<'a> {
    pub q: &'a ArrayData,
    pub k: &'a ArrayData,
    pub v: &'a ArrayData,
    /// `[B, N_q, T_q, D]`, `[B, N_kv, T_kv, D]`, `[B, N_kv, T_kv, D_v]`.
    pub q_shape: [usize; 4],
    pub k_shape: [usize; 4],
    pub v_shape: [usize; 4],
    pub scale: f32,
    pub mask: MaskData<'a>,
    /// One logit per query head, of the compute type.
    pub sinks: Option<&'a ArrayData>,
}

/// A 4-D operand in the compute type: first element and element strides.
#[derive(Clone, Copy)]
struct View<F> {
    ptr: *const F,
    s: [isize; 4],
}
// SAFETY: views only read buffers that outlive the kernel call.
unsafe impl<F> Send for View<F> {}
// SAFETY: as above.
unsafe impl<F> Sync for View<F> {}

impl<F> View<F> {
    fn at(&self, b: usize, h: usize, t: usize, d: usize) -> *const F {
        let off = b as isize * self.s[0]
            + h as isize * self.s[1]
            + t as isize * self.s[2]
            + d as isize * self.s[3];
        // SAFETY: callers pass indices inside the operand's shape, so the offset lies in its
        // buffer.
        unsafe { self.ptr.offset(off) }
    }
}

fn strides4(d: &ArrayData) -> [isize; 4] {
    let s = &d.strides;
    [s[0] as isize, s[1] as isize, s[2] as isize, s[3] as isize]
}

/// `x` in the compute type: in place when `T` is already it, else widened into `store`.
fn widened<T: FloatElem>(
    x: &ArrayData,
    shape: [usize; 4],
    store: &mut Option<Scratch<T::F>>,
) -> Result<View<T::F>> {
    if TypeId::of::<T>() == TypeId::of::<T::F>() {
        return Ok(View {
            ptr: x.ptr::<T>() as *const T::F,
            s: strides4(x),
        });
    }
    let src = View {
        ptr: x.ptr::<T>(),
        s: strides4(x),
    };
    let [b, h, t, d] = shape;
    let mut buf = Scratch::filled(b * h * t * d, T::F::ZERO)?;
    if d > 0 {
        par_chunks_mut(&mut buf, t.max(1) * d, |bh, rows| {
            for (ti, row) in rows.chunks_mut(d).enumerate() {
                let p = src.at(bh / h.max(1), bh % h.max(1), ti, 0);
                for (j, o) in row.iter_mut().enumerate() {
                    // SAFETY: element (b, h, ti, j) of the input, inside its buffer.
                    *o = unsafe { *p.offset(j as isize * src.s[3]) }.widen();
                }
            }
        });
    }
    let view = View {
        ptr: buf.as_ptr(),
        s: [(h * t * d) as isize, (t * d) as isize, d as isize, 1],
    };
    *store = Some(buf);
    Ok(view)
}

multiversion! {
    /// `s = exp(s - m)` in place; `*sum` gets the sum.
    fn exp_shift<F>(s: &mut [F], m: F, sum: &mut F)
    where F: FloatAcc
    {
        const L: usize = 16;
        let mut acc = [F::ZERO; L];
        let mut c = s.chunks_exact_mut(L);
        for ch in &mut c {
            for i in 0..L {
                let e = FloatAcc::exp(ch[i] - m);
                ch[i] = e;
                acc[i] = acc[i].add(e);
            }
        }
        let mut t = F::ZERO;
        for v in c.into_remainder() {
            let e = FloatAcc::exp(*v - m);
            *v = e;
            t = t.add(e);
        }
        for a in acc {
            t = t.add(a);
        }
        *sum = t;
    }
}

/// Writes attention of every query into the row-major `[B, N_q, T_q, D_v]` output `out`.
pub(crate) fn attention<T: FloatElem>(a: &Attention<'_>, out: &mut [T]) -> Result<()>
where
    T::F: GemmElem,
{
    let [bn, nq, tq, d] = a.q_shape;
    let [_, nkv, tk, _] = a.k_shape;
    let dv = a.v_shape[3];
    if out.is_empty() {
        return Ok(());
    }
    if tk == 0 {
        // Softmax over no keys, times no values: zeros (as the composed op gives).
        out.iter_mut().for_each(|o| *o = T::narrow(T::F::ZERO));
        return Ok(());
    }
    let rep = nq / nkv;
    #[cfg(target_arch = "x86_64")]
    if TypeId::of::<T>() == TypeId::of::<f32>() && super::fast_sdpa_f32::suits(tq) {
        // SAFETY: `T` is f32 (checked just above), so the slice is the same memory with the
        // same element type.
        let out =
            unsafe { std::slice::from_raw_parts_mut(out.as_mut_ptr() as *mut f32, out.len()) };
        return super::fast_sdpa_f32::attention(a, out);
    }
    let (mut ks, mut vs) = (None, None);
    let kview = widened::<T>(a.k, a.k_shape, &mut ks)?;
    let vview = widened::<T>(a.v, a.v_shape, &mut vs)?;
    let qview = View {
        ptr: a.q.ptr::<T>(),
        s: strides4(a.q),
    };
    let sinks: Option<Vec<T::F>> = a
        .sinks
        .map(|s| super::fast_rows::vector(s, nq, |v: T::F| v));
    let nqb = tq.div_ceil(QB);
    let units = bn * nq * nqb;
    let tasks = units.min(num_threads()).max(1);
    let per_task = QB * d + QB * KB + QB * dv + 2 * QB;
    let mut scratch = Scratch::filled(tasks * per_task, T::F::ZERO)?;
    let scratch_ptr = ScratchPtr(scratch.as_mut_ptr());
    let out_ptr = ScratchPtr(out.as_mut_ptr());
    let next = AtomicUsize::new(0);
    let scale = <T::F as FloatAcc>::from_f64(a.scale as f64);
    let shift = tk as i64 - tq as i64;
    let ctx = Unit {
        a,
        qview,
        kview,
        vview,
        sinks: sinks.as_deref(),
        dims: (nq, tq, d, tk, dv, rep),
        scale,
        shift,
    };
    run_parallel(tasks, &|task| {
        let sp = scratch_ptr;
        // SAFETY: task `task` owns slots [task * per_task, (task + 1) * per_task) of the
        // scratch buffer, which outlives the parallel call.
        let local = unsafe { std::slice::from_raw_parts_mut(sp.0.add(task * per_task), per_task) };
        loop {
            let u = next.fetch_add(1, Ordering::Relaxed);
            if u >= units {
                break;
            }
            ctx.run(u % nqb, u / nqb, local, out_ptr);
        }
    });
    drop(scratch);
    Ok(())
}

/// A pointer handed to kernel threads; each writes a disjoint part.
struct ScratchPtr<F>(*mut F);
impl<F> Clone for ScratchPtr<F> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<F> Copy for ScratchPtr<F> {}
// SAFETY: tasks write disjoint ranges (their own scratch slots, their own output rows).
unsafe impl<F> Send for ScratchPtr<F> {}
// SAFETY: as above.
unsafe impl<F> Sync for ScratchPtr<F> {}

/// What every unit shares.
struct Unit<'a, T: FloatElem> {
    a: &'a Attention<'a>,
    qview: View<T>,
    kview: View<T::F>,
    vview: View<T::F>,
    sinks: Option<&'a [T::F]>,
    /// (N_q, T_q, D, T_kv, D_v, query heads per key/value head).
    dims: (usize, usize, usize, usize, usize, usize),
    scale: T::F,
    /// `T_kv - T_q`: query `t` sees keys `j <= t + shift` under the causal mask.
    shift: i64,
}

// SAFETY: the views only read input buffers that outlive the kernel call.
unsafe impl<T: FloatElem> Sync for Unit<'_, T> {}

impl<T: FloatElem> Unit<'_, T>
where
    T::F: GemmElem,
{
    /// Attention of query block `qb` of head `bh` (= b · N_q + h) into `out`.
    fn run(&self, qb: usize, bh: usize, local: &mut [T::F], out: ScratchPtr<T>) {
        let (nq, tq, d, tk, dv, rep) = self.dims;
        let (b, h) = (bh / nq, bh % nq);
        let kvh = h / rep;
        let t0 = qb * QB;
        let rows = QB.min(tq - t0);
        let (qbuf, rest) = local.split_at_mut(QB * d);
        let (sbuf, rest) = rest.split_at_mut(QB * KB);
        let (obuf, rest) = rest.split_at_mut(QB * dv);
        let (m, l) = rest.split_at_mut(QB);
        let neg_inf = <T::F as FloatAcc>::from_f64(f64::NEG_INFINITY);
        for i in 0..rows {
            let p = self.qview.at(b, h, t0 + i, 0);
            for j in 0..d {
                // SAFETY: element (b, h, t0 + i, j) of q.
                let x = unsafe { *p.offset(j as isize * self.qview.s[3]) };
                qbuf[i * d + j] = x.widen().mul(self.scale);
            }
            match self.sinks {
                Some(s) => {
                    m[i] = s[h];
                    l[i] = <T::F as FloatAcc>::from_f64(1.0);
                }
                None => {
                    m[i] = neg_inf;
                    l[i] = T::F::ZERO;
                }
            }
        }
        obuf[..rows * dv].iter_mut().for_each(|o| *o = T::F::ZERO);
        // Keys past the last row's causal limit add exact zeros and are skipped, unless some
        // row sees no key at all (it then averages every value, like the composed op).
        let causal = matches!(self.a.mask, MaskData::Causal);
        let limit = if causal && t0 as i64 + self.shift >= 0 {
            ((t0 + rows) as i64 + self.shift).clamp(0, tk as i64) as usize
        } else {
            tk
        };
        let one = <T::F as FloatAcc>::from_f64(1.0);
        let mut k0 = 0;
        while k0 < limit {
            let kn = KB.min(limit - k0);
            // SAFETY: the score block holds rows × kn values with row stride KB; q's block
            // is rows × d dense; the key block (kn keys of head kvh) lies inside k.
            unsafe {
                gemm_one(
                    (rows, kn, d),
                    sbuf.as_mut_ptr(),
                    KB as isize,
                    false,
                    (qbuf.as_ptr(), (d as isize, 1)),
                    (
                        self.kview.at(b, kvh, k0, 0),
                        (self.kview.s[3], self.kview.s[2]),
                    ),
                    T::F::ZERO,
                    one,
                    Parallelism::None,
                )
            };
            for i in 0..rows {
                let srow = &mut sbuf[i * KB..i * KB + kn];
                mask_row::<T>(&self.a.mask, srow, b, h, t0 + i, k0, self.shift);
                let mx = srow.iter().fold(neg_inf, |acc, &s| Ordered::max(acc, s));
                let m_new = Ordered::max(m[i], mx);
                if m_new == neg_inf {
                    // Every score so far is -inf: nothing to add yet.
                    srow.iter_mut().for_each(|s| *s = T::F::ZERO);
                    continue;
                }
                let corr = FloatAcc::exp(m[i] - m_new);
                let mut sum = T::F::ZERO;
                exp_shift::<T::F>(srow, m_new, &mut sum);
                l[i] = l[i].mul(corr).add(sum);
                if corr != one {
                    obuf[i * dv..(i + 1) * dv]
                        .iter_mut()
                        .for_each(|o| *o = o.mul(corr));
                }
                m[i] = m_new;
            }
            // SAFETY: the output block is rows × dv dense; the probabilities rows × kn with
            // row stride KB; the value block (kn values of head kvh) lies inside v.
            unsafe {
                gemm_one(
                    (rows, dv, kn),
                    obuf.as_mut_ptr(),
                    dv as isize,
                    true,
                    (sbuf.as_ptr(), (KB as isize, 1)),
                    (
                        self.vview.at(b, kvh, k0, 0),
                        (self.vview.s[2], self.vview.s[3]),
                    ),
                    one,
                    one,
                    Parallelism::None,
                )
            };
            k0 += kn;
        }
        for i in 0..rows {
            // 0 / 0 (every score -inf) stays NaN, as in the composed op.
            let inv = <T::F as FloatAcc>::from_f64(1.0 / l[i].real());
            let row = ((b * nq + h) * tq + t0 + i) * dv;
            for j in 0..dv {
                // SAFETY: output row (b, h, t0 + i) belongs to this unit alone; `row + j`
                // lies in the [B, N_q, T_q, D_v] output.
                unsafe { *out.0.add(row + j) = T::narrow(obuf[i * dv + j].mul(inv)) };
            }
        }
    }
}

/// Applies `mask` to the scores of query `t` against keys `k0..k0 + s.len()` (`shift`:
/// `T_kv - T_q`).
pub(crate) fn mask_row<T: FloatElem>(
    mask: &MaskData<'_>,
    s: &mut [T::F],
    b: usize,
    h: usize,
    t: usize,
    k0: usize,
    shift: i64,
) {
    // The lowest finite value of the output dtype (as MLX masks), not -inf: a row with
    // every key masked then averages the values instead of dividing 0 by 0.
    let low = <T::F as FloatAcc>::from_f64(crate::ops::fast::fallback::lowest(T::DTYPE));
    match mask {
        MaskData::None => {}
        MaskData::Causal => {
            let last = t as i64 + shift;
            for (j, v) in s.iter_mut().enumerate() {
                if (k0 + j) as i64 > last {
                    *v = low;
                }
            }
        }
        MaskData::Bool(m, st) => {
            let base = m.ptr::<bool>();
            let off = b as i64 * st[0] + h as i64 * st[1] + t as i64 * st[2];
            for (j, v) in s.iter_mut().enumerate() {
                let o = off + (k0 + j) as i64 * st[3];
                // SAFETY: (b, h, t, k0 + j) is inside the broadcast mask shape, and
                // its broadcast strides address the mask's buffer.
                if !unsafe { *base.offset(o as isize) } {
                    *v = low;
                }
            }
        }
        MaskData::Additive(m, st) => {
            let base = m.ptr::<T>();
            let off = b as i64 * st[0] + h as i64 * st[1] + t as i64 * st[2];
            for (j, v) in s.iter_mut().enumerate() {
                let o = off + (k0 + j) as i64 * st[3];
                // SAFETY: as for the boolean mask.
                *v = v.add(unsafe { *base.offset(o as isize) }.widen());
            }
        }
    }
}
