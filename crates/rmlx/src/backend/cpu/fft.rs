//! FFT kernels: 1-D discrete Fourier transforms along one axis of a row-major buffer,
//! batched over every other axis and spread over the kernel thread pool.
//!
//! The 1-D transforms come from `rustfft` (mixed radix, Rader and Bluestein, so every length
//! is O(n log n); AVX/SSE4.1 code is chosen at run time). Its planner caches a plan per
//! length and direction; the planner lives for the process.
//!
//! Real transforms use the packing trick for even lengths: the `n` real samples become `n/2`
//! complex ones (`x[2j] + i·x[2j+1]`), one complex FFT of half the length runs, and a
//! post-twiddle pass separates the spectra of the even and odd samples (`c2r` runs the same
//! steps backwards). Odd lengths go through a full-length complex transform.
//!
//! A line of length `len` along `axis` of a row-major `shape` is addressed by its index
//! `l` in `0..outer·inner` (`outer`, `inner`: the products of the dimensions before and
//! after `axis`): it starts at `(l / inner)·len·inner + l % inner` and steps by `inner`.
//! Consecutive lines are adjacent in memory when `inner > 1`, so a block of them is gathered
//! together into contiguous scratch, transformed and written back; with `inner == 1` lines
//! are contiguous rows and are transformed where they lie.

use super::scratch::Scratch;
use super::threads::{num_threads, run_parallel, PARALLEL_THRESHOLD};
use crate::error::Result;
use num_complex::Complex32 as C32;
use rustfft::{Fft, FftPlanner};
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

/// Lines gathered together when they are strided (`inner > 1`): 16 complex values are 128
/// bytes, two cache lines, per row of the gather.
const BLOCK: usize = 16;

const ZERO: C32 = C32 { re: 0.0, im: 0.0 };

/// The cached rustfft plan for `len` points in one direction (`inverse`: `e^{+2πi·jk/n}`,
/// unnormalised).
fn plan(len: usize, inverse: bool) -> Arc<dyn Fft<f32>> {
    static PLANNER: OnceLock<Mutex<FftPlanner<f32>>> = OnceLock::new();
    let planner = PLANNER.get_or_init(|| Mutex::new(FftPlanner::new()));
    // A panic while planning leaves the planner's cache consistent (plans are inserted
    // whole), so a poisoned lock is still usable.
    let mut p = planner.lock().unwrap_or_else(|e| e.into_inner());
    if inverse {
        p.plan_fft_inverse(len)
    } else {
        p.plan_fft_forward(len)
    }
}

/// Geometry of the lines along one axis.
#[derive(Clone, Copy, Debug)]
struct Lines {
    count: usize,
    inner: usize,
}

impl Lines {
    fn new(shape: &[usize], axis: usize) -> Lines {
        let outer: usize = shape[..axis].iter().product();
        let inner: usize = shape[axis + 1..].iter().product();
        Lines {
            count: outer * inner,
            inner,
        }
    }
    /// First element of line `l` when the axis has `len` elements.
    fn base(&self, l: usize, len: usize) -> usize {
        (l / self.inner) * len * self.inner + l % self.inner
    }
}

/// A raw pointer handed to pool threads that write disjoint elements through it.
#[derive(Clone, Copy)]
struct SharedMut<T>(*mut T);
// SAFETY: every user below gives each thread a disjoint set of lines (and so of elements);
// the pointed-to buffer outlives the parallel call that uses it.
unsafe impl<T: Send> Send for SharedMut<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for SharedMut<T> {}

/// How `items` work items are split over the pool: `(tasks, items per task)`. One task when
/// `work` (about the number of values touched) is too small to be worth the fork.
fn split(items: usize, work: usize) -> (usize, usize) {
    let tasks = if work < PARALLEL_THRESHOLD {
        1
    } else {
        num_threads().min(items).max(1)
    };
    let per = items.div_ceil(tasks).max(1);
    (items.div_ceil(per).max(1), per)
}

