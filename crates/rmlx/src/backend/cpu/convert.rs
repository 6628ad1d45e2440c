//! Element conversion between any two dtypes, with C-like semantics: integers wrap, floats
//! truncate toward zero into integers, anything becomes bool by comparing with zero, complex
//! to real keeps the real part.

use super::dispatch::dispatch_all;
use super::elementwise::{map_slice, par_zip, strided_rows, SendPtr};
use crate::array::ArrayData;
use crate::dtype::{Dtype, Element};
use half::{bf16, f16};
use num_complex::Complex32;

/// The kind of a destination type, resolved at compile time.
#[derive(PartialEq, Eq, Clone, Copy)]
pub(crate) enum Kind {
    Bool,
    Signed,
    Unsigned,
    Float,
    Complex,
}

/// Lossless-as-possible views of an element as wide scalars, and back.
pub(crate) trait Cast: Element {
    const KIND: Kind;
    fn to_f64(self) -> f64;
    fn to_i64(self) -> i64;
    fn to_u64(self) -> u64;
    fn to_c32(self) -> Complex32;
    fn nonzero(self) -> bool;
    fn from_f64(v: f64) -> Self;
    fn from_i64(v: i64) -> Self;
    fn from_u64(v: u64) -> Self;
    fn from_c32(v: Complex32) -> Self;
    fn from_bool(v: bool) -> Self;
}

/// Converts one element.
#[inline(always)]
pub(crate) fn cast<S: Cast, D: Cast>(x: S) -> D {
    match D::KIND {
        Kind::Bool => D::from_bool(x.nonzero()),
        Kind::Complex => D::from_c32(x.to_c32()),
        Kind::Float => match S::KIND {
            Kind::Signed => D::from_i64(x.to_i64()),
            Kind::Unsigned => D::from_u64(x.to_u64()),
            _ => D::from_f64(x.to_f64()),
        },
        Kind::Signed => match S::KIND {
            Kind::Unsigned => D::from_u64(x.to_u64()),
            Kind::Float | Kind::Complex => D::from_f64(x.to_f64()),
            _ => D::from_i64(x.to_i64()),
        },
        Kind::Unsigned => match S::KIND {
            Kind::Signed | Kind::Bool => D::from_i64(x.to_i64()),
            Kind::Float | Kind::Complex => D::from_f64(x.to_f64()),
            _ => D::from_u64(x.to_u64()),
        },
    }
}

macro_rules! cast_int {
    ($t:ty, $kind:ident) => {
        impl Cast for $t {
            const KIND: Kind = Kind::$kind;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn to_i64(self) -> i64 {
                self as i64
            }
            #[inline(always)]
            fn to_u64(self) -> u64 {
                self as u64
            }
            #[inline(always)]
            fn to_c32(self) -> Complex32 {
                Complex32::new(self as f32, 0.0)
            }
            #[inline(always)]
            fn nonzero(self) -> bool {
                self != 0
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as i64 as $t
            }
            #[inline(always)]
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn from_u64(v: u64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn from_c32(v: Complex32) -> Self {
                v.re as i64 as $t
            }
            #[inline(always)]
            fn from_bool(v: bool) -> Self {
                v as $t
            }
        }
    };
}
cast_int!(u8, Unsigned);
cast_int!(u16, Unsigned);
cast_int!(u32, Unsigned);
cast_int!(u64, Unsigned);
cast_int!(i8, Signed);
cast_int!(i16, Signed);
cast_int!(i32, Signed);
cast_int!(i64, Signed);

impl Cast for bool {
    const KIND: Kind = Kind::Bool;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as u8 as f64
    }
    #[inline(always)]
    fn to_i64(self) -> i64 {
        self as i64
    }
    #[inline(always)]
    fn to_u64(self) -> u64 {
        self as u64
    }
    #[inline(always)]
    fn to_c32(self) -> Complex32 {
        Complex32::new(self as u8 as f32, 0.0)
    }
    #[inline(always)]
    fn nonzero(self) -> bool {
        self
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v != 0.0
    }
    #[inline(always)]
    fn from_i64(v: i64) -> Self {
        v != 0
    }
    #[inline(always)]
    fn from_u64(v: u64) -> Self {
        v != 0
    }
    #[inline(always)]
    fn from_c32(v: Complex32) -> Self {
        v.re != 0.0 || v.im != 0.0
    }
    #[inline(always)]
    fn from_bool(v: bool) -> Self {
        v
    }
}

