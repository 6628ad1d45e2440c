//! Per-stream workers, tasks, throttling and completion signalling.
//!
//! Each stream has one worker thread that runs its tasks in order. A task holds the
//! (detached) operation and strong handles to its outputs; when it ends it drops both, which
//! releases the inputs as soon as nothing else needs them. At most `MAX_ACTIVE_TASKS` tasks
//! are in flight; the dispatcher also waits while active memory is over the limit and tasks
//! remain (MEMORY.md, "The limit during evaluation").

use crate::array::{Array, OpNode, DONE};
use crate::error::{Error, Result};
use crate::primitives::KernelCtx;
use crate::stream::Stream;
use std::collections::{HashMap, VecDeque};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// MLX's cap on tasks in flight.
pub(crate) const MAX_ACTIVE_TASKS: usize = 10;

/// How long a waiting thread spins before it blocks. Short graphs finish inside this window,
/// which saves two context switches per task.
const SPIN: Duration = Duration::from_micros(50);

pub(crate) struct Task {
    pub op: Arc<OpNode>,
    pub outputs: TaskOutputs,
}

/// A task's outputs. The single-output case is inline: dispatching then allocates nothing,
/// and the dispatcher's `malloc`s never contend with the worker's `free`s of the graph
/// (glibc's arena lock turned that into a context switch per task).
pub(crate) enum TaskOutputs {
    One([Array; 1]),
    Many(Vec<Array>),
}

impl std::ops::Deref for TaskOutputs {
    type Target = [Array];
    fn deref(&self) -> &[Array] {
        match self {
            TaskOutputs::One(a) => a,
            TaskOutputs::Many(v) => v,
        }
    }
}

/// Global completion signal: bumped whenever a task finishes.
struct Completion {
    epoch: AtomicU64,
    waiters: AtomicUsize,
    lock: Mutex<()>,
    cv: Condvar,
}

static COMPLETION: Completion = Completion {
    epoch: AtomicU64::new(0),
    waiters: AtomicUsize::new(0),
    lock: Mutex::new(()),
    cv: Condvar::new(),
};

static ACTIVE_TASKS: AtomicUsize = AtomicUsize::new(0);

fn signal_completion() {
    COMPLETION.epoch.fetch_add(1, Ordering::SeqCst);
    if COMPLETION.waiters.load(Ordering::SeqCst) > 0 {
        let _g = COMPLETION.lock.lock().unwrap_or_else(|p| p.into_inner());
        COMPLETION.cv.notify_all();
    }
}

/// Waits until `done()` holds; `done` is re-checked after every task completion.
pub(crate) fn wait_until(done: impl FnMut() -> bool) {
    wait_spinning(done, SPIN)
}

