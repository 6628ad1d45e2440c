//! Which primitives a function file can hold, and their parameters as [`Value`]s.
//!
//! Each exportable primitive is listed once in [`exportable!`] below under a tag (its type
//! name); its parameters are its fields, written in declaration order by the
//! `persist_*` macros. Reading a struct back names every field, so a primitive that gains
//! a field stops compiling here until its file format is decided.
//!
//! A primitive not listed (a custom function's closures, test primitives) makes
//! `export_function` fail with its name.

use super::value::{malformed, Persist, Value};
use crate::backend::cpu::quantized::Mode;
use crate::backend::cpu::scan::ScanOp;
use crate::backend::cpu::scatter::ScatterMode;
use crate::backend::cpu::sort::SortMode;
use crate::error::{Error, Result};
use crate::primitives::addmm::AddMM;
use crate::primitives::arg_reduce::ArgReduce;
use crate::primitives::axis_gather::{Pad, PadMode, Roll};
use crate::primitives::binary::{Binary, BinaryOp};
use crate::primitives::block_masked_mm::{BlockMaskedMM, MaskKind as BlockMask};
use crate::primitives::compiled::{Compiled, Operand, Step, StepOp};
use crate::primitives::conv::Convolution;
use crate::primitives::copy::{AsType, Full};
use crate::primitives::creation::{Arange, Eye, Linspace};
use crate::primitives::depends::Depends;
use crate::primitives::diagonal::Diagonal;
use crate::primitives::dynamic_slice::{DynamicSlice, DynamicSliceUpdate};
use crate::primitives::fast::{LayerNorm, MaskKind as SdpaMask, RmsNorm, Rope, Sdpa};
use crate::primitives::fft::Fft;
use crate::primitives::gather::Gather;
use crate::primitives::gather_mm::GatherMM;
use crate::primitives::hadamard::Hadamard;
use crate::primitives::identity::Copy;
use crate::primitives::linalg::{Linalg, LinalgKind};
use crate::primitives::matmul::Matmul;
use crate::primitives::mlx_unary::{MlxFn, MlxUnary};
use crate::primitives::quantized::{ConvertFP8, Dequantize, Quantize};
use crate::primitives::quantized_mm::{GatherQMM, QQMatmul, QSpec, QuantizedMatmul};
use crate::primitives::random_bits::RandomBits;
use crate::primitives::reduce::{LogSumExp, Mean, Reduce, ReduceOp, Softmax, Var};
use crate::primitives::reinterpret::{AsStrided, View};
use crate::primitives::scan::Scan;
use crate::primitives::scatter::Scatter;
use crate::primitives::search::SearchSorted;
use crate::primitives::segmented_mm::SegmentedMM;
use crate::primitives::shape::{Concatenate, Contiguous, Flatten, Reshape};
use crate::primitives::sort::Sort;
use crate::primitives::ternary::Select;
use crate::primitives::unary::{NanToNum, StopGradient, Unary, UnaryOp};
use crate::primitives::views::{Broadcast, ExpandDims, Slice, Split, Squeeze, Transpose};
use crate::primitives::Primitive;
use std::any::Any;
use std::sync::Arc;

/// A struct written as the list of its fields (`Name { a, b }`; `Name {}` for a unit
/// struct) or a one-field tuple struct (`Name(0)`).
macro_rules! persist_struct {
    ($ty:ident {}) => {
        impl Persist for $ty {
            fn to_value(&self) -> Value {
                Value::List(Vec::new())
            }
            fn from_value(v: &Value) -> Result<Self> {
                v.record(0, stringify!($ty))?;
                Ok($ty)
            }
        }
    };
    ($ty:ident { $($f:ident),* $(,)? }) => {
        impl Persist for $ty {
            fn to_value(&self) -> Value {
                Value::List(vec![$(self.$f.to_value()),*])
            }
            fn from_value(v: &Value) -> Result<Self> {
                let fields: &[&str] = &[$(stringify!($f)),*];
                let mut items = v.record(fields.len(), stringify!($ty))?.iter();
                Ok($ty { $($f: Persist::from_value(items.next().unwrap_or(&Value::None))?),* })
            }
        }
    };
    ($ty:ident (0)) => {
        impl Persist for $ty {
            fn to_value(&self) -> Value {
                Value::List(vec![self.0.to_value()])
            }
            fn from_value(v: &Value) -> Result<Self> {
                Ok($ty(Persist::from_value(&v.record(1, stringify!($ty))?[0])?))
            }
        }
    };
}

