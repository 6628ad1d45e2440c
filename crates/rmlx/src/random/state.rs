//! The global key: `seed` replaces it; each draw without a key splits it in two, keeps the
//! first half and uses the second (MLX's `KeySequence`).

use super::basic::{key, split};
use crate::array::Array;
use crate::error::Result;
use crate::ops;
use std::sync::Mutex;

static STATE: Mutex<Option<Array>> = Mutex::new(None);

fn lock() -> std::sync::MutexGuard<'static, Option<Array>> {
    STATE.lock().unwrap_or_else(|p| p.into_inner())
}

/// A key seeded from the clock, as MLX seeds its generator at start-up.
fn clock_key() -> Array {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    key(nanos)
}

/// Seeds the global generator: the global key becomes `key(seed)`.
pub fn seed(seed: u64) {
    *lock() = Some(key(seed));
}

/// Replaces the global key (MLX's `random.state[0] = key`; compiled functions that capture
/// the random state write it back this way).
pub fn set_state(key: Array) {
    *lock() = Some(key);
}

/// The current global key (MLX's `random.state[0]`).
pub fn state() -> Array {
    lock().get_or_insert_with(clock_key).clone()
}

/// The key a draw without `key=` uses: the global key is split, the first half kept.
pub(crate) fn next_key() -> Result<Array> {
    let mut st = lock();
    let current = st.get_or_insert_with(clock_key).clone();
    let halves = split(&current, 2)?;
    let keep = ops::take(&halves, &Array::scalar(0i32), Some(0))?;
    let use_now = ops::take(&halves, &Array::scalar(1i32), Some(0))?;
    *st = Some(keep);
    Ok(use_now)
}

/// `key` if given, else the next key of the global sequence.
pub(crate) fn resolve(key: Option<&Array>) -> Result<Array> {
    match key {
        Some(k) => Ok(k.clone()),
        None => next_key(),
    }
}
