//! `mx.fft`: discrete Fourier transforms (fft, ifft, fft2, ifft2, fftn, ifftn, rfft, irfft,
//! rfft2, irfft2, rfftn, irfftn), the sample frequencies (fftfreq, rfftfreq) and the
//! spectrum shifts (fftshift, ifftshift), with MLX's arguments, dtypes and errors.
//!
//! Every transform goes through `fft_nd`: it validates like MLX's `fftn`, casts (complex
//! transforms and inverse real ones read complex64, forward real ones float32: a complex
//! input gives its real part), crops or zero-pads each axis to the requested size with
//! `slice`/`pad` (so their transform rules carry over) and builds one `FFT` primitive.
//! Results are complex64, or float32 for the inverse real transforms, whatever the input.

use super::op_stream;
use crate::array::Array;
use crate::dtype::Dtype;
use crate::error::{bail, Error, Result};
use crate::primitives::fft::Fft;

/// Normalisation of a transform pair (`norm=` in MLX and NumPy).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FftNorm {
    /// Forward unscaled, inverse divided by `n` (the default).
    #[default]
    Backward,
    /// Both divided by `sqrt(n)`.
    Ortho,
    /// Forward divided by `n`, inverse unscaled.
    Forward,
}

impl FftNorm {
    /// MLX's names; anything else is MLX's ValueError naming the function `func`.
    pub fn parse(func: &str, s: &str) -> Result<FftNorm> {
        Ok(match s {
            "backward" => FftNorm::Backward,
            "ortho" => FftNorm::Ortho,
            "forward" => FftNorm::Forward,
            _ => {
                bail!("[{func}] Invalid norm. Expected one of {{'backward', 'ortho', 'forward'}}.")
            }
        })
    }

    /// The factor for a transform of `n` points in all.
    fn scale(self, n: f64, inverse: bool) -> f32 {
        let s = match (self, inverse) {
            (FftNorm::Ortho, _) => 1.0 / n.sqrt(),
            (FftNorm::Backward, true) | (FftNorm::Forward, false) => 1.0 / n,
            _ => 1.0,
        };
        s as f32
    }
}

fn index_error(ndim: usize) -> Error {
    Error::Index(format!(
        "[fftn] Invalid axis received for array with {ndim} dimensions."
    ))
}

