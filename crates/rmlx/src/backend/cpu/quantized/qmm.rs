//! Products with quantized matrices, dequantizing on the fly, one group at a time; the
//! full dequantized weight matrix never exists.
//!
//! - **Decode path** (`x @ wᵀ` with few rows of `x`, the LLM decoding shape): each packed
//!   weight row is streamed once; per group, its codes are expanded into a stack buffer and
//!   dotted with the rows of `x`: `Σ_g s_g·(x_g · q_g) + b_g·Σ x_g` (the group sums of `x`
//!   are computed once). Output columns are split across the kernel threads.
//! - **Blocked path** (more rows, or `x @ w`): a panel of the weight (64 rows of `w` for
//!   `x @ wᵀ`, 128 columns for `x @ w`) is dequantized into a scratch buffer from the memory
//!   manager and multiplied with the GEMM of `backend::cpu::gemm`; panels run in parallel,
//!   each writing its own output columns.
//!
//! Accumulation is in float32 (float64 for float64 inputs); half-precision inputs are
//! converted by the caller.

use super::formats::{from_e4m3, FP4_LUT};
use super::layout::unpack_codes;
use super::quantize::MutPtr;
use crate::backend::cpu::gemm::{gemm_one, GemmElem};
use crate::backend::cpu::scratch::Scratch;
use crate::backend::cpu::simd::multiversion;
use crate::backend::cpu::threads::{num_threads, run_parallel};
use crate::error::Result;
use gemm::Parallelism;
use std::sync::Mutex;

/// How codes map to values before scaling.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Book {
    /// Unsigned integers (affine mode).
    Int,
    /// E2M1 (mxfp4, nvfp4).
    Fp4,
    /// E4M3 (mxfp8).
    Fp8,
}

/// Rows of `x` up to which `x @ wᵀ` takes the decode path.
const SMALL_M: usize = 16;
/// Largest group size (stack buffers).
const MAX_GROUP: usize = 128;

/// A stack of quantized matrices (`rows × len` elements each) with scales and biases
/// already converted to the accumulation type.
pub(crate) struct QWeights<'a, F> {
    pub bytes: &'a [u8],
    pub scales: &'a [F],
    pub biases: Option<&'a [F]>,
    pub rows: usize,
    pub len: usize,
    pub bits: u32,
    pub group: usize,
    pub book: Book,
}

impl<'a, F> QWeights<'a, F> {
    fn row_bytes(&self) -> usize {
        self.len * self.bits as usize / 8
    }
    fn groups(&self) -> usize {
        self.len / self.group
    }
    /// Matrix `b` of the stack.
    fn matrix(&self, b: usize) -> QWeights<'a, F> {
        let (nb, ns) = (self.rows * self.row_bytes(), self.rows * self.groups());
        QWeights {
            bytes: &self.bytes[b * nb..(b + 1) * nb],
            scales: &self.scales[b * ns..(b + 1) * ns],
            biases: self.biases.map(|v| &v[b * ns..(b + 1) * ns]),
            ..*self
        }
    }
}

/// The accumulation types (float32, float64).
pub(crate) trait Acc:
    GemmElem + super::elem::QElem + num_traits::Float + Send + Sync + FusedRow
{
    /// `Σ a_i b_i`.
    fn dot(a: &[Self], b: &[Self]) -> Self {
        a.iter().zip(b).fold(Self::zero(), |s, (x, y)| s + *x * *y)
    }
    /// Code values of `out.len()` elements of `row` from element `start`.
    fn decode(book: Book, bits: u32, row: &[u8], start: usize, out: &mut [Self]) {
        decode_generic(book, bits, row, start, out)
    }
}

fn decode_generic<F: Acc>(book: Book, bits: u32, row: &[u8], start: usize, out: &mut [F]) {
    match book {
        Book::Int => unpack_codes(row, bits, start, out, |c| F::from_f32(c as f32)),
        Book::Fp4 => unpack_codes(row, 4, start, out, |c| F::from_f32(FP4_LUT[c as usize])),
        Book::Fp8 => unpack_codes(row, 8, start, out, |c| F::from_f32(from_e4m3(c as u8))),
    }
}

multiversion! {
    fn dot_f32<>(a: &[f32], b: &[f32], out: &mut f32) {
        let mut acc = [0f32; 16];
        let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
        let (ra, rb) = (ca.remainder(), cb.remainder());
        for (x, y) in ca.zip(cb) {
            for i in 0..16 {
                acc[i] += x[i] * y[i];
            }
        }
        let mut s: f32 = acc.iter().sum();
        for (x, y) in ra.iter().zip(rb) {
            s += x * y;
        }
        *out = s;
    }
}

multiversion! {
    fn decode_int4<>(row: &[u8], out: &mut [f32]) {
        for (w, o) in row.chunks_exact(4).zip(out.chunks_exact_mut(8)) {
            let w = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
            for (p, v) in o.iter_mut().enumerate() {
                *v = ((w >> (4 * p)) & 15) as f32;
            }
        }
    }
}

