//! `export_function` / `import_function`: a traced function saved to a file and run again,
//! from Rust or Python, without the code that built it.
//!
//! Exporting traces the function as `compile` does (placeholder inputs, the graph recorded
//! as a [tape](crate::compile), simplified, not fused) once per example signature, and
//! writes every trace with its constants and each primitive's parameters
//! ([file](file) layout). Importing reads the traces back; a call picks the trace whose
//! signature matches its arguments and replays it through a compile cache, so repeated
//! calls reuse one fused graph and `grad`/`vmap` of an imported function work as for any
//! function.
//!
//! A function file is code: import only files you trust. The reader checks the file's
//! structure, every slot, and every output shape a primitive can infer from its inputs.

mod describe;
mod file;
mod primitives;
pub mod value;

use crate::array::Array;
use crate::compile::cache::{trace_simplified, CompileCache};
use crate::compile::replay::replay;
use crate::compile::tape::{Slot, Tape, TapeNode};
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::primitives::custom::CustomTransforms;
use crate::shape::{fmt_shape, Shape};
use crate::stream::{current_stream, Stream};
use file::{FunctionFile, Trace};
use std::any::Any;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use describe::{GraphEntry, NamedSpec};
pub use value::Value;

/// The inputs of one call: positional arrays, then keyword arrays by name.
#[derive(Clone, Debug, Default)]
pub struct Arguments {
    /// Positional inputs.
    pub args: Vec<Array>,
    /// Keyword inputs (any order; names must differ).
    pub kwargs: Vec<(String, Array)>,
}

impl Arguments {
    /// Positional inputs only.
    pub fn positional(args: &[Array]) -> Arguments {
        Arguments {
            args: args.to_vec(),
            kwargs: Vec::new(),
        }
    }

    /// Keyword names sorted, and the flat inputs: positional then keywords in that order.
    fn flatten(&self) -> Result<(Vec<String>, Vec<Array>)> {
        let mut kw: Vec<&(String, Array)> = self.kwargs.iter().collect();
        kw.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(w) = kw.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(Error::InvalidArgument(format!(
                "[export_function] The keyword argument \"{}\" is given twice.",
                w[0].0
            )));
        }
        let names = kw.iter().map(|(k, _)| k.clone()).collect();
        let mut flat = self.args.clone();
        flat.extend(kw.iter().map(|(_, a)| a.clone()));
        Ok((names, flat))
    }
}

/// Options of [`export_function`] and [`FunctionExporter`].
#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// One trace serves inputs of any shape (same ranks and dtypes), as `compile`'s
    /// shapeless mode.
    pub shapeless: bool,
    /// Text saved with the function (e.g. a model's configuration), read back by
    /// [`ImportedFunction::metadata`].
    pub metadata: String,
}

/// What identifies a trace: argument count, keyword names and each input's dtype and
/// shape (rank only when shapeless).
fn signature(
    num_args: usize,
    keywords: &[String],
    specs: &[(Shape, Dtype)],
    shapeless: bool,
) -> String {
    let inputs: Vec<String> = specs
        .iter()
        .map(|(s, d)| {
            if shapeless {
                format!("{}:{d}", s.len())
            } else {
                format!("{}:{d}", fmt_shape(s))
            }
        })
        .collect();
    format!("{num_args}|{}|{}", keywords.join(","), inputs.join(";"))
}

/// Writes traces of a function to a file, one per call of [`FunctionExporter::trace`]
/// (MLX's `exporter`). The file is complete after every trace.
pub struct FunctionExporter {
    path: PathBuf,
    file: FunctionFile,
    closed: bool,
}

impl std::fmt::Debug for FunctionExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "FunctionExporter({}, traces={})",
            self.path.display(),
            self.file.traces.len()
        )
    }
}

impl FunctionExporter {
    /// An exporter writing to `path`.
    pub fn new(path: impl AsRef<Path>, options: ExportOptions) -> FunctionExporter {
        FunctionExporter {
            path: path.as_ref().to_path_buf(),
            file: FunctionFile {
                metadata: options.metadata,
                shapeless: options.shapeless,
                traces: Vec::new(),
            },
            closed: false,
        }
    }

