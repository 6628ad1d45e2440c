//! The GEMM driver shared by the product primitives (`AddMM`, `GatherMM`, `SegmentedMM`,
//! `BlockMaskedMM`): a list of products of one size, each reading its operands in place
//! (any element strides) and writing one row-major block of the output.
//!
//! The `gemm` crate computes `dst := dst_scale * dst + prod_scale * lhs @ rhs` (it calls the
//! two factors `alpha` and `beta`); with `read_dst` false the destination is only written.
//! That is how `addmm` runs in one pass: the output is filled with `c`, then accumulated into.

use super::elementwise::SendPtr;
use super::sgemm;
use super::sgemm_kernel::Update;
use super::threads::{num_threads, par_chunks_mut, pool};
use crate::array::ArrayData;
use crate::dtype::{Element, Scalar};
use gemm::Parallelism;
use half::f16;
use num_complex::Complex32;
use num_traits::{One, Zero};

/// Element types `gemm` computes natively (bfloat16 runs as f32 on converted copies).
pub(crate) trait GemmElem:
    Element + Zero + One + std::ops::Mul<Output = Self> + std::ops::Add<Output = Self>
{
    /// `x` in this type (a scale factor).
    fn from_f64(x: f64) -> Self {
        Self::from_scalar(Scalar::Float(x))
    }

    /// Runs `gemm_one`'s product with rmlx's own kernel when there is one for this type,
    /// machine and size; returns false (nothing written) otherwise.
    ///
    /// # Safety
    /// `gemm_one`'s contract, with `m, n, k > 0`.
    #[allow(clippy::too_many_arguments)]
    unsafe fn native(
        _mnk: (usize, usize, usize),
        _dst: *mut Self,
        _dst_rs: isize,
        _read_dst: bool,
        _lhs: (*const Self, (isize, isize)),
        _rhs: (*const Self, (isize, isize)),
        _dst_scale: Self,
        _prod_scale: Self,
        _par: Parallelism,
    ) -> bool {
        false
    }

    /// Whether `native` takes an `m × n × k` product (then no rayon pool is needed).
    fn has_native(_m: usize, _n: usize, _k: usize) -> bool {
        false
    }
}

impl GemmElem for f32 {
    fn has_native(m: usize, n: usize, k: usize) -> bool {
        sgemm::suits(m, n, k)
    }

    unsafe fn native(
        (m, n, k): (usize, usize, usize),
        dst: *mut f32,
        dst_rs: isize,
        read_dst: bool,
        (lhs, lhs_rc): (*const f32, (isize, isize)),
        (rhs, rhs_rc): (*const f32, (isize, isize)),
        dst_scale: f32,
        prod_scale: f32,
        par: Parallelism,
    ) -> bool {
        if !sgemm::suits(m, n, k) {
            return false;
        }
        let threads = match par {
            Parallelism::Rayon(t) => t.max(1),
            _ => 1,
        };
        let operand = |ptr, (rs, cs)| sgemm::Operand { ptr, rs, cs };
        let upd = Update {
            alpha: prod_scale,
            beta: dst_scale,
            load: read_dst,
        };
        // SAFETY: `sgemm::suits` checked AVX-512; the extents and exclusivity are this
        // function's contract, passed on unchanged.
        unsafe {
            sgemm::sgemm(
                (m, n, k),
                dst,
                dst_rs,
                operand(lhs, lhs_rc),
                operand(rhs, rhs_rc),
                upd,
                threads,
            )
        }
    }
}
impl GemmElem for f64 {}
impl GemmElem for f16 {}
impl GemmElem for Complex32 {}

/// Below this many multiply-adds per product, one thread does a whole product (and products
/// run in parallel); above it, `gemm` splits each product across the pool.
pub(crate) const PARALLEL_FLOPS: usize = 1 << 18;

/// One stack of matrices seen by a product: the matrix size, its (row, column) element
/// strides, and the shape and strides of the dimensions in front (the batch).
#[derive(Debug, Clone)]
pub(crate) struct Mat {
    pub rows: usize,
    pub cols: usize,
    pub rc: (isize, isize),
    pub batch_shape: Vec<i32>,
    pub batch_strides: Vec<i64>,
}

