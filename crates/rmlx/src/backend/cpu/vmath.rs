//! Branch-free f32 math that LLVM vectorizes inside `multiversion!` slice loops.
//!
//! `std`'s `f32::exp` and friends are calls into libm: one element per call, no SIMD. The
//! functions here are straight-line code (range reduction, a polynomial, exponent bit
//! manipulation through `to_bits`/`from_bits`) whose special cases (NaN, ±inf, overflow,
//! underflow, -0) are folded in with comparisons and selects instead of branches, so a loop
//! over a slice becomes vector code. Every function stays within 2 ulp of the correctly
//! rounded result over the whole f32 range (checked densely by the tests below).
//!
//! Polynomials are Taylor series where they converge fast enough on the reduced range and
//! least-squares fits (tools/vmath_tables.py) elsewhere. Arithmetic is written without
//! `mul_add`: on the baseline target that would be a libm call, and plain products keep the
//! results identical on every instruction set. The one exception, `tanh_fma_f32` (the fused
//! kernel's tanh), is only called where FMA is an instruction (`has_fma`).

// Polynomial coefficients are written with every digit their fits produced; the
// compiler rounds them to the nearest f32/f64, which is what the error bounds assume.
#![allow(clippy::excessive_precision)]

mod trig_table;

use trig_table::TWO_OVER_PI_MOD4;

/// Adding this rounds an f32 of magnitude below 2^22 to an integer held in the low bits.
const MAGIC32: f32 = 12_582_912.0; // 1.5 * 2^23
/// The same trick for f64 (magnitude below 2^51).
const MAGIC64: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52

const LOG2E: f32 = std::f32::consts::LOG2_E;
/// ln 2 split so that `n * LN2_HI` is exact for |n| < 2^8.
const LN2_HI: f32 = 0.693_145_751_953_125;
const LN2_LO: f32 = 1.428_606_765_330_187e-6;
/// log10(2) split the same way.
const LOG10_2_HI: f32 = 0.301_025_390_625;
const LOG10_2_LO: f32 = 4.605_038_981_195_214e-6;

#[inline(always)]
fn sel(c: bool, a: f32, b: f32) -> f32 {
    if c {
        a
    } else {
        b
    }
}

#[inline(always)]
fn sel_i(c: bool, a: i32, b: i32) -> i32 {
    if c {
        a
    } else {
        b
    }
}

/// 2^n for n in [-126, 127], built from the exponent bits.
#[inline(always)]
fn pow2i(n: i32) -> f32 {
    f32::from_bits(((n + 127) as u32) << 23)
}

/// `p * 2^n` for n in [-252, 254] in two exact steps, so subnormal results round once.
#[inline(always)]
fn scale2(p: f32, n: i32) -> f32 {
    let h = n >> 1;
    p * pow2i(h) * pow2i(n - h)
}

/// `x = n ln2 + r` with |r| <= ln2/2 (x already clamped to a few hundred).
#[inline(always)]
fn reduce_ln2(x: f32) -> (i32, f32) {
    let t = x * LOG2E + MAGIC32;
    let n = (t.to_bits() as i32).wrapping_sub(MAGIC32.to_bits() as i32);
    let nf = t - MAGIC32;
    (n, (x - nf * LN2_HI) - nf * LN2_LO)
}

/// e^r - 1 on |r| <= ln2/2 (Taylor to r^8: truncation below 0.15 ulp).
#[inline(always)]
fn expm1_poly(r: f32) -> f32 {
    let q = 1.0 / 6.0
        + r * (1.0 / 24.0
            + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0 + r * (1.0 / 40320.0)))));
    r + r * r * (0.5 + r * q)
}

/// Clamps to the range where exp is neither certainly 0 nor certainly inf; NaN passes.
#[inline(always)]
fn clamp_exp_arg(x: f32) -> f32 {
    let x = sel(x > 89.0, 89.0, x);
    sel(x < -104.0, -104.0, x)
}

/// e^x.
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    let (n, r) = reduce_ln2(clamp_exp_arg(x));
    scale2(1.0 + expm1_poly(r), n)
}

