//! CPU kernels of quantization: the formats (E4M3, E2M1, E8M0), MLX's packed layout, the
//! quantizers, the dequantizers and the quantized matrix products.

pub(crate) mod dequantize;
pub(crate) mod elem;
pub(crate) mod formats;
pub(crate) mod layout;
pub(crate) mod qmm;
pub(crate) mod quantize;

/// MLX's quantization modes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub(crate) enum Mode {
    /// Integer codes with a scale and a bias per group.
    Affine,
    /// E2M1 codes, E8M0 scales, groups of 32.
    Mxfp4,
    /// E4M3 codes, E8M0 scales, groups of 32.
    Mxfp8,
    /// E2M1 codes, E4M3 scales, groups of 16.
    Nvfp4,
}

impl Mode {
    /// The mode named `s` (MLX's spelling).
    pub(crate) fn parse(s: &str) -> Option<Mode> {
        match s {
            "affine" => Some(Mode::Affine),
            "mxfp4" => Some(Mode::Mxfp4),
            "mxfp8" => Some(Mode::Mxfp8),
            "nvfp4" => Some(Mode::Nvfp4),
            _ => None,
        }
    }
    /// MLX's name of the mode.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mode::Affine => "affine",
            Mode::Mxfp4 => "mxfp4",
            Mode::Mxfp8 => "mxfp8",
            Mode::Nvfp4 => "nvfp4",
        }
    }
    /// The group size of a microscaling mode (the default for affine).
    pub(crate) fn group_size(self) -> usize {
        match self {
            Mode::Affine => 64,
            Mode::Nvfp4 => 16,
            Mode::Mxfp4 | Mode::Mxfp8 => 32,
        }
    }
    /// The bits of a microscaling mode (the default for affine).
    pub(crate) fn bits(self) -> u32 {
        match self {
            Mode::Mxfp8 => 8,
            _ => 4,
        }
    }
}
