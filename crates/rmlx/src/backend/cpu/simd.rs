//! Runtime-selected instruction sets for hot slice loops.
//!
//! The crate is compiled for the baseline target; `multiversion!` compiles a slice loop
//! again with AVX-512 and with AVX2+FMA enabled and picks one at run time, so a binary built
//! on one x86-64 machine runs everywhere and still vectorizes wide where it can. Loops must be
//! written so LLVM can vectorize them (straight-line bodies, no early exits); the element
//! functions they call should be `#[inline(always)]`.

use std::sync::atomic::{AtomicU8, Ordering};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Level {
    Baseline = 1,
    Avx2 = 2,
    Avx512 = 3,
}

/// The best instruction set this CPU supports (cached).
pub(crate) fn level() -> Level {
    static LEVEL: AtomicU8 = AtomicU8::new(0);
    match LEVEL.load(Ordering::Relaxed) {
        1 => return Level::Baseline,
        2 => return Level::Avx2,
        3 => return Level::Avx512,
        _ => {}
    }
    let l = detect();
    LEVEL.store(l as u8, Ordering::Relaxed);
    l
}

#[cfg(target_arch = "x86_64")]
fn detect() -> Level {
    if std::env::var_os("RMLX_NO_AVX512").is_none()
        && is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512vl")
        && is_x86_feature_detected!("avx512bw")
        && is_x86_feature_detected!("avx512dq")
        && is_x86_feature_detected!("fma")
    {
        Level::Avx512
    } else if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        Level::Avx2
    } else {
        Level::Baseline
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> Level {
    Level::Baseline
}

/// Defines `pub(crate) fn $name<generics>(args)` that runs `$body` compiled for the best
/// available instruction set.
///
/// ```ignore
/// multiversion! {
///     fn add_slices<T: Copy + Add<Output = T>>(a: &[T], b: &[T], out: &mut [T]) {
///         for ((o, x), y) in out.iter_mut().zip(a).zip(b) { *o = *x + *y }
///     }
/// }
/// ```
macro_rules! multiversion {
    (
        $(#[$meta:meta])*
        fn $name:ident<$($g:ident $(: $b:path)?),* $(,)?>($($arg:ident : $ty:ty),* $(,)?)
        $(where $($wt:ty : $wb:path),* $(,)?)?
        $body:block
    ) => {
        $(#[$meta])*
        #[allow(clippy::too_many_arguments)]
        pub(crate) fn $name<$($g $(: $b)?),*>($($arg: $ty),*) $(where $($wt: $wb),*)? {
            #[inline(always)]
            #[allow(clippy::too_many_arguments)]
            fn inner<$($g $(: $b)?),*>($($arg: $ty),*) $(where $($wt: $wb),*)? $body

            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,f16c")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn v4<$($g $(: $b)?),*>($($arg: $ty),*) $(where $($wt: $wb),*)? {
                    inner($($arg),*)
                }
                #[target_feature(enable = "avx2,fma,f16c")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn v3<$($g $(: $b)?),*>($($arg: $ty),*) $(where $($wt: $wb),*)? {
                    inner($($arg),*)
                }
                match $crate::backend::cpu::simd::level() {
                    // SAFETY: `level()` verified at run time that the CPU has these features.
                    $crate::backend::cpu::simd::Level::Avx512 => unsafe { v4($($arg),*) },
                    // SAFETY: as above, for AVX2 and FMA.
                    $crate::backend::cpu::simd::Level::Avx2 => unsafe { v3($($arg),*) },
                    $crate::backend::cpu::simd::Level::Baseline => inner($($arg),*),
                }
            }
            #[cfg(not(target_arch = "x86_64"))]
            {
                inner($($arg),*)
            }
        }
    };
}
pub(crate) use multiversion;
