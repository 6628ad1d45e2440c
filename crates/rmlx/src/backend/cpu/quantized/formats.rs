//! The small float formats of MLX's quantization modes: E4M3 (fp8, also nvfp4's scale),
//! E2M1 (fp4) and E8M0 (the mx modes' power-of-two scale).
//!
//! Conversions follow MLX 0.32.4 bit for bit: to E4M3 rounds to nearest even and saturates
//! to ±448 (infinities and NaN included: NaN becomes 0x7e with its sign, as MLX's
//! conversion does); 0x7f and 0xff read back as NaN.

/// The 16 values of E2M1, indexed by code (bit 3 is the sign).
pub(crate) const FP4_LUT: [f32; 16] = [
    0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, -0.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0,
];

/// The largest finite E4M3 magnitude.
const E4M3_MAX: f32 = 448.0;

/// `x` as E4M3 bits (round to nearest even, saturating).
#[inline]
pub(crate) fn to_e4m3(x: f32) -> u8 {
    let sign: u8 = if x.is_sign_negative() { 0x80 } else { 0 };
    let a = x.abs();
    if a.is_nan() || a >= E4M3_MAX {
        return 0x7e | sign;
    }
    // Below the smallest normal (2^-6) the step is 2^-9: a subnormal code (or, when it
    // rounds up to 8 steps, the smallest normal, whose code is the same integer).
    if a < 0.015625 {
        return (a * 512.0).round_ties_even() as u8 | sign;
    }
    let bits = a.to_bits();
    let e = ((bits >> 23) & 0xff) as i32 - 127; // a = 1.m · 2^e, e in [-6, 8]
    let frac = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000) - 1.0; // in [0, 1)
    let m = (frac * 8.0).round_ties_even() as u32; // 0..=8 (8 carries into the exponent)
    let code = (((e + 7) as u32) << 3) + m;
    code.min(0x7e) as u8 | sign
}

/// The value of E4M3 bits (0x7f / 0xff are NaN).
#[inline]
pub(crate) fn from_e4m3(b: u8) -> f32 {
    let mag = b & 0x7f;
    let v = if mag == 0x7f {
        f32::NAN
    } else {
        let e = (mag >> 3) as i32;
        let m = (mag & 7) as f32;
        if e == 0 {
            m * (1.0 / 512.0)
        } else {
            (1.0 + m / 8.0) * pow2(e - 7)
        }
    };
    if b & 0x80 != 0 {
        -v
    } else {
        v
    }
}

/// `2^e` exactly for `e` in [-126, 127] (built from bits, so flush-to-zero cannot touch it).
#[inline]
pub(crate) fn pow2(e: i32) -> f32 {
    f32::from_bits(((e + 127) as u32) << 23)
}

/// The value of an E8M0 scale byte as MLX reads it: `2^(s - 127)` (MLX reads byte 0 as
/// bfloat16 bits 0x0040, i.e. 2^-127 as well), computed in float32.
#[inline]
pub(crate) fn from_e8m0(s: u8) -> f32 {
    if s == 0 {
        // 2^-127 is subnormal in float32; built from bits.
        f32::from_bits(0x0040_0000)
    } else if s == 255 {
        f32::from_bits(0x7f80_0000) // 2^128 overflows to infinity, as in MLX
    } else {
        pow2(s as i32 - 127)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e4m3_round_trips_every_code() {
        for b in 0u8..=255 {
            let v = from_e4m3(b);
            if v.is_nan() {
                continue;
            }
            assert_eq!(to_e4m3(v), b, "code {b:#x} value {v}");
        }
    }

    #[test]
    fn e4m3_saturates_and_rounds_to_even() {
        assert_eq!(to_e4m3(1e9), 0x7e);
        assert_eq!(to_e4m3(f32::NEG_INFINITY), 0xfe);
        assert_eq!(to_e4m3(f32::NAN), 0x7e);
        assert_eq!(to_e4m3(1.0), 0x38);
        // 1 + 1/16 lies halfway between 1 and 1.125: ties go to the even code (1.0).
        assert_eq!(to_e4m3(1.0625), 0x38);
        assert_eq!(to_e4m3(1.1875), 0x3a);
        assert_eq!(from_e4m3(0x01), 1.0 / 512.0);
        assert_eq!(from_e4m3(0x7e), 448.0);
    }
}
