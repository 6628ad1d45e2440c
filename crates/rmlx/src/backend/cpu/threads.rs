//! Threads that run CPU kernels: the stream workers and rmlx's own rayon pool.
//!
//! Both flush subnormal floats to zero (FTZ and DAZ on x86, FZ on aarch64). Arithmetic on
//! subnormals otherwise takes microcode assists that slow kernels by 10–100×; deep-learning
//! workloads do not need gradual underflow (PyTorch offers the same switch as
//! `set_flush_denormal`). Results that would be subnormal become ±0, and subnormal inputs
//! read as ±0. The caller's thread is never changed.

use std::sync::OnceLock;

/// Turns on flush-to-zero for the calling thread.
pub(crate) fn enable_flush_to_zero() {
    #[cfg(target_arch = "x86_64")]
    {
        let mut csr: u32 = 0;
        // SAFETY: stmxcsr/ldmxcsr read and write this thread's SSE control register only;
        // setting FTZ (bit 15) and DAZ (bit 6) changes rounding of subnormals, nothing else.
        unsafe {
            std::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack));
            csr |= (1 << 15) | (1 << 6);
            std::arch::asm!("ldmxcsr [{}]", in(reg) &csr, options(nostack));
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        let mut fpcr: u64;
        // SAFETY: reads and writes this thread's FPCR; bit 24 (FZ) flushes subnormals.
        unsafe {
            std::arch::asm!("mrs {}, fpcr", out(reg) fpcr);
            fpcr |= 1 << 24;
            std::arch::asm!("msr fpcr, {}", in(reg) fpcr);
        }
    }
}

/// Runs `f` with gradual underflow (IEEE subnormals) on the calling thread, restoring the
/// thread's previous mode afterwards (also when `f` panics).
///
/// Needed around faer's decompositions: its complex SVD and eigensolvers scale by constants
/// near the bottom of the exponent range, and with flush-to-zero they return wrong factors
/// (residuals of order 1 for most complex matrices beyond 8×8).
pub(crate) fn with_gradual_underflow<R>(f: impl FnOnce() -> R) -> R {
    /// Restores the saved control register when dropped.
    struct Restore(u64);
    impl Drop for Restore {
        fn drop(&mut self) {
            set_float_control(self.0);
        }
    }
    let saved = float_control();
    set_float_control(saved & !FLUSH_BITS);
    let _restore = Restore(saved);
    f()
}

/// The flush-to-zero bits of the float control register (FTZ and DAZ on x86, FZ on aarch64).
#[cfg(target_arch = "x86_64")]
const FLUSH_BITS: u64 = (1 << 15) | (1 << 6);
#[cfg(target_arch = "aarch64")]
const FLUSH_BITS: u64 = 1 << 24;
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
const FLUSH_BITS: u64 = 0;

/// This thread's float control register (MXCSR / FPCR); 0 where there is none.
fn float_control() -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        let mut csr: u32 = 0;
        // SAFETY: stmxcsr stores this thread's SSE control register into `csr`.
        unsafe { std::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack)) };
        csr as u64
    }
    #[cfg(target_arch = "aarch64")]
    {
        let fpcr: u64;
        // SAFETY: reads this thread's FPCR.
        unsafe { std::arch::asm!("mrs {}, fpcr", out(reg) fpcr) };
        fpcr
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        0
    }
}

/// Writes this thread's float control register (a value read by `float_control`, with
/// only its flush bits changed).
fn set_float_control(v: u64) {
    #[cfg(target_arch = "x86_64")]
    {
        let csr = v as u32;
        // SAFETY: ldmxcsr loads this thread's SSE control register; `v` came from stmxcsr
        // with only the FTZ/DAZ bits changed, so no reserved bit is set.
        unsafe { std::arch::asm!("ldmxcsr [{}]", in(reg) &csr, options(nostack)) };
    }
    #[cfg(target_arch = "aarch64")]
    {
        // SAFETY: writes this thread's FPCR with a value read from it (only FZ changed).
        unsafe { std::arch::asm!("msr fpcr, {}", in(reg) v) };
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    let _ = v;
}

/// Set-up for a stream worker thread.
pub(crate) fn init_worker_thread() {
    enable_flush_to_zero();
}

/// rmlx's kernel thread pool (one thread per core).
pub(crate) fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        let n = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("rmlx-cpu-{i}"))
            .start_handler(|_| enable_flush_to_zero())
            .build()
            .expect("building the CPU kernel thread pool")
    })
}

/// Number of kernel threads.
pub(crate) fn num_threads() -> usize {
    pool().current_num_threads()
}

/// Elements below which a kernel stays on one thread (the fork/join costs more).
pub(crate) const PARALLEL_THRESHOLD: usize = 1 << 16;

/// Runs `f(i)` for every `i` in `0..n` on the kernel threads: the spinning fork/join team
/// (`fork_join`), or rayon's pool when the team is busy.
///
/// Deliberately not generic: every kernel goes through this one instantiation of rayon's
/// machinery. (Generic `par_chunks_mut().zip().for_each()` per kernel closure made rayon's
/// code thousands of copies and dominated build time.)
pub(crate) fn run_parallel(n: usize, f: &(dyn Fn(usize) + Sync)) {
    use rayon::prelude::*;
    match n {
        0 => {}
        1 => f(0),
        _ => {
            if !super::fork_join::try_run(n, f) {
                pool().install(|| (0..n).into_par_iter().for_each(f))
            }
        }
    }
}

/// A `*mut T` that may cross to kernel threads; used to hand out disjoint chunks.
struct ChunkPtr<T>(*mut T);
impl<T> Clone for ChunkPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for ChunkPtr<T> {}
// SAFETY: only used by `par_chunks_mut`, which gives each thread a disjoint range.
unsafe impl<T: Send> Send for ChunkPtr<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for ChunkPtr<T> {}

/// Calls `f(i, chunk)` for the consecutive `chunk`-long pieces of `dst` (the last may be
/// shorter), in parallel on the kernel pool.
pub(crate) fn par_chunks_mut<U: Send>(
    dst: &mut [U],
    chunk: usize,
    f: impl Fn(usize, &mut [U]) + Sync,
) {
    let n = dst.len();
    let chunk = chunk.max(1);
    let base = ChunkPtr(dst.as_mut_ptr());
    run_parallel(n.div_ceil(chunk), &|i| {
        let start = i * chunk;
        let len = chunk.min(n - start);
        let p = &base;
        // SAFETY: pieces `[start, start + len)` are disjoint for distinct `i` and lie inside
        // `dst`, which is mutably borrowed for the whole call.
        let piece = unsafe { std::slice::from_raw_parts_mut(p.0.add(start), len) };
        f(i, piece)
    });
}
