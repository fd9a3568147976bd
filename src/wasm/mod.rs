//! The JavaScript API: a thin wasm-bindgen layer over [`Recognizer`] and [`Analyzer`], and the
//! [`Microphone`] that feeds a recognizer live.
//! Results cross as plain objects (serde-wasm-bindgen); errors become JS `Error`s.

mod microphone;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::{Analyzer, EmotionModel, Error, Recognizer, recognizer::UNSURE_BELOW};
pub use microphone::Microphone;

fn js_error(e: Error) -> JsError {
    JsError::new(&e.to_string())
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// Emotion recognition for one audio stream, with the shipped model or another one.
#[wasm_bindgen(js_name = Recognizer)]
pub struct JsRecognizer {
    model: EmotionModel,
    live: Option<(u32, Recognizer)>,
}

#[wasm_bindgen(js_class = Recognizer)]
impl JsRecognizer {
    /// A recognizer with the model built into the page.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<JsRecognizer, JsError> {
        Ok(Self {
            model: EmotionModel::shipped().map_err(js_error)?,
            live: None,
        })
    }

    /// A recognizer with another model: its ONNX bytes and its metadata JSON text.
    #[wasm_bindgen(js_name = withModel)]
    pub fn with_model(onnx: &[u8], metadata_json: &str) -> Result<JsRecognizer, JsError> {
        Ok(Self {
            model: EmotionModel::from_bytes(onnx, metadata_json.as_bytes()).map_err(js_error)?,
            live: None,
        })
    }

    /// The model's labels, in the order of every `probabilities` array.
    #[wasm_bindgen(getter)]
    pub fn labels(&self) -> Vec<String> {
        self.model.labels().to_vec()
    }

    /// Below this confidence a result should read "not sure".
    #[wasm_bindgen(getter, js_name = unsureBelow)]
    pub fn unsure_below(&self) -> f32 {
        UNSURE_BELOW
    }

    /// Feeds live mono samples at `sampleRate` Hz. Returns the newest prediction
    /// (`{time, emotion}`, `emotion` null when nobody speaks) or `undefined` if no hop completed.
    /// A new sample rate starts a new stream.
    pub fn push(
        &mut self,
        samples: &[f32],
        #[wasm_bindgen(js_name = sampleRate)] sample_rate: u32,
    ) -> Result<JsValue, JsError> {
        if self.live.as_ref().is_none_or(|(rate, _)| *rate != sample_rate) {
            self.live = Some((
                sample_rate,
                Recognizer::new(self.model.clone(), sample_rate).map_err(js_error)?,
            ));
        }
        let (_, recognizer) = self.live.as_mut().expect("set above");
        match recognizer.push(samples).map_err(js_error)?.pop() {
            Some(prediction) => to_js(&prediction),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// Forgets the live stream (for example when the microphone stops).
    pub fn reset(&mut self) {
        self.live = None;
    }

    /// Analyses a whole mono clip: `{duration, speech_seconds, overall, timeline}`.
    pub fn analyze(
        &self,
        samples: &[f32],
        #[wasm_bindgen(js_name = sampleRate)] sample_rate: u32,
    ) -> Result<JsValue, JsError> {
        to_js(&crate::analyze(&self.model, samples, sample_rate).map_err(js_error)?)
    }

    /// Starts a piecewise analysis, for long files: push chunks, yield to the page, then finish.
    pub fn analyzer(&self, #[wasm_bindgen(js_name = sampleRate)] sample_rate: u32) -> Result<JsAnalyzer, JsError> {
        Ok(JsAnalyzer {
            inner: Some(Analyzer::new(self.model.clone(), sample_rate).map_err(js_error)?),
        })
    }
}

/// A clip analysed in pieces; see `Recognizer.analyzer`.
#[wasm_bindgen(js_name = Analyzer)]
pub struct JsAnalyzer {
    inner: Option<Analyzer>,
}

#[wasm_bindgen(js_class = Analyzer)]
impl JsAnalyzer {
    fn inner(&mut self) -> Result<&mut Analyzer, JsError> {
        self.inner
            .as_mut()
            .ok_or_else(|| JsError::new("this analysis is already finished"))
    }

    /// Consumes the next mono samples of the clip.
    pub fn push(&mut self, samples: &[f32]) -> Result<(), JsError> {
        self.inner()?.push(samples).map_err(js_error)
    }

    /// Seconds of audio analysed so far.
    #[wasm_bindgen(getter)]
    pub fn seconds(&mut self) -> Result<f64, JsError> {
        Ok(self.inner()?.seconds())
    }

    /// Ends the clip and returns `{duration, speech_seconds, overall, timeline}`.
    pub fn finish(&mut self) -> Result<JsValue, JsError> {
        let analyzer = self
            .inner
            .take()
            .ok_or_else(|| JsError::new("this analysis is already finished"))?;
        to_js(&analyzer.finish().map_err(js_error)?)
    }
}
