//! complex64 element functions with MLX's results at special values.
//!
//! MLX's CPU backend computes complex64 math with C++'s `std::complex<float>`, which on
//! Linux means the C99 Annex G functions (`cexpf`, `csqrtf`, `casinhf`, ...) and the
//! compiler's complex multiply/divide (naive f32 products with Annex G's recovery of
//! infinities; the quotient in double precision, then the same recovery). The rules
//! written here come from Annex G: each function lists its special cases (infinite or NaN
//! parts, signed zeros) and otherwise computes from a numerically stable formula. Where
//! Annex G leaves a sign open, the choice is the one MLX gives on Linux (glibc), checked
//! against the real MLX by tests/complex_special.rs.
//!
//! Finite inputs take a short path: `exp`, `sinh`, `cosh` and `mul` stay in f32 as long as
//! nothing can overflow; the others compute in f64, where the square of any f32 neither
//! overflows nor underflows, so the formulas need no rescaling, and round once to f32.
//! Only a non-finite (or, for `exp`/`sinh`/`cosh`, a large) part branches off to the
//! special-case code, in `#[cold]` functions.

use num_complex::Complex32;
use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI};

type C = Complex32;

/// A complex64 from f64 parts, rounded once.
#[inline(always)]
fn c64(re: f64, im: f64) -> C {
    C::new(re as f32, im as f32)
}

/// `z` rotated by +i (`i * z`), exact.
#[inline(always)]
fn mul_i(z: C) -> C {
    C::new(-z.im, z.re)
}

/// `z` rotated by -i (`-i * z`), exact.
#[inline(always)]
fn mul_neg_i(z: C) -> C {
    C::new(z.im, -z.re)
}

/// Annex G's "box" of an infinite part: ±1 if `inf`, else ±0, with the sign of `x`.
#[inline(always)]
fn unit(inf: bool, x: f32) -> f32 {
    (if inf { 1.0f32 } else { 0.0 }).copysign(x)
}

// ---------------------------------------------------------------------------------------
// Multiplication and division

/// `x * y`: the naive products in f32 (as the compiler's inline code), and Annex G's
/// recovery when both parts come out NaN although an operand was infinite.
#[inline(always)]
pub(crate) fn mul(x: C, y: C) -> C {
    let (a, b, c, d) = (x.re, x.im, y.re, y.im);
    let re = a * c - b * d;
    let im = a * d + b * c;
    if re.is_nan() && im.is_nan() {
        return mul_recover(a, b, c, d);
    }
    C::new(re, im)
}

/// Annex G's recovery for a product that came out NaN + iNaN: an infinite operand makes an
/// infinite result (NaN parts of the other operand count as zeros there), and so does an
/// overflow of the partial products.
#[cold]
fn mul_recover(mut a: f32, mut b: f32, mut c: f32, mut d: f32) -> C {
    let (ac, bd, ad, bc) = (a * c, b * d, a * d, b * c);
    let mut recalc = false;
    if a.is_infinite() || b.is_infinite() {
        a = unit(a.is_infinite(), a);
        b = unit(b.is_infinite(), b);
        if c.is_nan() {
            c = 0f32.copysign(c);
        }
        if d.is_nan() {
            d = 0f32.copysign(d);
        }
        recalc = true;
    }
    if c.is_infinite() || d.is_infinite() {
        c = unit(c.is_infinite(), c);
        d = unit(d.is_infinite(), d);
        if a.is_nan() {
            a = 0f32.copysign(a);
        }
        if b.is_nan() {
            b = 0f32.copysign(b);
        }
        recalc = true;
    }
    if !recalc && (ac.is_infinite() || bd.is_infinite() || ad.is_infinite() || bc.is_infinite()) {
        for v in [&mut a, &mut b, &mut c, &mut d] {
            if v.is_nan() {
                *v = 0f32.copysign(*v);
            }
        }
        recalc = true;
    }
    if recalc {
        C::new(
            f32::INFINITY * (a * c - b * d),
            f32::INFINITY * (a * d + b * c),
        )
    } else {
        C::new(ac - bd, ad + bc)
    }
}

