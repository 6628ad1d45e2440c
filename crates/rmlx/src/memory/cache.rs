//! The buffer cache: freed buffers kept for reuse, keyed by byte size.
//!
//! MLX's rules: a request of `size` reuses the smallest cached buffer whose size lies in
//! `[size, min(2·size, size + 2·page))`; eviction frees the least recently recycled buffers
//! first; a request to free at least 90 % of the cache clears it all.

use std::collections::BTreeMap;
use std::ptr::NonNull;

/// A raw block owned by the cache.
#[derive(Debug)]
pub(crate) struct Block {
    pub ptr: NonNull<u8>,
    pub size: usize,
}

// SAFETY: a Block is an exclusively owned allocation; moving it between threads is fine.
unsafe impl Send for Block {}

/// Cached blocks, findable by size and by age.
#[derive(Debug, Default)]
pub(crate) struct BufferCache {
    /// (size, recycle sequence) -> pointer.
    by_size: BTreeMap<(usize, u64), NonNull<u8>>,
    /// recycle sequence -> size; the first entry is the least recently recycled.
    by_age: BTreeMap<u64, usize>,
    next_seq: u64,
    bytes: usize,
}

// SAFETY: the cache owns the blocks it stores; it is only reached behind the allocator's lock.
unsafe impl Send for BufferCache {}

impl BufferCache {
    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Takes the smallest block that fits `size` under MLX's reuse window.
    pub fn reuse(&mut self, size: usize, page: usize) -> Option<Block> {
        let upper = size.saturating_mul(2).min(size.saturating_add(2 * page));
        let (&(found, seq), &ptr) = self
            .by_size
            .range((size, 0)..(upper.max(size + 1), 0))
            .next()?;
        self.by_size.remove(&(found, seq));
        self.by_age.remove(&seq);
        self.bytes -= found;
        Some(Block { ptr, size: found })
    }

    /// Puts a freed block in the cache.
    pub fn recycle(&mut self, block: Block) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.by_size.insert((block.size, seq), block.ptr);
        self.by_age.insert(seq, block.size);
        self.bytes += block.size;
    }

    /// Removes at least `bytes` bytes (oldest first) and returns the blocks to free.
    /// Asking for 90 % or more of the cache empties it.
    pub fn trim(&mut self, bytes: usize) -> Vec<Block> {
        if bytes == 0 {
            return Vec::new();
        }
        if bytes as f64 >= 0.9 * self.bytes as f64 {
            return self.clear();
        }
        let mut out = Vec::new();
        let mut freed = 0;
        while freed < bytes {
            let Some((seq, size)) = self.by_age.pop_first() else {
                break;
            };
            let ptr = self
                .by_size
                .remove(&(size, seq))
                .expect("cache indexes agree");
            self.bytes -= size;
            freed += size;
            out.push(Block { ptr, size });
        }
        out
    }

    /// Removes every block and returns them to free.
    pub fn clear(&mut self) -> Vec<Block> {
        self.by_age.clear();
        self.bytes = 0;
        std::mem::take(&mut self.by_size)
            .into_iter()
            .map(|((size, _), ptr)| Block { ptr, size })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(size: usize) -> Block {
        Block {
            ptr: NonNull::dangling(),
            size,
        }
    }

    #[test]
    fn reuse_window_and_lru() {
        let mut c = BufferCache::default();
        c.recycle(block(100));
        c.recycle(block(300));
        c.recycle(block(150));
        // 120 may use [120, 240): the 150 block.
        assert_eq!(c.reuse(120, 4096).unwrap().size, 150);
        // 90 may use [90, 180): the 100 block.
        assert_eq!(c.reuse(90, 4096).unwrap().size, 100);
        // 100 may use [100, 200): nothing left in range.
        assert!(c.reuse(100, 4096).is_none());
        assert_eq!(c.bytes(), 300);
        c.recycle(block(10));
        // Oldest first: trimming 20 bytes frees the 300 block (recycled before the 10).
        let freed = c.trim(20);
        assert_eq!(freed.len(), 1);
        assert_eq!(freed[0].size, 300);
        assert_eq!(c.bytes(), 10);
        // 90 % or more clears all.
        c.recycle(block(1000));
        assert_eq!(c.trim(950).len(), 2);
        assert_eq!(c.bytes(), 0);
    }
}
