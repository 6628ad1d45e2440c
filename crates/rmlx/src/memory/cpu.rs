//! The CPU's raw memory and its allocator singleton.

use super::allocator::{Allocator, RawMemory};
use super::system;
use crate::device::Device;
use std::ptr::NonNull;
use std::sync::OnceLock;

struct CpuMemory;

impl RawMemory for CpuMemory {
    fn device(&self) -> Device {
        Device::cpu()
    }
    fn page_size(&self) -> usize {
        4096
    }
    fn alloc(&self, size: usize) -> Option<NonNull<u8>> {
        system::alloc(size)
    }
    unsafe fn dealloc(&self, ptr: NonNull<u8>, size: usize) {
        // SAFETY: forwarded contract.
        unsafe { system::dealloc(ptr, size) }
    }
}

/// MLX's CPU defaults: a memory limit of 0.8 × RAM (8 GiB if unknown), a 32 MiB cache.
pub(crate) const DEFAULT_CPU_CACHE_LIMIT: usize = 32 << 20;

pub(crate) fn default_cpu_memory_limit() -> usize {
    match system::total_memory() {
        Some(total) => (total as f64 * 0.8) as usize,
        None => 8 << 30,
    }
}

/// The CPU allocator.
pub fn cpu_allocator() -> &'static Allocator {
    static CPU: OnceLock<Allocator> = OnceLock::new();
    CPU.get_or_init(|| {
        Allocator::new(
            Box::new(CpuMemory),
            default_cpu_memory_limit(),
            DEFAULT_CPU_CACHE_LIMIT,
        )
    })
}
