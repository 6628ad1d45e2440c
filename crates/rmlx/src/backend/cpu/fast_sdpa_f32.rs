//! The float32 prefill path of `ScaledDotProductAttention` on AVX-512 machines: the two
//! block products run on the float32 GEMM's register kernel (`sgemm_kernel`) over operands
//! packed once, instead of a general GEMM call (which packs its right-hand side again) per
//! block.
//!
//! Before the units run, the keys of every (batch, key/value head) are packed transposed
//! into `NR`-key panels (`D × NR` each) and the values into `NR`-column panels
//! (`T_kv × NR` each): both are then the kernel's packed right-hand sides, shared by every
//! query block (and every query head of a group) that reads them. A unit — one block of
//! `QB` queries of one head — keeps its scaled queries row-major (the kernel reads `MR` rows
//! in place), and per block of `KB` keys computes the scores `S = Q·Kᵀ` panel by panel,
//! the mask and online softmax row by row (vectorised; running max and sum, the output
//! rescaled when the max grows), and `O += P·V`. Under the causal mask the key blocks past
//! the block's last query are never visited.

use super::fast_sdpa::{mask_row, Attention, MaskData};
use super::scratch::Scratch;
use super::sgemm;
use super::sgemm_kernel::{kernel_rows, Update, MR, NR};
use super::threads::{num_threads, run_parallel};
use crate::error::Result;
use crate::memory::cpu_allocator;
#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Queries per unit: whole `MR`-row kernel blocks.
const QB: usize = 4 * MR;
/// Keys per streamed block: whole `NR`-key panels (256 keys halve the per-row cost of the
/// softmax bookkeeping against 128, with the `QB × KB` score block at 56 KiB still in L2).
const KB: usize = 8 * NR;

/// Whether the packed path takes attention of `tq` queries (packing the keys and values
/// costs about one pass over them: worth it once enough queries read each).
pub(crate) fn suits(tq: usize) -> bool {
    sgemm::available() && tq >= 2 * MR
}

/// A read-only float32 operand: first element and element strides `[B, H, T, D]`.
#[derive(Clone, Copy)]
struct View {
    ptr: *const f32,
    s: [isize; 4],
}
// SAFETY: views only read input buffers that outlive the kernel call.
unsafe impl Send for View {}
// SAFETY: as above.
unsafe impl Sync for View {}

impl View {
    fn of(d: &crate::array::ArrayData) -> View {
        let s = &d.strides;
        View {
            ptr: d.ptr::<f32>(),
            s: [s[0] as isize, s[1] as isize, s[2] as isize, s[3] as isize],
        }
    }

    /// The first element of row `(b, h, t)`.
    ///
    /// # Safety
    /// The index must lie inside the operand's shape.
    unsafe fn at(&self, b: usize, h: usize, t: usize) -> *const f32 {
        let off = b as isize * self.s[0] + h as isize * self.s[1] + t as isize * self.s[2];
        // SAFETY: the caller's contract: the offset addresses an element of the operand.
        unsafe { self.ptr.offset(off) }
    }

    /// Element `(b, h, t, j)`.
    ///
    /// # Safety
    /// The index must lie inside the operand's shape.
    unsafe fn get(&self, b: usize, h: usize, t: usize, j: usize) -> f32 {
        let off = b as isize * self.s[0]
            + h as isize * self.s[1]
            + t as isize * self.s[2]
            + j as isize * self.s[3];
        // SAFETY: the caller's contract: the offset addresses an element of the operand.
        unsafe { *self.ptr.offset(off) }
    }
}

/// A pointer into a buffer that kernel threads write in disjoint parts.
#[derive(Clone, Copy)]
struct Shared(*mut f32);
// SAFETY: every user writes only its own disjoint range (documented where used).
unsafe impl Send for Shared {}
// SAFETY: as above.
unsafe impl Sync for Shared {}
impl Shared {
    // A method (not `.0`) so closures capture the whole `Send` wrapper.
    fn get(self) -> *mut f32 {
        self.0
    }
}

