//! The `RoPE` kernel: a table of (cos, sin) per position and frequency, computed once per
//! distinct position (shared by every head), then one pass over the rows of `x` rotating
//! feature pairs. Angles follow MLX's float32 arithmetic (float64 for float64 inputs):
//! `theta = ((offset + t) · scale) · inv_freq`.

use super::accumulate::{Arith, FloatAcc, FloatElem};
use super::fast_rows::{vector, Rows};
use super::scratch::Scratch;
use super::threads::{num_threads, par_chunks_mut, PARALLEL_THRESHOLD};
use crate::array::ArrayData;
use crate::error::Result;

/// The compute types of `rope` (f32 and f64): angle arithmetic in that type.
pub(crate) trait Angle: FloatAcc {
    fn from_i64(v: i64) -> Self;
    fn from_f32(v: f32) -> Self;
    fn sin_cos(self) -> (Self, Self);
    /// `-ln(base) / half`, rounded as MLX computes it.
    fn log_step(base: f32, half: usize) -> Self;
    fn recip(self) -> Self;
}

impl Angle for f32 {
    fn from_i64(v: i64) -> f32 {
        v as f32
    }
    fn from_f32(v: f32) -> f32 {
        v
    }
    fn sin_cos(self) -> (f32, f32) {
        (super::vmath::sin_f32(self), super::vmath::cos_f32(self))
    }
    fn log_step(base: f32, half: usize) -> f32 {
        -base.ln() / half as f32
    }
    fn recip(self) -> f32 {
        1.0 / self
    }
}

impl Angle for f64 {
    fn from_i64(v: i64) -> f64 {
        v as f64
    }
    fn from_f32(v: f32) -> f64 {
        v as f64
    }
    fn sin_cos(self) -> (f64, f64) {
        f64::sin_cos(self)
    }
    fn log_step(base: f32, half: usize) -> f64 {
        -(base as f64).ln() / half as f64
    }
    fn recip(self) -> f64 {
        1.0 / self
    }
}

/// The constant parameters of a rotation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RopeParams {
    pub dims: usize,
    pub traditional: bool,
    pub base: f32,
    pub scale: f32,
    pub offset: i32,
}

/// Rotates the first `dims` features of every row of `x` (logical `shape`, at least 3-D)
/// into the row-major `out`. `offsets` (int32 data and its count: 1, or one per
/// batch element) replace the constant offset; `freqs` (of the compute type) replaces the base.
pub(crate) fn rope<T: FloatElem>(
    x: &ArrayData,
    shape: &[i32],
    p: &RopeParams,
    offsets: Option<(&ArrayData, usize)>,
    freqs: Option<&ArrayData>,
    out: &mut [T],
) -> Result<()>
where
    T::F: Angle,
{
    let rows = Rows::new(x, shape);
    let (d, nd) = (rows.len, shape.len());
    if d == 0 || out.is_empty() {
        return Ok(());
    }
    let t_len = shape[nd - 2].max(1) as usize;
    let half = p.dims / 2;
    let inv: Vec<T::F> = match freqs {
        Some(f) => vector(f, half, |v: T::F| v.recip()),
        None => {
            let step = T::F::log_step(p.base, half);
            (0..half)
                .map(|i| FloatAcc::exp(T::F::from_i64(i as i64).mul(step)))
                .collect()
        }
    };
    // Offsets: one per batch element, or one for all.
    let offs: Vec<i64> = match offsets {
        Some((o, count)) => vector(o, count, |v: i32| v as i64),
        None => vec![p.offset as i64],
    };
    let sets = offs.len();
    // (cos, sin) of every (offset set, position, frequency).
    let mut table = Scratch::filled(sets * t_len * half * 2, T::F::ZERO)?;
    let scale = T::F::from_f32(p.scale);
    let fill = |set_t: usize, row: &mut [T::F]| {
        let (set, t) = (set_t / t_len, set_t % t_len);
        let pos = T::F::from_i64(offs[set] + t as i64).mul(scale);
        for (i, cs) in row.chunks_exact_mut(2).enumerate() {
            let (s, c) = pos.mul(inv[i]).sin_cos();
            cs[0] = c;
            cs[1] = s;
        }
    };
    if half > 0 {
        if table.len() < PARALLEL_THRESHOLD {
            table
                .chunks_mut(half * 2)
                .enumerate()
                .for_each(|(i, r)| fill(i, r));
        } else {
            par_chunks_mut(&mut table, half * 2, fill);
        }
    }
    let n_rows = out.len() / d;
    let rows_per_set = if sets > 1 { n_rows / sets } else { n_rows };
    let table = &table[..];
    let run = |r0: usize, dst: &mut [T]| {
        let mut tmp = Vec::new();
        for (i, o) in dst.chunks_mut(d).enumerate() {
            let r = r0 + i;
            let src = rows.row(x, r, &mut tmp);
            let set = (r / rows_per_set.max(1)).min(sets - 1);
            let base = (set * t_len + r % t_len) * half * 2;
            rotate_row(src, o, &table[base..base + half * 2], p.dims, p.traditional);
        }
    };
    if out.len() < PARALLEL_THRESHOLD || n_rows < 2 {
        run(0, out);
    } else {
        let per = n_rows.div_ceil(num_threads() * 4).max(1);
        par_chunks_mut(out, per * d, |i, o| run(i * per, o));
    }
    Ok(())
}

/// Rotates one row with its (cos, sin) pairs; features past `dims` are copied.
fn rotate_row<T: FloatElem>(src: &[T], dst: &mut [T], cs: &[T::F], dims: usize, trad: bool)
where
    T::F: Angle,
{
    let half = dims / 2;
    for i in 0..half {
        let (c, s) = (cs[2 * i], cs[2 * i + 1]);
        let (ia, ib) = if trad {
            (2 * i, 2 * i + 1)
        } else {
            (i, i + half)
        };
        let (a, b) = (src[ia].widen(), src[ib].widen());
        dst[ia] = T::narrow(a.mul(c) - b.mul(s));
        dst[ib] = T::narrow(a.mul(s).add(b.mul(c)));
    }
    dst[dims..].copy_from_slice(&src[dims..]);
}