/// Runs `f(task, range)` for the `tasks` contiguous ranges of `per` items (of `items`).
fn run_split(items: usize, (tasks, per): (usize, usize), f: &(dyn Fn(usize, Range<usize>) + Sync)) {
    run_parallel(tasks, &|t| {
        let start = t * per;
        f(t, start..(start + per).min(items))
    });
}

fn scale_all(v: &mut [C32], scale: f32) {
    if scale != 1.0 {
        v.iter_mut().for_each(|x| *x *= scale);
    }
}

/// In-place complex transform of every line along `axis` of the row-major `data` of
/// `shape`, each result multiplied by `scale`.
pub(crate) fn c2c_axis(
    data: &mut [C32],
    shape: &[usize],
    axis: usize,
    inverse: bool,
    scale: f32,
) -> Result<()> {
    let len = shape[axis];
    let lines = Lines::new(shape, axis);
    if len == 0 || lines.count == 0 {
        return Ok(());
    }
    let fft = plan(len, inverse);
    let fft_scratch = fft.get_inplace_scratch_len();
    let work = data.len() * (usize::BITS - len.leading_zeros()) as usize;
    if lines.inner == 1 {
        // Rows are contiguous: transform them where they lie, a run of rows per task.
        let plan_split = split(lines.count, work);
        let tasks = plan_split.0;
        let mut scratch = Scratch::filled(tasks * fft_scratch.max(1), ZERO)?;
        let sp = SharedMut(scratch.as_mut_ptr());
        let dp = SharedMut(data.as_mut_ptr());
        run_split(lines.count, plan_split, &|t, rows| {
            let (sp, dp) = (&sp, &dp);
            // SAFETY: task `t` owns scratch slots `[t·s, (t+1)·s)` and rows `rows`; both
            // ranges are disjoint between tasks and inside their buffers.
            let (s, d) = unsafe {
                (
                    std::slice::from_raw_parts_mut(sp.0.add(t * fft_scratch), fft_scratch),
                    std::slice::from_raw_parts_mut(
                        dp.0.add(rows.start * len),
                        (rows.end - rows.start) * len,
                    ),
                )
            };
            fft.process_with_scratch(d, s);
            scale_all(d, scale);
        });
        return Ok(());
    }
    // Strided lines: gather blocks of adjacent lines, transform, scatter back.
    let blocks = lines.count.div_ceil(BLOCK);
    let plan_split = split(blocks, work);
    let tasks = plan_split.0;
    let per_task = BLOCK * len + fft_scratch;
    let mut scratch = Scratch::filled(tasks * per_task, ZERO)?;
    let sp = SharedMut(scratch.as_mut_ptr());
    let dp = SharedMut(data.as_mut_ptr());
    let total = data.len();
    run_split(blocks, plan_split, &|t, range| {
        let (sp, dp) = (&sp, &dp);
        // SAFETY: task `t` owns its `per_task` scratch slots.
        let s = unsafe { std::slice::from_raw_parts_mut(sp.0.add(t * per_task), per_task) };
        let (buf, fs) = s.split_at_mut(BLOCK * len);
        let mut bases = [0usize; BLOCK];
        for b in range {
            let first = b * BLOCK;
            let nb = BLOCK.min(lines.count - first);
            for (j, base) in bases.iter_mut().take(nb).enumerate() {
                *base = lines.base(first + j, len);
            }
            for k in 0..len {
                let row = k * lines.inner;
                for (j, &base) in bases[..nb].iter().enumerate() {
                    let at = base + row;
                    debug_assert!(at < total);
                    // SAFETY: `at` is element `k` of line `first + j` (inside `data`); this
                    // task is the only one touching the lines of block `b`.
                    buf[j * len + k] = unsafe { *dp.0.add(at) };
                }
            }
            let lines_buf = &mut buf[..nb * len];
            fft.process_with_scratch(lines_buf, fs);
            for k in 0..len {
                let row = k * lines.inner;
                for (j, &base) in bases[..nb].iter().enumerate() {
                    // SAFETY: as for the gather above.
                    unsafe { *dp.0.add(base + row) = buf[j * len + k] * scale };
                }
            }
        }
    });
    Ok(())
}

