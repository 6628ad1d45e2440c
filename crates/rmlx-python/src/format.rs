//! Number-to-text rules MLX uses when it prints array elements.
//!
//! MLX writes elements through a C++ output stream, so its text follows printf's rules:
//! by default `%g` with 6 significant digits (`0.333333`, `1e-05`, `1.23457e+08`, `-0`,
//! `nan`, `-nan`, `inf`); with a print precision set, fixed notation with that many decimals
//! (`%.Nf`). Exact decimal ties round half to even in both, as glibc does (and as Rust's
//! exact formatting does, which these functions build on).

/// How floating-point elements are written: MLX's print precision, resolved.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum FloatStyle {
    /// Precision `-1` (the default): `%g`, 6 significant digits.
    General,
    /// Any other precision: fixed notation with this many decimals. A negative precision
    /// other than `-1` behaves like C++'s stream default, 6 decimals.
    Fixed(usize),
}

impl FloatStyle {
    /// The style MLX applies for a `precision` print option.
    pub(crate) fn from_precision(precision: i32) -> FloatStyle {
        match precision {
            -1 => FloatStyle::General,
            p if p < 0 => FloatStyle::Fixed(6),
            p => FloatStyle::Fixed(p as usize),
        }
    }

    /// One floating-point value in this style.
    pub(crate) fn format(self, v: f64) -> String {
        match self {
            FloatStyle::General => fmt_g6(v),
            FloatStyle::Fixed(decimals) => fmt_fixed(v, decimals),
        }
    }
}

/// printf's spelling of the values that have no digits, or `None` for a finite value.
/// The sign of a NaN is shown (`-nan`), as glibc does.
fn non_finite(v: f64) -> Option<&'static str> {
    if v.is_nan() {
        Some(if v.is_sign_negative() { "-nan" } else { "nan" })
    } else if v.is_infinite() {
        Some(if v < 0.0 { "-inf" } else { "inf" })
    } else {
        None
    }
}

/// Fraction digits after which every `f64` is exact (the smallest subnormal, 2^-1074, has
/// 1074); further digits are all zeros. Also within Rust's formatting limit (`u16::MAX`).
const EXACT_FRACTION_DIGITS: usize = 1100;

/// `%.{decimals}f`.
pub(crate) fn fmt_fixed(v: f64, decimals: usize) -> String {
    if let Some(s) = non_finite(v) {
        return s.to_string();
    }
    if decimals <= EXACT_FRACTION_DIGITS {
        return format!("{v:.decimals$}");
    }
    let mut s = format!("{v:.EXACT_FRACTION_DIGITS$}");
    s.push_str(&"0".repeat(decimals - EXACT_FRACTION_DIGITS));
    s
}

/// `%g`: C++'s default stream format, 6 significant digits.
pub(crate) fn fmt_g6(v: f64) -> String {
    fmt_general(v, 6)
}

/// `%.{digits}g`: scientific notation when the exponent (after rounding to `digits`
/// significant digits) is below -4 or at least `digits`, fixed otherwise; trailing zeros
/// and a trailing decimal point are dropped; the exponent has at least two digits.
pub(crate) fn fmt_general(v: f64, digits: usize) -> String {
    if let Some(s) = non_finite(v) {
        return s.to_string();
    }
    let digits = digits.max(1);
    // Rounding first decides the exponent: 999999.5 becomes 1e+06, not 999999.
    let sci = format!("{:.*e}", digits - 1, v);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= digits as i32 {
        let sign = if exp < 0 { '-' } else { '+' };
        format!(
            "{}e{sign}{:02}",
            trim_fraction(mantissa),
            exp.unsigned_abs()
        )
    } else {
        let decimals = (digits as i32 - 1 - exp) as usize;
        trim_fraction(&format!("{v:.decimals$}")).to_string()
    }
}

/// Drops trailing zeros after a decimal point, and the point itself if nothing follows.
fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// A complex number as MLX prints it: the real part, then `+` unless the imaginary part is
/// negative (so `-0` and `-nan` read `+-0`, `+-nan`), the imaginary part, then `j`.
pub(crate) fn fmt_complex(re: f64, im: f64, style: FloatStyle) -> String {
    let plus = if im < 0.0 { "" } else { "+" };
    format!("{}{plus}{}j", style.format(re), style.format(im))
}
