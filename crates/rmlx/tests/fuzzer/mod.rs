//! A deterministic mutation fuzzer for the `io` parsers, shared by `tests/io_fuzz.rs` (a
//! CI-sized run) and `examples/fuzz_io.rs` (long runs). Valid seed files are mutated by bit
//! flips, interesting byte and integer values written over header fields, truncations,
//! insertions, deletions and splices of two seeds; each input is parsed under
//! `catch_unwind`, and arrays from a successful parse are read in full (an over-read would
//! fault or show up under a sanitizer).
#![allow(dead_code)]

use rmlx::io::{self, GgufValue};
use rmlx::{ops, Array, Dtype};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// xorshift64*: small, fast and reproducible.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Outcome counts for one parser.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub run: u64,
    pub ok: u64,
    pub err: u64,
    pub panics: u64,
}

/// A parser under test: name, seeds, and a function that parses and reads the result.
pub struct Target {
    pub name: &'static str,
    pub seeds: Vec<Vec<u8>>,
    pub parse: fn(&[u8]) -> Result<(), String>,
}

fn arr(d: Dtype, shape: &[i32]) -> Array {
    let n: i32 = shape.iter().product();
    let a = ops::arange(0.0, n as f64, 1.0, Dtype::Float32).unwrap();
    ops::reshape(&ops::astype(&a, d).unwrap(), shape).unwrap()
}

/// Reads every byte of every array (the check that nothing points outside the input).
fn touch(arrays: &[(String, Array)]) -> Result<(), String> {
    for (_, a) in arrays {
        a.to_bytes().map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn npy_seeds() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (d, shape) in [
        (Dtype::Float32, &[2, 3][..]),
        (Dtype::Bool, &[5][..]),
        (Dtype::Complex64, &[][..]),
        (Dtype::Bfloat16, &[3, 1][..]),
        (Dtype::Int64, &[0, 2][..]),
    ] {
        let mut b = Vec::new();
        io::write_npy(&mut b, &arr(d, shape)).unwrap();
        out.push(b);
    }
    let mut f = Vec::new();
    io::write_npy(
        &mut f,
        &ops::transpose(&arr(Dtype::Int16, &[3, 4])).unwrap(),
    )
    .unwrap();
    out.push(f);
    // A big-endian version-2 file, as NumPy writes it.
    let dict = "{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }    \n";
    let mut be = b"\x93NUMPY\x02\x00".to_vec();
    be.extend_from_slice(&(dict.len() as u32).to_le_bytes());
    be.extend_from_slice(dict.as_bytes());
    be.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 2]);
    out.push(be);
    out
}

fn named() -> Vec<(String, Array)> {
    vec![
        ("a".into(), arr(Dtype::Float32, &[4, 3])),
        ("b".into(), arr(Dtype::Uint8, &[5])),
        ("c".into(), arr(Dtype::Float16, &[])),
        ("d".into(), arr(Dtype::Bool, &[3])),
    ]
}

fn npz_seeds() -> Vec<Vec<u8>> {
    [false, true]
        .iter()
        .map(|&c| {
            let mut b = Vec::new();
            io::write_npz(&mut b, &named(), c).unwrap();
            b
        })
        .collect()
}

fn safetensors_seeds() -> Vec<Vec<u8>> {
    let mut a = Vec::new();
    io::write_safetensors(&mut a, &named(), &[("k".into(), "v\"\\u00e9".into())]).unwrap();
    let mut b = Vec::new();
    io::write_safetensors(&mut b, &[("x".into(), arr(Dtype::Bfloat16, &[2, 2]))], &[]).unwrap();
    vec![a, b]
}

fn gguf_seeds() -> Vec<Vec<u8>> {
    let arrays: Vec<(String, Array)> = vec![
        ("w".into(), arr(Dtype::Float32, &[2, 3])),
        ("i".into(), arr(Dtype::Int8, &[5])),
        ("h".into(), arr(Dtype::Float16, &[])),
    ];
    let meta = vec![
        ("s".to_string(), GgufValue::String("str".into())),
        (
            "l".to_string(),
            GgufValue::Strings(vec!["a".into(), "bc".into()]),
        ),
        ("n".to_string(), GgufValue::Array(Array::scalar(7u32))),
        (
            "v".to_string(),
            GgufValue::Array(Array::from_slice(&[1i64, 2], &[2]).unwrap()),
        ),
    ];
    let mut a = Vec::new();
    io::write_gguf(&mut a, &arrays, &meta).unwrap();
    // Quantized tensors (Q8_0, Q4_0, Q4_1) written by hand, one block each.
    let mut out = vec![a];
    for (t, block) in [(8u32, 34usize), (2, 18), (3, 20)] {
        let mut o = b"GGUF".to_vec();
        o.extend_from_slice(&3u32.to_le_bytes());
        o.extend_from_slice(&1u64.to_le_bytes());
        o.extend_from_slice(&0u64.to_le_bytes());
        o.extend_from_slice(&8u64.to_le_bytes());
        o.extend_from_slice(b"q.weight");
        o.extend_from_slice(&1u32.to_le_bytes());
        o.extend_from_slice(&32u64.to_le_bytes());
        o.extend_from_slice(&t.to_le_bytes());
        o.extend_from_slice(&0u64.to_le_bytes());
        o.resize(o.len().next_multiple_of(32), 0);
        o.extend((0..block).map(|i| (i * 37) as u8));
        out.push(o);
    }
    out
}

