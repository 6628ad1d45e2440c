//! Dequantization with MLX's roundings (its CPU build composes ops for this, so each
//! product and sum is rounded to the dtype it is computed in).
//!
//! - affine: `w = round_S(round_S(q · scale) + bias)` in the scales' dtype `S`, then cast
//!   to the output dtype;
//! - fp modes: `w = round_D(value · scale)` in the output dtype `D`, the scale being
//!   `2^(byte - 127)` (mx modes) or the E4M3 value (nvfp4), each rounded to `D` first.

use super::elem::QElem;
use super::formats::{from_e4m3, from_e8m0, FP4_LUT};
use super::layout::unpack_codes;
use super::quantize::MutPtr;
use super::Mode;
use crate::backend::cpu::threads::run_parallel;

/// Groups per parallel task.
const GROUPS_PER_TASK: usize = 256;

/// Affine dequantization of groups of `group` codes.
pub(crate) fn dequantize_affine<S: QElem, D: QElem>(
    words: &[u8],
    scales: &[S],
    biases: &[S],
    group: usize,
    bits: u32,
    out: &mut [D],
) {
    let n_groups = scales.len();
    let gbytes = group * bits as usize / 8;
    let op = MutPtr(out.as_mut_ptr());
    run_parallel(n_groups.div_ceil(GROUPS_PER_TASK), &|t| {
        let g0 = t * GROUPS_PER_TASK;
        let g1 = (g0 + GROUPS_PER_TASK).min(n_groups);
        let mut codes = vec![0u32; group];
        for g in g0..g1 {
            unpack_codes(
                &words[g * gbytes..(g + 1) * gbytes],
                bits,
                0,
                &mut codes,
                |c| c,
            );
            // SAFETY: group `g` owns output elements [g·group, (g+1)·group); tasks are
            // disjoint.
            let dst = unsafe { op.slice(g * group, group) };
            if S::WIDE {
                let (s, b) = (scales[g].to_f64(), biases[g].to_f64());
                for (d, &q) in dst.iter_mut().zip(&codes) {
                    *d = D::from_f64(q as f64 * s + b);
                }
            } else {
                let (s, b) = (scales[g].to_f32(), biases[g].to_f32());
                for (d, &q) in dst.iter_mut().zip(&codes) {
                    *d = D::from_f32(S::round(S::round(q as f32 * s) + b));
                }
            }
        }
    });
}

/// The float32 value of a scale byte of `mode`.
#[inline]
pub(crate) fn fp_scale(mode: Mode, byte: u8) -> f32 {
    if mode == Mode::Nvfp4 {
        from_e4m3(byte)
    } else {
        from_e8m0(byte)
    }
}

/// Dequantization of the microscaling modes.
pub(crate) fn dequantize_fp<D: QElem>(words: &[u8], scales: &[u8], mode: Mode, out: &mut [D]) {
    let group = mode.group_size();
    let bits = mode.bits();
    let n_groups = scales.len();
    let gbytes = group * bits as usize / 8;
    let op = MutPtr(out.as_mut_ptr());
    run_parallel(n_groups.div_ceil(GROUPS_PER_TASK), &|t| {
        let g0 = t * GROUPS_PER_TASK;
        let g1 = (g0 + GROUPS_PER_TASK).min(n_groups);
        let mut vals = vec![0f32; group];
        for g in g0..g1 {
            let src = &words[g * gbytes..(g + 1) * gbytes];
            if bits == 4 {
                unpack_codes(src, 4, 0, &mut vals, |c| FP4_LUT[c as usize]);
            } else {
                unpack_codes(src, 8, 0, &mut vals, |c| from_e4m3(c as u8));
            }
            let s = D::round(fp_scale(mode, scales[g]));
            // SAFETY: group `g` owns its output elements; tasks are disjoint.
            let dst = unsafe { op.slice(g * group, group) };
            for (d, &v) in dst.iter_mut().zip(&vals) {
                *d = D::from_f32(D::round(v * s));
            }
        }
    });
}