/// `x / y`: `(x * conj y) / |y|²` in f64, where neither the products nor `|y|²` of f32
/// parts can overflow or underflow (so no Smith scaling is needed, and the zeros' signs
/// come out as the compiler's float division gives them), then Annex G's recovery when
/// both parts come out NaN: division by zero gives an infinity scaled by `x`, an infinite
/// `x` over a finite `y` an infinity, a finite `x` over an infinite `y` a zero.
#[inline(always)]
pub(crate) fn div(x: C, y: C) -> C {
    let (a, b, c, d) = (x.re as f64, x.im as f64, y.re as f64, y.im as f64);
    let den = c * c + d * d;
    let re = (a * c + b * d) / den;
    let im = (b * c - a * d) / den;
    if re.is_nan() && im.is_nan() {
        return div_recover(a, b, c, d);
    }
    c64(re, im)
}

#[cold]
fn div_recover(a: f64, b: f64, c: f64, d: f64) -> C {
    let u = |inf: bool, v: f64| (if inf { 1.0f64 } else { 0.0 }).copysign(v);
    if c == 0.0 && d == 0.0 && (!a.is_nan() || !b.is_nan()) {
        let s = f64::INFINITY.copysign(c);
        c64(s * a, s * b)
    } else if (a.is_infinite() || b.is_infinite()) && c.is_finite() && d.is_finite() {
        let (a, b) = (u(a.is_infinite(), a), u(b.is_infinite(), b));
        c64(
            f64::INFINITY * (a * c + b * d),
            f64::INFINITY * (b * c - a * d),
        )
    } else if (c.is_infinite() || d.is_infinite()) && a.is_finite() && b.is_finite() {
        let (c, d) = (u(c.is_infinite(), c), u(d.is_infinite(), d));
        c64(0.0 * (a * c + b * d), 0.0 * (b * c - a * d))
    } else {
        C::new(f32::NAN, f32::NAN)
    }
}

// ---------------------------------------------------------------------------------------
// Simple derived functions

/// `1 / z` (MLX divides the complex one).
#[inline(always)]
pub(crate) fn reciprocal(z: C) -> C {
    div(C::new(1.0, 0.0), z)
}

/// `1 / sqrt(z)`.
#[inline(always)]
pub(crate) fn rsqrt(z: C) -> C {
    reciprocal(sqrt(z))
}

/// `z * z` with the complex product's special values.
#[inline(always)]
pub(crate) fn square(z: C) -> C {
    mul(z, z)
}

/// `sign(z) = z / |z|` as MLX: a zero (of any signs) is returned as it is, otherwise the
/// complex division by `|z| + 0i` (so an infinite part gives NaN + iNaN).
#[inline(always)]
pub(crate) fn sign(z: C) -> C {
    if z.re == 0.0 && z.im == 0.0 {
        return z;
    }
    div(z, C::new(abs(z), 0.0))
}

/// `|z|` without intermediate overflow (an infinite part wins over a NaN, as `hypot`).
#[inline(always)]
pub(crate) fn abs(z: C) -> f32 {
    if z.re.is_finite() && z.im.is_finite() {
        let (x, y) = (z.re as f64, z.im as f64);
        (x * x + y * y).sqrt() as f32
    } else {
        z.re.hypot(z.im)
    }
}

// ---------------------------------------------------------------------------------------
// Square root, exponential, hyperbolic and circular functions

