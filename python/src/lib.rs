//! `voice_emotion._core`: the Rust core as a Python extension (PyO3, abi3). Results cross as the
//! core's own JSON (`Report::json`, the serde form of `Analysis` and `Prediction`) loaded by
//! Python's `json`, so Python sees exactly the CLI's schema; every analysis releases the GIL.

use std::ffi::CString;
use std::path::{Path, PathBuf};

use numpy::{PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::exceptions::{PyOSError, PyUserWarning, PyValueError};
use pyo3::prelude::*;
use voice_emotion::{EmotionModel, Error, FileAnalysis, ReferenceRecorder, Report};

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
/// A `UserWarning` with this message, as the CLI writes its notes to stderr.
fn warn(py: Python<'_>, message: &str) -> PyResult<()> {
    PyErr::warn(py, py.get_type::<PyUserWarning>().as_any(), &CString::new(message)?, 1)
}

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

    /// The speaker's everyday voice as a reference (a model that takes one judges a voice against
    /// it, `reference=`): from an audio file's path, a list of paths (several recordings of the
    /// same voice), or mono samples (a 1-D NumPy array) at `rate` Hz; 5 to 60 s in all, most of it
    /// speech, through the same microphone and room as what it will judge. A recording that
    /// cannot be one raises `ValueError` saying why (silent, too short, clipped, ...).
    #[pyo3(signature = (source, rate = None))]
    fn reference(&self, py: Python<'_>, source: &Bound<'_, PyAny>, rate: Option<u32>) -> PyResult<Reference> {
        let mut recorder = ReferenceRecorder::new(&self.inner).map_err(to_py)?;
        if let Some(rate) = rate {
            with_samples(source, |s| py.detach(|| recorder.add(s, rate)).map_err(to_py))?;
        } else {
            let paths: Vec<PathBuf> = match source.extract::<PathBuf>() {
                Ok(path) => vec![path],
                Err(_) => source.extract().map_err(|_| {
                    PyValueError::new_err("a reference is a path, a list of paths, or samples with their rate")
                })?,
            };
            for path in paths {
                py.detach(|| recorder.add_file(&path)).map_err(|e| to_py_at(e, &path))?;
            }
        }
        let inner = recorder.finish().map_err(to_py)?;
        Ok(Reference { inner })
    }

    /// One file's result as the CLI's `--format jsonl` line, parsed (a dict); with `reference`,
    /// judged against that voice (the CLI's `--reference`).
    #[pyo3(signature = (path, timeline = false, reference = None))]
    fn classify<'py>(
        &self,
        py: Python<'py>,
        path: PathBuf,
        timeline: bool,
        reference: Option<&Reference>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let line = self.classify_json(py, path, timeline, reference)?;
        loads(py, line)
    }

    /// One file's result as the CLI's `--format jsonl` line, the same text. A truncated file is
    /// scored as far as it goes, with a `UserWarning`, as the CLI does.
    #[pyo3(signature = (path, timeline = false, reference = None))]
    fn classify_json(
        &self,
        py: Python<'_>,
        path: PathBuf,
        timeline: bool,
        reference: Option<&Reference>,
    ) -> PyResult<String> {
        let model = &self.judging(reference)?;
        let (json, notes) = py
            .detach(|| -> Result<_, Error> {
                let mut file = FileAnalysis::open(model, &path)?;
                while file.advance(f64::INFINITY)? {}
                let notes = file.notes();
                let analysis = file.finish()?;
                let name = path.display().to_string();
                let report = Report {
                    file: &name,
                    analysis: &analysis,
                    labels: model.labels(),
                };
                Ok((report.json(timeline), notes))
            })
            .map_err(|e| to_py_at(e, &path))?;
        for note in notes {
            warn(py, &format!("{}: {note}", path.display()))?;
        }
        Ok(json)
    }

    /// Analyses mono samples (a 1-D float32 or float64 NumPy array) at `rate` Hz:
    /// `{duration, speech_seconds, overall, timeline}`; with `reference`, against that voice (or,
    /// heard through another microphone or room, without it: `reference_mismatch` and a
    /// `UserWarning` say why).
    #[pyo3(signature = (samples, rate, reference = None))]
    fn analyze<'py>(
        &self,
        py: Python<'py>,
        samples: &Bound<'py, PyAny>,
        rate: u32,
        reference: Option<&Reference>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let model = &self.judging(reference)?;
        let analysis = with_samples(samples, |s| {
            py.detach(|| voice_emotion::analyze(model, s, rate)).map_err(to_py)
        })?;
        if let Some(note) = &analysis.reference_mismatch {
            warn(py, note)?;
        }
        loads(py, serde_json::to_string(&analysis).expect("plain data serializes"))
    }

    fn __repr__(&self) -> String {
        format!("Model(labels={:?})", self.inner.labels())
    }
}

impl Model {
    /// The model judging against `reference`, or as it is.
    fn judging(&self, reference: Option<&Reference>) -> PyResult<EmotionModel> {
        self.inner.with_reference(reference.map(|r| &r.inner)).map_err(to_py)
    }
}

/// A speaker's everyday voice (`Model.reference`): a few numbers, the spectral shape of their speech.
#[pyclass(frozen, module = "voice_emotion")]
struct Reference {
    inner: voice_emotion::Reference,
}

#[pymethods]
impl Reference {
    /// Per mel band, dB relative to the bands' power mean.
    #[getter]
    fn shape(&self) -> Vec<f32> {
        self.inner.shape().to_vec()
    }

    fn __repr__(&self) -> String {
        format!("Reference({} bands)", self.inner.shape().len())
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
    /// A recognizer for mono audio at `rate` Hz; with `reference`, judging against that voice.
    #[new]
    #[pyo3(signature = (model, rate, reference = None))]
    fn new(model: &Model, rate: u32, reference: Option<&Reference>) -> PyResult<Self> {
        let inner = voice_emotion::Recognizer::new(model.judging(reference)?, rate).map_err(to_py)?;
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
    m.add_class::<Reference>()?;
    Ok(())
}
