//! The self-describing values an exported function is written as, and their byte encoding.
//!
//! A function file's description (the traces, each primitive's parameters, where each
//! constant's data lies) is one [`Value`] tree. A tree is decoded without knowing what it holds, so a
//! reader can report where a file is malformed, and the Python callback form of
//! `export_function` can hand a primitive's parameters over as plain Python values.
//!
//! Encoding: one tag byte, then the payload, little-endian — `None`; `Bool` one byte;
//! `Int` i64; `Float` f64 bits; `Str` u32 length + UTF-8; `List` u32 count + items.

use crate::dtype::{Dtype, ALL_DTYPES};
use crate::error::{Error, Result};

/// One node of a function file's value tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// An absent optional value.
    None,
    /// A flag.
    Bool(bool),
    /// Any integer (sizes, axes, offsets).
    Int(i64),
    /// Any float (an f32 parameter widens exactly).
    Float(f64),
    /// A name (enum variant, dtype, keyword).
    Str(String),
    /// A sequence or record.
    List(Vec<Value>),
}

const NONE: u8 = 0;
const BOOL: u8 = 1;
const INT: u8 = 2;
const FLOAT: u8 = 3;
const STR: u8 = 4;
const LIST: u8 = 5;

/// Nesting deeper than this is refused when decoding (a corrupt file must not overflow the
/// stack); real files nest a handful of levels.
const MAX_DEPTH: usize = 64;

/// The error of a file that does not decode.
pub(crate) fn malformed(what: &str) -> Error {
    Error::Runtime(format!(
        "[import_function] The function file is malformed: {what}."
    ))
}

impl Value {
    /// Appends the encoding of `self` to `out`.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Value::None => out.push(NONE),
            Value::Bool(b) => out.extend([BOOL, u8::from(*b)]),
            Value::Int(i) => {
                out.push(INT);
                out.extend(i.to_le_bytes());
            }
            Value::Float(f) => {
                out.push(FLOAT);
                out.extend(f.to_bits().to_le_bytes());
            }
            Value::Str(s) => {
                out.push(STR);
                out.extend((s.len() as u32).to_le_bytes());
                out.extend(s.as_bytes());
            }
            Value::List(items) => {
                out.push(LIST);
                out.extend((items.len() as u32).to_le_bytes());
                for v in items {
                    v.encode(out);
                }
            }
        }
    }

    /// Decodes one value from the front of `bytes`, returning it and the bytes after it.
    pub(crate) fn decode(bytes: &[u8]) -> Result<(Value, &[u8])> {
        let mut r = Reader { bytes, depth: 0 };
        let v = r.value()?;
        Ok((v, r.bytes))
    }

    /// The items of a list of exactly `n` values (`what` names it in the error).
    pub(crate) fn record(&self, n: usize, what: &str) -> Result<&[Value]> {
        match self {
            Value::List(items) if items.len() == n => Ok(items),
            _ => Err(malformed(&format!("{what} is not a list of {n} values"))),
        }
    }

    /// The items of a list of any length.
    pub(crate) fn list(&self, what: &str) -> Result<&[Value]> {
        match self {
            Value::List(items) => Ok(items),
            _ => Err(malformed(&format!("{what} is not a list"))),
        }
    }

    /// The text of a string value.
    pub(crate) fn str(&self, what: &str) -> Result<&str> {
        match self {
            Value::Str(s) => Ok(s),
            _ => Err(malformed(&format!("{what} is not a string"))),
        }
    }

    /// The integer of an integer value.
    pub(crate) fn int(&self, what: &str) -> Result<i64> {
        match self {
            Value::Int(i) => Ok(*i),
            _ => Err(malformed(&format!("{what} is not an integer"))),
        }
    }
}

