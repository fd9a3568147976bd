//! `voice_emotion._core`: the Rust core as a Python extension (PyO3, abi3). Results cross as the
//! core's own JSON (`Report::json`, the serde form of `Analysis` and `Prediction`) loaded by
//! Python's `json`, so Python sees exactly the CLI's schema; every analysis releases the GIL.

use std::ffi::CString;
use std::path::{Path, PathBuf};

use numpy::{PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::exceptions::{PyOSError, PyUserWarning, PyValueError};
use pyo3::prelude::*;
use voice_emotion::{EmotionModel, Error, FileAnalysis, Report};

/// The core's error as a Python exception: I/O failures are `OSError`, the rest `ValueError`.
fn to_py(e: Error) -> PyErr {
    match e {
        Error::Io(io) => PyOSError::new_err(io.to_string()),
        other => PyValueError::new_err(other.to_string()),
    }
}

/// The same for a failure on `path`: an I/O error carries its errno and the file name, so Python
/// raises the matching subclass (`FileNotFoundError`, `PermissionError`, ...).
fn to_py_at(e: Error, path: &Path) -> PyErr {
    match e {
        Error::Io(io) => match io.raw_os_error() {
            Some(errno) => {
                let text = io.to_string();
                let text = text.strip_suffix(&format!(" (os error {errno})")).unwrap_or(&text);
                PyOSError::new_err((errno, text.to_string(), path.display().to_string()))
            }
            None => PyOSError::new_err(format!("{}: {io}", path.display())),
        },
        other => to_py(other),
    }
}

/// Parses JSON written by the core into Python objects.
fn loads<'py>(py: Python<'py>, json: String) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (json,))
}

/// The emotion classifier: the shipped model (`Model()`) or one from files (`Model.from_files`).
#[pyclass(frozen, module = "voice_emotion")]
struct Model {
    inner: EmotionModel,
}

#[pymethods]
impl Model {
    /// The model shipped inside the package.
    #[new]
    fn new(py: Python<'_>) -> PyResult<Self> {
        let inner = py.detach(EmotionModel::shipped).map_err(to_py)?;
        Ok(Self { inner })
    }

    /// A model from its metadata JSON and the trunk and head ONNX files it names (beside it).
    #[staticmethod]
    fn from_files(py: Python<'_>, metadata: PathBuf) -> PyResult<Self> {
        let inner = py.detach(|| EmotionModel::from_path(&metadata)).map_err(to_py)?;
        Ok(Self { inner })
    }

    /// Class names, in the order of the probabilities.
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.inner.labels().to_vec()
    }

    /// Confidence below which an answer reads as "not sure" (the metadata's decision).
    #[getter]
    fn unsure_below(&self) -> f64 {
        // As the JSON shows it (0.4, not the f32's 0.4000000059604645).
        let value = self.inner.metadata().decision.unsure_below;
        value.to_string().parse().expect("a float's text parses")
    }

    /// One file's result as the CLI's `--format jsonl` line, parsed (a dict).
    #[pyo3(signature = (path, timeline = false))]
    fn classify<'py>(&self, py: Python<'py>, path: PathBuf, timeline: bool) -> PyResult<Bound<'py, PyAny>> {
        let line = self.classify_json(py, path, timeline)?;
        loads(py, line)
    }

    /// One file's result as the CLI's `--format jsonl` line, the same text. A truncated file is
    /// scored as far as it goes, with a `UserWarning`, as the CLI does.
    #[pyo3(signature = (path, timeline = false))]
    fn classify_json(&self, py: Python<'_>, path: PathBuf, timeline: bool) -> PyResult<String> {
        let model = &self.inner;
        let (json, truncation) = py
            .detach(|| -> Result<_, Error> {
                let mut file = FileAnalysis::open(model, &path)?;
                while file.advance(f64::INFINITY)? {}
                let truncation = file.truncation();
                let analysis = file.finish()?;
                let name = path.display().to_string();
                let report = Report {
                    file: &name,
                    analysis: &analysis,
                    labels: model.labels(),
                };
                Ok((report.json(timeline), truncation))
            })
            .map_err(|e| to_py_at(e, &path))?;
        if let Some(message) = truncation {
            let message = CString::new(format!("{}: {message}", path.display()))?;
            PyErr::warn(py, py.get_type::<PyUserWarning>().as_any(), &message, 1)?;
        }
        Ok(json)
    }

    /// Analyses mono samples (a 1-D float32 or float64 NumPy array) at `rate` Hz:
    /// `{duration, speech_seconds, overall, timeline}`.
    fn analyze<'py>(&self, py: Python<'py>, samples: &Bound<'py, PyAny>, rate: u32) -> PyResult<Bound<'py, PyAny>> {
        let model = &self.inner;
        let analysis = with_samples(samples, |s| {
            py.detach(|| voice_emotion::analyze(model, s, rate)).map_err(to_py)
        })?;
        loads(py, serde_json::to_string(&analysis).expect("plain data serializes"))
    }

    fn __repr__(&self) -> String {
        format!("Model(labels={:?})", self.inner.labels())
    }
}

/// Runs `f` on the samples of a 1-D float32 array (borrowed when contiguous) or float64 array
/// (converted); anything else is a `ValueError`.
fn with_samples<T>(samples: &Bound<'_, PyAny>, f: impl FnOnce(&[f32]) -> PyResult<T>) -> PyResult<T> {
    if let Ok(array) = samples.extract::<PyReadonlyArray1<f32>>() {
        return match array.as_slice() {
            Ok(slice) => f(slice),
            Err(_) => f(&array.as_array().to_vec()),
        };
    }
    if let Ok(array) = samples.extract::<PyReadonlyArray1<f64>>() {
        return f(&array.as_array().iter().map(|&x| x as f32).collect::<Vec<_>>());
    }
    let what = match samples.cast::<numpy::PyUntypedArray>() {
        Ok(array) => format!("a {}-D array of {}", array.ndim(), array.dtype()),
        Err(_) => samples.get_type().name()?.to_string(),
    };
    Err(PyValueError::new_err(format!(
        "samples must be a 1-D float32 or float64 NumPy array (mono), not {what}"
    )))
}

/// Live recognition: push chunks of mono samples, get a smoothed prediction every hop (0.5 s).
#[pyclass(module = "voice_emotion")]
struct Recognizer {
    inner: voice_emotion::Recognizer,
}

#[pymethods]
impl Recognizer {
    /// A recognizer for mono audio at `rate` Hz.
    #[new]
    fn new(model: &Model, rate: u32) -> PyResult<Self> {
        let inner = voice_emotion::Recognizer::new(model.inner.clone(), rate).map_err(to_py)?;
        Ok(Self { inner })
    }

    /// Consumes samples (a 1-D float32 or float64 array); returns the predictions of the hops they
    /// complete, each `{time, emotion}` (`emotion` is `None` when nobody speaks).
    fn push<'py>(&mut self, py: Python<'py>, samples: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let inner = &mut self.inner;
        let predictions = with_samples(samples, |s| py.detach(|| inner.push(s)).map_err(to_py))?;
        loads(py, serde_json::to_string(&predictions).expect("plain data serializes"))
    }

    /// Starts a new stream (same model and rate).
    fn reset(&mut self) {
        self.inner.reset();
    }

    /// Class names, in the order of the probabilities.
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.inner.labels().to_vec()
    }
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Model>()?;
    m.add_class::<Recognizer>()?;
    Ok(())
}
