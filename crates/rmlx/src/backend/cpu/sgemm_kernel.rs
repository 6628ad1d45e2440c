//! The AVX-512 register kernel of the float32 GEMM: a `MR × NR` block of the output from a
//! packed `MR`-row panel of A and a packed `NR`-column panel of B.
//!
//! Shape of the kernel: every step of the inner dimension loads one row of the B panel as two
//! 16-lane vectors and broadcasts each of the `MR` A values against both, so the block lives
//! in `2 × MR = 28` of the 32 vector registers (plus two for B and one for the broadcast).
//! That is 28 fused multiply-adds per 16 loads, which keeps both FMA ports busy.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Rows of the output block (A values broadcast per step).
pub(crate) const MR: usize = 14;
/// Columns of the output block (two 16-lane vectors).
pub(crate) const NR: usize = 32;

/// How the kernel combines its product with the destination.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Update {
    /// Factor of the product.
    pub alpha: f32,
    /// Factor of the destination's old value, when `load` is set.
    pub beta: f32,
    /// Whether the destination is read (false: it is only written).
    pub load: bool,
}

/// The product of an A panel (element `(i, p)` at `a + i*a_rs + p*a_cs`) and a packed B
/// panel into the `MR × 2` register block `lo`/`hi` (a macro, so both kernels get it inlined
/// with their own constant or runtime strides).
macro_rules! accumulate {
    ($kc:expr, $a:expr, $a_rs:expr, $a_cs:expr, $b:expr, $lo:ident, $hi:ident) => {
        for p in 0..$kc {
            // SAFETY: step `p < kc` reads B's row p (NR floats) and A's column p (MR
            // values), inside the panels (the callers' contracts).
            unsafe {
                let bp = $b.add(p * NR);
                let b0 = _mm512_loadu_ps(bp);
                let b1 = _mm512_loadu_ps(bp.add(16));
                let ap = $a.offset(p as isize * $a_cs);
                for i in 0..MR {
                    let av = _mm512_set1_ps(*ap.offset(i as isize * $a_rs));
                    $lo[i] = _mm512_fmadd_ps(av, b0, $lo[i]);
                    $hi[i] = _mm512_fmadd_ps(av, b1, $hi[i]);
                }
            }
        }
    };
}

/// `c[i, j] := alpha * Σ_p a[p, i] b[p, j] (+ beta * c[i, j])` for `i < mr`, `j < nr`, from a
/// packed A panel.
///
/// # Safety
/// The CPU must support AVX-512F. `a` must address `kc * MR` floats (the packed panel, `MR`
/// per step), `b` `kc * NR` floats; `c` must address an `mr × nr` block with row stride `ldc`
/// (unit column stride), readable when `upd.load`, and nothing else may touch it during the
/// call. `mr <= MR`, `nr <= NR`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn kernel(
    kc: usize,
    a: *const f32,
    b: *const f32,
    c: *mut f32,
    ldc: isize,
    mr: usize,
    nr: usize,
    upd: Update,
) {
    let mut lo = [_mm512_setzero_ps(); MR];
    let mut hi = [_mm512_setzero_ps(); MR];
    accumulate!(kc, a, 1, MR as isize, b, lo, hi);
    // SAFETY: the caller's contract on `c`.
    unsafe { store(&lo, &hi, c, ldc, mr, nr, upd) }
}

/// [`kernel`] reading `MR` rows of a row-major A in place (row stride `lda`, unit column
/// stride) instead of a packed panel: small-batch products skip packing A.
///
/// # Safety
/// As [`kernel`], with `a` addressing `MR` rows of `kc` contiguous floats, `lda` apart.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn kernel_rows(
    kc: usize,
    a: *const f32,
    lda: isize,
    b: *const f32,
    c: *mut f32,
    ldc: isize,
    nr: usize,
    upd: Update,
) {
    let mut lo = [_mm512_setzero_ps(); MR];
    let mut hi = [_mm512_setzero_ps(); MR];
    accumulate!(kc, a, lda, 1, b, lo, hi);
    // SAFETY: the caller's contract on `c` (all MR rows).
    unsafe { store(&lo, &hi, c, ldc, MR, nr, upd) }
}

/// Writes the register block to `c` (see [`kernel`]).
///
/// # Safety
/// As [`kernel`]'s contract on `c`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
#[allow(clippy::needless_range_loop)] // constant indices keep the block in registers
unsafe fn store(
    lo: &[__m512; MR],
    hi: &[__m512; MR],
    c: *mut f32,
    ldc: isize,
    mr: usize,
    nr: usize,
    upd: Update,
) {
    let m0: __mmask16 = if nr >= 16 {
        0xffff
    } else {
        ((1u32 << nr) - 1) as u16
    };
    let m1: __mmask16 = if nr >= 32 {
        0xffff
    } else if nr > 16 {
        ((1u32 << (nr - 16)) - 1) as u16
    } else {
        0
    };
    let alpha = _mm512_set1_ps(upd.alpha);
    let beta = _mm512_set1_ps(upd.beta);
    // Constant row indices with a bound check (not a loop to `mr`) keep `lo`/`hi` in
    // registers instead of spilling them to be indexed.
    for i in 0..MR {
        if i >= mr {
            break;
        }
        // SAFETY: row i < mr of the block; the masks cover only columns < nr (a masked-off
        // lane is neither read nor written, so the second half may lie past the block).
        unsafe {
            let row = c.offset(i as isize * ldc);
            let mut r0 = _mm512_mul_ps(lo[i], alpha);
            let mut r1 = _mm512_mul_ps(hi[i], alpha);
            if upd.load {
                r0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m0, row), beta, r0);
                r1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m1, row.wrapping_add(16)), beta, r1);
            }
            _mm512_mask_storeu_ps(row, m0, r0);
            _mm512_mask_storeu_ps(row.wrapping_add(16), m1, r1);
        }
    }
}