/// Principal square root (Annex G `csqrt`).
#[inline(always)]
pub(crate) fn sqrt(z: C) -> C {
    let (x, y) = (z.re, z.im);
    if x.is_finite() && y.is_finite() {
        if x == 0.0 && y == 0.0 {
            return C::new(0.0, y);
        }
        // t = sqrt((|x| + |z|) / 2) has no cancellation; the other part is y / 2t.
        let (xd, yd) = (x as f64, y as f64);
        let t = ((xd.abs() + (xd * xd + yd * yd).sqrt()) * 0.5).sqrt();
        return if xd >= 0.0 {
            c64(t, yd / (2.0 * t))
        } else {
            c64(yd.abs() / (2.0 * t), t.copysign(yd))
        };
    }
    sqrt_special(x, y)
}

#[cold]
fn sqrt_special(x: f32, y: f32) -> C {
    if y.is_infinite() {
        C::new(f32::INFINITY, y)
    } else if x == f32::NEG_INFINITY {
        if y.is_nan() {
            C::new(f32::NAN, f32::INFINITY)
        } else {
            C::new(0.0, f32::INFINITY.copysign(y))
        }
    } else if x == f32::INFINITY {
        if y.is_nan() {
            C::new(f32::INFINITY, f32::NAN)
        } else {
            C::new(f32::INFINITY, 0f32.copysign(y))
        }
    } else {
        C::new(f32::NAN, f32::NAN)
    }
}

/// `exp(z)` (Annex G `cexp`). Finite inputs whose exponential stays within f32 compute in
/// f32; larger real parts go through f64 so that `exp(x)` times a small cosine can still
/// be finite.
#[inline(always)]
pub(crate) fn exp(z: C) -> C {
    let (x, y) = (z.re, z.im);
    if x.abs() < 80.0 && y.is_finite() {
        let m = x.exp();
        return C::new(m * y.cos(), m * y.sin());
    }
    exp_slow(x, y)
}

#[cold]
fn exp_slow(x: f32, y: f32) -> C {
    if y == 0.0 && !x.is_nan() {
        // Real arguments (infinite ones included) keep the imaginary zero's sign.
        return C::new(x.exp(), y);
    }
    if x.is_finite() && y.is_finite() {
        let m = (x as f64).exp();
        let (s, c) = (y as f64).sin_cos();
        return c64(m * c, m * s);
    }
    if x == f32::NEG_INFINITY {
        if y.is_finite() {
            // +0 * cis(y).
            let (s, c) = y.sin_cos();
            C::new(0f32.copysign(c), 0f32.copysign(s))
        } else {
            C::new(0.0, 0f32.copysign(y))
        }
    } else if x == f32::INFINITY {
        if y.is_finite() {
            let (s, c) = y.sin_cos();
            C::new(f32::INFINITY * c, f32::INFINITY * s)
        } else {
            C::new(f32::INFINITY, f32::NAN)
        }
    } else if x.is_nan() && y == 0.0 {
        C::new(f32::NAN, y)
    } else {
        C::new(f32::NAN, f32::NAN)
    }
}

/// `sinh(z)` (Annex G `csinh`): `sinh x cos y + i cosh x sin y`. For `|x| < 80` nothing
/// overflows in f32 and the products give the zeros' signs C asks for; larger real parts
/// go through f64 (where `cosh x` times a small `sin y` can still be finite).
#[inline(always)]
pub(crate) fn sinh(z: C) -> C {
    let (x, y) = (z.re, z.im);
    if x.abs() < 80.0 && y.is_finite() {
        let (s, c) = (y.sin(), y.cos());
        return C::new(x.sinh() * c, x.cosh() * s);
    }
    sinh_slow(x, y)
}

#[cold]
fn sinh_slow(x: f32, y: f32) -> C {
    if y == 0.0 && !x.is_nan() {
        return C::new(x.sinh(), y);
    }
    if y.is_finite() && !x.is_nan() {
        // Also for x = ±inf: sinh(±inf) = ±inf, cosh(±inf) = +inf times cis(y).
        let (xd, (s, c)) = (x as f64, (y as f64).sin_cos());
        return c64(xd.sinh() * c, xd.cosh() * s);
    }
    sinh_special(x, y)
}

