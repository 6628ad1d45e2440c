//! Quantization of groups of consecutive elements, as MLX 0.32.4 computes it.
//!
//! - affine (float32 arithmetic, `rint` = round half to even): per group, `max` and `min`;
//!   `scale = max((max - min) / (2^b - 1), 1e-7)`, negated unless `|min| > |max|`; the edge
//!   of larger magnitude `e` is made exactly representable (`q0 = rint(e / scale)`; when
//!   `q0 != 0`, `scale = e / q0` and `bias = e`, else `bias = 0`); codes are
//!   `clip(rint((w - bias) / scale), 0, 2^b - 1)`. With one bit: `scale = max(max - min,
//!   1e-7)` and `bias = min`. Scales and biases are stored in the input dtype; the codes use
//!   the float32 values.
//! - mxfp4 / mxfp8 / nvfp4 (arithmetic in the input dtype, each step rounded to it as MLX's
//!   composed ops do): `s = max|w| / (6 or 448)`; nvfp4 stores `s` as E4M3 and divides by its
//!   value; the mx modes store `e = ceil(log2(s))` (0 for `s == 0`, log2 taken in float32)
//!   as the byte `e + 127` and divide by `2^e`. Elements become E2M1 codes (the first
//!   nearest entry of MLX's 16-entry table) or E4M3 bytes.

use super::elem::QElem;
use super::formats::{from_e4m3, to_e4m3, FP4_LUT};
use super::layout::pack_codes;
use super::Mode;
use crate::backend::cpu::threads::run_parallel;

/// Groups per parallel task.
const GROUPS_PER_TASK: usize = 256;

/// A pointer for disjoint writes from kernel threads.
#[derive(Clone, Copy)]
pub(crate) struct MutPtr<T>(pub *mut T);
// SAFETY: every user gives each thread a disjoint range of the buffer.
unsafe impl<T> Send for MutPtr<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for MutPtr<T> {}
impl<T> MutPtr<T> {
    /// The pointer (a method, so closures capture the whole `Sync` wrapper).
    pub fn ptr(&self) -> *mut T {
        self.0
    }
    /// `len` elements from element `start`.
    ///
    /// # Safety
    /// The range must lie in the buffer and no other thread may touch it meanwhile.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn slice(&self, start: usize, len: usize) -> &mut [T] {
        // SAFETY: the caller's contract.
        unsafe { std::slice::from_raw_parts_mut(self.0.add(start), len) }
    }
}

/// Affine scale and bias of one group (values as float32).
pub(crate) fn affine_params(w: &[f32], bits: u32) -> (f32, f32) {
    let n_bins = ((1u32 << bits) - 1) as f32;
    let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
    for &v in w {
        hi = hi.max(v);
        lo = lo.min(v);
    }
    let eps = 1e-7f32;
    let scale = ((hi - lo) / n_bins).max(eps);
    if bits == 1 {
        return (scale, lo);
    }
    let wide_lo = lo.abs() > hi.abs();
    let mut scale = if wide_lo { scale } else { -scale };
    let edge = if wide_lo { lo } else { hi };
    let q0 = (edge / scale).round_ties_even();
    let mut bias = 0.0;
    if q0 != 0.0 {
        scale = edge / q0;
        bias = edge;
    }
    (scale, bias)
}

/// Affine quantization of `w` (groups of `group` elements, row-major) into the packed
/// bytes `words` and the per-group `scales` and `biases`.
pub(crate) fn quantize_affine<T: QElem>(
    w: &[T],
    group: usize,
    bits: u32,
    words: &mut [u8],
    scales: &mut [T],
    biases: &mut [T],
) {
    let n_groups = w.len() / group;
    let gbytes = group * bits as usize / 8;
    let n_bins = ((1u32 << bits) - 1) as f32;
    let (wp, sp, bp) = (
        MutPtr(words.as_mut_ptr()),
        MutPtr(scales.as_mut_ptr()),
        MutPtr(biases.as_mut_ptr()),
    );
    run_parallel(n_groups.div_ceil(GROUPS_PER_TASK), &|t| {
        let g0 = t * GROUPS_PER_TASK;
        let g1 = (g0 + GROUPS_PER_TASK).min(n_groups);
        let mut vals = vec![0f32; group];
        let mut codes = vec![0u8; group];
        for g in g0..g1 {
            for (v, x) in vals.iter_mut().zip(&w[g * group..(g + 1) * group]) {
                *v = x.to_f32();
            }
            let (scale, bias) = affine_params(&vals, bits);
            for (c, &v) in codes.iter_mut().zip(&vals) {
                *c = ((v - bias) / scale).round_ties_even().clamp(0.0, n_bins) as u8;
            }
            // SAFETY: group `g` owns bytes [g·gbytes, (g+1)·gbytes) and slot g of the
            // scales and biases; tasks cover disjoint group ranges.
            unsafe {
                pack_codes(&codes, bits, wp.slice(g * gbytes, gbytes));
                sp.slice(g, 1)[0] = T::from_f32(scale);
                bp.slice(g, 1)[0] = T::from_f32(bias);
            }
        }
    });
}

/// The E2M1 code MLX picks for `y`: the first table entry at the least distance, the
/// distances rounded to the input type as MLX's `abs(y - lut)` is.
#[inline]
fn fp4_code<T: QElem>(y: f32) -> u8 {
    let mut best = 0u8;
    let mut best_d = f32::INFINITY;
    for (i, &l) in FP4_LUT.iter().enumerate() {
        let d = T::round((y - l).abs());
        if d < best_d {
            best_d = d;
            best = i as u8;
        }
    }
    best
}

/// Microscaling quantization (mxfp4, mxfp8, nvfp4) of `w` into packed bytes and one scale
/// byte per group.
pub(crate) fn quantize_fp<T: QElem>(w: &[T], mode: Mode, words: &mut [u8], scales: &mut [u8]) {
    let group = mode.group_size();
    let bits = mode.bits();
    let n_groups = w.len() / group;
    let gbytes = group * bits as usize / 8;
    let maxval: f32 = if bits == 4 { 6.0 } else { 448.0 };
    let (wp, sp) = (MutPtr(words.as_mut_ptr()), MutPtr(scales.as_mut_ptr()));
    run_parallel(n_groups.div_ceil(GROUPS_PER_TASK), &|t| {
        let g0 = t * GROUPS_PER_TASK;
        let g1 = (g0 + GROUPS_PER_TASK).min(n_groups);
        let mut codes = vec![0u8; group];
        for g in g0..g1 {
            let x = &w[g * group..(g + 1) * group];
            let amax = x.iter().fold(0f32, |m, v| m.max(v.to_f32().abs()));
            let s = T::round(amax / maxval);
            let (byte, div) = if mode == Mode::Nvfp4 {
                let b = to_e4m3(s);
                (b, T::round(from_e4m3(b)))
            } else {
                let e = if s == 0.0 { 0 } else { s.log2().ceil() as i32 };
                (e.wrapping_add(127) as u8, T::round(2f64.powi(e) as f32))
            };
            for (c, v) in codes.iter_mut().zip(x) {
                let y = T::round(v.to_f32() / div);
                *c = if bits == 4 {
                    fp4_code::<T>(y)
                } else {
                    to_e4m3(y)
                };
            }
            // SAFETY: group `g` owns its bytes and scale slot; tasks are disjoint.
            unsafe {
                if bits == 4 {
                    pack_codes(&codes, 4, wp.slice(g * gbytes, gbytes));
                } else {
                    wp.slice(g * gbytes, gbytes).copy_from_slice(&codes);
                }
                sp.slice(g, 1)[0] = byte;
            }
        }
    });
}
