//! The host's memory: allocation from the system and what the system can still give.

use std::alloc::Layout;
use std::ptr::NonNull;

/// Alignment of every CPU buffer: a cache line and an AVX-512 vector.
pub(crate) const CPU_ALIGN: usize = 64;

/// Requests at least this large are checked against what the system can still supply,
/// because Linux overcommits and would otherwise kill the process on first touch.
const CHECK_AVAILABLE_FROM: usize = 1 << 20;

/// Reads a `/proc/meminfo` field in bytes.
fn meminfo_field(text: &str, key: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Physical RAM in bytes, if known.
pub(crate) fn total_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    meminfo_field(&text, "MemTotal:")
}

/// What the system can still supply: MemAvailable plus free swap. `None` off Linux.
pub(crate) fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let avail = meminfo_field(&text, "MemAvailable:")?;
    Some(avail + meminfo_field(&text, "SwapFree:").unwrap_or(0))
}

/// Buffers at least this large are aligned to 2 MiB and asked to use transparent huge pages:
/// first-touch page faults then cost one per 2 MiB instead of one per 4 KiB.
const HUGE_FROM: usize = 4 << 20;
const HUGE_PAGE: usize = 2 << 20;

fn layout(size: usize) -> Option<Layout> {
    let align = if size >= HUGE_FROM {
        HUGE_PAGE
    } else {
        CPU_ALIGN
    };
    Layout::from_size_align(size, align).ok()
}

/// Allocates `size` bytes (size > 0) or returns `None` when the system cannot.
pub(crate) fn alloc(size: usize) -> Option<NonNull<u8>> {
    if size >= CHECK_AVAILABLE_FROM {
        if let Some(avail) = available_memory() {
            if size as u64 > avail {
                return None;
            }
        }
    }
    let layout = layout(size)?;
    // SAFETY: layout has non-zero size (callers never ask for 0 bytes).
    let ptr = NonNull::new(unsafe { std::alloc::alloc(layout) })?;
    #[cfg(target_os = "linux")]
    if size >= HUGE_FROM {
        // SAFETY: the range is inside the allocation just made (2 MiB aligned start, length
        // rounded down); MADV_HUGEPAGE is advice only and cannot invalidate memory.
        unsafe {
            libc::madvise(
                ptr.as_ptr().cast(),
                size & !(HUGE_PAGE - 1),
                libc::MADV_HUGEPAGE,
            );
        }
    }
    Some(ptr)
}

/// Returns a block obtained from [`alloc`].
///
/// # Safety
/// `ptr` must come from `alloc(size)` with the same `size`, and not be used afterwards.
pub(crate) unsafe fn dealloc(ptr: NonNull<u8>, size: usize) {
    let layout = layout(size).expect("layout was valid at alloc");
    // SAFETY: guaranteed by the caller.
    unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) }
}

/// The CPU's model name from `/proc/cpuinfo`.
pub(crate) fn cpu_name() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "cpu".to_string())
}
