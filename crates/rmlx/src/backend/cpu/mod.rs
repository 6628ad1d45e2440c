//! The CPU backend: kernels with contiguous fast paths, a general strided path and threads.

pub(crate) mod accumulate;
pub(crate) mod arg_reduce;
pub(crate) mod arith;
pub(crate) mod axis_gather;
pub(crate) mod compact;
pub(crate) mod compiled;
mod compiled_small;
pub(crate) mod complex_math;
pub(crate) mod conv;
pub(crate) mod convert;
#[allow(unused_macros, unused_imports)]
pub(crate) mod dispatch;
pub(crate) mod elementwise;
pub(crate) mod fast_norm;
pub(crate) mod fast_rope;
pub(crate) mod fast_rows;
pub(crate) mod fast_sdpa;
#[cfg(target_arch = "x86_64")]
pub(crate) mod fast_sdpa_f32;
pub(crate) mod fft;
pub(crate) mod fork_join;
pub(crate) mod gather;
pub(crate) mod gemm;
pub(crate) mod hadamard;
pub(crate) mod index_cursor;
pub(crate) mod linalg;
pub(crate) mod linalg_complex;
pub(crate) mod linalg_lu;
pub(crate) mod mlx_math;
pub(crate) mod quantized;
pub(crate) mod radix;
pub(crate) mod radix_f32;
pub(crate) mod reduce;
pub(crate) mod scan;
pub(crate) mod scatter;
pub(crate) mod scratch;
pub(crate) mod search;
pub(crate) mod sgemm;
pub(crate) mod sgemm_kernel;
pub(crate) mod simd;
pub(crate) mod softmax;
pub(crate) mod sort;
pub(crate) mod strided;
pub(crate) mod strided_copy;
pub(crate) mod threads;
pub(crate) mod vmath;
