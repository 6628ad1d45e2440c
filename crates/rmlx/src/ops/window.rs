//! Window functions: `bartlett`, `blackman`, `hamming`, `hanning` (float32, NumPy's
//! definitions). `M < 1` gives an empty window and `M == 1` the single value 1, as in
//! MLX; otherwise `n = 0..M` and the same float32 formulas as MLX:
//! - Bartlett: `1 - |n * (2/(M-1)) - 1|`
//! - Hanning: `sin(n * (π/(M-1)))²`
//! - Hamming: `0.54 - 0.46 cos(n * (2π/(M-1)))`
//! - Blackman: `0.34 - 0.5 c + 0.16 c²` with `c = cos(n * (2π/(M-1)))` (the usual
//!   `0.42 - 0.5 c + 0.08 cos(2x)` with `cos(2x) = 2c² - 1`).

use crate::array::Array;
use crate::dtype::Dtype;
use crate::error::Result;
use std::f64::consts::PI;

/// `Some(n * scale)` over `n = 0..m` in float32 for `m >= 2`; `None` for the edge cases,
/// which [`edge`] answers.
fn ramp(m: i32, scale: f64) -> Result<Option<Array>> {
    if m < 2 {
        return Ok(None);
    }
    let n = super::arange(0.0, m as f64, 1.0, Dtype::Float32)?;
    let step = scale / (m - 1) as f64;
    Ok(Some(super::multiply(&n, &Array::scalar(step as f32))?))
}

/// The window of fewer than two points: empty, or `[1]`.
fn edge(m: i32) -> Result<Array> {
    super::ones(&[m.clamp(0, 1)], Dtype::Float32)
}

fn f(v: f32) -> Array {
    Array::scalar(v)
}

/// The Bartlett (triangular) window of `m` points.
pub fn bartlett(m: i32) -> Result<Array> {
    let Some(x) = ramp(m, 2.0)? else {
        return edge(m);
    };
    let centred = super::abs(&super::subtract(&x, &f(1.0))?)?;
    super::subtract(&f(1.0), &centred)
}

/// The Hann window of `m` points.
pub fn hanning(m: i32) -> Result<Array> {
    let Some(x) = ramp(m, PI)? else {
        return edge(m);
    };
    super::square(&super::sin(&x)?)
}

/// The Hamming window of `m` points.
pub fn hamming(m: i32) -> Result<Array> {
    let Some(x) = ramp(m, 2.0 * PI)? else {
        return edge(m);
    };
    let c = super::cos(&x)?;
    super::subtract(&f(0.54), &super::multiply(&f(0.46), &c)?)
}

/// The Blackman window of `m` points.
pub fn blackman(m: i32) -> Result<Array> {
    let Some(x) = ramp(m, 2.0 * PI)? else {
        return edge(m);
    };
    let c = super::cos(&x)?;
    let lin = super::subtract(&f(0.34), &super::multiply(&f(0.5), &c)?)?;
    super::add(&lin, &super::multiply(&f(0.16), &super::square(&c)?)?)
}
