//! Headless adapter and device: no window, no surface.
//!
//! A hardware adapter is preferred over a CPU one (Vulkan lavapipe, GL llvmpipe); the
//! choice is deterministic and reported. wgpu's validation errors are captured by an
//! uncaptured-error handler and surface as [`GpuError::Validation`], never as a panic.

use std::fmt;
use std::sync::{Arc, Mutex};

/// Which graphics API to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackendChoice {
    /// `WGPU_BACKEND` if set, else every API this build supports.
    #[default]
    Auto,
    /// Vulkan (lavapipe on CPU-only machines).
    Vulkan,
    /// OpenGL / GLES over EGL (llvmpipe on CPU-only machines).
    Gl,
    /// Metal (macOS).
    Metal,
    /// Direct3D 12 (Windows).
    Dx12,
}

impl std::str::FromStr for BackendChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "vulkan" | "vk" => Ok(Self::Vulkan),
            "gl" | "gles" | "opengl" => Ok(Self::Gl),
            "metal" | "mtl" => Ok(Self::Metal),
            "dx12" | "d3d12" => Ok(Self::Dx12),
            other => Err(format!(
                "unknown backend `{other}`: use auto, vulkan, gl, metal or dx12"
            )),
        }
    }
}

/// The native APIs, tried first by [`BackendChoice::Auto`].
const NATIVE: wgpu::Backends = wgpu::Backends::VULKAN
    .union(wgpu::Backends::METAL)
    .union(wgpu::Backends::DX12);

impl BackendChoice {
    /// Every API this choice may use.
    fn backends(self) -> wgpu::Backends {
        match self {
            BackendChoice::Auto => {
                wgpu::Backends::from_env().unwrap_or(NATIVE | wgpu::Backends::GL)
            }
            BackendChoice::Vulkan => wgpu::Backends::VULKAN,
            BackendChoice::Gl => wgpu::Backends::GL,
            BackendChoice::Metal => wgpu::Backends::METAL,
            BackendChoice::Dx12 => wgpu::Backends::DX12,
        }
    }

    /// The APIs to probe in turn, stopping at the first that has an adapter: `Auto`
    /// without `WGPU_BACKEND` tries the native APIs and probes GL only when they have
    /// none (GL's probe is slow, and EGL can be noisy); any other choice is one step.
    fn probe_order(self) -> Vec<wgpu::Backends> {
        match (self, wgpu::Backends::from_env()) {
            (BackendChoice::Auto, None) => vec![NATIVE, wgpu::Backends::GL],
            _ => vec![self.backends()],
        }
    }
}

/// What went wrong on the GPU side.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    /// No adapter for the requested backends.
    #[error(
        "no graphics adapter found for backend(s) {backends}. synthvis renders headless on any \
         Vulkan, GL (EGL), Metal or DX12 device; on a Linux machine without a GPU install Mesa's \
         CPU drivers: `apt-get install -y mesa-vulkan-drivers` (Vulkan lavapipe) or \
         `libegl-mesa0 libgl1-mesa-dri` (GL llvmpipe)"
    )]
    NoAdapter {
        /// The backends that were searched.
        backends: String,
    },
    /// The adapter refused to create a device.
    #[error("cannot open a device on {adapter}: {message}")]
    Device {
        /// Adapter name.
        adapter: String,
        /// wgpu's message.
        message: String,
    },
    /// The requested image is larger than the device supports.
    #[error(
        "resolution {width}x{height} exceeds this device's texture limit of {limit}px ({adapter})"
    )]
    TooLarge {
        /// Requested width.
        width: u32,
        /// Requested height.
        height: u32,
        /// The device's maximum 2D texture side.
        limit: u32,
        /// Adapter name.
        adapter: String,
    },
    /// wgpu reported a validation or out-of-memory error.
    #[error("GPU error: {0}")]
    Validation(String),
    /// Waiting for the GPU failed (device lost or timeout).
    #[error("GPU wait failed: {0}")]
    Poll(String),
    /// Mapping the readback buffer failed.
    #[error("GPU readback failed: {0}")]
    Readback(String),
}

/// Facts about the adapter in use, recorded in the manifest.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct AdapterSummary {
    /// Adapter name.
    pub name: String,
    /// Backend (`vulkan`, `gl`, ...).
    pub backend: String,
    /// Device type (`cpu`, `discrete_gpu`, ...).
    pub device_type: String,
    /// Driver name.
    pub driver: String,
    /// Driver version / details.
    pub driver_info: String,
}

impl From<&wgpu::AdapterInfo> for AdapterSummary {
    fn from(info: &wgpu::AdapterInfo) -> Self {
        Self {
            name: info.name.clone(),
            backend: info.backend.to_str().to_owned(),
            device_type: device_type_name(info.device_type).to_owned(),
            driver: info.driver.clone(),
            driver_info: info.driver_info.clone(),
        }
    }
}

impl fmt::Display for AdapterSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}, {}, driver {} {})",
            self.name, self.backend, self.device_type, self.driver, self.driver_info
        )
    }
}

fn device_type_name(t: wgpu::DeviceType) -> &'static str {
    match t {
        wgpu::DeviceType::DiscreteGpu => "discrete_gpu",
        wgpu::DeviceType::IntegratedGpu => "integrated_gpu",
        wgpu::DeviceType::VirtualGpu => "virtual_gpu",
        wgpu::DeviceType::Cpu => "cpu",
        wgpu::DeviceType::Other => "other",
    }
}