/// An enum of unit variants, written as the variant's name. The match in `to_value` is
/// exhaustive, so a new variant must be added here.
macro_rules! persist_names {
    ($ty:ident { $($v:ident),* $(,)? }) => {
        impl Persist for $ty {
            fn to_value(&self) -> Value {
                Value::Str(match self { $($ty::$v => stringify!($v)),* }.into())
            }
            fn from_value(v: &Value) -> Result<Self> {
                match v.str(stringify!($ty))? {
                    $(stringify!($v) => Ok($ty::$v),)*
                    other => Err(malformed(&format!(
                        "unknown {} '{other}'", stringify!($ty)
                    ))),
                }
            }
        }
    };
}

persist_names!(UnaryOp {
    Abs,
    Negative,
    Sign,
    Sqrt,
    Rsqrt,
    Square,
    Reciprocal,
    Exp,
    Expm1,
    Log,
    Log2,
    Log10,
    Log1p,
    Sin,
    Cos,
    Tan,
    ArcSin,
    ArcCos,
    ArcTan,
    Sinh,
    Cosh,
    Tanh,
    ArcSinh,
    ArcCosh,
    ArcTanh,
    Sigmoid,
    Erf,
    ErfInv,
    Floor,
    Ceil,
    Round,
    LogicalNot,
    BitwiseInvert,
    Real,
    Imag,
    Conjugate,
    IsNaN,
    IsInf,
    IsFinite,
    IsPosInf,
    IsNegInf,
});
persist_names!(BinaryOp {
    Add,
    Subtract,
    Multiply,
    Divide,
    FloorDivide,
    Remainder,
    Power,
    Maximum,
    Minimum,
    LogAddExp,
    ArcTan2,
    Equal,
    NotEqual,
    Greater,
    GreaterEqual,
    Less,
    LessEqual,
    LogicalAnd,
    LogicalOr,
    BitwiseAnd,
    BitwiseOr,
    BitwiseXor,
    LeftShift,
    RightShift,
});
persist_names!(ReduceOp {
    Sum,
    Prod,
    Max,
    Min,
    And,
    Or
});
persist_names!(ScanOp {
    Sum,
    Prod,
    Max,
    Min,
    LogAddExp
});
persist_names!(ScatterMode {
    None,
    Add,
    Prod,
    Max,
    Min
});
persist_names!(PadMode {
    Constant,
    Edge,
    Reflect,
    Symmetric
});
persist_names!(BlockMask { Keep, Scale });
persist_names!(SdpaMask {
    None,
    Causal,
    Bool,
    Additive
});
persist_names!(MlxFn {
    Exp,
    Erf,
    Log,
    Log1p
});
persist_names!(Mode {
    Affine,
    Mxfp4,
    Mxfp8,
    Nvfp4
});

impl Persist for SortMode {
    fn to_value(&self) -> Value {
        match self {
            SortMode::Sort => Value::None,
            SortMode::Partition(k) => k.to_value(),
        }
    }
    fn from_value(v: &Value) -> Result<Self> {
        Ok(Option::<usize>::from_value(v)?.map_or(SortMode::Sort, SortMode::Partition))
    }
}

