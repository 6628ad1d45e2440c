//! The reduction engine: one generic kernel that reduces any set of axes of any layout.
//!
//! A [`Plan`] splits the input's dimensions into kept ones (the output, row-major) and reduced
//! ones, drops size-1 dimensions and merges dimensions that are contiguous with each other.
//! Three shapes of work follow:
//!
//! * **rows**: the innermost reduced block is contiguous (stride 1), as for `sum(x, -1)` or a
//!   full reduction of dense data. Each output folds contiguous runs with a fixed array of
//!   accumulators, which LLVM turns into several independent vector registers.
//! * **columns**: the innermost kept dimension is contiguous, as for `sum(x, 0)`. Whole input
//!   rows are folded into a tile of output accumulators; this vectorizes across outputs.
//! * **general**: anything else (broadcast or reversed strides), walked element by element.
//!
//! Large reductions run on the kernel pool: split across outputs when there are enough of
//! them, otherwise across the reduced elements with one partial result per thread.
//!
//! Every reduction is `fold(comb, init, load(x, aux[o]))` over the elements `x` of output
//! `o`; `aux` carries a per-output value (the mean for a variance, the max for a
//! log-sum-exp) and is `()` for plain reductions. Float sums are therefore reordered, as in
//! NumPy's pairwise summation; results differ from a sequential sum by rounding only.

use super::elementwise::SendPtr;
use super::simd::multiversion;
use super::threads::{num_threads, par_chunks_mut, PARALLEL_THRESHOLD};
use crate::array::ArrayData;
use std::ops::Range;

/// One (collapsed) dimension: its size and its stride in elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Dim {
    pub n: usize,
    pub s: i64,
}

/// How a reduction walks its input.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    /// Kept dimensions, outermost first (the output's row-major order).
    pub kept: Vec<Dim>,
    /// Reduced dimensions, by decreasing stride (the innermost last).
    pub red: Vec<Dim>,
    /// Number of outputs.
    pub n_out: usize,
    /// Number of elements folded into each output.
    pub n_red: usize,
}

/// Merges `d` into the last dimension of `dims` when they are contiguous with each other.
fn push_merged(dims: &mut Vec<Dim>, d: Dim) {
    if let Some(last) = dims.last_mut() {
        if last.s == d.s * d.n as i64 {
            last.n *= d.n;
            last.s = d.s;
            return;
        }
    }
    dims.push(d);
}

impl Plan {
    /// The plan for reducing the sorted `axes` of data with `shape` and `strides`.
    pub fn new(shape: &[i32], strides: &[i64], axes: &[usize]) -> Plan {
        let n_out = (0..shape.len())
            .filter(|d| !axes.contains(d))
            .map(|d| shape[d] as usize)
            .product();
        let n_red = axes.iter().map(|&d| shape[d] as usize).product();
        let mut kept = Vec::new();
        let mut red: Vec<Dim> = Vec::new();
        for (d, (&n, &s)) in shape.iter().zip(strides).enumerate() {
            if n == 1 {
                continue;
            }
            let dim = Dim { n: n as usize, s };
            if axes.contains(&d) {
                red.push(dim);
            } else {
                push_merged(&mut kept, dim);
            }
        }
        // The order of reduced elements is free: sort by stride so the innermost block is
        // the contiguous one whenever the layout allows.
        red.sort_by_key(|d| std::cmp::Reverse(d.s.unsigned_abs()));
        let mut merged = Vec::with_capacity(red.len());
        for d in red {
            push_merged(&mut merged, d);
        }
        Plan {
            kept,
            red: merged,
            n_out,
            n_red,
        }
    }

    fn is_rows(&self) -> bool {
        self.red.last().is_some_and(|d| d.s == 1)
    }

    fn is_columns(&self) -> bool {
        self.kept.last().is_some_and(|d| d.s == 1)
    }
}