/// `wait_until`, spinning at most `spin` before blocking.
fn wait_spinning(mut done: impl FnMut() -> bool, spin: Duration) {
    let start = Instant::now();
    let mut spins = 0u32;
    while !done() {
        spins = spins.wrapping_add(1);
        // Reading the clock costs more than a check; look at it every 64 spins.
        if !spins.is_multiple_of(64) || start.elapsed() < spin {
            std::hint::spin_loop();
            continue;
        }
        let epoch = COMPLETION.epoch.load(Ordering::SeqCst);
        COMPLETION.waiters.fetch_add(1, Ordering::SeqCst);
        let mut g = COMPLETION.lock.lock().unwrap_or_else(|p| p.into_inner());
        while COMPLETION.epoch.load(Ordering::SeqCst) == epoch && !done() {
            g = COMPLETION
                .cv
                .wait_timeout(g, Duration::from_millis(50))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        drop(g);
        COMPLETION.waiters.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Waits for one task (any stream) to finish, or returns at once if none is in flight.
///
/// It blocks without spinning: the throttled thread waits while the workers compute, and a
/// spinning waiter would take a core from them (on a 2-core machine, a tenth of an MLP step).
fn wait_one() {
    let epoch = COMPLETION.epoch.load(Ordering::SeqCst);
    wait_spinning(
        || {
            COMPLETION.epoch.load(Ordering::SeqCst) != epoch
                || ACTIVE_TASKS.load(Ordering::SeqCst) == 0
        },
        Duration::ZERO,
    );
}

/// Called after each dispatch: MLX's throttle.
pub(crate) fn throttle() {
    let over_limit = || {
        let alloc = crate::memory::cpu_allocator();
        alloc.active_memory() > alloc.memory_limit()
    };
    let active = ACTIVE_TASKS.load(Ordering::SeqCst);
    if active > MAX_ACTIVE_TASKS || (active > 0 && over_limit()) {
        wait_one();
    } else {
        return;
    }
    while ACTIVE_TASKS.load(Ordering::SeqCst) > 0 && over_limit() {
        wait_one();
    }
}

struct Worker {
    queue: Mutex<VecDeque<Task>>,
    cv: Condvar,
    /// Tasks queued or running on this stream.
    pending: AtomicUsize,
    /// The worker is blocked on `cv` (a dispatch must notify it).
    sleeping: std::sync::atomic::AtomicBool,
    /// First error since the last `synchronize`.
    error: Mutex<Option<Error>>,
}

fn workers() -> &'static Mutex<HashMap<u32, Arc<Worker>>> {
    static W: OnceLock<Mutex<HashMap<u32, Arc<Worker>>>> = OnceLock::new();
    W.get_or_init(|| Mutex::new(HashMap::new()))
}

fn worker(stream: Stream) -> Arc<Worker> {
    let mut map = workers().lock().unwrap_or_else(|p| p.into_inner());
    map.entry(stream.index)
        .or_insert_with(|| {
            let w = Arc::new(Worker {
                queue: Mutex::new(VecDeque::new()),
                cv: Condvar::new(),
                pending: AtomicUsize::new(0),
                sleeping: std::sync::atomic::AtomicBool::new(false),
                error: Mutex::new(None),
            });
            let w2 = w.clone();
            std::thread::Builder::new()
                .name(format!("rmlx-stream-{}", stream.index))
                .spawn(move || worker_loop(w2))
                .expect("spawning a stream worker thread");
            w
        })
        .clone()
}

fn worker_loop(w: Arc<Worker>) {
    crate::backend::cpu::threads::init_worker_thread();
    loop {
        let task = {
            let start = Instant::now();
            let mut spins = 0u32;
            loop {
                if w.pending.load(Ordering::Acquire) > 0 {
                    if let Some(t) = w
                        .queue
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .pop_front()
                    {
                        break t;
                    }
                }
                spins = spins.wrapping_add(1);
                if !spins.is_multiple_of(64) || start.elapsed() < SPIN {
                    std::hint::spin_loop();
                    continue;
                }
                let mut q = w.queue.lock().unwrap_or_else(|p| p.into_inner());
                w.sleeping.store(true, Ordering::SeqCst);
                while q.is_empty() {
                    q = w.cv.wait(q).unwrap_or_else(|p| p.into_inner());
                }
                w.sleeping.store(false, Ordering::SeqCst);
                break q.pop_front().expect("queue is non-empty");
            }
        };
        run_task(task, &w);
        w.pending.fetch_sub(1, Ordering::SeqCst);
        ACTIVE_TASKS.fetch_sub(1, Ordering::SeqCst);
        signal_completion();
    }
}

/// Runs one task on the current (worker) thread and publishes its outputs.
/// A failure goes into the stream's error slot BEFORE the outputs are marked done: an
/// `eval` woken by a failed output acknowledges the error right away, and it must find it
/// there (recording it afterwards would leave it for a later `synchronize` to raise again).
fn run_task(task: Task, w: &Worker) {
    let Task { op, outputs } = task;
    // Inputs from other streams (or earlier async evals) may still be running.
    for input in &op.inputs {
        if input.0.status() != DONE {
            wait_until(|| input.0.status() == DONE);
        }
    }
    let failed = op.inputs.iter().find_map(|i| i.0.error.get().cloned());
    let result = match failed {
        Some(e) => Err(e),
        None => {
            // An input may donate its buffer when this task holds the only handle to the
            // operation and to the input array (MLX's rule; never while tracing).
            let mut donatable = 0u64;
            if Arc::strong_count(&op) == 1 {
                for (i, input) in op.inputs.iter().enumerate().take(64) {
                    if Arc::strong_count(&input.0) == 1 {
                        donatable |= 1 << i;
                    }
                }
            }
            let ctx = KernelCtx {
                inputs: &op.inputs,
                outputs: &outputs,
                donatable,
                device: op.stream.device,
            };
            let name = || op.primitive.name();
            match std::panic::catch_unwind(AssertUnwindSafe(|| op.primitive.eval_cpu(&ctx))) {
                Ok(Ok(datas)) if datas.len() == outputs.len() => Ok(datas),
                Ok(Ok(datas)) => Err(Error::Runtime(format!(
                    "[{}] Kernel produced {} outputs, expected {}.",
                    name(),
                    datas.len(),
                    outputs.len()
                ))),
                Ok(Err(e)) => Err(e),
                Err(panic) => {
                    let msg = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    Err(Error::Runtime(format!(
                        "[{}] Kernel panicked: {msg}",
                        name()
                    )))
                }
            }
        }
    };
    match result {
        Ok(datas) => {
            for (out, data) in outputs.iter().zip(datas) {
                out.0.finish(Ok(data));
            }
        }
        Err(e) => {
            w.error
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get_or_insert(e.clone());
            for out in outputs.iter() {
                out.0.finish(Err(e.clone()));
            }
        }
    };
    // Outputs nobody else holds die here; the operation (and its inputs) with `op`.
    drop(outputs);
    drop(op);
}

/// Queues a task on its stream's worker.
pub(crate) fn dispatch(task: Task) {
    let stream = task.op.stream;
    let w = worker(stream);
    ACTIVE_TASKS.fetch_add(1, Ordering::SeqCst);
    w.pending.fetch_add(1, Ordering::SeqCst);
    let q = {
        let mut q = w.queue.lock().unwrap_or_else(|p| p.into_inner());
        q.push_back(task);
        // `sleeping` is set under the queue lock, so reading it here cannot miss a sleeper.
        w.sleeping.load(Ordering::SeqCst)
    };
    if q {
        w.cv.notify_one();
    }
}

/// Forgets `err` in every stream's error slot: `eval` has reported it to the caller, so a
/// later `synchronize` must not raise it a second time (MLX raises a kernel's error once).
pub(crate) fn acknowledge(err: &Error) {
    let text = err.to_string();
    let workers: Vec<Arc<Worker>> = workers()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .values()
        .cloned()
        .collect();
    for w in workers {
        let mut slot = w.error.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().is_some_and(|e| e.to_string() == text) {
            *slot = None;
        }
    }
}

/// Waits for every task queued on `stream`; reports its first error since the last call.
pub(crate) fn synchronize(stream: Stream) -> Result<()> {
    let w = {
        let map = workers().lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&stream.index) {
            Some(w) => w.clone(),
            None => return Ok(()),
        }
    };
    wait_until(|| w.pending.load(Ordering::SeqCst) == 0);
    let err = w.error.lock().unwrap_or_else(|p| p.into_inner()).take();
    match err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