#[cold]
fn sinh_special(x: f32, y: f32) -> C {
    if x.is_infinite() {
        // y is infinite or NaN: the real part's sign is left open by C; glibc gives +inf.
        C::new(f32::INFINITY, f32::NAN)
    } else if x == 0.0 {
        C::new(x, f32::NAN)
    } else if x.is_nan() && y == 0.0 {
        C::new(f32::NAN, y)
    } else {
        C::new(f32::NAN, f32::NAN)
    }
}

/// `cosh(z)` (Annex G `ccosh`): `cosh x cos y + i sinh x sin y`, in f32 while `|x| < 80`
/// as `sinh`.
#[inline(always)]
pub(crate) fn cosh(z: C) -> C {
    let (x, y) = (z.re, z.im);
    if x.abs() < 80.0 && y.is_finite() {
        let (s, c) = (y.sin(), y.cos());
        return C::new(x.cosh() * c, x.sinh() * s);
    }
    cosh_slow(x, y)
}

#[cold]
fn cosh_slow(x: f32, y: f32) -> C {
    if y == 0.0 && !x.is_nan() {
        // The imaginary part is sinh(x) * 0: a zero with the product's sign.
        return C::new(x.cosh(), 0f32.copysign(x) * y);
    }
    if y.is_finite() && !x.is_nan() {
        let (xd, (s, c)) = (x as f64, (y as f64).sin_cos());
        return c64(xd.cosh() * c, xd.sinh() * s);
    }
    cosh_special(x, y)
}

#[cold]
fn cosh_special(x: f32, y: f32) -> C {
    if x.is_infinite() {
        // y is infinite or NaN.
        C::new(f32::INFINITY, f32::NAN)
    } else if x == 0.0 {
        C::new(f32::NAN, 0.0)
    } else if x.is_nan() && y == 0.0 {
        C::new(f32::NAN, y)
    } else {
        C::new(f32::NAN, f32::NAN)
    }
}

/// `tanh(z)` (Annex G `ctanh`), from Kahan's formula
/// `(β ρ s + i t) / (1 + β s²)` with `t = tan y`, `β = 1 + t²`, `s = sinh x`,
/// `ρ = sqrt(1 + s²)`, and `±1 + 4i sin y cos y e^{-2|x|}` once `|x|` is large.
#[inline(always)]
pub(crate) fn tanh(z: C) -> C {
    let (x, y) = (z.re, z.im);
    if x.is_finite() && y.is_finite() {
        let (xd, yd) = (x as f64, y as f64);
        if xd.abs() > 20.0 {
            let (s, c) = yd.sin_cos();
            return c64(1f64.copysign(xd), 4.0 * s * c * (-2.0 * xd.abs()).exp());
        }
        let t = yd.tan();
        let beta = 1.0 + t * t;
        let s = xd.sinh();
        let rho = (1.0 + s * s).sqrt();
        let den = 1.0 + beta * s * s;
        return c64(beta * rho * s / den, t / den);
    }
    tanh_special(x, y)
}

#[cold]
fn tanh_special(x: f32, y: f32) -> C {
    if x.is_infinite() {
        // ±1 + i0·sin(2y) (sin y cos y has the sign of sin 2y, without doubling y); a
        // non-finite y leaves the zero's sign open: that of y.
        let im = if y.is_finite() {
            let (s, c) = (y as f64).sin_cos();
            0f32.copysign((s * c) as f32)
        } else {
            0f32.copysign(y)
        };
        C::new(1f32.copysign(x), im)
    } else if x.is_nan() && y == 0.0 {
        C::new(f32::NAN, y)
    } else if x == 0.0 {
        // tanh(±0 + i∞) and tanh(±0 + iNaN) keep the real zero (C23's rule).
        C::new(x, f32::NAN)
    } else {
        C::new(f32::NAN, f32::NAN)
    }
}

