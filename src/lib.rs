//! Speech emotion recognition that runs on the device.
//!
//! Audio at any rate goes through [`audio`] (downmix, resampling) and [`frontend`] (log-mel frames),
//! together [`mel_stream`],
//! [`gate`] (is anyone speaking?) and [`model`] (tract-onnx; compared with the speaker's own
//! everyday voice when given a [`Reference`]), wired together by
//! [`Recognizer`] for live streams, [`Attempt`] for a recording that ends by itself, [`analyze`] for whole clips and [`FileAnalysis`] for files
//! ([`decode`]); [`report`] writes results in the one schema every edge exports. Every parameter comes from the
//! model's metadata ([`ModelMetadata`]). The same core runs natively (the `voice-emotion` CLI) and in
//! the browser (the `wasm` module).

pub mod analysis;
pub mod attempt;
pub mod audio;
#[cfg(feature = "decode")]
pub mod decode;
pub mod emotion;
pub mod error;
#[cfg(feature = "decode")]
pub mod file;
pub mod frontend;
pub mod gate;
pub mod mel_stream;
pub mod metadata;
pub mod model;
pub mod normalize;
pub mod recognizer;
pub mod reference;
pub mod report;
pub mod stream;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
pub mod window;

pub use analysis::{Analysis, Analyzer, Segment, analyze};
pub use attempt::Attempt;
pub use emotion::Emotion;
pub use error::{Error, Result};
#[cfg(feature = "decode")]
pub use file::{FileAnalysis, analyze_file};
pub use frontend::{MelFrame, MelFrontEnd};
pub use metadata::ModelMetadata;
pub use model::EmotionModel;
pub use recognizer::{Prediction, Recognizer};
pub use reference::{Reference, ReferenceError, ReferenceRecorder};
pub use report::{CsvWriter, Report};