/// e^x - 1, accurate near 0.
#[inline(always)]
pub(crate) fn expm1_f32(x: f32) -> f32 {
    let (n, r) = reduce_ln2(clamp_exp_arg(x));
    let pm = expm1_poly(r);
    // Moderate n: 2^n (e^r - 1) + (2^n - 1), with 2^n - 1 exact. Beyond 2^30 the -1 no
    // longer matters (and 2^n would overflow), so use the exp formula.
    let nc = sel_i(n > 30, 30, sel_i(n < -30, -30, n));
    let s = pow2i(nc);
    let small = s * pm + (s - 1.0);
    let y = sel(n > 30, scale2(1.0 + pm, n), small);
    // Keeps -0 (the polynomial returns +0 for it).
    sel(x == 0.0, x, y)
}

/// Splits a positive finite x into k and log(m) with x = 2^k m, m in [sqrt(1/2), sqrt(2)).
/// Other inputs give garbage that the callers replace.
#[inline(always)]
fn log_parts(x: f32) -> (f32, f32) {
    // Subnormals: scale into the normal range first.
    let sub = x < f32::MIN_POSITIVE;
    let xs = sel(sub, x * 8_388_608.0, x);
    let ix = xs.to_bits().wrapping_sub(0x3f35_04f3);
    let k = ((ix as i32) >> 23) + sel_i(sub, -23, 0);
    let m = f32::from_bits((ix & 0x007f_ffff) + 0x3f35_04f3);
    let f = m - 1.0;
    // log(1 + f) = 2 atanh(s) with s = f / (2 + f), written as f - s (f - R(s^2)) so the
    // leading term stays exact.
    let s = f / (2.0 + f);
    let z = s * s;
    let rr = z * (2.0 / 3.0 + z * (2.0 / 5.0 + z * (2.0 / 7.0 + z * (2.0 / 9.0))));
    (k as f32, f - s * (f - rr))
}

/// Replaces the results of log-like functions at the edges of the domain.
#[inline(always)]
fn log_special(x: f32, y: f32) -> f32 {
    let y = sel(x == f32::INFINITY, f32::INFINITY, y);
    let y = sel(x == 0.0, f32::NEG_INFINITY, y);
    // NaN inputs fail `x >= 0`, as do negatives.
    sel(x >= 0.0, y, f32::NAN)
}

/// Natural logarithm.
#[inline(always)]
pub(crate) fn log_f32(x: f32) -> f32 {
    let (k, lp) = log_parts(x);
    log_special(x, k * LN2_HI + (lp + k * LN2_LO))
}

/// Base-2 logarithm (exact at powers of two).
#[inline(always)]
pub(crate) fn log2_f32(x: f32) -> f32 {
    let (k, lp) = log_parts(x);
    log_special(x, k + lp * LOG2E)
}

/// Base-10 logarithm.
#[inline(always)]
pub(crate) fn log10_f32(x: f32) -> f32 {
    let (k, lp) = log_parts(x);
    let y = k * LOG10_2_HI + (lp * std::f32::consts::LOG10_E + k * LOG10_2_LO);
    log_special(x, y)
}

/// log(1 + x), accurate near 0.
#[inline(always)]
pub(crate) fn log1p_f32(x: f32) -> f32 {
    let u = 1.0 + x;
    let (k, lp) = log_parts(u);
    // u rounds 1 + x; (x - (u - 1)) / u corrects the log for that rounding.
    let y = k * LN2_HI + (lp + (k * LN2_LO + (x - (u - 1.0)) / u));
    let y = sel(u == 1.0, x, y); // tiny x (and -0)
    let y = sel(x == f32::INFINITY, f32::INFINITY, y);
    let y = sel(u == 0.0, f32::NEG_INFINITY, y);
    sel(u >= 0.0, y, f32::NAN)
}

