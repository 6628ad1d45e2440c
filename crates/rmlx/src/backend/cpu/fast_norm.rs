//! `RMSNorm` and `LayerNorm` kernels: rows of the last axis, each read once from memory
//! and normalized from cache, with float32 accumulation (float64 for float64), threads over
//! rows.

use super::accumulate::{Arith, FloatAcc, FloatElem};
use super::fast_rows::{vector, Rows};
use super::simd::multiversion;
use super::threads::{num_threads, par_chunks_mut, PARALLEL_THRESHOLD};
use crate::array::ArrayData;

/// Which normalization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Norm {
    /// `x / sqrt(mean(x²) + eps)`.
    Rms,
    /// `(x - mean) / sqrt(mean((x - mean)²) + eps)`.
    Layer,
}

multiversion! {
    /// `*out = Σ (x - shift)` and `*sq = Σ (x - shift)²` over a row.
    fn moments<T, F>(src: &[T], shift: F, out: &mut F, sq: &mut F)
    where T: FloatElem<F = F>, F: FloatAcc
    {
        const L: usize = 16;
        let mut s = [F::ZERO; L];
        let mut q = [F::ZERO; L];
        let mut c = src.chunks_exact(L);
        for ch in &mut c {
            for i in 0..L {
                let d = ch[i].widen() - shift;
                s[i] = s[i].add(d);
                q[i] = q[i].add(d.mul(d));
            }
        }
        let (mut ts, mut tq) = (F::ZERO, F::ZERO);
        for &x in c.remainder() {
            let d = x.widen() - shift;
            ts = ts.add(d);
            tq = tq.add(d.mul(d));
        }
        for i in 0..L {
            ts = ts.add(s[i]);
            tq = tq.add(q[i]);
        }
        *out = ts;
        *sq = tq;
    }
}

multiversion! {
    /// `dst = narrow((x - shift) · inv · w + b)`.
    fn scale_row<T, F>(src: &[T], dst: &mut [T], shift: F, inv: F, w: &[F], b: &[F])
    where T: FloatElem<F = F>, F: FloatAcc
    {
        for (((o, &x), &w), &b) in dst.iter_mut().zip(src).zip(w).zip(b) {
            *o = T::narrow((x.widen() - shift).mul(inv).mul(w).add(b));
        }
    }
}

/// Normalizes one row.
fn norm_row<T: FloatElem>(kind: Norm, src: &[T], dst: &mut [T], eps: f64, w: &[T::F], b: &[T::F]) {
    let n = src.len() as f64;
    let zero = T::F::ZERO;
    let (mut s, mut q) = (zero, zero);
    let shift = match kind {
        Norm::Rms => zero,
        Norm::Layer => {
            moments::<T, T::F>(src, zero, &mut s, &mut q);
            T::F::from_f64(s.real() / n)
        }
    };
    // Second moment about the mean (layer norm) or about 0 (RMS), as the composed op
    // computes it: two passes over the cached row, never E[x²] - E[x]².
    moments::<T, T::F>(src, shift, &mut s, &mut q);
    let ms = T::F::from_f64(q.real() / n).real();
    let inv = T::F::from_f64(1.0 / (ms + eps).sqrt());
    scale_row::<T, T::F>(src, dst, shift, inv, w, b);
}

/// Normalizes every row of `x` (logical `shape`) into the row-major `out`; `w` and `b` are
/// the optional 1-D weight and bias (already of `x`'s dtype).
pub(crate) fn normalize<T: FloatElem>(
    kind: Norm,
    x: &ArrayData,
    shape: &[i32],
    w: Option<&ArrayData>,
    b: Option<&ArrayData>,
    eps: f32,
    out: &mut [T],
) {
    let rows = Rows::new(x, shape);
    let n = rows.len;
    if n == 0 || out.is_empty() {
        return;
    }
    let one = T::F::from_f64(1.0);
    let w = w.map_or_else(|| vec![one; n], |w| vector(w, n, |v: T| v.widen()));
    let b = b.map_or_else(|| vec![T::F::ZERO; n], |b| vector(b, n, |v: T| v.widen()));
    let n_rows = out.len() / n;
    let eps = eps as f64;
    let run = |r0: usize, d: &mut [T]| {
        let mut tmp = Vec::new();
        for (i, dr) in d.chunks_mut(n).enumerate() {
            let src = rows.row(x, r0 + i, &mut tmp);
            norm_row(kind, src, dr, eps, &w, &b);
        }
    };
    if out.len() < PARALLEL_THRESHOLD || n_rows < 2 {
        run(0, out);
    } else {
        let per = n_rows.div_ceil(num_threads() * 4).max(1);
        par_chunks_mut(out, per * n, |i, d| run(i * per, d));
    }
}