/// `e^{-2πi·k/n}` for `k` in `0..=n/2`, computed in float64.
fn twiddles(n: usize) -> Result<Scratch<C32>> {
    let mut tw = Scratch::filled(n / 2 + 1, ZERO)?;
    for (k, w) in tw.iter_mut().enumerate() {
        let a = -2.0 * std::f64::consts::PI * k as f64 / n as f64;
        *w = C32::new(a.cos() as f32, a.sin() as f32);
    }
    Ok(tw)
}

/// The plan a real transform of length `n` runs: half length for even `n`, else full.
fn real_plan(n: usize, inverse: bool) -> Arc<dyn Fft<f32>> {
    if n.is_multiple_of(2) {
        plan(n / 2, inverse)
    } else {
        plan(n, inverse)
    }
}

/// The first `n/2 + 1` values of the spectrum of the real line `x` (`n` values), times
/// `scale`. `work` holds at least `n` values; `fs` is the plan's in-place scratch.
#[allow(clippy::too_many_arguments)]
fn r2c_line(
    fft: &dyn Fft<f32>,
    tw: &[C32],
    x: &[f32],
    out: &mut [C32],
    work: &mut [C32],
    fs: &mut [C32],
    scale: f32,
) {
    let n = x.len();
    if n % 2 == 1 {
        let w = &mut work[..n];
        for (w, &v) in w.iter_mut().zip(x) {
            *w = C32::new(v, 0.0);
        }
        fft.process_with_scratch(w, fs);
        for (o, w) in out.iter_mut().zip(w.iter()) {
            *o = w * scale;
        }
        return;
    }
    let m = n / 2;
    let z = &mut work[..m];
    for (j, w) in z.iter_mut().enumerate() {
        *w = C32::new(x[2 * j], x[2 * j + 1]);
    }
    fft.process_with_scratch(z, fs);
    // Z = E + iO (E, O: spectra of the even and odd samples); X_k = E_k + W^k·O_k with
    // E_k = (Z_k + conj Z_{m-k}) / 2 and O_k = (Z_k - conj Z_{m-k}) / 2i. At k = 0 and
    // k = m (Z_m = Z_0) both are real: X_0 = Re Z_0 + Im Z_0, X_m = Re Z_0 - Im Z_0.
    let z0 = z[0];
    out[0] = C32::new((z0.re + z0.im) * scale, 0.0);
    out[m] = C32::new((z0.re - z0.im) * scale, 0.0);
    let half = 0.5 * scale;
    for k in 1..m {
        let zk = z[k];
        let zc = z[m - k].conj();
        let e = zk + zc;
        let d = zk - zc;
        // 2·O_k = d / i = -i·d.
        let o = C32::new(d.im, -d.re);
        out[k] = (e + tw[k] * o) * half;
    }
}

/// The real line `out` (`n` values) whose half spectrum is `x` (`n/2 + 1` values; the
/// imaginary parts of the zero and Nyquist frequencies are ignored), unnormalised, times
/// `scale`. `work` holds at least `n` values; `fs` is the plan's in-place scratch.
#[allow(clippy::too_many_arguments)]
fn c2r_line(
    fft: &dyn Fft<f32>,
    tw: &[C32],
    x: &[C32],
    out: &mut [f32],
    work: &mut [C32],
    fs: &mut [C32],
    scale: f32,
) {
    let n = out.len();
    if n % 2 == 1 {
        let w = &mut work[..n];
        w[0] = C32::new(x[0].re, 0.0);
        for k in 1..=n / 2 {
            w[k] = x[k];
            w[n - k] = x[k].conj();
        }
        fft.process_with_scratch(w, fs);
        for (o, w) in out.iter_mut().zip(w.iter()) {
            *o = w.re * scale;
        }
        return;
    }
    let m = n / 2;
    let z = &mut work[..m];
    for (k, w) in z.iter_mut().enumerate() {
        let (a, b) = if k == 0 {
            (C32::new(x[0].re, 0.0), C32::new(x[m].re, 0.0))
        } else {
            (x[k], x[m - k].conj())
        };
        // Z_k = 2E_k + 2i·O_k with 2E_k = a + b and 2O_k = W^{-k}·(a - b).
        let d = tw[k].conj() * (a - b);
        *w = (a + b) + C32::new(-d.im, d.re);
    }
    fft.process_with_scratch(z, fs);
    for (j, w) in z.iter().enumerate() {
        out[2 * j] = w.re * scale;
        out[2 * j + 1] = w.im * scale;
    }
}

