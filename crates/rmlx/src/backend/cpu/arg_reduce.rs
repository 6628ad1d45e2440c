//! argmax / argmin along one axis (or over the whole array in row-major order).
//!
//! Ties keep the first index; a NaN beats every number and the first NaN wins, as in MLX and
//! NumPy. Layouts: a contiguous axis scans runs; an axis over contiguous rows keeps a row
//! of best values and indices (vectorizes as selects); anything else walks strides.

use super::accumulate::{Compare, Ordered};
use super::elementwise::SendPtr;
use super::reduce::{offset_of, Dim, Odometer};
use super::simd::multiversion;
use super::threads::{par_chunks_mut, pool, PARALLEL_THRESHOLD};
use crate::array::ArrayData;

/// The reduced dimensions in logical (row-major) order, merged where contiguous, so a flat
/// position along them is the index argmax returns.
fn logical_dims(shape: &[i32], strides: &[i64], axes: &[usize]) -> (Vec<Dim>, Vec<Dim>) {
    let mut kept: Vec<Dim> = Vec::new();
    let mut red: Vec<Dim> = Vec::new();
    for (d, (&n, &s)) in shape.iter().zip(strides).enumerate() {
        if n == 1 {
            continue;
        }
        let dims = if axes.contains(&d) {
            &mut red
        } else {
            &mut kept
        };
        let dim = Dim { n: n as usize, s };
        match dims.last_mut() {
            Some(last) if last.s == s * n as i64 => {
                last.n *= dim.n;
                last.s = s;
            }
            _ => dims.push(dim),
        }
    }
    (kept, red)
}

multiversion! {
    /// Folds one input row (position `r` along the axis) into rows of best values/indices.
    fn arg_columns<T, C>(best: &mut [C], idx: &mut [u32], src: &[T], r: u32, is_max: bool)
    where T: Compare<Cmp = C>, C: Ordered
    {
        if is_max {
            for ((b, i), &x) in best.iter_mut().zip(idx.iter_mut()).zip(src) {
                let v = x.cmp();
                let take = C::gt(v, *b);
                *b = if take { v } else { *b };
                *i = if take { r } else { *i };
            }
        } else {
            for ((b, i), &x) in best.iter_mut().zip(idx.iter_mut()).zip(src) {
                let v = x.cmp();
                let take = C::lt(v, *b);
                *b = if take { v } else { *b };
                *i = if take { r } else { *i };
            }
        }
    }
}

/// Writes the argmax (`is_max`) or argmin of `x` over the sorted `axes` into `out`
/// (row-major over the kept dimensions). The reduction must be non-empty.
pub(crate) fn arg_reduce<T: Compare>(
    x: &ArrayData,
    shape: &[i32],
    axes: &[usize],
    is_max: bool,
    out: &mut [u32],
) {
    let (kept, red) = logical_dims(shape, &x.strides, axes);
    let n_red: usize = red.iter().map(|d| d.n).product();
    let base = SendPtr(x.ptr::<T>());
    let better = move |a: T::Cmp, b: T::Cmp| {
        if is_max {
            T::Cmp::gt(a, b)
        } else {
            T::Cmp::lt(a, b)
        }
    };
    let init = if is_max {
        T::Cmp::LOWEST
    } else {
        T::Cmp::HIGHEST
    };
    // Column layout: one contiguous kept dimension innermost and a single reduced one.
    if red.len() == 1 && kept.last().is_some_and(|d| d.s == 1) {
        let (outer, inner) = kept.split_at(kept.len() - 1);
        let k = inner[0].n;
        let rs = red[0].s;
        let do_row = |row: usize, dst: &mut [u32]| {
            let start = offset_of(outer, row);
            let mut best = vec![init; k];
            dst.fill(0);
            for r in 0..n_red {
                // SAFETY: a row of `k` contiguous elements inside the input.
                let src = unsafe {
                    std::slice::from_raw_parts(
                        base.get().offset((start + r as i64 * rs) as isize),
                        k,
                    )
                };
                arg_columns::<T, T::Cmp>(&mut best, dst, src, r as u32, is_max);
            }
        };
        if out.len() * n_red < PARALLEL_THRESHOLD {
            out.chunks_mut(k)
                .enumerate()
                .for_each(|(row, dst)| do_row(row, dst));
        } else {
            par_chunks_mut(out, k, |row, dst| do_row(row, dst));
        }
        return;
    }
    let one = |o: usize| -> u32 {
        let start = offset_of(&kept, o);
        let p = base.get();
        let (mut best, mut at) = (init, 0u32);
        if red.len() == 1 && red[0].s == 1 {
            // SAFETY: a contiguous run of `n_red` elements inside the input.
            let run = unsafe { std::slice::from_raw_parts(p.offset(start as isize), n_red) };
            for (i, &x) in run.iter().enumerate() {
                let v = x.cmp();
                if better(v, best) {
                    best = v;
                    at = i as u32;
                }
            }
        } else {
            let mut it = Odometer::new(&red, 0);
            for i in 0..n_red {
                // SAFETY: offsets follow the input's own shape and strides.
                let v = unsafe { *p.offset((start + it.off) as isize) }.cmp();
                if better(v, best) {
                    best = v;
                    at = i as u32;
                }
                it.advance();
            }
        }
        at
    };
    if out.len() * n_red < PARALLEL_THRESHOLD || out.len() < 2 {
        out.iter_mut().enumerate().for_each(|(o, d)| *d = one(o));
    } else {
        let per = out.len().div_ceil(pool().current_num_threads() * 4).max(1);
        par_chunks_mut(out, per, |c, d| {
            for (j, v) in d.iter_mut().enumerate() {
                *v = one(c * per + j);
            }
        });
    }
}