/// Offset of the element with row-major flat index `flat` over `dims`.
#[inline]
pub(crate) fn offset_of(dims: &[Dim], mut flat: usize) -> i64 {
    let mut off = 0i64;
    for d in dims.iter().rev() {
        off += (flat % d.n) as i64 * d.s;
        flat /= d.n;
    }
    off
}

/// Walks the offsets of consecutive row-major positions over `dims`.
pub(crate) struct Odometer<'a> {
    dims: &'a [Dim],
    idx: Vec<usize>,
    /// Offset of the current position.
    pub off: i64,
}

impl<'a> Odometer<'a> {
    /// Starts at row-major position `flat`.
    pub fn new(dims: &'a [Dim], mut flat: usize) -> Self {
        let mut idx = vec![0; dims.len()];
        let mut off = 0;
        for (i, d) in dims.iter().enumerate().rev() {
            idx[i] = flat % d.n;
            off += idx[i] as i64 * d.s;
            flat /= d.n;
        }
        Odometer { dims, idx, off }
    }

    /// Moves to the next position.
    #[inline]
    pub fn advance(&mut self) {
        for (i, d) in self.dims.iter().enumerate().rev() {
            self.idx[i] += 1;
            self.off += d.s;
            if self.idx[i] < d.n {
                return;
            }
            self.off -= d.s * d.n as i64;
            self.idx[i] = 0;
        }
    }
}

/// Accumulators per contiguous run: 64 independent lanes keep several vector registers
/// busy (4 AVX-512 or 8 AVX2 registers of f32), hiding the latency of each add.
const LANES: usize = 64;

multiversion! {
    /// Folds a contiguous run into `*res` (which it overwrites).
    fn fold_run<T, A, C, L, F>(src: &[T], c: C, init: A, load: &L, comb: &F, res: &mut A)
    where T: Copy, A: Copy, C: Copy, L: Fn(T, C) -> A, F: Fn(A, A) -> A
    {
        let mut acc = [init; LANES];
        let mut chunks = src.chunks_exact(LANES);
        for ch in &mut chunks {
            for i in 0..LANES {
                acc[i] = comb(acc[i], load(ch[i], c));
            }
        }
        let mut tail = init;
        for &x in chunks.remainder() {
            tail = comb(tail, load(x, c));
        }
        let mut w = LANES;
        while w > 1 {
            w /= 2;
            for i in 0..w {
                acc[i] = comb(acc[i], acc[i + w]);
            }
        }
        *res = comb(acc[0], tail);
    }
}

multiversion! {
    /// Folds one input row into a row of accumulators (one per output).
    fn fold_columns<T, A, C, L, F>(acc: &mut [A], src: &[T], aux: &[C], load: &L, comb: &F)
    where T: Copy, A: Copy, C: Copy, L: Fn(T, C) -> A, F: Fn(A, A) -> A
    {
        for ((a, &x), &c) in acc.iter_mut().zip(src).zip(aux) {
            *a = comb(*a, load(x, c));
        }
    }
}

/// Columns folded at a time: the accumulator tile stays in L1 while input rows stream by.
const TILE: usize = 4096;

/// The reduction functions and their operands, shared by the threads of one kernel call.
struct Job<'a, T, A, C, L, F> {
    base: SendPtr<T>,
    plan: &'a Plan,
    aux: &'a [C],
    init: A,
    load: L,
    comb: F,
}