/// Writes attention of every query into the row-major `[B, N_q, T_q, D_v]` float32 output.
/// The caller checked `suits`, that `T_kv > 0`, and that `q`, `k`, `v` are float32.
pub(crate) fn attention(a: &Attention<'_>, out: &mut [f32]) -> Result<()> {
    let [bn, nq, tq, d] = a.q_shape;
    let [_, nkv, tk, _] = a.k_shape;
    let dv = a.v_shape[3];
    let rep = nq / nkv;
    let (kv, vv, qv) = (View::of(a.k), View::of(a.v), View::of(a.q));
    let tkp = tk.div_ceil(NR) * NR;
    let dvp = dv.div_ceil(NR) * NR;
    let heads = bn * nkv;
    // Packed keys: per head, `tkp / NR` panels of `d × NR` (key `j` of a panel at column j).
    // (Every slot is written by the packing below, padding included.)
    let kp = cpu_allocator().malloc(heads * tkp * d * 4)?;
    // Packed values: per head, `dvp / NR` panels of `tk × NR`.
    let vp = cpu_allocator().malloc(heads * dvp * tk * 4)?;
    let (kpp, vpp) = (
        Shared(kp.as_ptr() as *mut f32),
        Shared(vp.as_ptr() as *mut f32),
    );
    let (kpanels, vpanels) = (tkp / NR, dvp / NR);
    run_parallel(heads * (kpanels + vpanels), &|i| {
        let (hd, p) = (i / (kpanels + vpanels), i % (kpanels + vpanels));
        let (b, h) = (hd / nkv, hd % nkv);
        if p < kpanels {
            // SAFETY: panel p of head hd: its own `d × NR` range of the key buffer.
            let dst = unsafe { kpp.get().add((hd * kpanels + p) * d * NR) };
            let keys = NR.min(tk - p * NR);
            for j in 0..NR {
                if j >= keys {
                    // Padding keys: zero scores, masked by the block length anyway.
                    for c in 0..d {
                        // SAFETY: slot c·NR + j of the panel.
                        unsafe { *dst.add(c * NR + j) = 0.0 };
                    }
                    continue;
                }
                // SAFETY: key p·NR + j of head (b, h) lies inside k.
                let row = unsafe { kv.at(b, h, p * NR + j) };
                for c in 0..d {
                    // SAFETY: element c of that key; slot c·NR + j of the panel.
                    unsafe { *dst.add(c * NR + j) = *row.offset(c as isize * kv.s[3]) };
                }
            }
        } else {
            let q = p - kpanels;
            // SAFETY: panel q of head hd: its own `tk × NR` range of the value buffer.
            let dst = unsafe { vpp.get().add((hd * vpanels + q) * tk * NR) };
            let cols = NR.min(dv - q * NR);
            for t in 0..tk {
                // SAFETY: value t of head (b, h) lies inside v.
                let row = unsafe { vv.at(b, h, t).offset((q * NR) as isize * vv.s[3]) };
                if cols == NR && vv.s[3] == 1 {
                    // SAFETY: NR contiguous columns of that value; NR slots of the panel.
                    unsafe { std::ptr::copy_nonoverlapping(row, dst.add(t * NR), NR) };
                    continue;
                }
                for j in 0..NR {
                    let x = if j < cols {
                        // SAFETY: column q·NR + j < dv of that value.
                        unsafe { *row.offset(j as isize * vv.s[3]) }
                    } else {
                        0.0
                    };
                    // SAFETY: slot t·NR + j of the panel.
                    unsafe { *dst.add(t * NR + j) = x };
                }
            }
        }
    });
    let sinks: Option<Vec<f32>> = a.sinks.map(|s| super::fast_rows::vector(s, nq, |v: f32| v));
    let nqb = tq.div_ceil(QB);
    let units = bn * nq * nqb;
    let tasks = units.min(num_threads()).max(1);
    let per_task = QB * d + QB * KB + QB * dvp + 2 * QB;
    let mut scratch = Scratch::filled(tasks * per_task, 0.0f32)?;
    let sp = Shared(scratch.as_mut_ptr());
    let op = Shared(out.as_mut_ptr());
    let low = crate::ops::fast::fallback::lowest(crate::dtype::Dtype::Float32) as f32;
    let ctx = Unit {
        a,
        qv,
        kp: kp.as_ptr() as *const f32,
        vp: vp.as_ptr() as *const f32,
        sinks: sinks.as_deref(),
        dims: (nq, tq, d, tk, dv, rep),
        scale: a.scale,
        shift: tk as i64 - tq as i64,
        low,
    };
    let next = AtomicUsize::new(0);
    run_parallel(tasks, &|task| {
        // SAFETY: task `task` owns slots [task · per_task, (task + 1) · per_task) of the
        // scratch buffer, which outlives the parallel call.
        let local =
            unsafe { std::slice::from_raw_parts_mut(sp.get().add(task * per_task), per_task) };
        loop {
            let u = next.fetch_add(1, Ordering::Relaxed);
            if u >= units {
                break;
            }
            ctx.run(u % nqb, u / nqb, local, op);
        }
    });
    drop((scratch, kp, vp));
    Ok(())
}