/// sin and cos of |x| after an exact reduction: returns (quadrant, r) with
/// |x| = (4j + quadrant) pi/2 + r, |r| <= pi/4, r in f64.
///
/// |x| = m 2^e with a 24-bit integer m, so x 2/pi mod 4 = m ((2^e 2/pi) mod 4) mod 4; the
/// table holds (2^e 2/pi) mod 4 in three parts and the first two products are exact. This
/// is the Payne-Hanek idea with one table row per exponent: valid for every finite f32.
#[inline(always)]
fn trig_reduce(x: f32) -> (u32, f64) {
    let bits = x.to_bits() & 0x7fff_ffff;
    let be = (bits >> 23) as i32;
    let mant = (bits & 0x007f_ffff) | if be != 0 { 0x0080_0000 } else { 0 };
    let m = mant as f64;
    // Exponent e = be - 150 for normals and -149 for subnormals; row e + 149.
    let idx = (be - 1).max(0) as usize & 0xff;
    let c = &TWO_OVER_PI_MOD4[idx];
    let p1 = m * c[0];
    let a = p1 - 4.0 * (p1 * 0.25).floor();
    let b = m * c[1];
    let t = (a + b) + MAGIC64;
    let q = (t.to_bits() as u32) & 3;
    let qf = t - MAGIC64;
    let turns = ((a - qf) + b) + m * c[2];
    (q, turns * std::f64::consts::FRAC_PI_2)
}

/// sin(r) on |r| <= pi/4 (Taylor to r^13 in f64).
#[inline(always)]
fn sin_poly(r: f64) -> f64 {
    let z = r * r;
    let q = -1.0 / 6.0
        + z * (1.0 / 120.0
            + z * (-1.0 / 5040.0
                + z * (1.0 / 362_880.0 + z * (-1.0 / 39_916_800.0 + z * (1.0 / 6_227_020_800.0)))));
    r + r * z * q
}

/// cos(r) on |r| <= pi/4 (Taylor to r^14 in f64).
#[inline(always)]
fn cos_poly(r: f64) -> f64 {
    let z = r * r;
    let q = 1.0 / 24.0
        + z * (-1.0 / 720.0
            + z * (1.0 / 40_320.0
                + z * (-1.0 / 3_628_800.0
                    + z * (1.0 / 479_001_600.0 + z * (-1.0 / 87_178_291_200.0)))));
    1.0 - 0.5 * z + z * z * q
}

/// Sine.
#[inline(always)]
pub(crate) fn sin_f32(x: f32) -> f32 {
    let (q, r) = trig_reduce(x);
    let v = if q & 1 == 1 { cos_poly(r) } else { sin_poly(r) } as f32;
    // Quadrants 2 and 3 negate; sin is odd, so the input's sign flips it again.
    let sign = ((q & 2) << 30) ^ (x.to_bits() & 0x8000_0000);
    let y = f32::from_bits(v.to_bits() ^ sign);
    sel(x.abs() < f32::INFINITY, y, f32::NAN)
}

/// Cosine.
#[inline(always)]
pub(crate) fn cos_f32(x: f32) -> f32 {
    let (q, r) = trig_reduce(x);
    let v = if q & 1 == 1 { sin_poly(r) } else { cos_poly(r) } as f32;
    let sign = ((q + 1) & 2) << 30;
    let y = f32::from_bits(v.to_bits() ^ sign);
    sel(x.abs() < f32::INFINITY, y, f32::NAN)
}

/// Hyperbolic tangent: expm1(2|x|) / (expm1(2|x|) + 2), with the sign put back.
#[inline(always)]
pub(crate) fn tanh_f32(x: f32) -> f32 {
    let ax = x.abs();
    let e = expm1_f32(2.0 * sel(ax > 10.0, 10.0, ax));
    let t = sel(ax > 9.0, 1.0, e / (e + 2.0));
    // Sign of x onto |tanh|; NaN stays NaN.
    let y = f32::from_bits(t.to_bits() | (x.to_bits() & 0x8000_0000));
    sel(x.is_nan(), x, y)
}

/// e^r on |r| <= ln2/2, minimax degree 6 (tools/vmath_tables.py: 0.03 ulp before rounding).
const EXP_FMA: [f32; 7] = [
    1.0,
    1.0,
    0.499_999_910_593_032_84,
    0.166_664_198_040_962_22,
    0.041_668_225_079_774_86,
    0.008_374_823_257_327_08,
    0.001_383_679_453_283_548_4,
];
/// (tanh(x)/x - 1)/x^2 on |x| < 0.625 as a polynomial in x^2, minimax degree 4 (0.07 ulp
/// before rounding).
const TANH_SMALL: [f32; 5] = [
    -0.333_332_806_825_637_8,
    0.133_314_415_812_492_37,
    -0.053_739_700_466_394_424,
    0.020_639_043_301_343_918,
    -0.005_704_934_708_774_09,
];