/// One real line transform: `(plan, twiddles, input line, output line, work line, plan
/// scratch)`.
type RealLine<'a, I, O> =
    dyn Fn(&dyn Fft<f32>, &[C32], &[I], &mut [O], &mut [C32], &mut [C32]) + Sync + 'a;

/// Runs `line` on every line along one axis of a real↔complex transform of real length `n`:
/// input lines hold `n_in` values of `src`, output lines `n_out` values of `dst` (both
/// row-major with `lines`' geometry). Contiguous rows (`inner == 1`) are transformed where
/// they lie; strided lines are gathered into per-task scratch and scattered back.
#[allow(clippy::too_many_arguments)]
fn real_axis<I: Copy + Default + Send + Sync, O: Copy + Default + Send>(
    src: &[I],
    dst: &mut [O],
    lines: Lines,
    n: usize,
    (n_in, n_out): (usize, usize),
    inverse: bool,
    line: &RealLine<'_, I, O>,
) -> Result<()> {
    if n == 0 || lines.count == 0 {
        return Ok(());
    }
    let fft = real_plan(n, inverse);
    let tw = twiddles(n)?;
    let fsl = fft.get_inplace_scratch_len();
    let work = lines.count * n * (usize::BITS - n.leading_zeros()) as usize;
    // Per task: the complex work line and the plan scratch, plus a gathered input line and
    // an output line (both unused for contiguous rows).
    let per_task = n + fsl;
    let plan_split = split(lines.count, work);
    let tasks = plan_split.0;
    let mut scratch = Scratch::filled(tasks * per_task, ZERO)?;
    let mut in_scratch = Scratch::filled(tasks * n_in, I::default())?;
    let mut out_scratch = Scratch::filled(tasks * n_out, O::default())?;
    let sp = SharedMut(scratch.as_mut_ptr());
    let ip = SharedMut(in_scratch.as_mut_ptr());
    let op = SharedMut(out_scratch.as_mut_ptr());
    let dp = SharedMut(dst.as_mut_ptr());
    let (tw, fft) = (&tw[..], &*fft);
    run_split(lines.count, plan_split, &|t, range| {
        let (sp, ip, op, dp) = (&sp, &ip, &op, &dp);
        // SAFETY: task `t` owns its slots of the three scratch buffers.
        let (s, xin, xout) = unsafe {
            (
                std::slice::from_raw_parts_mut(sp.0.add(t * per_task), per_task),
                std::slice::from_raw_parts_mut(ip.0.add(t * n_in), n_in),
                std::slice::from_raw_parts_mut(op.0.add(t * n_out), n_out),
            )
        };
        let (w, fs) = s.split_at_mut(n);
        for l in range {
            let (ib, ob) = (lines.base(l, n_in), lines.base(l, n_out));
            if lines.inner == 1 {
                // SAFETY: output row `l` (`n_out` values from `ob`) belongs to this task.
                let out = unsafe { std::slice::from_raw_parts_mut(dp.0.add(ob), n_out) };
                line(fft, tw, &src[ib..ib + n_in], out, w, fs);
            } else {
                for (k, v) in xin.iter_mut().enumerate() {
                    *v = src[ib + k * lines.inner];
                }
                line(fft, tw, xin, xout, w, fs);
                for (k, v) in xout.iter().enumerate() {
                    // SAFETY: element `k` of output line `l`, which belongs to this task.
                    unsafe { *dp.0.add(ob + k * lines.inner) = *v };
                }
            }
        }
    });
    Ok(())
}

