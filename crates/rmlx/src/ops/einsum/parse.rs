//! Parsing and validating einsum subscripts, MLX's rules: whitespace is ignored, implicit
//! mode (no `->`) outputs the letters that appear exactly once in sorted (ASCII) order after
//! the broadcast (ellipsis) axes, an ellipsis expands to unused letters taken from the end
//! of `a..zA..Z` (so shorter operands broadcast against their trailing axes), and every
//! letter's size is the broadcast of its sizes (size-1 axes stretch).

use crate::array::Array;
use crate::error::{bail, Result};
use crate::shape::fmt_shape;

/// The letters an einsum may use, as a bit set: `a..z` are bits 0..26, `A..Z` 26..52.
pub(crate) type CharSet = u64;

/// The bit of an ASCII letter.
pub(crate) fn bit(c: u8) -> CharSet {
    let i = if c.is_ascii_lowercase() {
        c - b'a'
    } else {
        26 + (c - b'A')
    };
    1 << i
}

/// One operand's (or the output's) subscript: its letters in axis order and their set.
#[derive(Clone, Debug)]
pub(crate) struct Term {
    pub chars: Vec<u8>,
    pub set: CharSet,
}

impl Term {
    pub(crate) fn new(chars: Vec<u8>) -> Term {
        let set = chars.iter().fold(0, |s, &c| s | bit(c));
        Term { chars, set }
    }

    pub(crate) fn has(&self, c: u8) -> bool {
        self.set & bit(c) != 0
    }
}

/// The size of every letter (broadcast over the operands), indexed by the ASCII code.
#[derive(Clone)]
pub(crate) struct Dims([u64; 128]);

impl Dims {
    pub(crate) fn of(&self, c: u8) -> u64 {
        self.0[c as usize]
    }

    /// The number of elements of a term over the letters of `set`.
    pub(crate) fn set_size(&self, set: CharSet) -> u64 {
        letters(set).fold(1u64, |n, c| n.saturating_mul(self.of(c)))
    }

    /// The number of elements over a letter sequence (repeats counted, as MLX counts them).
    pub(crate) fn seq_size(&self, chars: &[u8]) -> u64 {
        chars
            .iter()
            .fold(1u64, |n, &c| n.saturating_mul(self.of(c)))
    }
}

/// The letters of a set, `a..z` then `A..Z`.
pub(crate) fn letters(set: CharSet) -> impl Iterator<Item = u8> {
    (b'a'..=b'z')
        .chain(b'A'..=b'Z')
        .filter(move |&c| set & bit(c) != 0)
}

/// A parsed and validated einsum: the operands' terms, the output term and the sizes.
pub(crate) struct Spec {
    pub inputs: Vec<Term>,
    pub output: Term,
    pub dims: Dims,
}

/// Splits `subscripts` into input subscripts and the output (inferred in implicit mode).
fn split(subscripts: &str) -> (Vec<String>, String) {
    let s: String = subscripts.chars().filter(|&c| c != ' ').collect();
    let (lhs, rhs) = match s.find("->") {
        Some(p) => (s[..p].to_string(), s[p + 2..].to_string()),
        None => {
            // Implicit output: the ellipsis first, then the letters seen exactly once,
            // sorted by code (upper case before lower case, as MLX sorts bytes).
            let mut counts = std::collections::BTreeMap::<char, usize>::new();
            let mut ellipsis = false;
            for c in s.chars().filter(|&c| c != ',') {
                if c == '.' {
                    ellipsis = true;
                    continue;
                }
                *counts.entry(c).or_default() += 1;
            }
            let mut rhs = String::from(if ellipsis { "..." } else { "" });
            rhs.extend(counts.into_iter().filter(|&(_, n)| n == 1).map(|(c, _)| c));
            (s, rhs)
        }
    };
    // Empty pieces are 0-d operands: "i,->i" has two inputs.
    (lhs.split(',').map(str::to_string).collect(), rhs)
}