/// Decoding state: the bytes left and how deep in lists we are.
struct Reader<'a> {
    bytes: &'a [u8],
    depth: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.bytes.len() < n {
            return Err(malformed("it ends early"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn value(&mut self) -> Result<Value> {
        let [tag] = self.array::<1>()?;
        Ok(match tag {
            NONE => Value::None,
            BOOL => match self.array::<1>()? {
                [0] => Value::Bool(false),
                [1] => Value::Bool(true),
                _ => return Err(malformed("a flag is neither 0 nor 1")),
            },
            INT => Value::Int(i64::from_le_bytes(self.array()?)),
            FLOAT => Value::Float(f64::from_bits(u64::from_le_bytes(self.array()?))),
            STR => {
                let n = u32::from_le_bytes(self.array()?) as usize;
                let s = std::str::from_utf8(self.take(n)?)
                    .map_err(|_| malformed("a string is not UTF-8"))?;
                Value::Str(s.to_string())
            }
            LIST => {
                let n = u32::from_le_bytes(self.array()?) as usize;
                if self.depth == MAX_DEPTH {
                    return Err(malformed("lists nest too deeply"));
                }
                self.depth += 1;
                // Every item takes at least one byte: a count beyond the bytes left is
                // corrupt, and must not reserve memory for it.
                let mut items = Vec::with_capacity(n.min(self.bytes.len()));
                for _ in 0..n {
                    items.push(self.value()?);
                }
                self.depth -= 1;
                Value::List(items)
            }
            _ => return Err(malformed(&format!("unknown value tag {tag}"))),
        })
    }
}

/// A type stored in function files as a [`Value`].
pub(crate) trait Persist: Sized {
    /// The value written for `self`.
    fn to_value(&self) -> Value;
    /// Reads back what `to_value` wrote.
    fn from_value(v: &Value) -> Result<Self>;
}

impl Persist for bool {
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Bool(b) => Ok(*b),
            _ => Err(malformed("a flag is not a bool")),
        }
    }
}

/// Integers are stored as i64 and range-checked when read back.
macro_rules! persist_int {
    ($($t:ty),*) => {$(
        impl Persist for $t {
            fn to_value(&self) -> Value {
                Value::Int(*self as i64)
            }
            fn from_value(v: &Value) -> Result<Self> {
                <$t>::try_from(v.int("an integer parameter")?)
                    .map_err(|_| malformed(concat!("an integer is out of range for ", stringify!($t))))
            }
        }
    )*};
}
persist_int!(i32, i64, u32, usize);

impl Persist for f64 {
    fn to_value(&self) -> Value {
        Value::Float(*self)
    }
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Float(f) => Ok(*f),
            _ => Err(malformed("a float parameter is not a float")),
        }
    }
}

impl Persist for f32 {
    fn to_value(&self) -> Value {
        Value::Float(f64::from(*self))
    }
    fn from_value(v: &Value) -> Result<Self> {
        // Written from an f32, so the narrowing is exact.
        Ok(f64::from_value(v)? as f32)
    }
}

impl Persist for String {
    fn to_value(&self) -> Value {
        Value::Str(self.clone())
    }
    fn from_value(v: &Value) -> Result<Self> {
        Ok(v.str("a name")?.to_string())
    }
}

impl Persist for Dtype {
    fn to_value(&self) -> Value {
        Value::Str(self.name().into())
    }
    fn from_value(v: &Value) -> Result<Self> {
        let name = v.str("a dtype")?;
        ALL_DTYPES
            .into_iter()
            .find(|d| d.name() == name)
            .ok_or_else(|| malformed(&format!("unknown dtype '{name}'")))
    }
}

impl<T: Persist> Persist for Vec<T> {
    fn to_value(&self) -> Value {
        Value::List(self.iter().map(Persist::to_value).collect())
    }
    fn from_value(v: &Value) -> Result<Self> {
        v.list("a sequence")?.iter().map(T::from_value).collect()
    }
}

impl<T: Persist> Persist for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::None, Persist::to_value)
    }
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::None => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

impl<A: Persist, B: Persist> Persist for (A, B) {
    fn to_value(&self) -> Value {
        Value::List(vec![self.0.to_value(), self.1.to_value()])
    }
    fn from_value(v: &Value) -> Result<Self> {
        let p = v.record(2, "a pair")?;
        Ok((A::from_value(&p[0])?, B::from_value(&p[1])?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_corruption_is_an_error() {
        let v = Value::List(vec![
            Value::None,
            Value::Bool(true),
            Value::Int(-7),
            Value::Float(0.1),
            Value::Str("Add".into()),
            Value::List(vec![]),
        ]);
        let mut bytes = Vec::new();
        v.encode(&mut bytes);
        bytes.push(99);
        let (back, rest) = Value::decode(&bytes).unwrap();
        assert_eq!(back, v);
        assert_eq!(rest, &[99]);
        for cut in 0..bytes.len() - 1 {
            assert!(Value::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        // A list claiming billions of items in a few bytes fails without allocating them.
        assert!(Value::decode(&[LIST, 255, 255, 255, 255, NONE]).is_err());
        assert!(<Vec<u32>>::from_value(&Value::List(vec![Value::Int(-1)]))
            .unwrap_err()
            .to_string()
            .contains("out of range"));
    }
}
