//! Devices and streams as Python objects, and the `stream=` argument every op takes.

use crate::errors::{type_error, value_error, IntoPy};
use pyo3::prelude::*;
use rmlx::device::{self, Device, DeviceType};
use rmlx::stream::{self, Stream};

/// `mx.cpu` / `mx.gpu`.
#[pyclass(
    name = "DeviceType",
    module = "rmlx.core",
    frozen,
    eq,
    hash,
    from_py_object
)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum PyDeviceType {
    #[pyo3(name = "cpu")]
    Cpu,
    #[pyo3(name = "gpu")]
    Gpu,
}

impl PyDeviceType {
    fn kind(self) -> DeviceType {
        match self {
            PyDeviceType::Cpu => DeviceType::Cpu,
            PyDeviceType::Gpu => DeviceType::Gpu,
        }
    }
    fn of(kind: DeviceType) -> PyDeviceType {
        match kind {
            DeviceType::Cpu => PyDeviceType::Cpu,
            DeviceType::Gpu => PyDeviceType::Gpu,
        }
    }
}

/// A device: type and index. Equal to its `DeviceType` when the index is 0, as in MLX.
#[pyclass(name = "Device", module = "rmlx.core", frozen, from_py_object)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PyDevice(pub Device);

#[pymethods]
impl PyDevice {
    #[new]
    #[pyo3(signature = (r#type, index = 0))]
    fn new(r#type: PyDeviceType, index: u32) -> PyDevice {
        PyDevice(Device {
            kind: r#type.kind(),
            index,
        })
    }
    #[getter]
    fn r#type(&self) -> PyDeviceType {
        PyDeviceType::of(self.0.kind)
    }
    fn __repr__(&self) -> String {
        self.0.to_string()
    }
    fn __hash__(&self) -> u64 {
        (self.0.index as u64) << 1 | (self.0.kind == DeviceType::Gpu) as u64
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        device_of(other).is_ok_and(|d| d == self.0)
    }
}

/// A stream of work on a device.
#[pyclass(name = "Stream", module = "rmlx.core", frozen, from_py_object)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PyStream(pub Stream);

#[pymethods]
impl PyStream {
    #[getter]
    fn device(&self) -> PyDevice {
        PyDevice(self.0.device)
    }
    fn __repr__(&self) -> String {
        self.0.to_string()
    }
    fn __hash__(&self) -> u64 {
        self.0.index as u64
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.extract::<PyStream>().is_ok_and(|s| s.0 == self.0)
    }
}

/// A stream that is a different stream on every thread that uses it (MLX's
/// `ThreadLocalStream`): each thread gets its own engine stream on first use.
#[pyclass(
    name = "ThreadLocalStream",
    module = "rmlx.core",
    frozen,
    from_py_object
)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PyThreadLocalStream {
    id: u32,
    device: Device,
}

static NEXT_LOCAL_ID: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

