//! The function file: traces of one function as a [`Value`] tree behind a short header.
//!
//! Layout: the magic `RMLXFN`, a u32 format version, then one value
//! `[metadata, shapeless, [trace...]]`, where a trace is
//! `[num_args, [keyword...], [input spec...], [constant...], [node...], [output slot...]]`:
//! - a spec is `[shape, dtype]`; a constant `[shape, dtype, bytes]` (row-major,
//!   little-endian elements);
//! - a node `[tag, parameters, [input slot...], [output spec...], multi, device]`, its
//!   primitive read back by [`super::primitives::load`];
//! - a slot `[0, i]` (input), `[1, i]` (constant) or `[2, node, output]`.
//!
//! The tape's nodes come producers first, so a slot may only name an earlier node; the
//! reader checks every slot, so a corrupt file fails with an error, never a bad graph.

use super::primitives;
use super::value::{malformed, Persist, Value};
use crate::array::Array;
use crate::compile::tape::{Slot, Tape, TapeNode};
use crate::device::DeviceType;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::shape::{size_of, Shape};
use crate::stream::Stream;

const MAGIC: &[u8; 6] = b"RMLXFN";
const VERSION: u32 = 1;

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
    /// The file's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let traces = self
            .traces
            .iter()
            .map(trace_value)
            .collect::<Result<Vec<_>>>()?;
        let root = Value::List(vec![
            Value::Str(self.metadata.clone()),
            Value::Bool(self.shapeless),
            Value::List(traces),
        ]);
        let mut out = MAGIC.to_vec();
        out.extend(VERSION.to_le_bytes());
        root.encode(&mut out);
        Ok(out)
    }

    /// Reads a file's bytes; `stream` is where the imported nodes will run.
    pub fn from_bytes(bytes: &[u8], stream: Stream) -> Result<FunctionFile> {
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
        let (root, rest) = Value::decode(body)?;
        if !rest.is_empty() {
            return Err(malformed("bytes follow the function"));
        }
        let root = root.record(3, "the file")?;
        let traces = root[2]
            .list("the traces")?
            .iter()
            .map(|t| trace_from(t, stream))
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

fn trace_value(t: &Trace) -> Result<Value> {
    let tape = &t.tape;
    let constants = tape
        .constants
        .iter()
        .map(|c| {
            Ok(Value::List(vec![
                c.shape().to_vec().to_value(),
                c.dtype().to_value(),
                Value::Bytes(little_endian(c.to_bytes()?, c.dtype())),
            ]))
        })
        .collect::<Result<Vec<_>>>()?;
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

fn trace_from(v: &Value, stream: Stream) -> Result<Trace> {
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
    for c in t[3].list("the constants")? {
        let c = c.record(3, "a constant")?;
        let (shape, dtype) = spec_from(&Value::List(c[..2].to_vec()))?;
        let Value::Bytes(bytes) = &c[2] else {
            return Err(malformed("a constant's data is not bytes"));
        };
        if bytes.len() != size_of(&shape) * dtype.size() {
            return Err(malformed("a constant's data does not fill its shape"));
        }
        let native = little_endian(bytes.clone(), dtype);
        tape.constants
            .push(Array::from_bytes(&native, &shape, dtype)?);
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

/// Converts elements between native and little-endian byte order (the identity on
/// little-endian hosts; complex64 swaps each f32 half).
fn little_endian(mut bytes: Vec<u8>, dtype: Dtype) -> Vec<u8> {
    if cfg!(target_endian = "big") {
        let width = if dtype == Dtype::Complex64 {
            4
        } else {
            dtype.size()
        };
        for chunk in bytes.chunks_exact_mut(width) {
            chunk.reverse();
        }
    }
    bytes
}