/// `[name, flags...]`: the variant and its fields in declaration order.
impl Persist for LinalgKind {
    fn to_value(&self) -> Value {
        let (name, flags): (&str, Vec<Value>) = match *self {
            LinalgKind::Inverse { triangular } => ("Inverse", vec![triangular.to_value()]),
            LinalgKind::Cholesky { upper } => ("Cholesky", vec![upper.to_value()]),
            LinalgKind::Qrf => ("Qrf", vec![]),
            LinalgKind::Svd { compute_uv } => ("Svd", vec![compute_uv.to_value()]),
            LinalgKind::Eigh { upper, vectors } => {
                ("Eigh", vec![upper.to_value(), vectors.to_value()])
            }
            LinalgKind::Solve => ("Solve", vec![]),
            LinalgKind::SolveTriangular { upper } => ("SolveTriangular", vec![upper.to_value()]),
            LinalgKind::Luf => ("Luf", vec![]),
            LinalgKind::Eig { vectors } => ("Eig", vec![vectors.to_value()]),
        };
        let mut items = vec![Value::Str(name.into())];
        items.extend(flags);
        Value::List(items)
    }
    fn from_value(v: &Value) -> Result<Self> {
        let items = v.list("LinalgKind")?;
        let name = items
            .first()
            .ok_or_else(|| malformed("LinalgKind is empty"))?
            .str("LinalgKind")?;
        let flag = |i: usize| -> Result<bool> {
            bool::from_value(
                items
                    .get(i)
                    .ok_or_else(|| malformed("LinalgKind is short"))?,
            )
        };
        Ok(match name {
            "Inverse" => LinalgKind::Inverse {
                triangular: Option::from_value(
                    items
                        .get(1)
                        .ok_or_else(|| malformed("LinalgKind is short"))?,
                )?,
            },
            "Cholesky" => LinalgKind::Cholesky { upper: flag(1)? },
            "Qrf" => LinalgKind::Qrf,
            "Svd" => LinalgKind::Svd {
                compute_uv: flag(1)?,
            },
            "Eigh" => LinalgKind::Eigh {
                upper: flag(1)?,
                vectors: flag(2)?,
            },
            "Solve" => LinalgKind::Solve,
            "SolveTriangular" => LinalgKind::SolveTriangular { upper: flag(1)? },
            "Luf" => LinalgKind::Luf,
            "Eig" => LinalgKind::Eig { vectors: flag(1)? },
            other => return Err(malformed(&format!("unknown LinalgKind '{other}'"))),
        })
    }
}

/// `["Unary", op]`, `["Binary", op]` or `[name]`.
impl Persist for StepOp {
    fn to_value(&self) -> Value {
        Value::List(match self {
            StepOp::Unary(op) => vec![Value::Str("Unary".into()), op.to_value()],
            StepOp::Binary(op) => vec![Value::Str("Binary".into()), op.to_value()],
            StepOp::Select => vec![Value::Str("Select".into())],
            StepOp::AsType => vec![Value::Str("AsType".into())],
            StepOp::Broadcast => vec![Value::Str("Broadcast".into())],
        })
    }
    fn from_value(v: &Value) -> Result<Self> {
        let items = v.list("a fused step")?;
        let arg = || {
            items
                .get(1)
                .ok_or_else(|| malformed("a fused step is short"))
        };
        match items.first().map(|n| n.str("a fused step")).transpose()? {
            Some("Unary") => Ok(StepOp::Unary(UnaryOp::from_value(arg()?)?)),
            Some("Binary") => Ok(StepOp::Binary(BinaryOp::from_value(arg()?)?)),
            Some("Select") => Ok(StepOp::Select),
            Some("AsType") => Ok(StepOp::AsType),
            Some("Broadcast") => Ok(StepOp::Broadcast),
            other => Err(malformed(&format!("unknown fused step {other:?}"))),
        }
    }
}

