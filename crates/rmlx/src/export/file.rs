//! The function file: traces of one function as a [`Value`] tree, then the constants' data.
//!
//! Layout: the magic `RMLXFN`, a u32 format version, the u64 length of the tree, the tree
//! `[metadata, shapeless, [trace...]]`, then the data section: each constant's row-major
//! little-endian elements at a 64-byte-aligned offset. A trace is
//! `[num_args, [keyword...], [input spec...], [constant...], [node...], [output slot...]]`:
//! - a spec is `[shape, dtype]`; a constant `[shape, dtype, offset, nbytes]` (where its data
//!   lies in the file);
//! - a node `[tag, parameters, [input slot...], [output spec...], multi, device]`, its
//!   primitive read back by [`super::primitives::load`];
//! - a slot `[0, i]` (input), `[1, i]` (constant) or `[2, node, output]`.
//!
//! The file is memory-mapped when read and constants are windows of the mapping (as
//! `load` does for safetensors): a model's weights cost no memory until read, and are never
//! copied twice. The tape's nodes come producers first, so a slot may only name an earlier
//! node; the reader checks every slot and data range, so a corrupt file fails with an
//! error, never a bad graph.

use super::primitives;
use super::value::{malformed, Persist, Value};
use crate::array::Array;
use crate::compile::tape::{Slot, Tape, TapeNode};
use crate::device::DeviceType;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::io::source::Source;
use crate::shape::{size_of, Shape};
use crate::stream::Stream;
use std::io::Write;
use std::path::Path;

const MAGIC: &[u8; 6] = b"RMLXFN";
const VERSION: u32 = 1;
/// Bytes before the tree: magic, version, tree length.
const HEADER: usize = 6 + 4 + 8;
/// Alignment of each constant's data (any dtype's, and a cache line).
const ALIGN: usize = 64;

fn align_up(n: usize) -> usize {
    n.div_ceil(ALIGN) * ALIGN
}

/// One traced signature of an exported function.
#[derive(Clone, Debug)]
pub(crate) struct Trace {
    /// How many of the tape's inputs are positional (the rest are keywords).
    pub num_args: usize,
    /// The keyword inputs' names, in the tape's input order.
    pub keywords: Vec<String>,
    pub tape: Tape,
}

/// What a function file holds.
#[derive(Clone, Debug, Default)]
pub(crate) struct FunctionFile {
    pub metadata: String,
    pub shapeless: bool,
    pub traces: Vec<Trace>,
}

impl FunctionFile {
    /// Writes the file to `path` (each constant's bytes are produced one at a time).
    pub fn write(&self, path: &Path) -> Result<()> {
        let io_error = |e: std::io::Error| {
            Error::Runtime(format!(
                "[export_function] Failed to write {}: {e}.",
                path.display()
            ))
        };
        // Integers always encode in 9 bytes, so the tree's length does not depend on the
        // offsets: encode once with zeros to place the data, then with the real offsets.
        let constants: Vec<&Array> = self.traces.iter().flat_map(|t| &t.tape.constants).collect();
        let placeholder = vec![0; constants.len()];
        let tree_len = self.tree(&placeholder)?.len();
        let mut offsets = Vec::with_capacity(constants.len());
        let mut end = align_up(HEADER + tree_len);
        for c in &constants {
            offsets.push(end);
            end = align_up(end + c.nbytes());
        }
        let tree = self.tree(&offsets)?;
        if tree.len() != tree_len {
            return Err(Error::Runtime(
                "[export_function] The function's description changed length while written.".into(),
            ));
        }
        // Written beside the target and renamed over it: a reader never sees half a file,
        // and a function imported from the old file keeps its mapping of the old inode (a
        // truncated mapped file would fault on read).
        let mut tmp_name = path.as_os_str().to_owned();
        tmp_name.push(format!(".{}.tmp", std::process::id()));
        let tmp = std::path::PathBuf::from(tmp_name);
        let written = Self::write_parts(&tmp, &tree, &constants, &offsets)
            .map_err(io_error)
            .and_then(|()| std::fs::rename(&tmp, path).map_err(io_error));
        if written.is_err() {
            std::fs::remove_file(&tmp).ok();
        }
        written
    }