/// Real-to-complex transform along `axis`: `src` is row-major of `shape` (`n` values
/// along `axis`), `dst` row-major with `n/2 + 1` there. Results are multiplied by `scale`.
pub(crate) fn r2c_axis(
    src: &[f32],
    shape: &[usize],
    axis: usize,
    dst: &mut [C32],
    scale: f32,
) -> Result<()> {
    let n = shape[axis];
    let lines = Lines::new(shape, axis);
    real_axis(
        src,
        dst,
        lines,
        n,
        (n, n / 2 + 1),
        false,
        &|fft, tw, x, out, w, fs| r2c_line(fft, tw, x, out, w, fs, scale),
    )
}

/// Complex-to-real transform along `axis`: `src` is row-major of `shape` (`n/2 + 1`
/// values along `axis`), `dst` row-major with `n` there. Unnormalised, times `scale`.
pub(crate) fn c2r_axis(
    src: &[C32],
    shape: &[usize],
    axis: usize,
    n: usize,
    dst: &mut [f32],
    scale: f32,
) -> Result<()> {
    let half = shape[axis];
    debug_assert_eq!(half, n / 2 + 1);
    let lines = Lines::new(shape, axis);
    real_axis(
        src,
        dst,
        lines,
        n,
        (half, n),
        true,
        &|fft, tw, x, out, w, fs| c2r_line(fft, tw, x, out, w, fs, scale),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The DFT by its definition, in float64.
    fn naive(x: &[(f64, f64)], inverse: bool) -> Vec<(f64, f64)> {
        let n = x.len();
        let sign = if inverse { 1.0 } else { -1.0 };
        (0..n)
            .map(|k| {
                x.iter()
                    .enumerate()
                    .fold((0.0, 0.0), |acc, (j, &(re, im))| {
                        let a = sign * 2.0 * std::f64::consts::PI * (j * k % n) as f64 / n as f64;
                        (
                            acc.0 + re * a.cos() - im * a.sin(),
                            acc.1 + re * a.sin() + im * a.cos(),
                        )
                    })
            })
            .collect()
    }

    fn close(a: f32, b: f64, n: usize) -> bool {
        (f64::from(a) - b).abs() <= 1e-4 * (n as f64) + 1e-4 * b.abs()
    }

    #[test]
    fn real_transforms_match_the_definition() {
        for n in [1usize, 2, 3, 4, 5, 6, 7, 8, 12, 17, 64, 97] {
            let x: Vec<f32> = (0..n).map(|i| ((i * 7 + 3) % 11) as f32 - 5.0).collect();
            let mut spec = vec![ZERO; n / 2 + 1];
            r2c_axis(&x, &[n], 0, &mut spec, 1.0).unwrap();
            let want = naive(
                &x.iter().map(|&v| (f64::from(v), 0.0)).collect::<Vec<_>>(),
                false,
            );
            for (k, s) in spec.iter().enumerate() {
                assert!(
                    close(s.re, want[k].0, n) && close(s.im, want[k].1, n),
                    "n={n} k={k}"
                );
            }
            let mut back = vec![0f32; n];
            c2r_axis(&spec, &[n / 2 + 1], 0, n, &mut back, 1.0 / n as f32).unwrap();
            for (a, b) in back.iter().zip(&x) {
                assert!(close(*a, f64::from(*b), n), "n={n} roundtrip");
            }
        }
    }

    #[test]
    fn strided_axis_matches_rows() {
        // A 5x6 array transformed along axis 0 equals its transpose along axis 1.
        let (r, c) = (5usize, 6usize);
        let a: Vec<C32> = (0..r * c)
            .map(|i| C32::new(i as f32 * 0.5 - 3.0, (i % 4) as f32))
            .collect();
        let mut col = a.clone();
        c2c_axis(&mut col, &[r, c], 0, false, 1.0).unwrap();
        let mut t: Vec<C32> = (0..r * c).map(|i| a[(i % r) * c + i / r]).collect();
        c2c_axis(&mut t, &[c, r], 1, false, 1.0).unwrap();
        for i in 0..r {
            for j in 0..c {
                let (x, y) = (col[i * c + j], t[j * r + i]);
                assert!((x - y).norm() < 1e-4, "({i},{j})");
            }
        }
    }
}