multiversion! {
    fn decode_int8<>(row: &[u8], out: &mut [f32]) {
        for (b, o) in row.iter().zip(out.iter_mut()) {
            *o = *b as f32;
        }
    }
}

multiversion! {
    /// One output of `x · row` for a 4-bit affine row, in one call: per group, the codes are
    /// widened in eight lanes and multiplied with `x`, the lanes scaled by the group's scale;
    /// the bias term is `Σ_g b_g · Σ x_g`.
    fn row_int4_affine<>(
        row: &[u8],
        x: &[f32],
        xsum: &[f32],
        scales: &[f32],
        biases: &[f32],
        gs: usize,
        out: &mut f32,
    ) {
        let mut tot = [0f32; 8];
        let mut bias = 0f32;
        for (g, (wg, xg)) in row.chunks_exact(gs / 2).zip(x.chunks_exact(gs)).enumerate() {
            let mut acc = [0f32; 8];
            for (wb, xc) in wg.chunks_exact(4).zip(xg.chunks_exact(8)) {
                let w = u32::from_le_bytes([wb[0], wb[1], wb[2], wb[3]]);
                for p in 0..8 {
                    acc[p] += xc[p] * ((w >> (4 * p)) & 15) as f32;
                }
            }
            let sc = scales[g];
            for p in 0..8 {
                tot[p] += sc * acc[p];
            }
            bias += biases[g] * xsum[g];
        }
        *out = tot.iter().sum::<f32>() + bias;
    }
}

/// The fused 4-bit affine row product for float32 (`None` for other types and layouts).
pub(crate) trait FusedRow: Sized {
    #[allow(clippy::too_many_arguments)]
    fn fused_row(
        _w: &QWeights<'_, Self>,
        _row: &[u8],
        _r: usize,
        _x: &[Self],
        _xsum: &[Self],
    ) -> Option<Self> {
        None
    }
}
impl FusedRow for f64 {}
impl FusedRow for f32 {
    fn fused_row(
        w: &QWeights<'_, f32>,
        row: &[u8],
        r: usize,
        x: &[f32],
        xsum: &[f32],
    ) -> Option<f32> {
        let b = w.biases?;
        if w.book != Book::Int || w.bits != 4 {
            return None;
        }
        let ng = w.groups();
        let mut out = 0f32;
        row_int4_affine(
            row,
            x,
            xsum,
            &w.scales[r * ng..(r + 1) * ng],
            &b[r * ng..(r + 1) * ng],
            w.group,
            &mut out,
        );
        Some(out)
    }
}

impl Acc for f32 {
    fn dot(a: &[f32], b: &[f32]) -> f32 {
        let mut s = 0.0;
        dot_f32(a, b, &mut s);
        s
    }
    fn decode(book: Book, bits: u32, row: &[u8], start: usize, out: &mut [f32]) {
        let b0 = start * bits as usize / 8;
        let nb = out.len() * bits as usize / 8;
        match (book, bits) {
            (Book::Int, 4) => decode_int4(&row[b0..b0 + nb], out),
            (Book::Int, 8) => decode_int8(&row[b0..b0 + nb], out),
            _ => decode_generic(book, bits, row, start, out),
        }
    }
}
impl Acc for f64 {}

/// `out (m × n) = x (m × k) @ op(w)` for each `(x block, w matrix)` pair, `op(w) = wᵀ`
/// when `transpose`. Blocks of `x` are `m × k` row-major; `out` holds one `m × n` block per
/// pair.
pub(crate) fn qmm<F: Acc>(
    x: &[F],
    w: &QWeights<'_, F>,
    pairs: &[(usize, usize)],
    m: usize,
    transpose: bool,
    out: &mut [F],
) -> Result<()> {
    let (k, n) = if transpose {
        (w.len, w.rows)
    } else {
        (w.rows, w.len)
    };
    for (p, &(xi, wi)) in pairs.iter().enumerate() {
        let xb = &x[xi * m * k..(xi + 1) * m * k];
        let ob = &mut out[p * m * n..(p + 1) * m * n];
        let wb = w.matrix(wi);
        if m == 0 || n == 0 {
            continue;
        }
        if k == 0 {
            ob.fill(F::zero());
        } else if transpose && m <= SMALL_M {
            decode_path(xb, &wb, m, ob);
        } else {
            blocked_path(xb, &wb, m, transpose, ob)?;
        }
    }
    Ok(())
}