/// What every unit shares.
struct Unit<'a> {
    a: &'a Attention<'a>,
    qv: View,
    kp: *const f32,
    vp: *const f32,
    sinks: Option<&'a [f32]>,
    /// (N_q, T_q, D, T_kv, D_v, query heads per key/value head).
    dims: (usize, usize, usize, usize, usize, usize),
    scale: f32,
    /// `T_kv - T_q`: query `t` sees keys `j <= t + shift` under the causal mask.
    shift: i64,
    /// The masked score: the lowest finite float32 (as the generic kernel).
    low: f32,
}

// SAFETY: the unit only reads the inputs and the packed buffers, which outlive the call.
unsafe impl Sync for Unit<'_> {}

impl Unit<'_> {
    /// Attention of query block `qb` of head `bh` (= b · N_q + h) into `out`.
    fn run(&self, qb: usize, bh: usize, local: &mut [f32], out: Shared) {
        let (nq, tq, d, tk, dv, rep) = self.dims;
        let dvp = dv.div_ceil(NR) * NR;
        let (b, h) = (bh / nq, bh % nq);
        let hd = b * (nq / rep) + h / rep;
        let t0 = qb * QB;
        let rows = QB.min(tq - t0);
        // Whole kernel blocks: the padding rows are zero queries whose results are dropped.
        let rows_p = rows.div_ceil(MR) * MR;
        let (qbuf, rest) = local.split_at_mut(QB * d);
        let (sbuf, rest) = rest.split_at_mut(QB * KB);
        let (obuf, rest) = rest.split_at_mut(QB * dvp);
        let (m, l) = rest.split_at_mut(QB);
        for i in 0..rows_p {
            for j in 0..d {
                qbuf[i * d + j] = if i < rows {
                    // SAFETY: (b, h, t0 + i, j) lies inside q.
                    (unsafe { self.qv.get(b, h, t0 + i, j) }) * self.scale
                } else {
                    0.0
                };
            }
        }
        for i in 0..rows {
            (m[i], l[i]) = match self.sinks {
                Some(s) => (s[h], 1.0),
                None => (f32::NEG_INFINITY, 0.0),
            };
        }
        obuf[..rows_p * dvp].fill(0.0);
        // Keys past the last row's causal limit add exact zeros and are skipped, unless some
        // row sees no key at all (it then averages every value, like the composed op).
        let causal = matches!(self.a.mask, MaskData::Causal);
        let limit = if causal && t0 as i64 + self.shift >= 0 {
            ((t0 + rows) as i64 + self.shift).clamp(0, tk as i64) as usize
        } else {
            tk
        };
        let kpanels = tk.div_ceil(NR);
        // SAFETY: head hd's packed keys and values lie inside the packed buffers.
        let (kh, vh) = unsafe {
            (
                self.kp.add(hd * kpanels * NR * d),
                self.vp.add(hd * (dvp / NR) * tk * NR),
            )
        };
        let scores = Update {
            alpha: 1.0,
            beta: 0.0,
            load: false,
        };
        let accumulate = Update {
            alpha: 1.0,
            beta: 1.0,
            load: true,
        };
        let mut k0 = 0;
        while k0 < limit {
            let kn = KB.min(limit - k0);
            for j in 0..kn.div_ceil(NR) {
                // SAFETY: key panel (k0 / NR + j) of this head: `d × NR` packed floats.
                let panel = unsafe { kh.add((k0 / NR + j) * NR * d) };
                for i in (0..rows_p).step_by(MR) {
                    // SAFETY: `available()` holds (`suits`); MR rows of `d` queries at qbuf
                    // row i; the MR × min(NR, kn - j·NR) score block at row i, column j·NR
                    // lies inside the QB × KB score buffer.
                    unsafe {
                        kernel_rows(
                            d,
                            qbuf.as_ptr().add(i * d),
                            d as isize,
                            panel,
                            sbuf.as_mut_ptr().add(i * KB + j * NR),
                            KB as isize,
                            NR.min(kn - j * NR),
                            scores,
                        )
                    }
                }
            }
            for i in 0..rows {
                let srow = &mut sbuf[i * KB..i * KB + kn];
                let t = t0 + i;
                match self.a.mask {
                    MaskData::None => {}
                    MaskData::Causal => {
                        // Keys past t + shift are masked: from index `first` of this block.
                        let first = (t as i64 + self.shift + 1 - k0 as i64).clamp(0, kn as i64);
                        srow[first as usize..].fill(self.low);
                    }
                    _ => mask_row::<f32>(&self.a.mask, srow, b, h, t, k0, self.shift),
                }
                let orow = &mut obuf[i * dvp..(i + 1) * dvp];
                // SAFETY: `suits` checked AVX-512F.
                unsafe { softmax_step(srow, orow, &mut m[i], &mut l[i]) };
            }
            for q in 0..dvp / NR {
                // SAFETY: value panel q of this head, from key k0: kn rows of NR floats.
                let panel = unsafe { vh.add((q * tk + k0) * NR) };
                for i in (0..rows_p).step_by(MR) {
                    // SAFETY: MR probability rows of kn values at sbuf row i (row stride KB);
                    // the MR × min(NR, dv - q·NR) output block at row i, column q·NR lies
                    // inside the QB × dvp accumulator, initialised above.
                    unsafe {
                        kernel_rows(
                            kn,
                            sbuf.as_ptr().add(i * KB),
                            KB as isize,
                            panel,
                            obuf.as_mut_ptr().add(i * dvp + q * NR),
                            dvp as isize,
                            NR.min(dv - q * NR),
                            accumulate,
                        )
                    }
                }
            }
            k0 += kn;
        }
        for i in 0..rows {
            // 0 / 0 (every score -inf) stays NaN, as in the composed op.
            let inv = 1.0 / l[i];
            let row = ((b * nq + h) * tq + t0 + i) * dv;
            for j in 0..dv {
                // SAFETY: output row (b, h, t0 + i) belongs to this unit alone; `row + j`
                // lies in the [B, N_q, T_q, D_v] output.
                unsafe { *out.get().add(row + j) = obuf[i * dvp + j] * inv };
            }
        }
    }
}