impl<T, A, C, L, F> Job<'_, T, A, C, L, F>
where
    T: Copy,
    A: Copy,
    C: Copy,
    L: Fn(T, C) -> A,
    F: Fn(A, A) -> A,
{
    /// The contiguous run of `len` elements at `off`.
    fn run(&self, off: i64, len: usize) -> &[T] {
        // SAFETY: `off` and `len` come from the plan of the input's own shape and strides,
        // so the run lies inside its buffer; the buffer outlives the kernel call.
        unsafe { std::slice::from_raw_parts(self.base.get().offset(off as isize), len) }
    }

    /// Writes into `out` the folds of outputs `outs` over reduced positions `reds`.
    fn serial(&self, outs: Range<usize>, reds: Range<usize>, out: &mut [A]) {
        let p = self.plan;
        if p.is_rows() {
            self.rows(outs, reds, out)
        } else if p.is_columns() {
            self.columns(outs, reds, out)
        } else {
            self.general(outs, reds, out)
        }
    }

    fn rows(&self, outs: Range<usize>, reds: Range<usize>, out: &mut [A]) {
        let p = self.plan;
        let (outer, inner) = p.red.split_at(p.red.len() - 1);
        let run = inner[0].n;
        for (o, dst) in outs.zip(out.iter_mut()) {
            let base = offset_of(&p.kept, o);
            let c = self.aux[o];
            let mut acc = self.init;
            let mut r = reds.start;
            while r < reds.end {
                let (k, i) = (r / run, r % run);
                let len = (run - i).min(reds.end - r);
                let off = base + offset_of(outer, k) + i as i64;
                let src = self.run(off, len);
                if len < LANES {
                    for &x in src {
                        acc = (self.comb)(acc, (self.load)(x, c));
                    }
                } else {
                    let mut part = self.init;
                    fold_run(src, c, self.init, &self.load, &self.comb, &mut part);
                    acc = (self.comb)(acc, part);
                }
                r += len;
            }
            *dst = acc;
        }
    }

    fn columns(&self, outs: Range<usize>, reds: Range<usize>, out: &mut [A]) {
        let p = self.plan;
        let (outer, inner) = p.kept.split_at(p.kept.len() - 1);
        let k = inner[0].n;
        let mut o = outs.start;
        let mut pos = 0;
        while o < outs.end {
            // A tile: consecutive outputs within one row of the innermost kept dimension.
            let (row, j) = (o / k, o % k);
            let len = (k - j).min(outs.end - o).min(TILE);
            let base = offset_of(outer, row) + j as i64;
            let acc = &mut out[pos..pos + len];
            acc.fill(self.init);
            let aux = &self.aux[o..o + len];
            let mut it = Odometer::new(&p.red, reds.start);
            for _ in reds.clone() {
                fold_columns(
                    acc,
                    self.run(base + it.off, len),
                    aux,
                    &self.load,
                    &self.comb,
                );
                it.advance();
            }
            o += len;
            pos += len;
        }
    }

    fn general(&self, outs: Range<usize>, reds: Range<usize>, out: &mut [A]) {
        let p = self.plan;
        let ptr = self.base.get();
        for (o, dst) in outs.zip(out.iter_mut()) {
            let base = offset_of(&p.kept, o);
            let c = self.aux[o];
            let mut acc = self.init;
            let mut it = Odometer::new(&p.red, reds.start);
            for _ in reds.clone() {
                // SAFETY: offsets follow the input's own shape and strides.
                let x = unsafe { *ptr.offset((base + it.off) as isize) };
                acc = (self.comb)(acc, (self.load)(x, c));
                it.advance();
            }
            *dst = acc;
        }
    }
}