    /// Writes the header, `tree` and the constants' data at `offsets` to `path`.
    fn write_parts(
        path: &Path,
        tree: &[u8],
        constants: &[&Array],
        offsets: &[usize],
    ) -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        out.write_all(MAGIC)?;
        out.write_all(&VERSION.to_le_bytes())?;
        out.write_all(&(tree.len() as u64).to_le_bytes())?;
        out.write_all(tree)?;
        let mut at = HEADER + tree.len();
        for (c, &offset) in constants.iter().zip(offsets) {
            out.write_all(&vec![0; offset - at])?;
            // Native order is little-endian here (`read` refuses big-endian hosts).
            let bytes = c.to_bytes().map_err(std::io::Error::other)?;
            out.write_all(&bytes)?;
            at = offset + bytes.len();
        }
        out.flush()
    }

    /// The encoded tree, constant `k` of the file at `offsets[k]`.
    fn tree(&self, offsets: &[usize]) -> Result<Vec<u8>> {
        let mut offsets = offsets.iter();
        let traces = self
            .traces
            .iter()
            .map(|t| trace_value(t, &mut offsets))
            .collect::<Result<_>>()?;
        let root = Value::List(vec![
            Value::Str(self.metadata.clone()),
            Value::Bool(self.shapeless),
            Value::List(traces),
        ]);
        let mut out = Vec::new();
        root.encode(&mut out);
        Ok(out)
    }

    /// Reads the file at `path`; `stream` is where the imported nodes will run.
    pub fn read(path: &Path, stream: Stream) -> Result<FunctionFile> {
        if cfg!(target_endian = "big") {
            return Err(Error::Runtime(
                "[import_function] Function files are little-endian; this host is not.".into(),
            ));
        }
        let source = Source::open(path, || {
            Error::Runtime(format!(
                "[import_function] Failed to open {}",
                path.display()
            ))
        })?;
        let bytes = source.bytes();
        let Some(body) = bytes.strip_prefix(MAGIC) else {
            return Err(not_ours(bytes));
        };
        let (version, body) = body
            .split_first_chunk::<4>()
            .ok_or_else(|| malformed("it ends in the header"))?;
        let version = u32::from_le_bytes(*version);
        if version != VERSION {
            return Err(Error::Runtime(format!(
                "[import_function] The function file has format version {version}; this \
                 rmlx reads version {VERSION}."
            )));
        }
        let (tree_len, body) = body
            .split_first_chunk::<8>()
            .ok_or_else(|| malformed("it ends in the header"))?;
        let tree = usize::try_from(u64::from_le_bytes(*tree_len))
            .ok()
            .and_then(|n| body.get(..n))
            .ok_or_else(|| malformed("the tree runs past the end"))?;
        let (root, rest) = Value::decode(tree)?;
        if !rest.is_empty() {
            return Err(malformed("bytes follow the tree"));
        }
        let root = root.record(3, "the file")?;
        let traces = root[2]
            .list("the traces")?
            .iter()
            .map(|t| trace_from(t, &source, stream))
            .collect::<Result<Vec<_>>>()?;
        Ok(FunctionFile {
            metadata: String::from_value(&root[0])?,
            shapeless: bool::from_value(&root[1])?,
            traces,
        })
    }
}

/// The error for bytes that are not an rmlx function file (naming MLX's own format, whose
/// files begin with the length and text of MLX's version).
fn not_ours(bytes: &[u8]) -> Error {
    let mlx_version = bytes
        .split_first_chunk::<8>()
        .and_then(|(n, rest)| {
            let n = usize::try_from(u64::from_le_bytes(*n)).ok()?;
            let v = std::str::from_utf8(rest.get(..n)?).ok()?;
            (n <= 16 && v.bytes().all(|b| b.is_ascii_digit() || b == b'.')).then_some(v)
        })
        .filter(|v| !v.is_empty());
    Error::Runtime(match mlx_version {
        Some(v) => format!(
            "[import_function] The file was written by MLX {v}'s export_function; rmlx reads \
             only files written by rmlx's export_function."
        ),
        None => "[import_function] The file is not a function file written by \
                 export_function."
            .into(),
    })
}

fn spec_value((shape, dtype): &(Shape, Dtype)) -> Value {
    Value::List(vec![shape.to_value(), dtype.to_value()])
}

fn spec_from(v: &Value) -> Result<(Shape, Dtype)> {
    let p = v.record(2, "a shape and dtype")?;
    let shape = Shape::from_value(&p[0])?;
    if shape.iter().any(|&d| d < 0) {
        return Err(malformed("a shape has a negative dimension"));
    }
    Ok((shape, Dtype::from_value(&p[1])?))
}

fn slot_value(s: Slot) -> Value {
    let ints = match s {
        Slot::Input(i) => vec![0, i],
        Slot::Const(i) => vec![1, i],
        Slot::Node(i, j) => vec![2, i, j],
    };
    Value::List(ints.into_iter().map(|i| Value::Int(i as i64)).collect())
}