/// `sin(z) = -i sinh(iz)`.
#[inline(always)]
pub(crate) fn sin(z: C) -> C {
    if z.im.is_infinite() && !z.re.is_finite() {
        // NaN ± i∞ with the sign left open by C: glibc's csin gives +inf.
        return C::new(f32::NAN, f32::INFINITY);
    }
    mul_neg_i(sinh(mul_i(z)))
}

/// `cos(z) = cosh(iz)`.
#[inline(always)]
pub(crate) fn cos(z: C) -> C {
    cosh(mul_i(z))
}

/// `tan(z) = -i tanh(iz)`.
#[inline(always)]
pub(crate) fn tan(z: C) -> C {
    mul_neg_i(tanh(mul_i(z)))
}

// ---------------------------------------------------------------------------------------
// Inverse functions

/// Real and imaginary magnitudes of `asin(x + iy)` for finite `x, y >= 0`, by Hull,
/// Fairgrieve and Tang's algorithm (in f64, where no scaling is needed for f32 inputs):
/// with `R = |z + 1|`, `S = |z - 1|`, `A = (R + S) / 2`, `B = x / A`, the real part is
/// `asin B` and the imaginary part `log(A + sqrt(A² - 1))`, both evaluated without
/// cancellation near the branch points. Also returns `acos B` (the real part of `acos`).
#[inline(always)]
fn asin_parts(x: f64, y: f64) -> (f64, f64, f64) {
    let xp1 = x + 1.0;
    let xm1 = x - 1.0;
    let y2 = y * y;
    let r = (xp1 * xp1 + y2).sqrt();
    let s = (xm1 * xm1 + y2).sqrt();
    let a = 0.5 * (r + s);
    let b = x / a;
    let (asin_re, acos_re) = if b <= 0.6417 {
        (b.asin(), b.acos())
    } else {
        // sqrt(A² - x²) without cancellation.
        let d = if x <= 1.0 {
            (0.5 * (a + x) * (y2 / (r + xp1) + (s - xm1))).sqrt()
        } else {
            y * (0.5 * ((a + x) / (r + xp1) + (a + x) / (s + xm1))).sqrt()
        };
        ((x / d).atan(), (d / x).atan())
    };
    let im = if a <= 1.5 {
        // A - 1 without cancellation.
        let am1 = if x < 1.0 {
            0.5 * (y2 / (r + xp1) + y2 / (s - xm1))
        } else {
            0.5 * (y2 / (r + xp1) + (s + xm1))
        };
        (am1 + (am1 * (a + 1.0)).sqrt()).ln_1p()
    } else {
        (a + (a * a - 1.0).sqrt()).ln()
    };
    (asin_re, acos_re, im)
}

/// `asinh(z)` (Annex G `casinh`).
#[inline(always)]
pub(crate) fn asinh(z: C) -> C {
    let (x, y) = (z.re, z.im);
    if x.is_finite() && y.is_finite() {
        // asinh(x + iy) = -i asin(-y + ix): swap the roles of the parts.
        let (re, _, im) = asin_parts((y as f64).abs(), (x as f64).abs());
        return C::new((im as f32).copysign(x), (re as f32).copysign(y));
    }
    asinh_special(x, y)
}

#[cold]
fn asinh_special(x: f32, y: f32) -> C {
    let inf = f32::INFINITY;
    let pi_2 = FRAC_PI_2 as f32;
    if x.is_infinite() {
        if y.is_nan() {
            C::new(x, f32::NAN)
        } else if y.is_infinite() {
            C::new(x, (FRAC_PI_4 as f32).copysign(y))
        } else {
            C::new(x, 0f32.copysign(y))
        }
    } else if y.is_infinite() {
        if x.is_nan() {
            C::new(inf, f32::NAN)
        } else {
            C::new(inf.copysign(x), pi_2.copysign(y))
        }
    } else if x.is_nan() && y == 0.0 {
        C::new(f32::NAN, y)
    } else {
        C::new(f32::NAN, f32::NAN)
    }
}

