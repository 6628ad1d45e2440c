//! Dispatch from a runtime dtype to the Rust element type that stores it.

/// Runs `$body` with `$t` bound to the element type of `$dtype`.
macro_rules! with_element {
    ($dtype:expr, $t:ident => $body:expr) => {
        match $dtype {
            rmlx::Dtype::Bool => {
                type $t = bool;
                $body
            }
            rmlx::Dtype::Uint8 => {
                type $t = u8;
                $body
            }
            rmlx::Dtype::Uint16 => {
                type $t = u16;
                $body
            }
            rmlx::Dtype::Uint32 => {
                type $t = u32;
                $body
            }
            rmlx::Dtype::Uint64 => {
                type $t = u64;
                $body
            }
            rmlx::Dtype::Int8 => {
                type $t = i8;
                $body
            }
            rmlx::Dtype::Int16 => {
                type $t = i16;
                $body
            }
            rmlx::Dtype::Int32 => {
                type $t = i32;
                $body
            }
            rmlx::Dtype::Int64 => {
                type $t = i64;
                $body
            }
            rmlx::Dtype::Float16 => {
                type $t = half::f16;
                $body
            }
            rmlx::Dtype::Float32 => {
                type $t = f32;
                $body
            }
            rmlx::Dtype::Float64 => {
                type $t = f64;
                $body
            }
            rmlx::Dtype::Bfloat16 => {
                type $t = half::bf16;
                $body
            }
            rmlx::Dtype::Complex64 => {
                type $t = num_complex::Complex32;
                $body
            }
        }
    };
}
pub(crate) use with_element;