/// `x @ wᵀ` for few rows: one pass over the packed rows of `w`.
fn decode_path<F: Acc>(x: &[F], w: &QWeights<'_, F>, m: usize, out: &mut [F]) {
    let (k, n, gs, ng) = (w.len, w.rows, w.group, w.groups());
    let rb = w.row_bytes();
    // Σ x over each group (affine only: the bias term).
    let xsum: Vec<F> = match w.biases {
        Some(_) => x
            .chunks_exact(gs)
            .map(|c| c.iter().fold(F::zero(), |s, v| s + *v))
            .collect(),
        None => Vec::new(),
    };
    let chunk = n.div_ceil(num_threads() * 4).max(16);
    let op = MutPtr(out.as_mut_ptr());
    run_parallel(n.div_ceil(chunk), &|t| {
        let mut vals = [F::zero(); MAX_GROUP];
        let vals = &mut vals[..gs];
        let mut acc = [F::zero(); SMALL_M];
        for r in t * chunk..((t + 1) * chunk).min(n) {
            let row = &w.bytes[r * rb..(r + 1) * rb];
            if m == 1 {
                if let Some(v) = F::fused_row(w, row, r, x, &xsum) {
                    // SAFETY: (0, r) lies in the 1 × n output; row r belongs to one task.
                    unsafe { op.slice(r, 1)[0] = v };
                    continue;
                }
            }
            acc[..m].fill(F::zero());
            for g in 0..ng {
                F::decode(w.book, w.bits, row, g * gs, vals);
                let s = w.scales[r * ng + g];
                for (i, a) in acc[..m].iter_mut().enumerate() {
                    let d = F::dot(&x[i * k + g * gs..i * k + (g + 1) * gs], vals);
                    *a = *a + s * d;
                    if let Some(b) = w.biases {
                        *a = *a + b[r * ng + g] * xsum[i * ng + g];
                    }
                }
            }
            for (i, a) in acc[..m].iter().enumerate() {
                // SAFETY: (i, r) lies in the m × n output; each row r belongs to one task.
                unsafe { op.slice(i * n + r, 1)[0] = *a };
            }
        }
    });
}

/// Elements `start..start + out.len()` of row `r` of `w`, dequantized.
fn dequant_range<F: Acc>(w: &QWeights<'_, F>, r: usize, start: usize, out: &mut [F]) {
    let rb = w.row_bytes();
    F::decode(w.book, w.bits, &w.bytes[r * rb..(r + 1) * rb], start, out);
    let g0 = r * w.groups() + start / w.group;
    for (j, vals) in out.chunks_mut(w.group).enumerate() {
        let s = w.scales[g0 + j];
        match w.biases {
            Some(b) => {
                let b = b[g0 + j];
                vals.iter_mut().for_each(|v| *v = *v * s + b);
            }
            None => vals.iter_mut().for_each(|v| *v = *v * s),
        }
    }
}

/// Weight rows (`x @ wᵀ`) or columns (`x @ w`) per panel.
const PANEL_ROWS: usize = 64;
const PANEL_COLS: usize = 128;

/// Panels of `w` dequantized into scratch and multiplied with GEMM.
fn blocked_path<F: Acc>(
    x: &[F],
    w: &QWeights<'_, F>,
    m: usize,
    transpose: bool,
    out: &mut [F],
) -> Result<()> {
    let (k, n) = if transpose {
        (w.len, w.rows)
    } else {
        (w.rows, w.len)
    };
    // Columns of the output per panel (a multiple of the group size for `x @ w`).
    let width = if transpose {
        PANEL_ROWS
    } else {
        (PANEL_COLS / w.group).max(1) * w.group
    };
    let panels = n.div_ceil(width);
    let first_err: Mutex<Option<crate::Error>> = Mutex::new(None);
    let op = MutPtr(out.as_mut_ptr());
    let xp = crate::backend::cpu::elementwise::SendPtr(x.as_ptr());
    run_parallel(panels, &|p| {
        let n0 = p * width;
        let nb = width.min(n - n0);
        let mut panel = match Scratch::filled(nb * k, F::zero()) {
            Ok(s) => s,
            Err(e) => {
                *first_err.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                return;
            }
        };
        // The panel holds op(w)[:, n0..n0+nb]: as rows of w (nb × k) for wᵀ, or as the
        // column block of every row of w (k × nb) for w.
        let rhs_rc = if transpose {
            for (j, dst) in panel.chunks_exact_mut(k).enumerate() {
                dequant_range(w, n0 + j, 0, dst);
            }
            (1, k as isize)
        } else {
            for (r, dst) in panel.chunks_exact_mut(nb).enumerate() {
                dequant_range(w, r, n0, dst);
            }
            (nb as isize, 1)
        };
        // SAFETY: the destination is columns n0..n0+nb of the m × n output (row stride n),
        // written by this panel only; `x` is m × k row-major and the panel holds nb · k
        // elements laid out as `rhs_rc` describes.
        unsafe {
            gemm_one(
                (m, nb, k),
                op.ptr().add(n0),
                n as isize,
                false,
                (xp.get(), (k as isize, 1)),
                (panel.as_ptr(), rhs_rc),
                F::zero(),
                F::one(),
                Parallelism::None,
            )
        }
    });
    match first_err.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