/// Hyperbolic tangent with fused multiply-adds, for the fused (`Compiled`) float32 kernel:
/// within 1 ulp everywhere (one better than [`tanh_f32`]) and about twice as fast, because
/// |x| is clamped where tanh rounds to 1, which takes every overflow, underflow and
/// subnormal case out of the exponential:
/// - |x| >= 0.625: 1 - 2 / (e^{2|x|} + 1), with e^{2|x|} = 2^n p(r) (degree-6 p; 2|x| <= 18.04
///   keeps 2^n normal, so no scaling in two steps);
/// - |x| < 0.625: |x| + |x|^3 q(x^2), which keeps the relative accuracy near 0.
///
/// The sign of x goes back on last. NaN fails `|x| < 0.625` and propagates through the
/// exponential; ±inf gives ±1; -0 stays -0.
///
/// `mul_add` is one instruction inside the AVX2/AVX-512 slice loops (and on aarch64); on an
/// x86-64 CPU without FMA it would be a libm call, so callers use [`tanh_f32`] there
/// ([`has_fma`]). The result is the same either way: a fused multiply-add rounds once.
#[inline(always)]
pub(crate) fn tanh_fma_f32(x: f32) -> f32 {
    let ax = x.abs();
    // tanh(|x|) rounds to 1 once 2 e^{-2|x|} < 2^-25, that is from |x| = 13 ln 2 ~ 9.011 on.
    let y = 2.0 * sel(ax > 9.02, 9.02, ax);
    let t = y.mul_add(LOG2E, MAGIC32);
    let n = (t.to_bits() as i32).wrapping_sub(MAGIC32.to_bits() as i32);
    let nf = t - MAGIC32;
    let r = nf.mul_add(-LN2_LO, nf.mul_add(-LN2_HI, y));
    let mut p = EXP_FMA[6];
    for &c in EXP_FMA[..6].iter().rev() {
        p = p.mul_add(r, c);
    }
    // n in [0, 26]: 2^n is a normal float (a NaN input keeps p, hence e, NaN).
    let e = p * pow2i(n);
    let big = 1.0 - 2.0 / (e + 1.0);
    let z = x * x;
    let mut q = TANH_SMALL[4];
    for &c in TANH_SMALL[..4].iter().rev() {
        q = q.mul_add(z, c);
    }
    let small = (ax * z).mul_add(q, ax);
    let v = sel(ax < 0.625, small, big);
    f32::from_bits(v.to_bits() | (x.to_bits() & 0x8000_0000))
}

/// Whether `mul_add` is a hardware instruction in the multiversioned slice loops here: every
/// aarch64 CPU, and x86-64 CPUs with AVX2+FMA (the loops' `Avx2`/`Avx512` levels).
pub(crate) fn has_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        super::simd::level() != super::simd::Level::Baseline
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        cfg!(target_arch = "aarch64")
    }
}

/// Logistic sigmoid 1 / (1 + e^-x); for negative x, e^x / (1 + e^x), which keeps the tiny
/// (even subnormal) results instead of dividing by an overflowed e^-x.
#[inline(always)]
pub(crate) fn sigmoid_f32(x: f32) -> f32 {
    let e = exp_f32(-x.abs());
    sel(x < 0.0, e, 1.0) / (1.0 + e)
}