impl Mat {
    /// `data` of `shape` as a stack of `rows × cols` matrices. A vector (`is_vec`) is one
    /// row when `row_vec`, else one column; its single dimension is the last one.
    pub fn new(data: &ArrayData, shape: &[i32], is_vec: bool, row_vec: bool) -> Mat {
        let n = shape.len();
        let s = &data.strides;
        if is_vec {
            let len = shape[n - 1] as usize;
            let step = s[n - 1] as isize;
            let (rows, cols, rc) = if row_vec {
                (1, len, (0, step))
            } else {
                (len, 1, (step, 0))
            };
            return Mat {
                rows,
                cols,
                rc,
                batch_shape: shape[..n - 1].to_vec(),
                batch_strides: s[..n - 1].to_vec(),
            };
        }
        Mat {
            rows: shape[n - 2] as usize,
            cols: shape[n - 1] as usize,
            rc: (s[n - 2] as isize, s[n - 1] as isize),
            batch_shape: shape[..n - 2].to_vec(),
            batch_strides: s[..n - 2].to_vec(),
        }
    }

    /// Element offset of every matrix of the batch, in row-major batch order.
    pub fn batch_offsets(&self) -> Vec<isize> {
        strided_offsets(&self.batch_shape, &self.batch_strides)
    }
}

/// Element offset (from the first element) of every position of `shape`, in row-major
/// order, for an array with `strides`. One entry for a 0-d shape.
pub(crate) fn strided_offsets(shape: &[i32], strides: &[i64]) -> Vec<isize> {
    let count: usize = shape.iter().map(|&d| d.max(0) as usize).product();
    let mut out = Vec::with_capacity(count);
    let mut idx = vec![0i32; shape.len()];
    let mut off: i64 = 0;
    for _ in 0..count {
        out.push(off as isize);
        for d in (0..shape.len()).rev() {
            idx[d] += 1;
            off += strides[d];
            if idx[d] < shape[d] {
                break;
            }
            off -= strides[d] * shape[d] as i64;
            idx[d] = 0;
        }
    }
    out
}

/// One product of a batch: element offsets of its `lhs` and `rhs` matrices and its inner
/// size (`k` may differ per product, as in `segmented_mm`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Product {
    pub lhs: isize,
    pub rhs: isize,
    pub k: usize,
}

/// Products of one `m × n` size written to consecutive row-major blocks of the output.
pub(crate) struct Batch<T> {
    pub m: usize,
    pub n: usize,
    /// (row, column) element strides of `lhs` and `rhs`.
    pub lhs_rc: (isize, isize),
    pub rhs_rc: (isize, isize),
    pub products: Vec<Product>,
    /// Accumulate into the output (`dst_scale * dst + ...`) instead of overwriting it.
    pub read_dst: bool,
    pub dst_scale: T,
    pub prod_scale: T,
}

impl<T: GemmElem> Batch<T> {
    /// `dst := lhs @ rhs` for every product of `lhs` (laid out as `ma`) and `rhs` (as `mb`):
    /// the output is overwritten, never read.
    pub(crate) fn overwrite(ma: &Mat, mb: &Mat, products: Vec<Product>) -> Batch<T> {
        Batch {
            m: ma.rows,
            n: mb.cols,
            lhs_rc: ma.rc,
            rhs_rc: mb.rc,
            products,
            read_dst: false,
            dst_scale: T::zero(),
            prod_scale: T::one(),
        }
    }
}