    /// Traces `f` on placeholders shaped like `example` and adds the trace to the file.
    /// `f` gets the positional inputs, then the keyword inputs sorted by name.
    pub fn trace<F>(&mut self, f: F, example: &Arguments) -> Result<()>
    where
        F: FnOnce(&[Array]) -> Result<Vec<Array>>,
    {
        if self.closed {
            return Err(Error::Runtime(
                "[export_function] Attempting to write after exporting is closed.".into(),
            ));
        }
        let (keywords, flat) = example.flatten()?;
        let specs: Vec<(Shape, Dtype)> = flat
            .iter()
            .map(|a| (a.shape().to_vec(), a.dtype()))
            .collect();
        let sig = signature(example.args.len(), &keywords, &specs, self.file.shapeless);
        if self
            .file
            .traces
            .iter()
            .any(|t| signature(t.num_args, &t.keywords, &t.tape.inputs, self.file.shapeless) == sig)
        {
            return Err(Error::Runtime(
                "[export_function] Attempting to export a function twice with the same \
                 signature is not allowed."
                    .into(),
            ));
        }
        let trace = trace_function(f, example, self.file.shapeless)?;
        self.file.traces.push(trace);
        let written = self.file.write(&self.path);
        if written.is_err() {
            self.file.traces.pop();
        }
        written
    }

    /// Refuses further traces (the file is already complete).
    pub fn close(&mut self) {
        self.closed = true;
    }
}

/// Traces `f` on placeholders shaped like `example`: simplified, custom functions inlined.
fn trace_function<F>(f: F, example: &Arguments, shapeless: bool) -> Result<Trace>
where
    F: FnOnce(&[Array]) -> Result<Vec<Array>>,
{
    let (keywords, flat) = example.flatten()?;
    let traced = trace_simplified(&flat, shapeless, "export_function", |x| Ok((f(x)?, ())))?;
    Ok(Trace {
        num_args: example.args.len(),
        keywords,
        tape: inline_custom_functions(&traced.tape)?,
    })
}

/// Traces `f` as [`export_function`] does and hands the graph to `callback` entry by
/// entry (MLX's `export_function` with a callback).
pub fn export_to_callback<F>(
    f: F,
    example: &Arguments,
    shapeless: bool,
    callback: &mut dyn FnMut(GraphEntry) -> Result<()>,
) -> Result<()>
where
    F: FnOnce(&[Array]) -> Result<Vec<Array>>,
{
    describe::describe(&trace_function(f, example, shapeless)?, callback)
}

/// Traces `f` on placeholders shaped like `example` and writes the trace to `path`
/// (MLX's `export_function`). `f` gets the positional inputs, then the keyword inputs
/// sorted by name, and returns its outputs.
pub fn export_function<F>(
    path: impl AsRef<Path>,
    f: F,
    example: &Arguments,
    options: ExportOptions,
) -> Result<()>
where
    F: FnOnce(&[Array]) -> Result<Vec<Array>>,
{
    FunctionExporter::new(path, options).trace(f, example)
}

/// A copy of `tape` without checkpoint nodes: a custom function without transform rules
/// (`checkpoint`) only passes on the outputs its function computed (its inputs after the
/// function's own), so readers of its outputs read those directly. A custom function with
/// rules is refused, as in MLX: its rules are closures, and an import without them would
/// differentiate differently.
fn inline_custom_functions(tape: &Tape) -> Result<Tape> {
    let mut out = Tape {
        inputs: tape.inputs.clone(),
        constants: tape.constants.clone(),
        ..Tape::default()
    };
    let mut map: HashMap<Slot, Slot> = HashMap::new();
    let resolve = |map: &HashMap<Slot, Slot>, s: Slot| *map.get(&s).unwrap_or(&s);
    for (k, node) in tape.nodes.iter().enumerate() {
        let inputs: Vec<Slot> = node.inputs.iter().map(|&s| resolve(&map, s)).collect();
        let any: &dyn Any = node.primitive.as_ref();
        if let Some(c) = any.downcast_ref::<CustomTransforms>() {
            if c.f.has_rules() {
                return Err(Error::InvalidArgument(
                    "[export_function] Unable to serialize primitive CustomTransforms".into(),
                ));
            }
            for j in 0..node.outputs.len() {
                map.insert(Slot::Node(k, j), inputs[c.num_inputs + j]);
            }
            continue;
        }
        let index = out.nodes.len();
        for j in 0..node.outputs.len() {
            map.insert(Slot::Node(k, j), Slot::Node(index, j));
        }
        out.nodes.push(TapeNode {
            inputs,
            ..node.clone()
        });
    }
    out.outputs = tape.outputs.iter().map(|&s| resolve(&map, s)).collect();
    Ok(out)
}

/// A function read back by [`import_function`].
pub struct ImportedFunction {
    file: FunctionFile,
    /// One compile cache per trace: the replayed graph is fused once and reused.
    caches: Vec<CompileCache<()>>,
}

impl std::fmt::Debug for ImportedFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ImportedFunction(traces={})", self.file.traces.len())
    }
}

/// Reads a function written by [`export_function`] (from Rust or Python).
pub fn import_function(path: impl AsRef<Path>) -> Result<ImportedFunction> {
    let path = path.as_ref();
    let file = FunctionFile::read(path, current_stream()?)?;
    for t in &file.traces {
        check_shapes(&t.tape)?;
    }
    let caches = file
        .traces
        .iter()
        .map(|_| CompileCache::new(file.shapeless))
        .collect();
    Ok(ImportedFunction { file, caches })
}