macro_rules! cast_float {
    ($t:ty, $to:expr, $from:expr) => {
        impl Cast for $t {
            const KIND: Kind = Kind::Float;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                ($to)(self)
            }
            #[inline(always)]
            fn to_i64(self) -> i64 {
                ($to)(self) as i64
            }
            #[inline(always)]
            fn to_u64(self) -> u64 {
                let v: f64 = ($to)(self);
                if v < 0.0 {
                    v as i64 as u64
                } else {
                    v as u64
                }
            }
            #[inline(always)]
            fn to_c32(self) -> Complex32 {
                Complex32::new(($to)(self) as f32, 0.0)
            }
            #[inline(always)]
            fn nonzero(self) -> bool {
                ($to)(self) != 0.0
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                ($from)(v)
            }
            #[inline(always)]
            fn from_i64(v: i64) -> Self {
                ($from)(v as f64)
            }
            #[inline(always)]
            fn from_u64(v: u64) -> Self {
                ($from)(v as f64)
            }
            #[inline(always)]
            fn from_c32(v: Complex32) -> Self {
                ($from)(v.re as f64)
            }
            #[inline(always)]
            fn from_bool(v: bool) -> Self {
                ($from)(v as u8 as f64)
            }
        }
    };
}
cast_float!(f32, |x: f32| x as f64, |v: f64| v as f32);
cast_float!(f64, |x: f64| x, |v: f64| v);
cast_float!(f16, |x: f16| x.to_f64(), f16::from_f64);
cast_float!(bf16, |x: bf16| x.to_f64(), bf16::from_f64);

impl Cast for Complex32 {
    const KIND: Kind = Kind::Complex;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self.re as f64
    }
    #[inline(always)]
    fn to_i64(self) -> i64 {
        self.re as i64
    }
    #[inline(always)]
    fn to_u64(self) -> u64 {
        self.re as i64 as u64
    }
    #[inline(always)]
    fn to_c32(self) -> Complex32 {
        self
    }
    #[inline(always)]
    fn nonzero(self) -> bool {
        self.re != 0.0 || self.im != 0.0
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        Complex32::new(v as f32, 0.0)
    }
    #[inline(always)]
    fn from_i64(v: i64) -> Self {
        Complex32::new(v as f32, 0.0)
    }
    #[inline(always)]
    fn from_u64(v: u64) -> Self {
        Complex32::new(v as f32, 0.0)
    }
    #[inline(always)]
    fn from_c32(v: Complex32) -> Self {
        v
    }
    #[inline(always)]
    fn from_bool(v: bool) -> Self {
        Complex32::new(v as u8 as f32, 0.0)
    }
}

/// Converts a whole typed slice.
pub(crate) fn cast_slice<S: Cast, D: Cast>(src: &[S], dst: &mut [D]) {
    map_slice(src, dst, &|x: S| cast::<S, D>(x));
}

fn convert_typed<S: Cast, D: Cast>(src: &ArrayData, shape: &[i32], dst: &ArrayData) {
    // SAFETY: `dst` is a fresh buffer owned by the calling kernel.
    let out = unsafe { dst.dense_mut::<D>() };
    if src.flags.contiguous && dst.strides == src.strides {
        par_zip(out, src.dense::<S>(), |d, s| cast_slice(s, d));
        return;
    }
    let p = SendPtr(src.ptr::<S>());
    strided_rows(shape, [&src.strides], out, |d, [off], [step]| {
        let p = p.get();
        for (i, o) in d.iter_mut().enumerate() {
            // SAFETY: offsets follow the source's own shape and strides.
            *o = cast::<S, D>(unsafe { *p.offset((off + i as i64 * step) as isize) });
        }
    });
}

/// Converts `src` (dtype `sdt`, logical `shape`) into the fresh buffer `dst` (dtype `ddt`).
/// `dst` is row-contiguous, or dense with `src`'s strides.
pub(crate) fn convert_into(
    src: &ArrayData,
    sdt: Dtype,
    shape: &[i32],
    dst: &ArrayData,
    ddt: Dtype,
) {
    dispatch_all!(sdt, S => dispatch_all!(ddt, D => convert_typed::<S, D>(src, shape, dst)))
}