/// Reduces `x` by `plan` into `out` (one accumulator per output, row-major):
/// `out[o] = fold(comb, init, load(x, aux[o]) for x reduced into o)`.
/// `aux` has one value per output. Empty reductions give `init`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn reduce<T, A, C, L, F>(
    x: &ArrayData,
    plan: &Plan,
    aux: &[C],
    out: &mut [A],
    init: A,
    load: L,
    comb: F,
) where
    T: Copy,
    A: Copy + Send + Sync,
    C: Copy + Sync,
    L: Fn(T, C) -> A + Sync,
    F: Fn(A, A) -> A + Sync,
{
    debug_assert_eq!(out.len(), plan.n_out);
    debug_assert!(aux.len() >= plan.n_out);
    if plan.n_out == 0 {
        return;
    }
    if plan.n_red == 0 {
        out.fill(init);
        return;
    }
    let job = Job {
        base: SendPtr(x.ptr::<T>()),
        plan,
        aux,
        init,
        load,
        comb,
    };
    let threads = num_threads();
    let total = plan.n_out.saturating_mul(plan.n_red);
    if total < PARALLEL_THRESHOLD || threads <= 1 {
        return job.serial(0..plan.n_out, 0..plan.n_red, out);
    }
    // Column reductions with a modest output stream best when each thread adds a block of
    // whole input rows (sequential memory) into its own partial row.
    let split_rows = plan.is_columns() && plan.n_out <= 1 << 16 && plan.n_red >= threads * 4;
    if !split_rows && (plan.n_out >= threads * 4 || plan.n_red < PARALLEL_THRESHOLD / 8) {
        // Enough outputs: each thread owns a block of them.
        let chunk = plan.n_out.div_ceil(threads * 4).max(1);
        let chunk = if plan.is_columns() {
            chunk.div_ceil(64) * 64
        } else {
            chunk
        };
        par_chunks_mut(out, chunk, |i, dst| {
            let start = i * chunk;
            job.serial(start..start + dst.len(), 0..plan.n_red, dst)
        });
        return;
    }
    // Few outputs, long reductions: each thread folds a slice of the reduced elements into
    // its own partial outputs, which are then combined.
    let parts = threads
        .min(total.div_ceil(PARALLEL_THRESHOLD / 4))
        .min(plan.n_red)
        .max(1);
    let per = plan.n_red.div_ceil(parts);
    let mut partials: Vec<Vec<A>> = vec![Vec::new(); parts];
    par_chunks_mut(&mut partials, 1, |t, slot| {
        let reds = (t * per).min(plan.n_red)..((t + 1) * per).min(plan.n_red);
        let mut part = vec![init; plan.n_out];
        if !reds.is_empty() {
            job.serial(0..plan.n_out, reds, &mut part);
        }
        slot[0] = part;
    });
    out.fill(init);
    for part in &partials {
        for (o, &v) in out.iter_mut().zip(part) {
            *o = (job.comb)(*o, v);
        }
    }
}

/// Per-output `aux` for plain reductions: a slice of `()` (no allocation).
pub(crate) fn no_aux(n: usize) -> Vec<()> {
    vec![(); n]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_merges_and_classifies() {
        // (2, 3, 4) row-major, reduce the last two axes: one contiguous run of 12.
        let p = Plan::new(&[2, 3, 4], &[12, 4, 1], &[1, 2]);
        assert_eq!(p.kept, vec![Dim { n: 2, s: 12 }]);
        assert_eq!(p.red, vec![Dim { n: 12, s: 1 }]);
        assert!(p.is_rows());
        // Reduce axis 0: columns of 12.
        let p = Plan::new(&[2, 3, 4], &[12, 4, 1], &[0]);
        assert_eq!(p.kept, vec![Dim { n: 12, s: 1 }]);
        assert!(p.is_columns() && !p.is_rows());
        // Transposed (column-major) data, full reduction: still one run.
        let p = Plan::new(&[3, 4], &[1, 3], &[0, 1]);
        assert_eq!(p.red, vec![Dim { n: 12, s: 1 }]);
        // Broadcast rows: general.
        let p = Plan::new(&[3, 4], &[0, 2], &[1]);
        assert!(!p.is_rows() && !p.is_columns());
    }

    #[test]
    fn odometer_matches_offset_of() {
        let dims = [Dim { n: 3, s: 10 }, Dim { n: 2, s: -1 }, Dim { n: 4, s: 0 }];
        let mut it = Odometer::new(&dims, 5);
        for flat in 5..24 {
            assert_eq!(it.off, offset_of(&dims, flat));
            it.advance();
        }
    }
}