/// `[0, i]` for input `i`, `[1, i]` for step `i`.
impl Persist for Operand {
    fn to_value(&self) -> Value {
        let (kind, i) = match *self {
            Operand::Input(i) => (0, i),
            Operand::Step(i) => (1, i),
        };
        Value::List(vec![Value::Int(kind), i.to_value()])
    }
    fn from_value(v: &Value) -> Result<Self> {
        let p = v.record(2, "a fused operand")?;
        let i = usize::from_value(&p[1])?;
        match p[0].int("a fused operand")? {
            0 => Ok(Operand::Input(i)),
            1 => Ok(Operand::Step(i)),
            k => Err(malformed(&format!("unknown fused operand kind {k}"))),
        }
    }
}

persist_struct!(Step {
    op,
    args,
    dtype,
    target
});
persist_struct!(QSpec {
    mode,
    group,
    bits,
    transpose
});

/// Every exportable primitive: `save` finds the one `p` is and writes its tag and
/// parameters; `load` builds one from them.
macro_rules! exportable {
    ($($ty:ident $fields:tt),* $(,)?) => {
        $(persist_struct!($ty $fields);)*

        /// The tag and parameters of `p`, or the error naming a primitive that cannot be
        /// exported.
        pub(crate) fn save(p: &dyn Primitive) -> Result<(&'static str, Value)> {
            let any: &dyn Any = p;
            $(
                if let Some(x) = any.downcast_ref::<$ty>() {
                    return Ok((stringify!($ty), x.to_value()));
                }
            )*
            Err(Error::InvalidArgument(format!(
                "[export_function] Unable to export the primitive {}.",
                p.name()
            )))
        }

        /// The primitive `tag` with the parameters `state`.
        pub(crate) fn load(tag: &str, state: &Value) -> Result<Arc<dyn Primitive>> {
            match tag {
                $(stringify!($ty) => Ok(Arc::new(<$ty as Persist>::from_value(state)?)),)*
                _ => Err(malformed(&format!("unknown primitive '{tag}'"))),
            }
        }
    };
}

exportable! {
    AddMM { a_vec, b_vec, alpha, beta },
    ArgReduce { is_max, axes },
    Pad { low, high, mode },
    Roll { shifts },
    Binary (0),
    BlockMaskedMM { block, mask_out, mask_lhs, mask_rhs },
    Compiled { steps, outputs, expands },
    Convolution { stride, pad_lo, pad_hi, kernel_dilation, input_dilation, groups, flip },
    Full {},
    AsType {},
    Arange { start, step },
    Linspace { start, stop },
    Eye (0),
    Depends {},
    Diagonal { offset, axis1, axis2 },
    DynamicSlice { axes },
    DynamicSliceUpdate { axes },
    RmsNorm { eps, has_weight },
    LayerNorm { eps, has_weight, has_bias },
    Rope { dims, traditional, base, scale, offset, has_offset_array, has_freqs },
    Sdpa { scale, mask, has_sinks },
    Fft { axes, inverse, real, scale },
    Gather { axes, slice_sizes },
    GatherMM { a_vec, b_vec },
    Hadamard { m, scale },
    Copy {},
    Linalg { kind },
    Matmul { a_vec, b_vec },
    MlxUnary (0),
    Quantize { mode, group, bits },
    Dequantize { mode, group, bits },
    ConvertFP8 { to_fp8 },
    QuantizedMatmul { spec },
    GatherQMM { spec },
    QQMatmul { spec, x_quant },
    RandomBits {},
    Reduce { op, axes },
    Mean { axes },
    Var { axes, ddof, sqrt },
    LogSumExp { axes },
    Softmax { axes, precise },
    AsStrided { strides, offset },
    View {},
    Scan { op, axis, reverse, inclusive },
    Scatter { axes, mode },
    SearchSorted { right },
    SegmentedMM {},
    Reshape (0),
    Flatten { start, end },
    Concatenate (0),
    Contiguous { allow_col_major },
    Sort { axis, mode, indices },
    Select {},
    Unary (0),
    NanToNum { nan, posinf, neginf },
    StopGradient {},
    Broadcast {},
    Transpose (0),
    Squeeze (0),
    ExpandDims (0),
    Slice { start, strides },
    Split { indices, axis },
}