/// Lower is preferred: real GPUs before CPU rasterizers, then Vulkan/Metal/DX12 before GL.
fn preference(info: &wgpu::AdapterInfo) -> (u8, u8) {
    let kind = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Cpu => 3,
        wgpu::DeviceType::Other => 4,
    };
    let api = match info.backend {
        wgpu::Backend::Vulkan | wgpu::Backend::Metal | wgpu::Backend::Dx12 => 0,
        _ => 1,
    };
    (kind, api)
}

/// Held while an instance is created, enumerated or opens a device: wgpu's instance
/// creation races when several threads do it at once (gfx-rs/wgpu#5930), and the driver
/// stack reads the environment [`quiet_driver_stack`] writes.
static DRIVER_LOCK: Mutex<()> = Mutex::new(());

/// Runs `f` with the driver stack to itself, the first time after setting Mesa's quiet
/// defaults ([`super::driver_env::quiet_defaults`]), so that a program embedding synthvis
/// prints no `XDG_RUNTIME_DIR` error either. A user's own settings are kept.
fn with_driver_lock<R>(f: impl FnOnce() -> R) -> R {
    static QUIET: std::sync::Once = std::sync::Once::new();
    let _held = DRIVER_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    QUIET.call_once(quiet_driver_stack);
    f()
}

/// Sets the variables [`super::driver_env::quiet_defaults`] asks for that are unset.
fn quiet_driver_stack() {
    for (key, value) in super::driver_env::quiet_defaults(|k| std::env::var_os(k)) {
        // SAFETY: Rust code reads the environment under std's own lock, and every call
        // into the driver stack (which reads it from C) holds DRIVER_LOCK, held here.
        // Only a thread outside synthvis calling `getenv` from C at this very moment
        // could race; the binary sets these before it starts any thread.
        unsafe { std::env::set_var(key, value) };
    }
}

fn instance(backends: wgpu::Backends) -> wgpu::Instance {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    desc.backends = backends;
    desc.flags = wgpu::InstanceFlags::from_build_config().with_env();
    wgpu::Instance::new(desc)
}

/// The adapters of `backends`, most preferred first.
fn adapters(backends: wgpu::Backends) -> Vec<wgpu::Adapter> {
    let mut adapters =
        with_driver_lock(|| pollster::block_on(instance(backends).enumerate_adapters(backends)));
    adapters.sort_by_key(|a| preference(&a.get_info()));
    adapters
}

/// The adapters a render with `choice` chooses from, most preferred first: those of the
/// first API in [`BackendChoice::probe_order`] that has any.
fn candidate_adapters(choice: BackendChoice) -> Vec<wgpu::Adapter> {
    choice
        .probe_order()
        .into_iter()
        .map(adapters)
        .find(|found| !found.is_empty())
        .unwrap_or_default()
}

/// Every adapter for `choice` (GL included), most preferred first, each with whether a
/// render would use it (a render probes GL only when no native API has an adapter).
pub fn list_adapters(choice: BackendChoice) -> Vec<(AdapterSummary, bool)> {
    let chosen = candidate_adapters(choice)
        .first()
        .map(|a| AdapterSummary::from(&a.get_info()));
    adapters(choice.backends())
        .iter()
        .map(|a| {
            let summary = AdapterSummary::from(&a.get_info());
            let used = chosen.as_ref() == Some(&summary);
            (summary, used)
        })
        .collect()
}

/// An open device with its queue and the errors wgpu reported on it.
pub struct GpuContext {
    /// The adapter the device was opened on.
    pub adapter: wgpu::Adapter,
    /// The device.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
    /// Facts about the adapter.
    pub summary: AdapterSummary,
    errors: Arc<Mutex<Vec<String>>>,
}

impl GpuContext {
    /// Opens the most preferred adapter for `choice`.
    pub fn new(choice: BackendChoice) -> Result<Self, GpuError> {
        let adapter = candidate_adapters(choice)
            .into_iter()
            .next()
            .ok_or_else(|| GpuError::NoAdapter {
                backends: format!("{:?}", choice.backends()),
            })?;
        let summary = AdapterSummary::from(&adapter.get_info());
        let desc = wgpu::DeviceDescriptor {
            label: Some("synthvis"),
            // Used where present: forced early depth tests (the amodal pass).
            required_features: adapter.features() & wgpu::Features::SHADER_EARLY_DEPTH_TEST,
            required_limits: adapter.limits(),
            ..Default::default()
        };
        let (device, queue) =
            with_driver_lock(|| pollster::block_on(adapter.request_device(&desc))).map_err(
                |e| GpuError::Device {
                    adapter: summary.to_string(),
                    message: e.to_string(),
                },
            )?;
        let errors: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = Arc::clone(&errors);
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            if let Ok(mut v) = sink.lock() {
                v.push(e.to_string());
            }
        }));
        Ok(Self {
            adapter,
            device,
            queue,
            summary,
            errors,
        })
    }

    /// Fails with the first error wgpu reported since the last call, if any.
    pub fn check_errors(&self) -> Result<(), GpuError> {
        let mut v = self
            .errors
            .lock()
            .map_err(|_| GpuError::Validation("error log poisoned".into()))?;
        match v.drain(..).next() {
            Some(first) => Err(GpuError::Validation(first)),
            None => Ok(()),
        }
    }
}
