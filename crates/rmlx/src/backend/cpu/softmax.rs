//! Softmax and log-sum-exp kernels (float inputs; f16/bf16 compute in f32).
//!
//! The common case, softmax over a contiguous last axis, is one pass per row over data in
//! cache: max, `exp(x - max)` with its sum, then a scale. Any other set of axes computes
//! the per-output max and sum with the reduction engine and then writes every element.

use super::accumulate::{Arith, FloatAcc, FloatElem, Ordered};
use super::elementwise::{strided_rows, SendPtr};
use super::reduce::{fold_run, no_aux, reduce, Plan};
use super::scratch::Scratch;
use super::simd::multiversion;
use super::threads::{par_chunks_mut, pool, PARALLEL_THRESHOLD};
use crate::array::ArrayData;
use crate::error::Result;

#[inline(always)]
fn widen_load<T: FloatElem>(x: T, _: ()) -> T::F {
    x.widen()
}

#[inline(always)]
fn max_of<F: Ordered>(a: F, b: F) -> F {
    F::max(a, b)
}

#[inline(always)]
fn add<F: FloatAcc>(a: F, b: F) -> F {
    a.add(b)
}

#[inline(always)]
fn exp_shifted<T: FloatElem>(x: T, m: T::F) -> T::F {
    FloatAcc::exp(x.widen() - m)
}

/// Per-output maxima and sums of `exp(x - max)`, in the accumulator type.
type MaxAndSum<F> = (Scratch<F>, Scratch<F>);

/// Per-output max and sum of `exp(x - max)` over the plan's reduced elements.
pub(crate) fn max_and_sum_exp<T: FloatElem>(x: &ArrayData, plan: &Plan) -> Result<MaxAndSum<T::F>> {
    let units = no_aux(plan.n_out);
    let mut m = Scratch::filled(plan.n_out, T::F::LOWEST)?;
    reduce(
        x,
        plan,
        &units,
        &mut m,
        T::F::LOWEST,
        widen_load::<T>,
        max_of::<T::F>,
    );
    let mut s = Scratch::filled(plan.n_out, T::F::ZERO)?;
    reduce(
        x,
        plan,
        &m,
        &mut s,
        T::F::ZERO,
        exp_shifted::<T>,
        add::<T::F>,
    );
    Ok((m, s))
}

/// `log(sum(exp(x)))` per output, computed stably as `m + log(sum(exp(x - m)))`; an
/// infinite max is returned as is (so all `-inf` gives `-inf`, as in MLX).
pub(crate) fn logsumexp<T: FloatElem>(x: &ArrayData, plan: &Plan, out: &mut [T]) -> Result<()> {
    let (m, s) = max_and_sum_exp::<T>(x, plan)?;
    for ((o, &m), &s) in out.iter_mut().zip(m.iter()).zip(s.iter()) {
        *o = T::narrow(if m.is_infinite() { m } else { m.add(s.ln()) });
    }
    Ok(())
}

multiversion! {
    /// `dst = exp(src - m)`; `*sum` gets their sum.
    fn exp_row<T, F>(src: &[T], dst: &mut [F], m: F, sum: &mut F)
    where T: FloatElem<F = F>, F: FloatAcc
    {
        const L: usize = 16;
        let mut acc = [F::ZERO; L];
        let mut d = dst.chunks_exact_mut(L);
        let mut s = src.chunks_exact(L);
        for (dc, sc) in (&mut d).zip(&mut s) {
            for i in 0..L {
                let e = exp_shifted::<T>(sc[i], m);
                dc[i] = e;
                acc[i] = acc[i].add(e);
            }
        }
        let mut tail = F::ZERO;
        for (o, &x) in d.into_remainder().iter_mut().zip(s.remainder()) {
            let e = exp_shifted::<T>(x, m);
            *o = e;
            tail = tail.add(e);
        }
        for a in acc {
            tail = tail.add(a);
        }
        *sum = tail;
    }
}

multiversion! {
    /// `dst = narrow(src * k)`.
    fn scale_row<T, F>(src: &[F], dst: &mut [T], k: F)
    where T: FloatElem<F = F>, F: FloatAcc
    {
        for (o, &v) in dst.iter_mut().zip(src) {
            *o = T::narrow(v.mul(k));
        }
    }
}

