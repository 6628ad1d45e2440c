//! `export_to_dot`: a graph in Graphviz's DOT language, in MLX's layout.
//!
//! Operations are rectangles labelled with their primitive's name (a fused node shows its
//! `Compiled…` name); arrays are named nodes: the given names first, then letters (`A`,
//! `B`, ...). Arrays without an operation (evaluated ones, inputs) are sources, requested
//! outputs of operations sinks. The walk follows unevaluated inputs only.

use crate::array::Array;
use crate::error::{Error, Result};
use std::collections::{HashMap, HashSet};
use std::io::Write;

/// Array names: given ones first, then spreadsheet-style letters by order of first use.
struct Namer {
    names: HashMap<usize, String>,
}

impl Namer {
    fn get(&mut self, a: &Array) -> String {
        let n = self.names.len();
        self.names
            .entry(a.id())
            .or_insert_with(|| letters(n))
            .clone()
    }
}

/// `A`..`Z`, then `AA`, `AB`, ... (bijective base 26: MLX's names for unnamed arrays).
pub(crate) fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the graph of `outputs` to `w`; `names` name some arrays of the graph.
pub fn export_to_dot<W: Write>(
    mut w: W,
    outputs: &[Array],
    names: &[(String, Array)],
) -> Result<()> {
    let io = |e: std::io::Error| Error::Runtime(format!("[export_to_dot] {e}"));
    let mut namer = Namer {
        names: names.iter().map(|(n, a)| (a.id(), n.clone())).collect(),
    };
    let sinks: HashSet<usize> = outputs.iter().map(Array::id).collect();
    let mut visited: HashSet<usize> = HashSet::new();
    let mut text = String::from("digraph {\n");
    // Iterative post-order walk: (array, inputs already pushed).
    let mut stack: Vec<(Array, bool)> = outputs.iter().rev().map(|a| (a.clone(), false)).collect();
    while let Some((a, expanded)) = stack.pop() {
        if visited.contains(&a.id()) {
            continue;
        }
        let op = a.0.lock_op().clone();
        let Some(op) = op else {
            visited.insert(a.id());
            text += &format!("{{ rank=source; \"{}\"; }}\n", namer.get(&a));
            continue;
        };
        if !expanded {
            stack.push((a.clone(), true));
            for x in op.inputs.iter().rev() {
                if !visited.contains(&x.id()) {
                    stack.push((x.clone(), false));
                }
            }
            continue;
        }
        let id = std::sync::Arc::as_ptr(&op) as usize;
        text += &format!(
            "{{ {id} [label =\"{}\", shape=rectangle]; }}\n",
            op.primitive.name()
        );
        for x in &op.inputs {
            text += &format!("\"{}\" -> {id}\n", namer.get(x));
        }
        for o in op.outputs.iter().filter_map(|w| w.upgrade()).map(Array) {
            visited.insert(o.id());
            let name = namer.get(&o);
            if sinks.contains(&o.id()) {
                text += &format!("{{ rank=sink; \"{name}\"; }}\n");
            } else {
                text += &format!("{{ \"{name}\"; }}\n");
            }
            text += &format!("{id} -> \"{name}\"\n");
        }
    }
    text += "}\n";
    w.write_all(text.as_bytes()).map_err(io)
}