/// erf(x)/x = P(x^2) on |x| < 1 (evaluated in f64: in f32 the rounding of the Horner steps
/// alone reaches 3 ulp near 1).
const ERF_SMALL: [f64; 7] = [
    7.878_969_797_032_593e-5,
    -8.014_544_604_171_262e-4,
    5.188_378_068_273_35e-3,
    -2.685_353_547_456_887_5e-2,
    0.112_835_678_837_881_51,
    -0.376_126_225_181_275_7,
    1.128_379_164_196_445_1,
];
/// erf on [1, 2.2] in powers of (x - 1.6).
const ERF_MID: [f32; 11] = [
    -2.336_600_648_354_030_3e-4,
    1.351_998_141_278_882_3e-3,
    -9.350_968_172_042_012e-4,
    -5.987_858_975_414_012e-3,
    1.549_054_481_638_146_3e-2,
    -4.384_948_256_205_748e-3,
    -4.931_392_634_599_73e-2,
    0.119_795_006_323_334_31,
    -0.139_566_481_450_388_86,
    8.722_905_145_159_49e-2,
    0.976_348_383_287_820_8,
];
/// erf on [2.2, 3.93] in powers of (x - 3.065); beyond, erf rounds to 1.
const ERF_TAIL: [f32; 11] = [
    1.421_977_349_263_846_5e-5,
    5.036_880_660_440_093e-6,
    -1.282_689_691_430_481_3e-4,
    3.348_924_268_161_648e-4,
    -5.744_290_686_729_01e-4,
    7.576_843_482_463_563e-4,
    -7.574_437_155_405_9e-4,
    5.571_418_529_452_48e-4,
    -2.877_426_328_196_255e-4,
    9.386_907_179_285_658e-5,
    0.999_985_394_974_505,
];

/// The error function.
#[inline(always)]
pub(crate) fn erf_f32(x: f32) -> f32 {
    let ax = x.abs();
    let xd = x as f64;
    let z = xd * xd;
    let mut p = ERF_SMALL[0];
    for &c in &ERF_SMALL[1..] {
        p = p * z + c;
    }
    let small = (xd * p) as f32;
    // One Horner pass with the coefficient set chosen per element (a select, not a branch).
    let tail = ax >= 2.2;
    let t = ax - sel(tail, 3.065, 1.6);
    let mut q = sel(tail, ERF_TAIL[0], ERF_MID[0]);
    for i in 1..ERF_MID.len() {
        q = q * t + sel(tail, ERF_TAIL[i], ERF_MID[i]);
    }
    let q = sel(ax >= 3.93, 1.0, q);
    let big = f32::from_bits(q.to_bits() | (x.to_bits() & 0x8000_0000));
    // NaN fails `ax >= 1` and keeps the small branch, which propagates it.
    sel(ax >= 1.0, big, small)
}