/// `e^x` in every lane: `x = n ln 2 + r` with `|r| <= ln 2 / 2`, a degree-7 Taylor
/// polynomial for `e^r` (error below 1e-8 relative), scaled by `2^n`. Arguments are clamped
/// to [-104, 88.7] (as `vmath::exp_f32`): far below, the result flushes to 0; NaN stays NaN.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
fn exp16(x: __m512) -> __m512 {
    // NaN in the second operand passes through max/min.
    let x = _mm512_min_ps(
        _mm512_set1_ps(88.7),
        _mm512_max_ps(_mm512_set1_ps(-104.0), x),
    );
    let n = _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
        _mm512_mul_ps(x, _mm512_set1_ps(std::f32::consts::LOG2_E)),
    );
    let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693_145_75), x);
    let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428_606_8e-6), r);
    let mut p = _mm512_set1_ps(1.0 / 5040.0);
    for c in [
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(c));
    }
    _mm512_scalef_ps(p, n)
}

/// Lanes `0..min(left, 16)`.
#[cfg(target_arch = "x86_64")]
fn lanes(left: usize) -> __mmask16 {
    if left >= 16 {
        0xffff
    } else {
        ((1u32 << left) - 1) as u16
    }
}

/// One key block of the online softmax of one query row: with the row's running max `m`
/// and sum `l`, turns the scores `s` into `exp(s - m_new)`, adds them to `l`, and rescales
/// the output row `o` by `exp(m - m_new)` when the max grew. A NaN score wins the max (as
/// in the generic kernel).
///
/// # Safety
/// The CPU must support AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn softmax_step(s: &mut [f32], o: &mut [f32], m: &mut f32, l: &mut f32) {
    let n = s.len();
    let p = s.as_mut_ptr();
    let neg_inf = _mm512_set1_ps(f32::NEG_INFINITY);
    let mut vmax = neg_inf;
    let mut nan: __mmask16 = 0;
    for i in (0..n).step_by(16) {
        let k = lanes(n - i);
        // SAFETY: the lanes of `k` are elements i.. < n of `s`.
        let x = unsafe { _mm512_mask_loadu_ps(neg_inf, k, p.add(i)) };
        nan |= _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(x, x);
        vmax = _mm512_max_ps(vmax, x);
    }
    let mx = if nan != 0 {
        f32::NAN
    } else {
        _mm512_reduce_max_ps(vmax)
    };
    let m_new = nan_max(*m, mx);
    if m_new == f32::NEG_INFINITY {
        // Every score so far is -inf: nothing to add yet.
        s.fill(0.0);
        return;
    }
    let corr = super::vmath::exp_f32(*m - m_new);
    let mv = _mm512_set1_ps(m_new);
    let mut acc = _mm512_setzero_ps();
    for i in (0..n).step_by(16) {
        let k = lanes(n - i);
        // SAFETY: the lanes of `k` are elements i.. < n of `s`.
        unsafe {
            let e = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, p.add(i)), mv));
            _mm512_mask_storeu_ps(p.add(i), k, e);
            acc = _mm512_mask_add_ps(acc, k, acc, e);
        }
    }
    *l = *l * corr + _mm512_reduce_add_ps(acc);
    if corr != 1.0 {
        let (q, cv) = (o.as_mut_ptr(), _mm512_set1_ps(corr));
        for i in (0..o.len()).step_by(16) {
            let k = lanes(o.len() - i);
            // SAFETY: the lanes of `k` are elements i.. of `o`.
            unsafe {
                let x = _mm512_maskz_loadu_ps(k, q.add(i));
                _mm512_mask_storeu_ps(q.add(i), k, _mm512_mul_ps(x, cv));
            }
        }
    }
    *m = m_new;
}

/// The larger of `a` and `b`, or `b` when it is a NaN (so a NaN, once in, stays).
#[inline(always)]
fn nan_max(a: f32, b: f32) -> f32 {
    if b > a || b.is_nan() {
        b
    } else {
        a
    }
}
