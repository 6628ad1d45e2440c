//! Scans along one axis: cumulative sum, product, max, min and log-add-exp.
//!
//! Accumulation is in the element type itself, rounding at every step, as in MLX (a long
//! float16 cumulative sum stalls at 2048, as it does there); f16 and bf16 compute each step
//! in f32 and round (exact for these operations, f32 having more than twice their
//! precision). Integers wrap. A NaN stays in a running max or min. Any layout is read
//! through its strides; rows go to the kernel threads when the input is large.

use super::elementwise::SendPtr;
use super::reduce::{offset_of, Dim};
use super::threads::{num_threads, run_parallel, PARALLEL_THRESHOLD};
use crate::array::ArrayData;
use crate::dtype::Element;
use crate::primitives::scan::Scan;
use crate::shape::row_major_strides;
use half::{bf16, f16};
use num_complex::Complex32;

/// The operation a scan accumulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScanOp {
    Sum,
    Prod,
    Max,
    Min,
    LogAddExp,
}

/// Arithmetic of one element type for scans; the constants are the identities an
/// exclusive scan starts from.
pub(crate) trait ScanValue: Element {
    const ZERO: Self;
    const ONE: Self;
    /// Identity of max (the lowest value; -inf for floats).
    const LOWEST: Self;
    /// Identity of min (the highest value; +inf for floats).
    const HIGHEST: Self;
    /// Identity of log-add-exp: -inf (and -inf+0j for complex, as MLX starts from).
    const LOG_ZERO: Self = Self::LOWEST;
    fn add(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    fn max(self, o: Self) -> Self;
    fn min(self, o: Self) -> Self;
    fn logaddexp(self, o: Self) -> Self;
}

impl ScanValue for bool {
    const ZERO: Self = false;
    const ONE: Self = true;
    const LOWEST: Self = false;
    const HIGHEST: Self = true;
    // Sums of bool are computed in int32 (ops convert first); saturating here.
    fn add(self, o: Self) -> Self {
        self | o
    }
    fn mul(self, o: Self) -> Self {
        self & o
    }
    fn max(self, o: Self) -> Self {
        self | o
    }
    fn min(self, o: Self) -> Self {
        self & o
    }
    fn logaddexp(self, o: Self) -> Self {
        self | o
    }
}

macro_rules! scan_int {
    ($($t:ty),*) => {$(
        impl ScanValue for $t {
            const ZERO: Self = 0;
            const ONE: Self = 1;
            const LOWEST: Self = <$t>::MIN;
            const HIGHEST: Self = <$t>::MAX;
            #[inline(always)] fn add(self, o: Self) -> Self { self.wrapping_add(o) }
            #[inline(always)] fn mul(self, o: Self) -> Self { self.wrapping_mul(o) }
            #[inline(always)] fn max(self, o: Self) -> Self { Ord::max(self, o) }
            #[inline(always)] fn min(self, o: Self) -> Self { Ord::min(self, o) }
            // Integer inputs are converted to float32 before a log-cumsum-exp; this is the
            // same operation in f64, rounded back, for completeness.
            fn logaddexp(self, o: Self) -> Self {
                logaddexp_f64(self as f64, o as f64) as $t
            }
        }
    )*};
}
scan_int!(u8, u16, u32, u64, i8, i16, i32, i64);

/// `log(exp(a) + exp(b))` without overflow; NaN propagates, and an infinite bound wins.
#[inline(always)]
fn logaddexp_f64(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    if lo == f64::NEG_INFINITY || hi == f64::INFINITY {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

macro_rules! scan_float {
    ($($t:ty),*) => {$(
        impl ScanValue for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const LOWEST: Self = <$t>::NEG_INFINITY;
            const HIGHEST: Self = <$t>::INFINITY;
            #[inline(always)] fn add(self, o: Self) -> Self { self + o }
            #[inline(always)] fn mul(self, o: Self) -> Self { self * o }
            // A NaN operand wins, and a NaN running value stays (`o > NaN` is false).
            #[inline(always)] fn max(self, o: Self) -> Self { if o.is_nan() || o > self { o } else { self } }
            #[inline(always)] fn min(self, o: Self) -> Self { if o.is_nan() || o < self { o } else { self } }
            #[inline(always)]
            fn logaddexp(self, o: Self) -> Self {
                if self.is_nan() || o.is_nan() {
                    return <$t>::NAN;
                }
                let (hi, lo) = if self > o { (self, o) } else { (o, self) };
                if lo == <$t>::NEG_INFINITY || hi == <$t>::INFINITY {
                    return hi;
                }
                hi + (lo - hi).exp().ln_1p()
            }
        }
    )*};
}
scan_float!(f32, f64);

/// f16 and bf16: each step in f32, rounded back.
macro_rules! scan_half {
    ($($t:ty),*) => {$(
        impl ScanValue for $t {
            const ZERO: Self = <$t>::ZERO;
            const ONE: Self = <$t>::ONE;
            const LOWEST: Self = <$t>::NEG_INFINITY;
            const HIGHEST: Self = <$t>::INFINITY;
            #[inline(always)] fn add(self, o: Self) -> Self { Self::from_f32(self.to_f32() + o.to_f32()) }
            #[inline(always)] fn mul(self, o: Self) -> Self { Self::from_f32(self.to_f32() * o.to_f32()) }
            #[inline(always)] fn max(self, o: Self) -> Self { Self::from_f32(ScanValue::max(self.to_f32(), o.to_f32())) }
            #[inline(always)] fn min(self, o: Self) -> Self { Self::from_f32(ScanValue::min(self.to_f32(), o.to_f32())) }
            #[inline(always)] fn logaddexp(self, o: Self) -> Self { Self::from_f32(self.to_f32().logaddexp(o.to_f32())) }
        }
    )*};
}
scan_half!(f16, bf16);

/// Lexicographic "greater" on complex numbers (real part first), as MLX orders them.
#[inline(always)]
fn complex_gt(a: Complex32, b: Complex32) -> bool {
    a.re > b.re || (a.re == b.re && a.im > b.im)
}

impl ScanValue for Complex32 {
    const ZERO: Self = Complex32::new(0.0, 0.0);
    const ONE: Self = Complex32::new(1.0, 0.0);
    const LOWEST: Self = Complex32::new(f32::NEG_INFINITY, f32::NEG_INFINITY);
    const HIGHEST: Self = Complex32::new(f32::INFINITY, f32::INFINITY);
    const LOG_ZERO: Self = Complex32::new(f32::NEG_INFINITY, 0.0);
    fn add(self, o: Self) -> Self {
        self + o
    }
    fn mul(self, o: Self) -> Self {
        self * o
    }
    fn max(self, o: Self) -> Self {
        if o.is_nan() || complex_gt(o, self) {
            o
        } else {
            self
        }
    }
    fn min(self, o: Self) -> Self {
        if o.is_nan() || complex_gt(self, o) {
            o
        } else {
            self
        }
    }
    /// `log(exp(a) + exp(b))` shifted by the (lexicographically) larger operand.
    fn logaddexp(self, o: Self) -> Self {
        if self.is_nan() || o.is_nan() {
            return Complex32::new(f32::NAN, f32::NAN);
        }
        let (hi, lo) = if complex_gt(self, o) {
            (self, o)
        } else {
            (o, self)
        };
        if lo.re == f32::NEG_INFINITY || hi.re == f32::INFINITY {
            return hi;
        }
        hi + (Self::ONE + (lo - hi).exp()).ln()
    }
}

/// A `*mut T` that kernel threads may share; each writes disjoint rows.
#[derive(Clone, Copy)]
struct OutPtr<T>(*mut T);
// SAFETY: rows written through it are disjoint across threads, and the buffer outlives the
// kernel call.
unsafe impl<T> Send for OutPtr<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for OutPtr<T> {}

/// One row: `n` elements read at `src + i * in_s`, written at `dst + i * out_s`.
struct Row<T> {
    src: *const T,
    in_s: isize,
    dst: *mut T,
    out_s: isize,
    n: usize,
}

/// Scans one row with `f`, starting from `init` when exclusive.
#[inline(always)]
fn scan_row<T: Copy>(row: Row<T>, reverse: bool, inclusive: bool, init: T, f: impl Fn(T, T) -> T) {
    let n = row.n;
    let at = |i: usize| if reverse { n - 1 - i } else { i } as isize;
    let read = |i: usize| {
        // SAFETY: `Row` addresses `n` input elements and `at(i) < n`.
        unsafe { *row.src.offset(at(i) * row.in_s) }
    };
    let write = |i: usize, v: T| {
        // SAFETY: `Row` addresses `n` output elements, written by this row's task only.
        unsafe { *row.dst.offset(at(i) * row.out_s) = v }
    };
    if inclusive {
        // The first output is the first element itself (not `init ⊕ x`, which would turn
        // a -0.0 into 0.0 in a sum).
        let mut acc = read(0);
        write(0, acc);
        for i in 1..n {
            acc = f(acc, read(i));
            write(i, acc);
        }
    } else {
        let mut acc = init;
        for i in 0..n {
            let x = read(i);
            write(i, acc);
            acc = f(acc, x);
        }
    }
}

/// Runs the scan `p` over every row of `x` (shape `shape`) along `p.axis` into `out`, a
/// fresh row-contiguous array of the same shape and dtype.
pub(crate) fn scan_axis<T: ScanValue>(x: &ArrayData, shape: &[i32], p: &Scan, out: &ArrayData) {
    let axis = p.axis;
    let n = shape[axis] as usize;
    let out_strides = row_major_strides(shape);
    let mut in_dims = Vec::new();
    let mut out_dims = Vec::new();
    for d in (0..shape.len()).filter(|&d| d != axis && shape[d] != 1) {
        in_dims.push(Dim {
            n: shape[d] as usize,
            s: x.strides[d],
        });
        out_dims.push(Dim {
            n: shape[d] as usize,
            s: out_strides[d],
        });
    }
    let rows: usize = in_dims.iter().map(|d| d.n).product();
    if n == 0 || rows == 0 {
        return;
    }
    let (in_s, out_s) = (x.strides[axis] as isize, out_strides[axis] as isize);
    let tasks = if rows * n < PARALLEL_THRESHOLD {
        1
    } else {
        rows.min(num_threads() * 4)
    };
    let per_task = rows.div_ceil(tasks);
    let src = SendPtr(x.ptr::<T>());
    let dst = OutPtr(out.ptr_mut::<T>());
    let (op, reverse, inclusive) = (p.op, p.reverse, p.inclusive);
    run_parallel(tasks, &|t| {
        // Whole-value copies: a closure using only `dst.0` would capture the bare pointer.
        let (src, dst) = (src, dst);
        for r in t * per_task..((t + 1) * per_task).min(rows) {
            // SAFETY: the row's start lies inside the input and output (offsets follow
            // their shapes and strides).
            let row = unsafe {
                Row {
                    src: src.get().offset(offset_of(&in_dims, r) as isize),
                    in_s,
                    dst: dst.0.offset(offset_of(&out_dims, r) as isize),
                    out_s,
                    n,
                }
            };
            match op {
                ScanOp::Sum => scan_row(row, reverse, inclusive, T::ZERO, T::add),
                ScanOp::Prod => scan_row(row, reverse, inclusive, T::ONE, T::mul),
                ScanOp::Max => scan_row(row, reverse, inclusive, T::LOWEST, T::max),
                ScanOp::Min => scan_row(row, reverse, inclusive, T::HIGHEST, T::min),
                ScanOp::LogAddExp => scan_row(row, reverse, inclusive, T::LOG_ZERO, T::logaddexp),
            }
        }
    });
}
