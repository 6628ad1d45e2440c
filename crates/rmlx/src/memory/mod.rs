//! The memory manager: MLX's memory API over per-device caching allocators.
//!
//! Every buffer a kernel uses comes from [`allocator::Allocator::malloc`], so the counters are
//! exact. The public functions act on the allocator of the default device, as MLX's do on the
//! one allocator of its build.

pub mod allocator;
mod buffer;
mod cache;
mod cpu;
mod system;

pub use allocator::Allocator;
pub use buffer::Buffer;
pub use cpu::cpu_allocator;

use crate::device::{default_device, Device, DeviceType};
use crate::error::{invalid, Result};
use std::collections::BTreeMap;

/// The allocator serving `device`.
pub fn allocator_for(device: Device) -> Result<&'static Allocator> {
    match device.kind {
        DeviceType::Cpu => Ok(cpu_allocator()),
        DeviceType::Gpu => Err(invalid!(
            "[allocator] No GPU backend is available for {device}."
        )),
    }
}

fn default_allocator() -> &'static Allocator {
    allocator_for(default_device()).unwrap_or_else(|_| cpu_allocator())
}

/// Bytes in live buffers (not the cache).
pub fn get_active_memory() -> usize {
    default_allocator().active_memory()
}
/// The highest active memory since start or the last [`reset_peak_memory`].
pub fn get_peak_memory() -> usize {
    default_allocator().peak_memory()
}
/// Sets the peak to 0 (not to the current active value), as MLX.
pub fn reset_peak_memory() {
    default_allocator().reset_peak_memory()
}
/// Bytes held by the buffer cache.
pub fn get_cache_memory() -> usize {
    default_allocator().cache_memory()
}
/// The memory limit: a guideline for how much memory evaluation should use.
pub fn get_memory_limit() -> usize {
    default_allocator().memory_limit()
}
/// Sets the memory limit; returns the previous one. Allocations are never refused because of
/// it: the evaluator waits for in-flight work while over it, then carries on.
pub fn set_memory_limit(limit: usize) -> usize {
    default_allocator().set_memory_limit(limit)
}
/// Sets the cache limit (0 disables caching); returns the previous one.
pub fn set_cache_limit(limit: usize) -> usize {
    default_allocator().set_cache_limit(limit)
}
/// Metal's wired limit: recorded but without effect on the CPU; returns the previous one.
pub fn set_wired_limit(limit: usize) -> usize {
    default_allocator().set_wired_limit(limit)
}
/// Returns every cached buffer to the system.
pub fn clear_cache() {
    default_allocator().clear_cache()
}

/// A value in [`device_info`]'s map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InfoValue {
    /// Text, such as a device name.
    Text(String),
    /// A number, such as a byte count.
    Number(u64),
}

/// Bytes of the buffers behind `arrays`, each distinct buffer counted once at its full
/// allocation size (views share their base's buffer). The arrays must be evaluated.
pub fn array_buffer_size(arrays: &[crate::Array]) -> Result<usize> {
    let mut seen: Vec<*const u8> = Vec::with_capacity(arrays.len());
    let mut total = 0;
    for a in arrays {
        let data = a.data().ok_or_else(|| {
            invalid!(
                "[get_array_buffer_size] Arrays must be evaluated before querying buffer size."
            )
        })?;
        let key = data.buffer.as_ptr() as *const u8;
        if !seen.contains(&key) {
            seen.push(key);
            total += data.buffer_size();
        }
    }
    Ok(total)
}

/// Facts about a device: for the CPU `device_name`, `architecture` and `memory_size`.
pub fn device_info(device: Device) -> Result<BTreeMap<String, InfoValue>> {
    let mut m = BTreeMap::new();
    match device.kind {
        DeviceType::Cpu => {
            m.insert("device_name".into(), InfoValue::Text(system::cpu_name()));
            m.insert(
                "architecture".into(),
                InfoValue::Text(std::env::consts::ARCH.into()),
            );
            let total = system::total_memory().unwrap_or(0);
            m.insert("memory_size".into(), InfoValue::Number(total));
        }
        DeviceType::Gpu => {
            return Err(invalid!(
                "[device_info] No GPU backend is available for {device}."
            ))
        }
    }
    Ok(m)
}