/// A slot read back, checked against what exists before the node reading it.
fn slot_from(v: &Value, tape: &Tape) -> Result<Slot> {
    let ints = Vec::<usize>::from_value(v)?;
    let slot = match ints[..] {
        [0, i] if i < tape.inputs.len() => Slot::Input(i),
        [1, i] if i < tape.constants.len() => Slot::Const(i),
        [2, i, j] if tape.nodes.get(i).is_some_and(|n| j < n.outputs.len()) => Slot::Node(i, j),
        _ => {
            return Err(malformed(&format!(
                "the slot {ints:?} names nothing before it"
            )))
        }
    };
    Ok(slot)
}

fn trace_value<'a>(t: &Trace, offsets: &mut impl Iterator<Item = &'a usize>) -> Result<Value> {
    let tape = &t.tape;
    let constants = tape
        .constants
        .iter()
        .map(|c| {
            let offset = offsets.next().copied().unwrap_or(0);
            Value::List(vec![
                c.shape().to_vec().to_value(),
                c.dtype().to_value(),
                offset.to_value(),
                c.nbytes().to_value(),
            ])
        })
        .collect::<Vec<_>>();
    let nodes = tape
        .nodes
        .iter()
        .map(|n| {
            let (tag, state) = primitives::save(n.primitive.as_ref())?;
            let device = match n.stream.device.kind {
                DeviceType::Cpu => "cpu",
                DeviceType::Gpu => "gpu",
            };
            Ok(Value::List(vec![
                Value::Str(tag.into()),
                state,
                Value::List(n.inputs.iter().map(|&s| slot_value(s)).collect()),
                Value::List(n.outputs.iter().map(spec_value).collect()),
                Value::Bool(n.multi),
                Value::Str(device.into()),
            ]))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Value::List(vec![
        t.num_args.to_value(),
        t.keywords.to_value(),
        Value::List(tape.inputs.iter().map(spec_value).collect()),
        Value::List(constants),
        Value::List(nodes),
        Value::List(tape.outputs.iter().map(|&s| slot_value(s)).collect()),
    ]))
}

fn trace_from(v: &Value, source: &Source, stream: Stream) -> Result<Trace> {
    let t = v.record(6, "a trace")?;
    let mut tape = Tape {
        inputs: t[2]
            .list("the inputs")?
            .iter()
            .map(spec_from)
            .collect::<Result<_>>()?,
        ..Tape::default()
    };
    let num_args = usize::from_value(&t[0])?;
    let keywords = Vec::<String>::from_value(&t[1])?;
    if num_args + keywords.len() != tape.inputs.len() {
        return Err(malformed("the inputs do not match the arguments"));
    }
    let file_len = source.bytes().len();
    for c in t[3].list("the constants")? {
        let c = c.record(4, "a constant")?;
        let (shape, dtype) = spec_from(&Value::List(c[..2].to_vec()))?;
        let offset = usize::from_value(&c[2])?;
        let nbytes = usize::from_value(&c[3])?;
        if size_of(&shape).checked_mul(dtype.size()) != Some(nbytes) {
            return Err(malformed("a constant's data does not fill its shape"));
        }
        if offset.checked_add(nbytes).is_none_or(|end| end > file_len) {
            return Err(malformed("a constant's data lies past the end"));
        }
        tape.constants.push(source.array(offset, &shape, dtype)?);
    }
    for n in t[4].list("the nodes")? {
        let n = n.record(6, "a node")?;
        let primitive = primitives::load(n[0].str("a primitive tag")?, &n[1])?;
        let inputs = n[2]
            .list("a node's inputs")?
            .iter()
            .map(|s| slot_from(s, &tape))
            .collect::<Result<Vec<_>>>()?;
        let outputs = n[3]
            .list("a node's outputs")?
            .iter()
            .map(spec_from)
            .collect::<Result<Vec<_>>>()?;
        let multi = bool::from_value(&n[4])?;
        if outputs.is_empty() || (!multi && outputs.len() != 1) {
            return Err(malformed("a node's outputs do not match its kind"));
        }
        tape.nodes.push(TapeNode {
            primitive,
            inputs,
            outputs,
            multi,
            stream,
        });
    }
    tape.outputs = t[5]
        .list("the outputs")?
        .iter()
        .map(|s| slot_from(s, &tape))
        .collect::<Result<_>>()?;
    Ok(Trace {
        num_args,
        keywords,
        tape,
    })
}