/// Checks the letters of one subscript and replaces its ellipsis (if any) with `len`
/// letters from the end of `spare` (`len` from the operand when given, else `max_len`).
fn expand(
    func: &str,
    sub: &str,
    operand: Option<(usize, &Array)>,
    spare: &[u8],
    max_len: &mut usize,
) -> Result<Vec<u8>> {
    let chars: Vec<char> = sub.chars().collect();
    let (mut before, mut after) = (Vec::new(), Vec::new());
    let mut ellipsis = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !c.is_ascii_alphabetic() {
            if c != '.' || i + 2 >= chars.len() || chars[i + 1] != '.' || chars[i + 2] != '.' {
                bail!("[{func}] Subscripts must be letters, but got '{c}'.");
            }
            if ellipsis {
                bail!(
                    "[{func}] Only one ellipsis per subscript is allowed but found more in \
                     '{sub}'."
                );
            }
            ellipsis = true;
            i += 3;
            continue;
        }
        if ellipsis {
            after.push(c as u8);
        } else {
            before.push(c as u8);
        }
        i += 1;
    }
    if !ellipsis {
        return Ok(before);
    }
    let len = match operand {
        Some((idx, a)) => {
            let named = before.len() + after.len();
            if a.ndim() < named {
                bail!(
                    "[{func}] Operand {idx} with shape {} has insufficient dimensions for \
                     subscript '{sub}'. The ellipsis requires at least {named} dimensions but \
                     the operand has {} dimensions.",
                    fmt_shape(a.shape()),
                    a.ndim()
                );
            }
            let len = a.ndim() - named;
            *max_len = (*max_len).max(len);
            len
        }
        None => *max_len,
    };
    if len > spare.len() {
        bail!(
            "[{func}] The ellipsis of '{sub}' needs {len} letters but only {} are unused.",
            spare.len()
        );
    }
    before.extend_from_slice(&spare[spare.len() - len..]);
    before.extend_from_slice(&after);
    Ok(before)
}

/// Parses and validates `subscripts` against `operands`, with errors named after `func`.
pub(crate) fn parse(func: &str, subscripts: &str, operands: &[Array]) -> Result<Spec> {
    if operands.is_empty() {
        bail!("[{func}] At least one operand is required.");
    }
    let (in_subs, out_sub) = split(subscripts);
    if operands.len() != in_subs.len() {
        bail!(
            "[{func}] Number of operands, {}, does not match number of input subscripts, {}",
            operands.len(),
            in_subs.len()
        );
    }
    let spare: Vec<u8> = (b'a'..=b'z')
        .chain(b'A'..=b'Z')
        .filter(|&c| !subscripts.contains(c as char))
        .collect();
    let mut max_len = 0;
    let mut in_chars = Vec::with_capacity(in_subs.len());
    for (i, (sub, a)) in in_subs.iter().zip(operands).enumerate() {
        in_chars.push(expand(func, sub, Some((i, a)), &spare, &mut max_len)?);
    }
    let out_chars = expand(func, &out_sub, None, &spare, &mut max_len)?;
    let output = Term::new(out_chars);
    if (output.set.count_ones() as usize) != output.chars.len() {
        bail!("[{func}] Repeat indices not allowed in output.");
    }

    let mut dims = Dims([0; 128]);
    let mut inputs = Vec::with_capacity(in_chars.len());
    for (i, (chars, a)) in in_chars.into_iter().zip(operands).enumerate() {
        if chars.len() != a.ndim() {
            bail!(
                "[{func}] Invalid number of subscripts {} for input {i} with {} dimensions.",
                chars.len(),
                a.ndim()
            );
        }
        let term = Term::new(chars);
        if (term.set.count_ones() as usize) < term.chars.len() {
            // Repeated letters of one operand name a diagonal: their sizes must agree.
            let mut local = [0u64; 128];
            for (j, &c) in term.chars.iter().enumerate() {
                let d = a.shape()[j] as u64;
                let slot = &mut local[c as usize];
                if *slot == 0 {
                    *slot = d + 1;
                } else if *slot != d + 1 {
                    bail!(
                        "[{func}] Dimensions of repeated subscripts do not have the same size \
                         ({} != {d}).",
                        *slot - 1
                    );
                }
            }
        }
        for (j, &c) in term.chars.iter().enumerate() {
            let d = a.shape()[j] as u64;
            let known = dims.0[c as usize];
            let seen = known != 0
                || inputs.iter().any(|t: &Term| t.has(c))
                || term.chars[..j].contains(&c);
            if seen && d != 1 && known != 1 && known != d {
                bail!(
                    "[{func}] Cannot broadcast dimension {j} of input {i} with shape {} to size \
                     {known}.",
                    fmt_shape(a.shape())
                );
            }
            dims.0[c as usize] = if seen { known.max(d) } else { d };
        }
        inputs.push(term);
    }
    Ok(Spec {
        inputs,
        output,
        dims,
    })
}
