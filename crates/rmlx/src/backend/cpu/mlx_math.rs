//! Element functions computed exactly as MLX's CPU build computes them, for results that must
//! match MLX bit for bit (the `mx.random` distributions, `erfinv`).
//!
//! MLX's CPU backend evaluates its transcendental functions one of two ways:
//! - through the C library (`log`, `log1p`: glibc's `logf`/`log1pf`, `log`/`log1p`), which
//!   Rust's `f32::ln`/`f32::ln_1p`/`f64::ln`/`f64::ln_1p` call on Linux as well;
//! - with its own short polynomials in float32 (`exp`, `erf`, `erfinv`), whatever the input
//!   type: half types widen to float32 and float64 goes through float32 too.
//!
//! These are scalar functions; the fast vectorized kernels of [`super::vmath`] stay the
//! default for `mx.exp`/`mx.log`/`mx.erf`, where ≤ 2 ulp matters more than MLX's exact bits.
//!
//! Fused multiply-adds are real fused operations (`mul_add`): the polynomials were designed
//! for them and MLX evaluates them with `fma`, so a separate product and sum would round twice.

#![allow(clippy::excessive_precision)]

/// e^x as MLX computes it: x·log2(e) split at the nearest integer n, a degree-6 polynomial
/// for 2^f on f in [-1/2, 1/2], and 2^n put into the exponent bits. Inputs above 88 give
/// +inf, below -88 give 0 (no subnormal results), NaN passes.
#[inline]
pub(crate) fn exp_f32(x: f32) -> f32 {
    // MLX's literal, written as MLX writes it (not `LOG2_E`'s digits).
    #[allow(clippy::approx_constant)]
    let t = x * 1.442695f32;
    let n = (t + 0.5).floor();
    let f = t - n;
    let mut p = 1.535336188319500e-4f32;
    for c in [
        1.339887440266574e-3f32,
        9.618437357674640e-3,
        5.550332471162809e-2,
        2.402264791363012e-1,
        6.931472028550421e-1,
        1.0,
    ] {
        p = p.mul_add(f, c);
    }
    // n is in [-127, 128] wherever the result is used (|x| <= 88); beyond, the selects
    // below replace it, so the wrapping shift only has to be well defined.
    let scale = f32::from_bits(((n as i32).wrapping_add(127) as u32).wrapping_shl(23));
    if x.is_nan() {
        x
    } else if x > 88.0 {
        f32::INFINITY
    } else if x < -88.0 {
        0.0
    } else {
        scale * p
    }
}

/// erf(x) as MLX computes it: Abramowitz and Stegun's formula 7.1.26,
/// `1 - t·P(t)·e^(-x²)` with `t = 1 / (1 + 0.3275911·|x|)`, sign restored at the end
/// (x <= 0, NaN included, takes the negated value).
#[inline]
pub(crate) fn erf_f32(x: f32) -> f32 {
    let t = 1.0 / 0.3275911f32.mul_add(x.abs(), 1.0);
    let mut r = 1.061405429f32.mul_add(t, -1.453152027);
    r = r.mul_add(t, 1.421413741);
    r = r.mul_add(t, -0.284496736);
    r = r.mul_add(t, 0.254829592);
    let e = -exp_f32(-x * x);
    let y = (e * t).mul_add(r, 1.0);
    if x > 0.0 {
        y
    } else {
        -y
    }
}

/// Tail branch of [`erfinv_f32`] (|log(1 - a²)| > 6.125), highest degree first.
const ERFINV_TAIL: [f32; 9] = [
    3.03697567e-10,
    2.93243101e-8,
    1.22150334e-6,
    2.84108955e-5,
    3.93552968e-4,
    3.02698812e-3,
    4.83185798e-3,
    -2.64646143e-1,
    8.40016484e-1,
];
/// Central branch of [`erfinv_f32`], highest degree first.
const ERFINV_CENTRAL: [f32; 10] = [
    5.43877832e-9,
    1.43285448e-7,
    1.22774793e-6,
    1.12963626e-7,
    -5.61530760e-5,
    -1.47697632e-4,
    2.31468678e-3,
    1.15392581e-2,
    -2.32015476e-1,
    8.86226892e-1,
];

/// Horner evaluation with fused steps, coefficients highest degree first.
#[inline(always)]
fn horner(coeffs: &[f32], t: f32) -> f32 {
    coeffs[1..].iter().fold(coeffs[0], |p, &c| p.mul_add(t, c))
}

/// erf⁻¹(a) as MLX computes it: Norbert Juffa's published single-precision approximation,
/// `a·P(t)` with `t = log(1 - a²)` (glibc's `logf`) and one of two polynomials split at
/// |t| = 6.125 (at most about 2.36 ulp from the true value). ±1 give ±inf, |a| > 1 NaN.
#[inline]
pub(crate) fn erfinv_f32(a: f32) -> f32 {
    let t = a.mul_add(-a, 1.0).ln();
    let p = if t.abs() > 6.125 {
        horner(&ERFINV_TAIL, t)
    } else {
        horner(&ERFINV_CENTRAL, t)
    };
    a * p
}

/// Natural logarithm through the C library, as MLX's CPU `log` (glibc `logf`).
#[inline]
pub(crate) fn log_f32(x: f32) -> f32 {
    x.ln()
}

/// log(1 + x) through the C library, as MLX's CPU `log1p` (glibc `log1pf`).
#[inline]
pub(crate) fn log1p_f32(x: f32) -> f32 {
    x.ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values printed by MLX 0.32.4 (`mx.exp`, `mx.erf`, `mx.erfinv` on the CPU).
    #[test]
    fn matches_mlx_samples() {
        let x = [1.0f32, 0.5, -2.25, 0.3];
        let bits = |f: fn(f32) -> f32| x.map(|v| f(v).to_bits());
        assert_eq!(
            bits(exp_f32),
            [0x402d_f854, 0x3fd3_094d, 0x3dd7_db8e, 0x3fac_c82c]
        );
        assert_eq!(
            bits(erf_f32),
            [0x3f57_bb3b, 0x3f05_3f7f, 0xbf7f_a022, 0x3ea8_41c2]
        );
        assert_eq!(erfinv_f32(0.5).to_bits(), 0x3ef4_30fe);
        assert_eq!(erfinv_f32(0.3).to_bits(), 0x3e8b_803d);
        assert_eq!(exp_f32(88.5), f32::INFINITY);
        assert_eq!(exp_f32(-88.5), 0.0);
        assert!(exp_f32(f32::NAN).is_nan());
        assert_eq!(erfinv_f32(1.0), f32::INFINITY);
        assert_eq!(erfinv_f32(-1.0), f32::NEG_INFINITY);
        assert!(erfinv_f32(1.5).is_nan());
        assert_eq!(erfinv_f32(0.0), 0.0);
    }
}
