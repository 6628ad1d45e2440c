//! Devices: the CPU now; CUDA GPUs plug in behind the `cuda` feature.

use std::fmt;

/// The kind of a device.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum DeviceType {
    /// The host CPU.
    Cpu,
    /// A GPU (CUDA).
    Gpu,
}

/// A device: a type and an index.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Device {
    /// CPU or GPU.
    pub kind: DeviceType,
    /// Which one of its kind.
    pub index: u32,
}

impl Device {
    /// The CPU device.
    pub const fn cpu() -> Device {
        Device {
            kind: DeviceType::Cpu,
            index: 0,
        }
    }
    /// GPU number `index`.
    pub const fn gpu(index: u32) -> Device {
        Device {
            kind: DeviceType::Gpu,
            index,
        }
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            DeviceType::Cpu => "cpu",
            DeviceType::Gpu => "gpu",
        };
        write!(f, "Device({kind}, {})", self.index)
    }
}

/// Whether a backend for `device` is present in this build and machine.
pub fn is_available(device: Device) -> bool {
    match device.kind {
        DeviceType::Cpu => device.index == 0,
        DeviceType::Gpu => false,
    }
}

/// How many devices of `kind` exist.
pub fn device_count(kind: DeviceType) -> usize {
    match kind {
        DeviceType::Cpu => 1,
        DeviceType::Gpu => 0,
    }
}

thread_local! {
    static DEFAULT_DEVICE: std::cell::Cell<Device> = const { std::cell::Cell::new(Device::cpu()) };
}

/// The device ops use when no stream is given (per thread, as MLX).
pub fn default_device() -> Device {
    DEFAULT_DEVICE.with(|d| d.get())
}

/// Sets the default device for this thread. Fails for a device without a backend.
pub fn set_default_device(device: Device) -> crate::Result<()> {
    if !is_available(device) {
        return Err(crate::error::invalid!(
            "[set_default_device] Device {device} is not available."
        ));
    }
    DEFAULT_DEVICE.with(|d| d.set(device));
    Ok(())
}