/// Checks every output shape the node's primitive can infer from its inputs' shapes (a
/// file whose shapes disagree would make kernels read past their inputs). Parameters that
/// make the inference itself fail (an axis out of range) fail the import.
fn check_shapes(tape: &Tape) -> Result<()> {
    let hollow = |(s, d): (Shape, Dtype)| {
        Array::failed(s, d, Error::Runtime("[import_function] shape check".into()))
    };
    for node in &tape.nodes {
        let ins: Vec<Array> = node.inputs.iter().map(|&s| hollow(tape.spec(s))).collect();
        let traced: Vec<Shape> = node.outputs.iter().map(|(s, _)| s.clone()).collect();
        let inferred = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            node.primitive.output_shapes(&ins, &traced)
        }))
        .map_err(|_| {
            value::malformed(&format!(
                "the parameters of {} do not fit its inputs",
                node.primitive.name()
            ))
        })?;
        if let Ok(inferred) = inferred {
            if inferred != traced {
                return Err(value::malformed(&format!(
                    "{} is recorded with output shapes {:?} but its inputs give {:?}",
                    node.primitive.name(),
                    traced,
                    inferred
                )));
            }
        }
    }
    Ok(())
}

impl ImportedFunction {
    /// The text saved with the function (empty when none was).
    pub fn metadata(&self) -> &str {
        &self.file.metadata
    }

    /// Whether the traces accept inputs of any shape (same ranks and dtypes).
    pub fn shapeless(&self) -> bool {
        self.file.shapeless
    }

    /// Calls the function with positional inputs.
    pub fn call(&self, args: &[Array]) -> Result<Vec<Array>> {
        self.call_with(&Arguments::positional(args))
    }

    /// Calls the function: the trace whose argument count, keyword names, dtypes and shapes
    /// (ranks when shapeless) match `inputs` is replayed on them.
    pub fn call_with(&self, inputs: &Arguments) -> Result<Vec<Array>> {
        let (keywords, flat) = inputs.flatten()?;
        let specs: Vec<(Shape, Dtype)> = flat
            .iter()
            .map(|a| (a.shape().to_vec(), a.dtype()))
            .collect();
        let shapeless = self.file.shapeless;
        let sig = signature(inputs.args.len(), &keywords, &specs, shapeless);
        let found = self
            .file
            .traces
            .iter()
            .position(|t| signature(t.num_args, &t.keywords, &t.tape.inputs, shapeless) == sig);
        let Some(i) = found else {
            return Err(self.no_match(inputs.args.len(), &keywords, &specs));
        };
        let tape = &self.file.traces[i].tape;
        let stream = current_stream()?;
        let (outs, ()) = self.caches[i].call(&flat, "", |x| {
            Ok((replay(&on_stream(tape, stream), x, shapeless)?, ()))
        })?;
        Ok(outs)
    }

    /// MLX's error for arguments no trace matches, listing the traces (latest first).
    fn no_match(&self, num_args: usize, keywords: &[String], specs: &[(Shape, Dtype)]) -> Error {
        let describe =
            |num_args: usize, keywords: &[String], specs: &[(Shape, Dtype)], indent: &str| {
                let mut s = String::new();
                for (k, (shape, dtype)) in specs.iter().enumerate() {
                    let shape: Vec<String> = shape.iter().map(i32::to_string).collect();
                    let name = if k < num_args {
                        (k + 1).to_string()
                    } else {
                        format!("\"{}\"", keywords[k - num_args])
                    };
                    s.push_str(&format!("{indent}{name}: ({}) {dtype}\n", shape.join(",")));
                }
                s
            };
        let mut msg = String::from(
            "[import_function::call] No imported function found which matches the given \
             positional and keyword arguments. Possible functions include:\n",
        );
        for (n, t) in self.file.traces.iter().rev().enumerate() {
            msg.push_str(&format!(
                " {}. Function with {} positional inputs and {} keyword inputs:\n{}",
                n + 1,
                t.num_args,
                t.keywords.len(),
                describe(t.num_args, &t.keywords, &t.tape.inputs, "   ")
            ));
        }
        msg.push_str(&format!(
            "\nCalled with {} positional inputs and {} keyword inputs:\n{}",
            num_args,
            keywords.len(),
            describe(num_args, keywords, specs, "  ")
        ));
        Error::InvalidArgument(msg)
    }
}

/// `tape` with every node on `stream` (imported graphs run where the caller's ops would).
fn on_stream(tape: &Tape, stream: Stream) -> Tape {
    let mut t = tape.clone();
    for n in &mut t.nodes {
        n.stream = stream;
    }
    t
}
