//! GGUF's block-quantized types that MLX loads, turned into MLX's affine quantization: a
//! packed `uint32` weight plus `float16` scales and biases per group of 32, so that
//! `dequantize(w, scales, biases, group_size=32, bits)` gives the GGUF values exactly.
//!
//! | type | block (32 values) | value | MLX q (unsigned) | scale | bias |
//! |------|-------------------|-------|------------------|-------|------|
//! | Q8_0 | f16 d, 32 × i8 q  | d·q   | q + 128 (8 bits) | d     | −128·d |
//! | Q4_0 | f16 d, 16 bytes   | d·(q−8) | q (4 bits)     | d     | −8·d |
//! | Q4_1 | f16 d, f16 m, 16 bytes | d·q + m | q (4 bits) | d | m |
//!
//! In Q4 blocks byte `j` holds value `j` in its low nibble and value `j + 16` in its high
//! nibble. MLX packs values little-end first: value `k` of a word sits at bits `bits·k`.

use crate::array::Array;
use crate::error::Result;
use half::f16;

/// A supported quantized ggml type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Quant {
    Q4_0,
    Q4_1,
    Q8_0,
}

/// Values per block.
pub(super) const BLOCK: usize = 32;

impl Quant {
    /// Bytes per block of 32 values.
    pub(super) fn block_bytes(self) -> usize {
        match self {
            Quant::Q4_0 => 18,
            Quant::Q4_1 => 20,
            Quant::Q8_0 => 34,
        }
    }
    /// Bits per value in MLX's packing.
    pub(super) fn bits(self) -> usize {
        match self {
            Quant::Q8_0 => 8,
            _ => 4,
        }
    }
}

fn f16_at(b: &[u8], at: usize) -> f16 {
    f16::from_le_bytes([b[at], b[at + 1]])
}

/// The (weight, scales, biases) arrays for `shape` (whose last dimension is a multiple of
/// 32) from `blocks`, which holds exactly `size / 32` blocks.
pub(super) fn unpack(q: Quant, blocks: &[u8], shape: &[i32]) -> Result<(Array, Array, Array)> {
    let nblocks = blocks.len() / q.block_bytes();
    let per_word = 32 / q.bits();
    let mut words = vec![0u32; nblocks * BLOCK / per_word];
    let mut scales = Vec::with_capacity(nblocks);
    let mut biases = Vec::with_capacity(nblocks);
    let mut vals = [0u8; BLOCK];
    for (bi, blk) in blocks.chunks_exact(q.block_bytes()).enumerate() {
        let d = f16_at(blk, 0);
        let (bias, qs) = match q {
            Quant::Q8_0 => (f16::from_f32(-128.0 * d.to_f32()), &blk[2..]),
            Quant::Q4_0 => (f16::from_f32(-8.0 * d.to_f32()), &blk[2..]),
            Quant::Q4_1 => (f16_at(blk, 2), &blk[4..]),
        };
        scales.push(d);
        biases.push(bias);
        if q == Quant::Q8_0 {
            for (v, &x) in vals.iter_mut().zip(qs) {
                *v = x ^ 0x80; // i8 + 128 as u8
            }
        } else {
            for (j, &x) in qs.iter().enumerate() {
                vals[j] = x & 0x0f;
                vals[j + 16] = x >> 4;
            }
        }
        let out = &mut words[bi * BLOCK / per_word..(bi + 1) * BLOCK / per_word];
        for (k, &v) in vals.iter().enumerate() {
            out[k / per_word] |= (v as u32) << (q.bits() * (k % per_word));
        }
    }
    let last = *shape.last().unwrap_or(&0) as usize;
    let lead = &shape[..shape.len().saturating_sub(1)];
    let with_last = |n: usize| -> Vec<i32> {
        let mut s = lead.to_vec();
        s.push(n as i32);
        s
    };
    let w = Array::from_slice(&words, &with_last(last / per_word))?;
    let s = Array::from_slice(&scales, &with_last(last / BLOCK))?;
    let b = Array::from_slice(&biases, &with_last(last / BLOCK))?;
    Ok((w, s, b))
}