/// Softmax of one contiguous row into `dst`; `tmp` holds the row's exponentials.
fn softmax_row<T: FloatElem>(src: &[T], dst: &mut [T], tmp: &mut Vec<T::F>) {
    let mut m = T::F::LOWEST;
    fold_run(
        src,
        (),
        T::F::LOWEST,
        &widen_load::<T>,
        &max_of::<T::F>,
        &mut m,
    );
    tmp.resize(src.len(), T::F::ZERO);
    let mut s = T::F::ZERO;
    exp_row::<T, T::F>(src, tmp, m, &mut s);
    scale_row::<T, T::F>(tmp, dst, recip(s));
}

fn recip<F: FloatAcc>(s: F) -> F {
    F::from_f64(1.0 / s.real())
}

/// Softmax over the sorted `axes` of `x` (logical `shape`) into the row-major `out`.
pub(crate) fn softmax<T: FloatElem>(
    x: &ArrayData,
    shape: &[i32],
    axes: &[usize],
    out: &mut [T],
) -> Result<()> {
    let nd = shape.len();
    let last_only = axes.len() == 1 && axes[0] + 1 == nd;
    if last_only && x.flags.row_contiguous {
        let n = shape[nd - 1] as usize;
        if n == 0 || out.is_empty() {
            return Ok(());
        }
        let src = &x.dense::<T>()[..out.len()];
        let rows = |s: &[T], d: &mut [T]| {
            let mut tmp = Vec::with_capacity(n);
            for (sr, dr) in s.chunks(n).zip(d.chunks_mut(n)) {
                softmax_row(sr, dr, &mut tmp);
            }
        };
        if out.len() < PARALLEL_THRESHOLD || out.len() / n < 2 {
            rows(src, out);
        } else {
            let per = (out.len() / n)
                .div_ceil(pool().current_num_threads() * 4)
                .max(1)
                * n;
            par_chunks_mut(out, per, |i, d| rows(&src[i * per..i * per + d.len()], d));
        }
        return Ok(());
    }
    // General axes: per-output max and 1/sum, then one pass over every element with the
    // per-output values broadcast (stride 0 on the reduced axes).
    let plan = Plan::new(shape, &x.strides, axes);
    let (m, mut inv) = max_and_sum_exp::<T>(x, &plan)?;
    inv.iter_mut().for_each(|v| *v = recip(*v));
    let mut ostrides = vec![0i64; nd];
    let mut acc = 1i64;
    for d in (0..nd).rev() {
        if !axes.contains(&d) {
            ostrides[d] = acc;
            acc *= shape[d] as i64;
        }
    }
    let base = SendPtr(x.ptr::<T>());
    let (mp, ip) = (SendPtr(m.as_ptr()), SendPtr(inv.as_ptr()));
    strided_rows(
        shape,
        [&x.strides, &ostrides],
        out,
        |d, [xo, oo], [xs, os]| {
            for (i, o) in d.iter_mut().enumerate() {
                let i = i as i64;
                // SAFETY: `xo + i*xs` follows the input's shape and strides; `oo + i*os` indexes
                // the per-output vectors through the keepdims row-major strides.
                let (v, mm, k) = unsafe {
                    (
                        *base.get().offset((xo + i * xs) as isize),
                        *mp.get().offset((oo + i * os) as isize),
                        *ip.get().offset((oo + i * os) as isize),
                    )
                };
                *o = T::narrow(exp_shifted::<T>(v, mm).mul(k));
            }
        },
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[ignore]
    fn bench_rows() {
        let n = 1 << 20;
        let src: Vec<f32> = (0..n).map(|i| (i % 1000) as f32 * 0.01).collect();
        let mut dst = vec![0f32; n];
        let mut tmp = Vec::new();
        for _ in 0..3 {
            let t = std::time::Instant::now();
            let mut s = 0.0;
            exp_row::<f32, f32>(&src, &mut dst, 1.0, &mut s);
            let e = t.elapsed();
            let t = std::time::Instant::now();
            let mut m = 0.0;
            fold_run(
                &src,
                (),
                f32::LOWEST,
                &widen_load::<f32>,
                &max_of::<f32>,
                &mut m,
            );
            let f = t.elapsed();
            let t = std::time::Instant::now();
            softmax_row(&src, &mut dst, &mut tmp);
            eprintln!(
                "exp_row {e:?} max {f:?} softmax_row {:?} ({s} {m})",
                t.elapsed()
            );
        }
    }
}