fn joined<T: std::fmt::Display>(v: &[T]) -> String {
    v.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The sizes of `axes` in `a` (`s` when it is not given), the last one turned into the
/// real length `2·(m - 1)` for inverse real transforms. An axis out of range is an
/// IndexError, as in MLX.
fn default_sizes(a: &Array, axes: &[i32], inverse_real: bool) -> Result<Vec<i32>> {
    let nd = a.ndim() as i32;
    let mut s = Vec::with_capacity(axes.len());
    for &ax in axes {
        if ax < -nd || ax >= nd {
            return Err(index_error(a.ndim()));
        }
        s.push(a.shape()[ax.rem_euclid(nd.max(1)) as usize]);
    }
    if inverse_real {
        if let Some(last) = s.last_mut() {
            *last = 2 * (*last - 1);
        }
    }
    Ok(s)
}

/// The shared transform: MLX's `fftn(a, s, axes, inverse, real)` plus `norm`.
fn fft_nd(
    a: &Array,
    s: Option<&[i32]>,
    axes: &[i32],
    norm: FftNorm,
    inverse: bool,
    real: bool,
) -> Result<Array> {
    let s = match s {
        Some(s) => s.to_vec(),
        None => default_sizes(a, axes, real && inverse)?,
    };
    let nd = a.ndim();
    if nd < 1 {
        bail!("[fftn] Requires array with at least one dimension.");
    }
    if axes.is_empty() {
        return Ok(a.clone());
    }
    if s.len() != axes.len() {
        bail!("[fftn] Shape and axes have different sizes.");
    }
    let mut valid = Vec::with_capacity(axes.len());
    for &ax in axes {
        if ax < -(nd as i32) || ax >= nd as i32 {
            return Err(index_error(nd));
        }
        let ax = ax.rem_euclid(nd as i32) as usize;
        if valid.contains(&ax) {
            bail!("[fftn] Duplicated axis received ({})", joined(axes));
        }
        valid.push(ax);
    }
    if s.iter().any(|&n| n <= 0) {
        bail!("[fftn] Invalid FFT output size requested ({})", joined(&s));
    }
    let in_dt = if real && !inverse {
        Dtype::Float32
    } else {
        Dtype::Complex64
    };
    let x = super::astype(a, in_dt)?;
    // The input sizes the primitive reads: `s`, except `n/2 + 1` on the real axis of an
    // inverse real transform.
    let last = valid.len() - 1;
    let mut in_shape = x.shape().to_vec();
    let mut out_shape = in_shape.clone();
    for (i, (&ax, &n)) in valid.iter().zip(&s).enumerate() {
        in_shape[ax] = if real && inverse && i == last {
            n / 2 + 1
        } else {
            n
        };
        out_shape[ax] = if real && !inverse && i == last {
            n / 2 + 1
        } else {
            n
        };
    }
    let x = resize(&x, &in_shape)?;
    let total: f64 = s.iter().map(|&n| f64::from(n)).product();
    let out_dt = if real && inverse {
        Dtype::Float32
    } else {
        Dtype::Complex64
    };
    let prim = Fft {
        axes: valid,
        inverse,
        real,
        scale: norm.scale(total, inverse),
    };
    fft_array(prim, &x, out_shape, out_dt)
}

/// The `FFT` primitive applied to `x` (already cast and sized).
pub(crate) fn fft_array(prim: Fft, x: &Array, shape: Vec<i32>, dt: Dtype) -> Result<Array> {
    let st = op_stream("fft")?;
    Ok(Array::from_op(shape, dt, st, prim, vec![x.clone()]))
}

/// `x` cropped (leading elements kept) and zero-padded (at the end) to `shape`.
pub(crate) fn resize(x: &Array, shape: &[i32]) -> Result<Array> {
    let cur = x.shape().to_vec();
    let mut y = x.clone();
    if cur.iter().zip(shape).any(|(c, s)| s < c) {
        let start = vec![0; cur.len()];
        let stop: Vec<i32> = cur.iter().zip(shape).map(|(&c, &s)| c.min(s)).collect();
        y = super::slice(&y, &start, &stop, &vec![1; cur.len()])?;
    }
    if cur.iter().zip(shape).any(|(c, s)| s > c) {
        let widths: Vec<(i32, i32)> = y
            .shape()
            .iter()
            .zip(shape)
            .map(|(&c, &s)| (0, (s - c).max(0)))
            .collect();
        let zero = super::zeros(&[], y.dtype())?;
        y = super::pad(&y, &widths, &zero, super::PadMode::Constant)?;
    }
    Ok(y)
}

fn one_axis(
    a: &Array,
    n: Option<i32>,
    axis: i32,
    norm: FftNorm,
    inverse: bool,
    real: bool,
) -> Result<Array> {
    let s = n.map(|n| vec![n]);
    fft_nd(a, s.as_deref(), &[axis], norm, inverse, real)
}

/// All axes when `axes` is `None` (then `s` must be `None` too, as in MLX).
fn n_axes(
    func: &str,
    a: &Array,
    s: Option<&[i32]>,
    axes: Option<&[i32]>,
    norm: FftNorm,
    inverse: bool,
    real: bool,
) -> Result<Array> {
    match axes {
        Some(axes) => fft_nd(a, s, axes, norm, inverse, real),
        None if s.is_some() => {
            bail!("[{func}] `axes` should not be `None` if `s` is not `None`.")
        }
        None => {
            let all: Vec<i32> = (0..a.ndim() as i32).collect();
            fft_nd(a, None, &all, norm, inverse, real)
        }
    }
}

const LAST_TWO: [i32; 2] = [-2, -1];

/// One-dimensional DFT along `axis` (`n`: crop or zero-pad that axis first).
pub fn fft(a: &Array, n: Option<i32>, axis: i32, norm: FftNorm) -> Result<Array> {
    one_axis(a, n, axis, norm, false, false)
}

/// One-dimensional inverse DFT along `axis`.
pub fn ifft(a: &Array, n: Option<i32>, axis: i32, norm: FftNorm) -> Result<Array> {
    one_axis(a, n, axis, norm, true, false)
}

/// DFT of a real input along `axis`: the `n/2 + 1` non-negative frequencies.
pub fn rfft(a: &Array, n: Option<i32>, axis: i32, norm: FftNorm) -> Result<Array> {
    one_axis(a, n, axis, norm, false, true)
}

/// Inverse of `rfft`: `n` real values (default `2·(m - 1)` from the `m` input values).
pub fn irfft(a: &Array, n: Option<i32>, axis: i32, norm: FftNorm) -> Result<Array> {
    one_axis(a, n, axis, norm, true, true)
}

/// Two-dimensional DFT over `axes` (default the last two).
pub fn fft2(a: &Array, s: Option<&[i32]>, axes: Option<&[i32]>, norm: FftNorm) -> Result<Array> {
    fft_nd(a, s, axes.unwrap_or(&LAST_TWO), norm, false, false)
}

/// Two-dimensional inverse DFT over `axes` (default the last two).
pub fn ifft2(a: &Array, s: Option<&[i32]>, axes: Option<&[i32]>, norm: FftNorm) -> Result<Array> {
    fft_nd(a, s, axes.unwrap_or(&LAST_TWO), norm, true, false)
}

/// Two-dimensional real DFT over `axes` (default the last two; the last is the real one).
pub fn rfft2(a: &Array, s: Option<&[i32]>, axes: Option<&[i32]>, norm: FftNorm) -> Result<Array> {
    fft_nd(a, s, axes.unwrap_or(&LAST_TWO), norm, false, true)
}

/// Inverse of `rfft2`.
pub fn irfft2(a: &Array, s: Option<&[i32]>, axes: Option<&[i32]>, norm: FftNorm) -> Result<Array> {
    fft_nd(a, s, axes.unwrap_or(&LAST_TWO), norm, true, true)
}

/// n-dimensional DFT over `axes` (`None`: every axis; `s` then must be `None`).
pub fn fftn(a: &Array, s: Option<&[i32]>, axes: Option<&[i32]>, norm: FftNorm) -> Result<Array> {
    n_axes("fftn", a, s, axes, norm, false, false)
}

/// n-dimensional inverse DFT over `axes`.
pub fn ifftn(a: &Array, s: Option<&[i32]>, axes: Option<&[i32]>, norm: FftNorm) -> Result<Array> {
    n_axes("ifftn", a, s, axes, norm, true, false)
}

/// n-dimensional real DFT over `axes` (the last listed axis is the real one).
pub fn rfftn(a: &Array, s: Option<&[i32]>, axes: Option<&[i32]>, norm: FftNorm) -> Result<Array> {
    n_axes("rfftn", a, s, axes, norm, false, true)
}

/// Inverse of `rfftn`.
pub fn irfftn(a: &Array, s: Option<&[i32]>, axes: Option<&[i32]>, norm: FftNorm) -> Result<Array> {
    n_axes("irfftn", a, s, axes, norm, true, true)
}

/// The sample frequencies `[0, 1, …, ⌈n/2⌉-1, -⌊n/2⌋, …, -1] / (d·n)` (float32).
pub fn fftfreq(n: i32, d: f64) -> Result<Array> {
    if n <= 0 {
        bail!("[fftfreq] `n` must be greater than 0.");
    }
    if d == 0.0 {
        bail!("[fftfreq] `d` must be non-zero.");
    }
    let step = 1.0 / (d * f64::from(n));
    let v: Vec<f32> = (0..n)
        .map(|i| {
            let k = if i < (n + 1) / 2 { i } else { i - n };
            (f64::from(k) * step) as f32
        })
        .collect();
    Array::from_slice(&v, &[n])
}

/// The non-negative sample frequencies `[0, 1, …, ⌊n/2⌋] / (d·n)` (float32).
pub fn rfftfreq(n: i32, d: f64) -> Result<Array> {
    if n <= 0 {
        bail!("[rfftfreq] `n` must be greater than 0.");
    }
    if d == 0.0 {
        bail!("[rfftfreq] `d` must be non-zero.");
    }
    let step = 1.0 / (d * f64::from(n));
    let v: Vec<f32> = (0..=n / 2).map(|i| (f64::from(i) * step) as f32).collect();
    Array::from_slice(&v, &[n / 2 + 1])
}

/// Rolls each of `axes` (every axis when `None`) by `shift(len)`; a repeated axis rolls
/// again, as in MLX.
fn shift_axes(func: &str, a: &Array, axes: Option<&[i32]>, shift: fn(i32) -> i32) -> Result<Array> {
    let nd = a.ndim();
    let axes: Vec<i32> = match axes {
        Some(ax) => ax.to_vec(),
        None => (0..nd as i32).collect(),
    };
    let mut shifts = Vec::with_capacity(axes.len());
    for &ax in &axes {
        if ax < -(nd as i32) || ax >= nd as i32 {
            return Err(Error::Index(format!(
                "[{func}] Invalid axis {ax} for array with {nd} dimensions."
            )));
        }
        shifts.push(shift(a.shape()[ax.rem_euclid(nd as i32) as usize]));
    }
    if axes.is_empty() {
        return Ok(a.clone());
    }
    super::roll(a, &shifts, Some(&axes))
}

/// Moves the zero frequency to the centre: rolls each axis by `len / 2`.
pub fn fftshift(a: &Array, axes: Option<&[i32]>) -> Result<Array> {
    shift_axes("fftshift", a, axes, |n| n / 2)
}

/// Inverse of `fftshift`: rolls each axis by `-(len / 2)`.
pub fn ifftshift(a: &Array, axes: Option<&[i32]>) -> Result<Array> {
    shift_axes("ifftshift", a, axes, |n| -(n / 2))
}
