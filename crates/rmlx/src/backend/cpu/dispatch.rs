//! Macros that turn a runtime `Dtype` into a Rust element type.
//!
//! Each arm instantiates the body once per type, so use the narrowest macro that covers the
//! dtypes an op accepts (fewer instantiations, faster builds).

/// `dispatch_real!(dtype, T => expr, else => expr)`: every dtype but complex64.
macro_rules! dispatch_real {
    ($dt:expr, $t:ident => $body:expr, else => $other:expr) => {{
        use $crate::dtype::Dtype as D__;
        match $dt {
            D__::Bool => {
                type $t = bool;
                $body
            }
            D__::Complex64 => $other,
            d__ if d__.is_integer() => {
                $crate::backend::cpu::dispatch::dispatch_int!(d__, $t => $body, else => unreachable!())
            }
            d__ => $crate::backend::cpu::dispatch::dispatch_float!(d__, $t => $body, else => unreachable!()),
        }
    }};
}
pub(crate) use dispatch_real;

/// `dispatch_all!(dtype, T => expr)`: every dtype.
macro_rules! dispatch_all {
    ($dt:expr, $t:ident => $body:expr) => {
        $crate::backend::cpu::dispatch::dispatch_real!($dt, $t => $body, else => {
            type $t = num_complex::Complex32;
            $body
        })
    };
}
pub(crate) use dispatch_all;

/// `dispatch_int!(dtype, T => expr, else => expr)`: the eight integer dtypes.
macro_rules! dispatch_int {
    ($dt:expr, $t:ident => $body:expr, else => $other:expr) => {{
        use $crate::dtype::Dtype as D__;
        match $dt {
            D__::Uint8 => {
                type $t = u8;
                $body
            }
            D__::Uint16 => {
                type $t = u16;
                $body
            }
            D__::Uint32 => {
                type $t = u32;
                $body
            }
            D__::Uint64 => {
                type $t = u64;
                $body
            }
            D__::Int8 => {
                type $t = i8;
                $body
            }
            D__::Int16 => {
                type $t = i16;
                $body
            }
            D__::Int32 => {
                type $t = i32;
                $body
            }
            D__::Int64 => {
                type $t = i64;
                $body
            }
            _ => $other,
        }
    }};
}
pub(crate) use dispatch_int;

/// `dispatch_float!(dtype, T => expr, else => expr)`: f16, bf16, f32, f64.
macro_rules! dispatch_float {
    ($dt:expr, $t:ident => $body:expr, else => $other:expr) => {{
        use $crate::dtype::Dtype as D__;
        match $dt {
            D__::Float16 => {
                type $t = half::f16;
                $body
            }
            D__::Float32 => {
                type $t = f32;
                $body
            }
            D__::Float64 => {
                type $t = f64;
                $body
            }
            D__::Bfloat16 => {
                type $t = half::bf16;
                $body
            }
            _ => $other,
        }
    }};
}
pub(crate) use dispatch_float;
