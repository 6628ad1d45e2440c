//! The caching allocator shared by every device: counters, limits and the buffer cache over
//! a device's raw memory (`RawMemory`). The CPU plugs in `system`; CUDA will plug in its own.

use super::buffer::Buffer;
use super::cache::{Block, BufferCache};
use crate::device::Device;
use crate::error::{Error, Result};
use std::ptr::NonNull;
use std::sync::Mutex;

/// A device's raw memory: allocation without caching or accounting.
pub(crate) trait RawMemory: Send + Sync {
    /// The device served.
    fn device(&self) -> Device;
    /// The size actually reserved for a request (CUDA rounds; the CPU does not).
    fn round_size(&self, size: usize) -> usize {
        size
    }
    /// The page size used by the cache's reuse window.
    fn page_size(&self) -> usize;
    /// Allocates `size > 0` bytes, or `None` when the device has no memory left.
    fn alloc(&self, size: usize) -> Option<NonNull<u8>>;
    /// Frees a block from `alloc`.
    ///
    /// # Safety
    /// `ptr` must come from `self.alloc(size)` and not be used afterwards.
    unsafe fn dealloc(&self, ptr: NonNull<u8>, size: usize);
}

#[derive(Debug)]
struct State {
    active: usize,
    peak: usize,
    memory_limit: usize,
    cache_limit: usize,
    wired_limit: usize,
    cache: BufferCache,
}

/// Counters, limits and cache for one device.
pub struct Allocator {
    raw: Box<dyn RawMemory>,
    state: Mutex<State>,
}

impl std::fmt::Debug for Allocator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Allocator({})", self.raw.device())
    }
}

impl Allocator {
    pub(crate) fn new(raw: Box<dyn RawMemory>, memory_limit: usize, cache_limit: usize) -> Self {
        let state = State {
            active: 0,
            peak: 0,
            memory_limit,
            cache_limit,
            wired_limit: 0,
            cache: BufferCache::default(),
        };
        Allocator {
            raw,
            state: Mutex::new(state),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock leaves only counters behind; keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn release(&self, blocks: Vec<Block>) {
        for b in blocks {
            // SAFETY: cached blocks came from `self.raw.alloc(b.size)` and are no longer used.
            unsafe { self.raw.dealloc(b.ptr, b.size) };
        }
    }

    /// Allocates a buffer of at least `size` bytes. Never refused because of the memory
    /// limit; fails with `OutOfMemory` only when the device itself has no memory left (after
    /// emptying the cache).
    pub fn malloc(&'static self, size: usize) -> Result<Buffer> {
        if size == 0 {
            return Ok(Buffer::empty());
        }
        let size = self.raw.round_size(size);
        let page = self.raw.page_size();
        let to_free = {
            let mut st = self.lock();
            if let Some(block) = st.cache.reuse(size, page) {
                st.active += block.size;
                st.peak = st.peak.max(st.active);
                return Ok(Buffer::new(block.ptr, block.size, self));
            }
            // A miss that would pass the limit first trims the cache by the excess.
            let total = st.active + st.cache.bytes() + size;
            let limit = st.memory_limit;
            if total > limit {
                st.cache.trim(total - limit)
            } else {
                Vec::new()
            }
        };
        self.release(to_free);
        let ptr = match self.raw.alloc(size) {
            Some(p) => p,
            None => {
                // Last resort: give the whole cache back and try once more.
                let blocks = self.lock().cache.clear();
                self.release(blocks);
                match self.raw.alloc(size) {
                    Some(p) => p,
                    None => {
                        let st = self.lock();
                        return Err(Error::OutOfMemory {
                            requested: size,
                            active: st.active,
                            cache: st.cache.bytes(),
                            limit: st.memory_limit,
                            device: self.raw.device(),
                        });
                    }
                }
            }
        };
        let mut st = self.lock();
        st.active += size;
        st.peak = st.peak.max(st.active);
        Ok(Buffer::new(ptr, size, self))
    }

    /// Takes back a buffer's block: into the cache when it fits under the cache limit.
    pub(crate) fn free(&self, ptr: NonNull<u8>, size: usize) {
        let to_free = {
            let mut st = self.lock();
            st.active -= size;
            if size <= st.cache_limit {
                st.cache.recycle(Block { ptr, size });
                let over = st.cache.bytes().saturating_sub(st.cache_limit);
                st.cache.trim(over)
            } else {
                vec![Block { ptr, size }]
            }
        };
        self.release(to_free);
    }

    /// Bytes in live buffers.
    pub fn active_memory(&self) -> usize {
        self.lock().active
    }
    /// Highest active value since start or the last reset.
    pub fn peak_memory(&self) -> usize {
        self.lock().peak
    }
    /// Sets the peak to 0.
    pub fn reset_peak_memory(&self) {
        self.lock().peak = 0;
    }
    /// Bytes in the cache.
    pub fn cache_memory(&self) -> usize {
        self.lock().cache.bytes()
    }
    /// The memory limit (a guideline for evaluation).
    pub fn memory_limit(&self) -> usize {
        self.lock().memory_limit
    }
    /// Sets the memory limit; returns the previous one.
    pub fn set_memory_limit(&self, limit: usize) -> usize {
        std::mem::replace(&mut self.lock().memory_limit, limit)
    }
    /// Sets the cache limit, trimming the cache to it; returns the previous one.
    pub fn set_cache_limit(&self, limit: usize) -> usize {
        let (prev, blocks) = {
            let mut st = self.lock();
            let prev = std::mem::replace(&mut st.cache_limit, limit);
            let over = st.cache.bytes().saturating_sub(limit);
            (prev, st.cache.trim(over))
        };
        self.release(blocks);
        prev
    }
    /// Records the wired limit (no effect on the CPU, as in MLX); returns the previous one.
    pub fn set_wired_limit(&self, limit: usize) -> usize {
        std::mem::replace(&mut self.lock().wired_limit, limit)
    }
    /// Returns every cached block to the device.
    pub fn clear_cache(&self) {
        let blocks = self.lock().cache.clear();
        self.release(blocks);
    }
    /// The device served.
    pub fn device(&self) -> Device {
        self.raw.device()
    }
}