/// One `gemm` call: `dst (m × n, row stride dst_rs) := dst_scale * dst + prod_scale * lhs @
/// rhs`, or without the `dst` term when `read_dst` is false. `k == 0` is handled here
/// (the product is zero).
///
/// # Safety
/// `dst` must address `m × n` writable elements with row stride `dst_rs` that nothing else
/// touches during the call (and, with `read_dst`, initialised ones); `lhs` and `rhs` with
/// their strides must address `m × k` and `k × n` readable elements.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn gemm_one<T: GemmElem>(
    (m, n, k): (usize, usize, usize),
    dst: *mut T,
    dst_rs: isize,
    read_dst: bool,
    (lhs, lhs_rc): (*const T, (isize, isize)),
    (rhs, rhs_rc): (*const T, (isize, isize)),
    dst_scale: T,
    prod_scale: T,
    par: Parallelism,
) {
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        for i in 0..m {
            for j in 0..n {
                // SAFETY: (i, j) lies in the m × n destination (caller's contract).
                let p = unsafe { dst.offset(i as isize * dst_rs + j as isize) };
                // SAFETY: as above; with `read_dst` the slot is initialised.
                unsafe { *p = if read_dst { dst_scale * *p } else { T::zero() } };
            }
        }
        return;
    }
    // SAFETY: the caller's contract, passed on; m, n, k > 0 here.
    let done = unsafe {
        T::native(
            (m, n, k),
            dst,
            dst_rs,
            read_dst,
            (lhs, lhs_rc),
            (rhs, rhs_rc),
            dst_scale,
            prod_scale,
            par,
        )
    };
    if done {
        return;
    }
    // SAFETY: the caller guarantees the extents; gemm takes (column, row) strides.
    unsafe {
        gemm::gemm(
            m, n, k, dst, 1, dst_rs, read_dst, lhs, lhs_rc.1, lhs_rc.0, rhs, rhs_rc.1, rhs_rc.0,
            dst_scale, prod_scale, false, false, false, par,
        )
    }
}

/// Runs every product of `batch` into `dst` (`products.len()` row-major `m × n` blocks).
///
/// # Safety
/// Every product's offsets, with the batch's strides and its `k`, must address elements
/// inside the `lhs` and `rhs` buffers; with `read_dst`, `dst` must be initialised.
pub(crate) unsafe fn run_batch<T: GemmElem>(
    batch: &Batch<T>,
    lhs: *const T,
    rhs: *const T,
    dst: &mut [T],
) {
    let per = batch.m * batch.n;
    if per == 0 || batch.products.is_empty() {
        return;
    }
    let (pl, pr) = (SendPtr(lhs), SendPtr(rhs));
    let product = |i: usize, d: &mut [T], par: Parallelism| {
        let p = batch.products[i];
        // SAFETY: `d` is this product's own m × n block; the operand extents are the
        // caller's contract.
        unsafe {
            gemm_one(
                (batch.m, batch.n, p.k),
                d.as_mut_ptr(),
                batch.n as isize,
                batch.read_dst,
                (pl.get().offset(p.lhs), batch.lhs_rc),
                (pr.get().offset(p.rhs), batch.rhs_rc),
                batch.dst_scale,
                batch.prod_scale,
                par,
            )
        }
    };
    let max_k = batch.products.iter().map(|p| p.k).max().unwrap_or(0);
    let native = T::has_native(batch.m, batch.n, max_k);
    for_each_product(dst, per, batch.products.len(), max_k, native, product);
}

/// Runs `product(i, block, parallelism)` for each `per`-element block of `dst` (one per
/// product of `count`, each of inner size at most `k`): small products one per thread,
/// large ones one after the other with `gemm` splitting each across the pool.
pub(crate) fn for_each_product<T: Send>(
    dst: &mut [T],
    per: usize,
    count: usize,
    k: usize,
    native: bool,
    product: impl Fn(usize, &mut [T], Parallelism) + Sync,
) {
    let flops = per.saturating_mul(k);
    let threads = num_threads();
    if flops < PARALLEL_FLOPS && count > 1 && threads > 1 {
        par_chunks_mut(dst, per, |i, d| product(i, d, Parallelism::None));
    } else if flops < PARALLEL_FLOPS || threads <= 1 {
        for (i, d) in dst.chunks_mut(per).enumerate() {
            product(i, d, Parallelism::None);
        }
    } else {
        // rmlx's own kernel splits through `run_parallel` from this thread; the `gemm` crate
        // needs to run inside the rayon pool.
        if native {
            for (i, d) in dst.chunks_mut(per).enumerate() {
                product(i, d, Parallelism::Rayon(threads));
            }
            return;
        }
        pool().install(|| {
            for (i, d) in dst.chunks_mut(per).enumerate() {
                product(i, d, Parallelism::Rayon(threads));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::strided_offsets;

    #[test]
    fn offsets_follow_strides() {
        assert_eq!(strided_offsets(&[], &[]), vec![0]);
        assert_eq!(strided_offsets(&[2, 3], &[1, 2]), vec![0, 2, 4, 1, 3, 5]);
        assert_eq!(strided_offsets(&[2, 2], &[0, -1]), vec![0, -1, 0, -1]);
        assert!(strided_offsets(&[0, 3], &[3, 1]).is_empty());
    }
}