/// `asin(z) = -i asinh(iz)`.
#[inline(always)]
pub(crate) fn asin(z: C) -> C {
    if z.re.is_infinite() && z.im.is_nan() {
        // NaN ± i∞ with the sign left open by C: glibc's casin gives +inf.
        return C::new(f32::NAN, f32::INFINITY);
    }
    mul_neg_i(asinh(mul_i(z)))
}

/// `acos(z)` (Annex G `cacos`).
#[inline(always)]
pub(crate) fn acos(z: C) -> C {
    let (x, y) = (z.re, z.im);
    if x.is_finite() && y.is_finite() {
        let (_, re, im) = asin_parts((x as f64).abs(), (y as f64).abs());
        let re = if x.is_sign_negative() { PI - re } else { re };
        return C::new(re as f32, -(im as f32).copysign(y));
    }
    acos_special(x, y)
}

#[cold]
fn acos_special(x: f32, y: f32) -> C {
    let inf = f32::INFINITY;
    if x.is_infinite() {
        if y.is_nan() {
            // NaN ± i∞ with the sign left open: glibc gives -inf.
            C::new(f32::NAN, -inf)
        } else if y.is_infinite() {
            let re = if x < 0.0 { 3.0 * FRAC_PI_4 } else { FRAC_PI_4 };
            C::new(re as f32, -y)
        } else {
            let re = if x < 0.0 { PI as f32 } else { 0.0 };
            C::new(re, -inf.copysign(y))
        }
    } else if y.is_infinite() {
        let re = if x.is_nan() {
            f32::NAN
        } else {
            FRAC_PI_2 as f32
        };
        C::new(re, -y)
    } else if x == 0.0 && y.is_nan() {
        C::new(FRAC_PI_2 as f32, f32::NAN)
    } else {
        C::new(f32::NAN, f32::NAN)
    }
}

/// `acosh(z)` (Annex G `cacosh`): `±i acos(z)`, the sign making the real part non-negative.
#[inline(always)]
pub(crate) fn acosh(z: C) -> C {
    let (x, y) = (z.re, z.im);
    if x.is_finite() && y.is_finite() {
        let w = acos(z);
        return if y.is_sign_negative() {
            C::new(w.im, -w.re)
        } else {
            C::new(-w.im, w.re)
        };
    }
    acosh_special(x, y)
}

#[cold]
fn acosh_special(x: f32, y: f32) -> C {
    let inf = f32::INFINITY;
    if x.is_infinite() {
        if y.is_nan() {
            C::new(inf, f32::NAN)
        } else if y.is_infinite() {
            let im = if x < 0.0 { 3.0 * FRAC_PI_4 } else { FRAC_PI_4 };
            C::new(inf, (im as f32).copysign(y))
        } else {
            let im = if x < 0.0 { PI as f32 } else { 0.0 };
            C::new(inf, im.copysign(y))
        }
    } else if y.is_infinite() {
        let im = if x.is_nan() {
            f32::NAN
        } else {
            (FRAC_PI_2 as f32).copysign(y)
        };
        C::new(inf, im)
    } else if x == 0.0 && y.is_nan() {
        // As glibc (Annex G leaves it NaN + iNaN): the imaginary part of i·acos(±0 + iNaN).
        C::new(f32::NAN, FRAC_PI_2 as f32)
    } else {
        C::new(f32::NAN, f32::NAN)
    }
}

/// `atanh(z)` (Annex G `catanh`):
/// `¼ log1p(4x / ((1-x)² + y²)) + ½ i atan2(2y, (1-x)(1+x) - y²)`, exact enough in f64
/// for f32 inputs (the products of f32 values are exact there).
#[inline(always)]
pub(crate) fn atanh(z: C) -> C {
    let (x, y) = (z.re, z.im);
    if x.is_finite() && y.is_finite() {
        let (ax, yd) = ((x as f64).abs(), y as f64);
        let one_m = 1.0 - ax;
        let re = 0.25 * (4.0 * ax / (one_m * one_m + yd * yd)).ln_1p();
        let im = 0.5 * (2.0 * yd).atan2(one_m * (1.0 + ax) - yd * yd);
        return C::new((re as f32).copysign(x), im as f32);
    }
    atanh_special(x, y)
}

