//! The trace cache of one compiled function: key → simplified tape.

use super::replay::replay;
use super::simplify::{simplify, SimplifyStats};
use super::tape::Tape;
use super::{fuse, is_compile_enabled, TracingFlag};
use crate::array::Array;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::shape::Shape;
use crate::stream::Stream;
use crate::transforms::trace::{tracer_of, TraceGuard};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What a trace is cached under (the function is implicit: one cache per compiled
/// function). The shapes are left out when shapeless; `extra` is the caller's part
/// (Python: the pytree structure and the Python scalar arguments).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
struct Key {
    stream: Stream,
    shapeless: bool,
    inputs: Vec<(Dtype, usize, Option<Shape>)>,
    extra: String,
}

/// A cached trace: the tape, what simplification removed, and the caller's payload.
struct Entry<T> {
    tape: Arc<Tape>,
    stats: SimplifyStats,
    payload: T,
}

/// Summary of one cached trace (for tests and tools).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TapeInfo {
    /// The tape's primitive names, in replay order.
    pub nodes: Vec<String>,
    /// How many constants the tape holds.
    pub constants: usize,
    /// What simplification removed.
    pub stats: SimplifyStats,
}

/// The error an array leaked out of a trace gives when evaluated (MLX's text).
const LEAKED: &str = "[eval] Attempting to eval an array without a primitive.\nIf you are \
compiling a function, make sure all the inputs and outputs are captured:\n\
https://ml-explore.github.io/mlx/build/html/usage/compile.html#pure-functions.\n\
If you are not using compile, this may be a bug. Please file an issue here:\n\
https://github.com/ml-explore/mlx/issues.";

/// The traces of one compiled function, keyed on the default stream, the shapeless flag,
/// the inputs' dtypes, ranks and (unless shapeless) shapes, and a caller-given string.
/// `T` is a payload cached with each trace (Python keeps its output tree there).
pub struct CompileCache<T: Clone = ()> {
    shapeless: bool,
    entries: Mutex<HashMap<Key, Entry<T>>>,
    traces: AtomicUsize,
    last: Mutex<Option<Key>>,
}

impl<T: Clone> std::fmt::Debug for CompileCache<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CompileCache(shapeless={}, traces={})",
            self.shapeless,
            self.traces()
        )
    }
}

impl<T: Clone> CompileCache<T> {
    /// An empty cache.
    pub fn new(shapeless: bool) -> Self {
        CompileCache {
            shapeless,
            entries: Mutex::new(HashMap::new()),
            traces: AtomicUsize::new(0),
            last: Mutex::new(None),
        }
    }

    /// Whether traces replay on inputs of other shapes (same ranks and dtypes).
    pub fn shapeless(&self) -> bool {
        self.shapeless
    }

    /// How many times the function was traced.
    pub fn traces(&self) -> usize {
        self.traces.load(Ordering::Relaxed)
    }

    /// Drops every cached trace.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The tape that served the latest call (`None` before any compiled call).
    pub fn last_tape(&self) -> Option<TapeInfo> {
        let key = self
            .last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()?;
        let entries = self.lock();
        let e = entries.get(&key)?;
        Some(TapeInfo {
            nodes: e.tape.names(),
            constants: e.tape.constants.len(),
            stats: e.stats,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry<T>>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Calls the compiled function: `trace` is the function itself (with the caller's
    /// payload). It runs on tracers the first time a key is seen; every call then replays
    /// the tape on `inputs`. When compilation is disabled, or an input is a tracer of a
    /// transform (compile inside grad or vmap), `trace` simply runs on `inputs`.
    pub fn call<F>(&self, inputs: &[Array], extra: &str, trace: F) -> Result<(Vec<Array>, T)>
    where
        F: FnOnce(&[Array]) -> Result<(Vec<Array>, T)>,
    {
        if !is_compile_enabled() || inputs.iter().any(Array::is_tracer) {
            return trace(inputs);
        }
        let key = Key {
            stream: crate::stream::current_stream()?,
            shapeless: self.shapeless,
            inputs: inputs
                .iter()
                .map(|x| {
                    let shape = (!self.shapeless).then(|| x.shape().to_vec());
                    (x.dtype(), x.ndim(), shape)
                })
                .collect(),
            extra: extra.to_string(),
        };
        let cached = self
            .lock()
            .get(&key)
            .map(|e| (e.tape.clone(), e.payload.clone()));
        let (tape, payload) = match cached {
            Some(hit) => hit,
            None => {
                let (tape, stats, payload) = self.trace(inputs, trace)?;
                let tape = Arc::new(tape);
                self.lock().insert(
                    key.clone(),
                    Entry {
                        tape: tape.clone(),
                        stats,
                        payload: payload.clone(),
                    },
                );
                (tape, payload)
            }
        };
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(key);
        Ok((replay(&tape, inputs, self.shapeless)?, payload))
    }

    /// Traces the function on placeholder leaves of the inputs' shapes and dtypes,
    /// simplifies, fuses and records.
    fn trace<F>(&self, inputs: &[Array], trace: F) -> Result<(Tape, SimplifyStats, T)>
    where
        F: FnOnce(&[Array]) -> Result<(Vec<Array>, T)>,
    {
        self.traces.fetch_add(1, Ordering::Relaxed);
        let traced = trace_simplified(inputs, self.shapeless, "compile", trace)?;
        // Fusion runs on the simplified graph (so CSE and dead-code removal see the single
        // ops, and a fused group never computes a duplicate): replay the tape on the leaves,
        // fuse that graph, and record it again.
        let simplified = replay(&traced.tape, &traced.leaves, false)?;
        let fused = fuse::fuse(&traced.leaves, &simplified, self.shapeless)?;
        let tape = Tape::record(&traced.leaves, &fused)?;
        Ok((tape, traced.stats, traced.payload))
    }
}

/// A function traced and simplified (not fused), with the leaves it was traced on.
pub(crate) struct Traced<T> {
    pub tape: Tape,
    pub stats: SimplifyStats,
    pub payload: T,
    pub leaves: Vec<Array>,
    /// The trace stays open while the tape is worked on (replayed on the leaves, fused).
    _guards: (TraceGuard, TracingFlag),
}

/// Runs `trace` on placeholder leaves of the inputs' shapes and dtypes, records the graph
/// and simplifies it (compile and `export_function`). `caller` names the function in the
/// uncaptured-inputs error.
pub(crate) fn trace_simplified<T, F>(
    inputs: &[Array],
    shapeless: bool,
    caller: &str,
    trace: F,
) -> Result<Traced<T>>
where
    F: FnOnce(&[Array]) -> Result<(Vec<Array>, T)>,
{
    let guards = (TraceGuard::enter(), TracingFlag::enter(shapeless));
    // Leaves have no data: an array built from them that escapes the trace (state not
    // declared in `outputs`) fails at evaluation, as in MLX.
    let leaves = inputs
        .iter()
        .map(|x| {
            let hollow =
                Array::failed(x.shape().to_vec(), x.dtype(), Error::Runtime(LEAKED.into()));
            tracer_of(&hollow)
        })
        .collect::<Result<Vec<_>>>()?;
    let (outputs, payload) = trace(&leaves)?;
    let mut tape = Tape::record(&leaves, &outputs)?;
    if tape.reads_inputs(inputs) {
        return Err(Error::InvalidArgument(format!(
            "[{caller}] Attempting to compile a function with uncaptured inputs is not \
             allowed."
        )));
    }
    let stats = simplify(&mut tape, shapeless);
    Ok(Traced {
        tape,
        stats,
        payload,
        leaves,
        _guards: guards,
    })
}
