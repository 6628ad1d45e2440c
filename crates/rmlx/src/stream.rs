//! Streams: ordered queues of work on a device. Each has a worker thread (see
//! `eval::scheduler`), so evaluation overlaps the caller.

use crate::device::{default_device, is_available, Device};
use crate::error::{invalid, Error, Result};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

/// A stream: an index and the device it runs on.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Stream {
    /// Process-wide unique index.
    pub index: u32,
    /// Where its work runs.
    pub device: Device,
}

impl std::fmt::Display for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Stream({}, {})", self.device, self.index)
    }
}

static NEXT_INDEX: AtomicU32 = AtomicU32::new(0);

/// Streams any thread may use (`new_thread_unsafe_stream`); the caller orders the work.
static SHARED: std::sync::RwLock<Vec<u32>> = std::sync::RwLock::new(Vec::new());

thread_local! {
    /// This thread's default stream per device, made on first use.
    static DEFAULTS: RefCell<HashMap<Device, Stream>> = RefCell::new(HashMap::new());
    /// Indices of the streams made on this thread (MLX's streams belong to their thread).
    static OWNED: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
    /// Streams pushed by `with_stream` (innermost last).
    static SCOPES: RefCell<Vec<Stream>> = const { RefCell::new(Vec::new()) };
}

/// A new stream on `device`.
pub fn new_stream(device: Device) -> Result<Stream> {
    if !is_available(device) {
        return Err(invalid!("[new_stream] Device {device} is not available."));
    }
    let s = Stream {
        index: NEXT_INDEX.fetch_add(1, Ordering::Relaxed),
        device,
    };
    OWNED.with(|o| o.borrow_mut().push(s.index));
    Ok(s)
}

/// A new stream on `device` that every thread may use (MLX's `new_thread_unsafe_stream`):
/// work from several threads lands on it in whatever order they submit it.
pub fn new_thread_unsafe_stream(device: Device) -> Result<Stream> {
    let s = new_stream(device)?;
    SHARED
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .push(s.index);
    Ok(s)
}

/// Forgets every stream made on this thread, defaults included (MLX's `clear_streams`):
/// using one afterwards is an error, and the next op makes a fresh default stream.
pub fn clear_streams() {
    OWNED.with(|o| o.borrow_mut().clear());
    DEFAULTS.with(|d| d.borrow_mut().clear());
}

/// MLX's rule: a stream may only take work from the thread that made it (unless it was made
/// by `new_thread_unsafe_stream`).
fn check_owned(stream: Stream) -> Result<Stream> {
    let shared = || {
        SHARED
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&stream.index)
    };
    if OWNED.with(|o| o.borrow().contains(&stream.index)) || shared() {
        Ok(stream)
    } else {
        Err(Error::Runtime(format!(
            "There is no Stream({}, {}) in current thread.",
            match stream.device.kind {
                crate::device::DeviceType::Cpu => "cpu",
                crate::device::DeviceType::Gpu => "gpu",
            },
            stream.index
        )))
    }
}

/// This thread's default stream on `device`.
pub fn default_stream(device: Device) -> Result<Stream> {
    if let Some(s) = DEFAULTS.with(|d| d.borrow().get(&device).copied()) {
        return Ok(s);
    }
    let s = new_stream(device).map_err(|_| {
        invalid!("[default_stream] No default stream for unavailable device {device}.")
    })?;
    DEFAULTS.with(|d| d.borrow_mut().insert(device, s));
    Ok(s)
}

/// Makes `stream` (made on this thread) this thread's default for its device.
pub fn set_default_stream(stream: Stream) -> Result<()> {
    let stream = check_owned(stream)?;
    DEFAULTS.with(|d| d.borrow_mut().insert(stream.device, stream));
    Ok(())
}

/// The stream ops use now: the innermost `with_stream` scope, else the default stream of the
/// default device.
pub fn current_stream() -> Result<Stream> {
    if let Some(s) = SCOPES.with(|s| s.borrow().last().copied()) {
        return check_owned(s);
    }
    default_stream(default_device())
}

/// Runs `f` with ops going to `stream` (MLX's `with mx.stream(s):`).
pub fn with_stream<R>(stream: Stream, f: impl FnOnce() -> R) -> R {
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            SCOPES.with(|s| s.borrow_mut().pop());
        }
    }
    SCOPES.with(|s| s.borrow_mut().push(stream));
    let _pop = Pop;
    f()
}

/// Waits until all work queued on `stream` has finished. Returns the first error a task on
/// this stream raised since the previous `synchronize` of it.
pub fn synchronize(stream: Stream) -> Result<()> {
    crate::eval::scheduler::synchronize(stream)
}

/// Waits for the current default stream.
pub fn synchronize_default() -> Result<()> {
    synchronize(current_stream()?)
}

pub(crate) fn gpu_unavailable(func: &str, stream: Stream) -> Error {
    invalid!("[{func}] No GPU backend is available for {stream}.")
}