/// The four parsers with their seeds.
pub fn targets() -> Vec<Target> {
    vec![
        Target {
            name: "npy",
            seeds: npy_seeds(),
            parse: |b| {
                let a = io::read_npy(b).map_err(|e| e.to_string())?;
                touch(&[(String::new(), a)])
            },
        },
        Target {
            name: "npz",
            seeds: npz_seeds(),
            parse: |b| touch(&io::read_npz(b).map_err(|e| e.to_string())?),
        },
        Target {
            name: "safetensors",
            seeds: safetensors_seeds(),
            parse: |b| touch(&io::read_safetensors(b).map_err(|e| e.to_string())?.0),
        },
        Target {
            name: "gguf",
            seeds: gguf_seeds(),
            parse: |b| touch(&io::read_gguf(b).map_err(|e| e.to_string())?.0),
        },
    ]
}

const INTERESTING: [u64; 12] = [
    0,
    1,
    2,
    7,
    8,
    31,
    32,
    0x7f,
    0xff,
    0xffff,
    0x7fff_ffff,
    0xffff_ffff,
];

/// One mutated input from the seeds.
pub fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut b = seeds[rng.below(seeds.len())].clone();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let len = b.len();
        match rng.below(9) {
            0 | 1 if len > 0 => {
                let i = rng.below(len);
                b[i] ^= 1 << rng.below(8);
            }
            2 if len > 0 => {
                let i = rng.below(len);
                b[i] = [0u8, 0xff, 0x7f, 0x80, b'0', b'9', b'{', b'"', b','][rng.below(9)];
            }
            3 if len >= 8 => {
                // An integer header field: mostly in the first 256 bytes, sometimes anywhere.
                let span = if rng.below(4) == 0 { len } else { len.min(256) };
                let i = rng.below(span.saturating_sub(7).max(1));
                let v = match rng.below(4) {
                    0 => INTERESTING[rng.below(INTERESTING.len())],
                    1 => len as u64 + rng.below(64) as u64 - 32,
                    2 => u64::MAX - rng.below(4) as u64,
                    _ => rng.next(),
                };
                let w = [1usize, 2, 4, 8][rng.below(4)].min(len - i);
                b[i..i + w].copy_from_slice(&v.to_le_bytes()[..w]);
            }
            4 => b.truncate(rng.below(len + 1)),
            5 => {
                let i = rng.below(len + 1);
                let n = 1 + rng.below(16);
                let fill: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                b.splice(i..i, fill);
            }
            6 if len > 0 => {
                let i = rng.below(len);
                let n = (1 + rng.below(16)).min(len - i);
                b.drain(i..i + n);
            }
            7 => {
                // Splice: a prefix of this input and a suffix of another seed.
                let other = &seeds[rng.below(seeds.len())];
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                b.truncate(cut);
                b.extend_from_slice(&other[from..]);
            }
            _ if len > 0 => {
                // Duplicate a chunk.
                let i = rng.below(len);
                let n = (1 + rng.below(32)).min(len - i);
                let chunk = b[i..i + n].to_vec();
                let at = rng.below(b.len() + 1);
                b.splice(at..at, chunk);
            }
            _ => {}
        }
    }
    b
}

/// Runs `count` mutated inputs (plus the seeds) through `t`.
pub fn run(t: &Target, count: u64, seed: u64) -> Counts {
    let mut c = Counts::default();
    let mut rng = Rng::new(seed ^ t.name.len() as u64);
    let inputs = t
        .seeds
        .iter()
        .cloned()
        .map(Some)
        .chain((0..count).map(|_| None));
    for pre in inputs {
        let input = pre.unwrap_or_else(|| mutate(&mut rng, &t.seeds));
        c.run += 1;
        match catch_unwind(AssertUnwindSafe(|| (t.parse)(&input))) {
            Ok(Ok(())) => c.ok += 1,
            Ok(Err(_)) => c.err += 1,
            Err(_) => {
                c.panics += 1;
                eprintln!(
                    "panic on {} input of {} bytes: {:02x?}",
                    t.name,
                    input.len(),
                    &input[..input.len().min(96)]
                );
            }
        }
    }
    c
}