/// erf in f64 (a reference-quality scalar; also the f64 kernel): Taylor series near 0, a continued fraction for erfc beyond.
pub(crate) fn erf_f64(x: f64) -> f64 {
    let ax = x.abs();
    // NaN stays NaN and ±0 keeps its sign (the series would turn -0 into +0).
    if ax.is_nan() || x == 0.0 {
        return x;
    }
    if ax < 2.5 {
        let (mut term, mut sum, mut n) = (x, x, 0.0f64);
        loop {
            n += 1.0;
            term *= -x * x / n;
            let add = term / (2.0 * n + 1.0);
            sum += add;
            if add.abs() <= 1e-17 * sum.abs() || n > 200.0 {
                break;
            }
        }
        return sum * std::f64::consts::FRAC_2_SQRT_PI;
    }
    if ax > 6.0 {
        return x.signum();
    }
    // erfc(x) = e^{-x^2}/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), evaluated
    // from the tail.
    let mut f = ax;
    for k in (1..60).rev() {
        f = ax + (k as f64 / 2.0) / f;
    }
    let erfc = (-ax * ax).exp() / (f * std::f64::consts::PI.sqrt());
    x.signum() * (1.0 - erfc)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in ulps between two f32 (NaN must match NaN, infinities must be equal).
    fn ulps(a: f32, b: f32) -> u64 {
        if a.is_nan() || b.is_nan() {
            return if a.is_nan() && b.is_nan() {
                0
            } else {
                u64::MAX
            };
        }
        if a == b {
            return 0;
        }
        let key = |v: f32| {
            let i = v.to_bits() as i32;
            (if i < 0 { i32::MIN.wrapping_sub(i) } else { i }) as i64
        };
        (key(a) - key(b)).unsigned_abs()
    }

    /// Every 61st f32 bit pattern (about 70 million values over both signs), plus specials.
    fn check(name: &str, f: fn(f32) -> f32, reference: fn(f64) -> f64, max_ulps: u64) {
        let mut worst = (0u64, 0f32);
        let specials = [
            0.0f32,
            -0.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            f32::MIN_POSITIVE,
            1e-45,
            -1e-45,
            1.0,
            -1.0,
        ];
        let mut run = |x: f32| {
            let want = reference(x as f64) as f32;
            let got = f(x);
            let d = ulps(got, want);
            // Signed zeros must match too.
            let d = if got == 0.0 && want == 0.0 && got.to_bits() != want.to_bits() {
                u64::MAX
            } else {
                d
            };
            if d > worst.0 {
                worst = (d, x);
            }
        };
        specials.iter().for_each(|&x| run(x));
        let mut b: u32 = 0;
        while let Some(nb) = b.checked_add(61) {
            run(f32::from_bits(b));
            b = nb;
        }
        let x = worst.1;
        assert!(
            worst.0 <= max_ulps,
            "{name}: {} ulps at {x:e} (got {:e}, want {:e})",
            worst.0,
            f(x),
            reference(x as f64) as f32
        );
        eprintln!("{name}: max {} ulp", worst.0);
    }

    #[test]
    fn exp_family() {
        check("exp", exp_f32, f64::exp, 1);
        check("expm1", expm1_f32, f64::exp_m1, 2);
    }

    #[test]
    fn log_family() {
        check("log", log_f32, f64::ln, 1);
        check("log2", log2_f32, f64::log2, 2);
        check("log10", log10_f32, f64::log10, 2);
        check("log1p", log1p_f32, f64::ln_1p, 2);
    }

    #[test]
    fn trig() {
        check("sin", sin_f32, f64::sin, 1);
        check("cos", cos_f32, f64::cos, 1);
    }

    #[test]
    fn tanh_sigmoid_erf() {
        check("tanh", tanh_f32, f64::tanh, 2);
        check("tanh_fma", tanh_fma_f32, f64::tanh, 1);
        check("sigmoid", sigmoid_f32, |x| 1.0 / (1.0 + (-x).exp()), 2);
        check("erf", erf_f32, erf_f64, 2);
    }
}

#[cfg(test)]
mod timing {
    use crate::backend::cpu::elementwise::map_slice;

    /// Prints single-thread throughput of the kernels against std (no assertion; run with
    /// `cargo test --release --lib vmath::timing -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn print_throughput() {
        let n = 16 << 20;
        let xs: Vec<f32> = (0..n)
            .map(|i| ((i % 20000) as f32 - 10000.0) * 0.008)
            .collect();
        let mut out = vec![0f32; n];
        let mut time = |name: &str, f: &dyn Fn(&[f32], &mut [f32])| {
            let mut best = f64::MAX;
            for _ in 0..3 {
                let t = std::time::Instant::now();
                f(&xs, &mut out);
                std::hint::black_box(&out);
                best = best.min(t.elapsed().as_secs_f64());
            }
            eprintln!(
                "{name:>12}: {:6.2} ms  {:5.1} GB/s",
                best * 1e3,
                (8 * n) as f64 / best / 1e9
            );
        };
        time("std exp", &|s, d| map_slice(s, d, &f32::exp));
        time("vmath exp", &|s, d| map_slice(s, d, &super::exp_f32));
        time("std ln", &|s, d| map_slice(s, d, &f32::ln));
        time("vmath log", &|s, d| map_slice(s, d, &super::log_f32));
        time("std sin", &|s, d| map_slice(s, d, &f32::sin));
        time("vmath sin", &|s, d| map_slice(s, d, &super::sin_f32));
        time("std tanh", &|s, d| map_slice(s, d, &f32::tanh));
        time("vmath tanh", &|s, d| map_slice(s, d, &super::tanh_f32));
        time("tanh fma", &|s, d| map_slice(s, d, &super::tanh_fma_f32));
        time("vmath sigm", &|s, d| map_slice(s, d, &super::sigmoid_f32));
        time("vmath erf", &|s, d| map_slice(s, d, &super::erf_f32));
    }
}
