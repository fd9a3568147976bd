//! The crate's one error type: every failure a caller can meet, each with a plain message.

use thiserror::Error;

/// What went wrong, in words a user can act on.
#[derive(Debug, Error)]
pub enum Error {
    /// The metadata JSON is malformed, misses a field or holds an impossible value.
    #[error("model metadata: {0}")]
    Metadata(String),
    /// The ONNX bytes could not be loaded, or disagree with their metadata.
    #[error("model: {0}")]
    Model(String),
    /// A sample rate outside what the resampler supports.
    #[error("unsupported sample rate {rate} Hz (supported: {min} to {max} Hz)")]
    SampleRate { rate: u32, min: u32, max: u32 },
    /// Samples that are not finite numbers (NaN or infinity); nothing was consumed. `index`
    /// counts from the start of the stream.
    #[error("sample {index} is not a finite number ({value}); the audio is corrupt")]
    NonFiniteSample { index: u64, value: f32 },
    /// Samples far beyond full scale (see `audio::MAX_SAMPLE_MAGNITUDE`); nothing was consumed.
    #[error("sample {index} is {value:e}, far beyond full scale (±1); the audio is corrupt")]
    SampleOutOfRange { index: u64, value: f32 },
    /// Bytes in a format or codec this build does not read (or not audio at all).
    #[error("cannot decode audio: {0}")]
    Format(String),
    /// Audio in a known format that is corrupt.
    #[error("cannot decode audio: {0}")]
    Decode(String),
    /// The file ends in the middle of its audio (a download or copy cut short).
    #[error("the file is truncated")]
    Truncated,
    /// A recording that cannot be the speaker's reference voice, or a model that takes none.
    #[error(transparent)]
    Reference(#[from] crate::reference::ReferenceError),
    /// Reading a file failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Runs a third-party parser on untrusted bytes and turns its panic (a bug it has on some
/// malformed input; fuzzing found such inputs in symphonia and tract) into `to_error(message)`.
/// Where panics abort (the wasm build), the panic still ends the call with a JS exception.
pub(crate) fn guard_panics<T>(parse: impl FnOnce() -> Result<T>, to_error: impl FnOnce(String) -> Error) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(to_error(message))
    })
}