#[cold]
fn atanh_special(x: f32, y: f32) -> C {
    let pi_2 = FRAC_PI_2 as f32;
    if x.is_infinite() || y.is_infinite() {
        if y.is_nan() {
            C::new(0f32.copysign(x), f32::NAN)
        } else {
            let re = if x.is_nan() { 0.0 } else { 0f32.copysign(x) };
            C::new(re, pi_2.copysign(y))
        }
    } else if x == 0.0 && y.is_nan() {
        C::new(x, f32::NAN)
    } else {
        C::new(f32::NAN, f32::NAN)
    }
}

/// `atan(z) = -i atanh(iz)`.
#[inline(always)]
pub(crate) fn atan(z: C) -> C {
    if z.re.is_infinite() && z.im.is_nan() {
        // ±π/2 ± i0 with the zero's sign left open by C: glibc's catan gives +0.
        return C::new((FRAC_PI_2 as f32).copysign(z.re), 0.0);
    }
    mul_neg_i(atanh(mul_i(z)))
}

// ---------------------------------------------------------------------------------------
// Logarithms

/// Principal logarithm `log|z| + i arg z` (Annex G `clog`), rounded as C's `clogf`
/// gives it, since `pow` multiplies these bits by its exponent: near the unit circle
/// (the larger magnitude `h` in [0.5, 2), the smaller below 1 or `h = 1`, `|z|² >= 0.5`)
/// `log|z|` is `½ log1p(|z|² - 1)` with `|z|² - 1` exact in f64; elsewhere it is the f32 `log` of the
/// f32 `hypot`, and the argument is f32 `atan2` (both the C library's, as `clogf` uses
/// them). Non-finite parts get Annex G's values from `hypot` and `atan2` too.
#[inline(always)]
pub(crate) fn ln(z: C) -> C {
    let (x, y) = (z.re, z.im);
    let (h, l) = if x.abs() >= y.abs() {
        (x.abs(), y.abs())
    } else {
        (y.abs(), x.abs())
    };
    let (hd, ld) = (h as f64, l as f64);
    let re = if (0.5..2.0).contains(&h) && (l < 1.0 || h == 1.0) && hd * hd + ld * ld >= 0.5 {
        (0.5 * ((hd - 1.0) * (hd + 1.0) + ld * ld).ln_1p()) as f32
    } else {
        x.hypot(y).ln()
    };
    C::new(re, y.atan2(x))
}

/// `log(1 + z)` without the cancellation of forming `1 + z` for small `z`:
/// `½ log1p(x(2 + x) + y²) + i atan2(y, 1 + x)` in f64; a zero is returned as it is
/// (as MLX gives it, signs included) and non-finite parts go through `log(1 + z)`.
#[inline(always)]
pub(crate) fn log1p(z: C) -> C {
    let (x, y) = (z.re, z.im);
    if x == 0.0 && y == 0.0 {
        return z;
    }
    if x.is_finite() && y.is_finite() {
        let (xd, yd) = (x as f64, y as f64);
        let re = 0.5 * (xd * (2.0 + xd) + yd * yd).ln_1p();
        return c64(re, yd.atan2(1.0 + xd));
    }
    ln(C::new(x + 1.0, y))
}

/// `log2(z) = log(z) / ln 2` (each part divided by the real constant).
#[inline(always)]
pub(crate) fn log2(z: C) -> C {
    ln(z) / std::f32::consts::LN_2
}