thread_local! {
    /// This thread's engine stream for each thread-local stream it has used.
    static LOCAL_STREAMS: std::cell::RefCell<std::collections::HashMap<u32, Stream>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

impl PyThreadLocalStream {
    /// The engine stream this object means on the calling thread.
    fn resolve(&self) -> PyResult<Stream> {
        if let Some(s) = LOCAL_STREAMS.with(|m| m.borrow().get(&self.id).copied()) {
            return Ok(s);
        }
        let s = stream::new_stream(self.device).py()?;
        LOCAL_STREAMS.with(|m| m.borrow_mut().insert(self.id, s));
        Ok(s)
    }
}

#[pymethods]
impl PyThreadLocalStream {
    #[getter]
    fn device(&self) -> PyDevice {
        PyDevice(self.device)
    }
    fn __repr__(&self) -> String {
        format!("ThreadLocalStream({}, {})", self.device, self.id)
    }
    fn __hash__(&self) -> u64 {
        self.id as u64
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .extract::<PyThreadLocalStream>()
            .is_ok_and(|s| s == *self)
    }
}

#[pyfunction]
fn new_thread_local_stream(device: &Bound<'_, PyAny>) -> PyResult<PyThreadLocalStream> {
    let device = device_of(device)?;
    if !device::is_available(device) {
        return Err(value_error(format!(
            "[new_thread_local_stream] Device {device} is not available."
        )));
    }
    Ok(PyThreadLocalStream {
        id: NEXT_LOCAL_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        device,
    })
}

/// A stream every thread may use (Python name `new_thread_unsafe_stream`; the Rust name
/// avoids the word `unsafe`, which reads as a Rust safety marker).
#[pyfunction]
#[pyo3(name = "new_thread_unsafe_stream")]
fn new_shared_stream(device: &Bound<'_, PyAny>) -> PyResult<PyStream> {
    Ok(PyStream(
        stream::new_thread_unsafe_stream(device_of(device)?).py()?,
    ))
}

/// Forgets the streams made on this thread (thread-local streams included).
#[pyfunction]
fn clear_streams() {
    LOCAL_STREAMS.with(|m| m.borrow_mut().clear());
    stream::clear_streams();
}

/// A `Device` or `DeviceType` argument.
pub(crate) fn device_of(obj: &Bound<'_, PyAny>) -> PyResult<Device> {
    if let Ok(d) = obj.extract::<PyDevice>() {
        return Ok(d.0);
    }
    if let Ok(t) = obj.extract::<PyDeviceType>() {
        return Ok(Device {
            kind: t.kind(),
            index: 0,
        });
    }
    Err(type_error("Expected a Device or DeviceType."))
}

/// The `stream=` argument: a Stream, a Device (its default stream), or nothing.
pub(crate) fn stream_of(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Stream>> {
    let Some(obj) = obj else { return Ok(None) };
    if obj.is_none() {
        return Ok(None);
    }
    if let Ok(s) = obj.extract::<PyStream>() {
        return Ok(Some(s.0));
    }
    if let Ok(s) = obj.extract::<PyThreadLocalStream>() {
        return s.resolve().map(Some);
    }
    let d = device_of(obj).map_err(|_| type_error("stream must be a Stream, a Device or None."))?;
    stream::default_stream(d).py().map(Some)
}

/// Runs `f` on the stream named by a `stream=` argument.
#[inline]
pub(crate) fn on_stream<R>(
    stream: Option<&Bound<'_, PyAny>>,
    f: impl FnOnce() -> rmlx::Result<R>,
) -> PyResult<R> {
    match stream_of(stream)? {
        None => f().py(),
        Some(s) => stream::with_stream(s, f).py(),
    }
}

#[pyfunction]
fn default_device() -> PyDevice {
    PyDevice(device::default_device())
}

#[pyfunction]
fn set_default_device(device: &Bound<'_, PyAny>) -> PyResult<()> {
    let d = device_of(device)?;
    if d.kind == DeviceType::Gpu && !device::is_available(d) {
        return Err(value_error(
            "[set_default_device] Cannot set gpu device without gpu backend.",
        ));
    }
    device::set_default_device(d).py()
}

#[pyfunction]
fn default_stream(device: &Bound<'_, PyAny>) -> PyResult<PyStream> {
    Ok(PyStream(stream::default_stream(device_of(device)?).py()?))
}

#[pyfunction]
fn set_default_stream(stream: PyStream) -> PyResult<()> {
    stream::set_default_stream(stream.0).py()
}

#[pyfunction]
fn new_stream(device: &Bound<'_, PyAny>) -> PyResult<PyStream> {
    Ok(PyStream(stream::new_stream(device_of(device)?).py()?))
}

#[pyfunction]
fn is_available(device: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(device::is_available(device_of(device)?))
}

#[pyfunction]
fn device_count(device_type: PyDeviceType) -> usize {
    device::device_count(device_type.kind())
}

/// Waits for `stream` (default: the current default stream); releases the GIL meanwhile.
#[pyfunction]
#[pyo3(signature = (stream = None))]
fn synchronize(py: Python<'_>, stream: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    let s = match stream_of(stream)? {
        Some(s) => s,
        None => stream::current_stream().py()?,
    };
    py.detach(|| stream::synchronize(s)).py()
}

/// `with mx.stream(s):` sends ops to `s` for the block.
#[pyclass(name = "StreamContext", module = "rmlx.core")]
pub struct StreamContext {
    stream: Stream,
    previous: Option<(Device, Stream)>,
}

#[pymethods]
impl StreamContext {
    #[new]
    fn new(s: &Bound<'_, PyAny>) -> PyResult<StreamContext> {
        let stream = stream_of(Some(s))?
            .ok_or_else(|| value_error("[stream] A stream or device is required."))?;
        Ok(StreamContext {
            stream,
            previous: None,
        })
    }
    fn __enter__(&mut self) -> PyResult<()> {
        let dev = device::default_device();
        let prev_stream = stream::default_stream(self.stream.device).py()?;
        device::set_default_device(self.stream.device).py()?;
        stream::set_default_stream(self.stream).py()?;
        self.previous = Some((dev, prev_stream));
        Ok(())
    }
    #[pyo3(signature = (*_args))]
    fn __exit__(&mut self, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<()> {
        if let Some((dev, prev)) = self.previous.take() {
            stream::set_default_stream(prev).py()?;
            device::set_default_device(dev).py()?;
        }
        Ok(())
    }
}

#[pyfunction]
#[pyo3(name = "stream")]
fn stream_context(s: &Bound<'_, PyAny>) -> PyResult<StreamContext> {
    StreamContext::new(s)
}

/// `mx.metal` / `mx.cuda`: `is_available()`.
fn backend_module<'py>(
    py: Python<'py>,
    name: &str,
    available: bool,
) -> PyResult<Bound<'py, PyModule>> {
    let m = PyModule::new(py, name)?;
    let f = if available {
        py.eval(c"lambda: True", None, None)?
    } else {
        py.eval(c"lambda: False", None, None)?
    };
    m.add("is_available", f)?;
    Ok(m)
}

/// Registers devices, streams and the backend submodules.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<PyDeviceType>()?;
    m.add_class::<PyDevice>()?;
    m.add_class::<PyStream>()?;
    m.add_class::<StreamContext>()?;
    m.add_class::<PyThreadLocalStream>()?;
    m.add_function(wrap_pyfunction!(new_thread_local_stream, m)?)?;
    m.add_function(wrap_pyfunction!(new_shared_stream, m)?)?;
    m.add_function(wrap_pyfunction!(clear_streams, m)?)?;
    m.add("cpu", PyDeviceType::Cpu)?;
    m.add("gpu", PyDeviceType::Gpu)?;
    m.add_function(wrap_pyfunction!(default_device, m)?)?;
    m.add_function(wrap_pyfunction!(set_default_device, m)?)?;
    m.add_function(wrap_pyfunction!(default_stream, m)?)?;
    m.add_function(wrap_pyfunction!(set_default_stream, m)?)?;
    m.add_function(wrap_pyfunction!(new_stream, m)?)?;
    m.add_function(wrap_pyfunction!(is_available, m)?)?;
    m.add_function(wrap_pyfunction!(device_count, m)?)?;
    m.add_function(wrap_pyfunction!(synchronize, m)?)?;
    m.add_function(wrap_pyfunction!(stream_context, m)?)?;
    let gpu = device::is_available(Device::gpu(0));
    m.add("metal", backend_module(py, "metal", false)?)?;
    m.add("cuda", backend_module(py, "cuda", gpu)?)?;
    Ok(())
}
