//! The CPU backend: kernels with contiguous fast paths, a general strided path and threads.

pub(crate) mod accumulate;
pub(crate) mod arg_reduce;
pub(crate) mod arith;
pub(crate) mod axis_gather;
pub(crate) mod compact;
pub(crate) mod complex_math;
pub(crate) mod convert;
#[allow(unused_macros, unused_imports)]
pub(crate) mod dispatch;
pub(crate) mod elementwise;
pub(crate) mod fast_norm;
pub(crate) mod fast_rope;
pub(crate) mod fast_rows;
pub(crate) mod fast_sdpa;
pub(crate) mod gather;
pub(crate) mod gemm;
pub(crate) mod hadamard;
pub(crate) mod index_cursor;
pub(crate) mod linalg;
pub(crate) mod mlx_math;
pub(crate) mod radix;
pub(crate) mod radix_f32;
pub(crate) mod reduce;
pub(crate) mod scan;
pub(crate) mod scatter;
pub(crate) mod scratch;
pub(crate) mod search;
pub(crate) mod simd;
pub(crate) mod softmax;
pub(crate) mod sort;
pub(crate) mod strided;
pub(crate) mod strided_copy;
pub(crate) mod threads;
pub(crate) mod vmath;