/// `log10(z) = log(z) / ln 10`.
#[inline(always)]
pub(crate) fn log10(z: C) -> C {
    ln(z) / std::f32::consts::LN_10
}

#[cfg(test)]
mod tests {
    use super::*;

    const INF: f32 = f32::INFINITY;
    const NAN: f32 = f32::NAN;

    /// Same NaN positions, same infinities and zero signs, finite parts within 2 ulp-ish.
    fn check(got: C, want: (f32, f32), what: &str) {
        let ok = |g: f32, w: f32| {
            if w.is_nan() {
                g.is_nan()
            } else if w == 0.0 {
                g == 0.0 && g.is_sign_negative() == w.is_sign_negative()
            } else {
                g == w || (g - w).abs() <= 2e-7 * w.abs()
            }
        };
        assert!(
            ok(got.re, want.0) && ok(got.im, want.1),
            "{what}: got {got:?}, want {want:?}"
        );
    }

    // Expected values are what MLX 0.32.4 gives on Linux.
    #[test]
    fn special_values_as_mlx() {
        check(exp(C::new(INF, 0.0)), (INF, 0.0), "exp(inf)");
        check(exp(C::new(-INF, -INF)), (0.0, -0.0), "exp(-inf - inf i)");
        check(exp(C::new(1e30, 1e30)), (-INF, -INF), "exp(1e30 + 1e30 i)");
        check(sqrt(C::new(-INF, NAN)), (NAN, INF), "sqrt(-inf + nan i)");
        check(sqrt(C::new(-1e30, 1.0)), (5e-16, 1e15), "sqrt(-1e30 + i)");
        check(tanh(C::new(1e30, 0.0)), (1.0, 0.0), "tanh(1e30)");
        check(tanh(C::new(0.0, INF)), (0.0, NAN), "tanh(i inf)");
        check(asin(C::new(1e30, 0.0)), (1.5707964, 69.7707), "asin(1e30)");
        check(acos(C::new(INF, NAN)), (NAN, -INF), "acos(inf + nan i)");
        check(acosh(C::new(0.0, NAN)), (NAN, 1.5707964), "acosh(nan i)");
        check(reciprocal(C::new(0.0, INF)), (0.0, -0.0), "1 / (inf i)");
        check(reciprocal(C::new(-0.0, 0.0)), (-INF, NAN), "1 / -0");
        check(sign(C::new(-0.0, -0.0)), (-0.0, -0.0), "sign(-0 - 0i)");
        check(
            sign(C::new(1e30, 1e30)),
            (0.70710677, 0.70710677),
            "sign(1e30 + 1e30 i)",
        );
        check(sign(C::new(INF, 0.0)), (NAN, NAN), "sign(inf)");
    }

    #[test]
    fn multiply_and_divide_as_mlx() {
        // f32 products: the real part's inf - inf stays NaN (no recovery: one part is inf).
        check(
            mul(C::new(1e30, 1e30), C::new(1e30, 1e30)),
            (NAN, INF),
            "(1e30 + 1e30 i)²",
        );
        // Both parts NaN with an infinite operand: Annex G recovers an infinity.
        check(
            mul(C::new(INF, INF), C::new(1.0, NAN)),
            (INF, INF),
            "(inf + inf i)(1 + nan i)",
        );
        check(
            mul(C::new(INF, 0.0), C::new(0.0, INF)),
            (NAN, INF),
            "inf * inf i",
        );
        // The quotient in f64: no overflow in the intermediate sums.
        check(
            div(C::new(3e38, 3e38), C::new(1.0, 1.0)),
            (3e38, 0.0),
            "(3e38 + 3e38 i) / (1 + i)",
        );
        check(
            div(C::new(1.0, 0.0), C::new(INF, INF)),
            (0.0, -0.0),
            "1 / (inf + inf i)",
        );
        check(
            div(C::new(INF, 1.0), C::new(1.0, 0.0)),
            (INF, NAN),
            "(inf + i) / 1",
        );
    }
}
