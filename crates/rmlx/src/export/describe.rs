//! `export_function` to a callback: the trace handed over entry by entry instead of written
//! (MLX's callback form), for tools that translate graphs to other formats.
//!
//! Values are named as MLX names them: the inputs first (`A`, `B`, ...), then the
//! function's outputs, then the constants, then each node's other outputs in tape order;
//! names run `A`..`Z`, `AA`, `AB`, ....

use super::file::Trace;
use super::primitives;
use super::value::Value;
use crate::array::Array;
use crate::compile::dot::letters;
use crate::compile::tape::Slot;
use crate::dtype::Dtype;
use crate::error::Result;
use crate::shape::Shape;
use std::collections::HashMap;

/// A named value of the graph: name, shape and dtype.
pub type NamedSpec = (String, Shape, Dtype);

/// One entry of a traced function, in the order the callback receives them.
#[derive(Clone, Debug)]
pub enum GraphEntry {
    /// The inputs, positional then keyword.
    Inputs(Vec<NamedSpec>),
    /// Keyword name and the input name it binds.
    KeywordInputs(Vec<(String, String)>),
    /// The function's outputs.
    Outputs(Vec<NamedSpec>),
    /// The constants the function captured, with their values.
    Constants(Vec<(String, Array)>),
    /// One operation.
    Primitive {
        /// MLX's primitive name (`Add`, `Reduce`, ...).
        name: String,
        /// The primitive's parameters (as written to function files).
        arguments: Value,
        /// The values it reads.
        inputs: Vec<NamedSpec>,
        /// The values it produces.
        outputs: Vec<NamedSpec>,
    },
}

/// Hands `trace` to `callback` as [`GraphEntry`]s.
pub(crate) fn describe(
    trace: &Trace,
    callback: &mut dyn FnMut(GraphEntry) -> Result<()>,
) -> Result<()> {
    let tape = &trace.tape;
    let mut names: HashMap<Slot, String> = HashMap::new();
    let name = |s: Slot, names: &mut HashMap<Slot, String>| -> NamedSpec {
        let next = names.len();
        let n = names.entry(s).or_insert_with(|| letters(next)).clone();
        let (shape, dtype) = tape.spec(s);
        (n, shape, dtype)
    };
    let inputs: Vec<NamedSpec> = (0..tape.inputs.len())
        .map(|i| name(Slot::Input(i), &mut names))
        .collect();
    let keywords = trace
        .keywords
        .iter()
        .enumerate()
        .map(|(k, kw)| (kw.clone(), inputs[trace.num_args + k].0.clone()))
        .collect();
    callback(GraphEntry::Inputs(inputs))?;
    callback(GraphEntry::KeywordInputs(keywords))?;
    let outputs = tape.outputs.iter().map(|&s| name(s, &mut names)).collect();
    callback(GraphEntry::Outputs(outputs))?;
    let constants = tape
        .constants
        .iter()
        .enumerate()
        .map(|(i, c)| (name(Slot::Const(i), &mut names).0, c.clone()))
        .collect();
    callback(GraphEntry::Constants(constants))?;
    for (k, node) in tape.nodes.iter().enumerate() {
        let (_, arguments) = primitives::save(node.primitive.as_ref())?;
        let inputs = node.inputs.iter().map(|&s| name(s, &mut names)).collect();
        let outputs = (0..node.outputs.len())
            .map(|j| name(Slot::Node(k, j), &mut names))
            .collect();
        callback(GraphEntry::Primitive {
            name: node.primitive.name(),
            arguments,
            inputs,
            outputs,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::letters;

    #[test]
    fn names_run_like_spreadsheet_columns() {
        let got: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(letters)
            .collect();
        assert_eq!(got, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }
}
