//! Live capture wired from Rust: getUserMedia -> AudioContext -> AudioWorkletNode -> a
//! [`Recognizer`] ([`Microphone`]), an [`Attempt`] ([`AttemptRecorder`]) or a reference voice
//! ([`VoiceRecorder`]).
//! The one piece of JavaScript on this path is the worklet processor (`www/capture-worklet.js`):
//! it must run on the audio thread, and it only batches.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Array, Float32Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};
use web_sys::{
    AudioContext, AudioContextState, AudioNode, AudioWorkletNode, AudioWorkletNodeOptions, ChannelCountMode,
    ChannelInterpretation, MediaDevices, MediaStream, MediaStreamConstraints, MediaStreamTrack, MediaTrackConstraints,
    MessageEvent,
};

use serde::Serialize;

use super::{JsModel, JsReference, named, named_error, to_js};
use crate::{Attempt, EmotionModel, Error, Recognizer, ReferenceError, ReferenceRecorder};

/// The name `capture-worklet.js` registers its processor under.
const PROCESSOR: &str = "capture-processor";
/// How long a suspended AudioContext gets to resume before the user is told.
const RESUME_TIMEOUT_MS: i32 = 2000;

/// The microphone feeding a recognizer: `start()` on a click, `stop()` releases the device.
#[wasm_bindgen]
pub struct Microphone {
    capture: Rc<Capture>,
    model: EmotionModel,
    on_prediction: Function,
}

#[wasm_bindgen]
impl Microphone {
    /// A microphone that scores with `model` and calls `onPrediction` with each prediction
    /// (`{time, emotion}`, as `Recognizer.push` returns). `workletUrl` locates
    /// `capture-worklet.js`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        model: &JsModel,
        #[wasm_bindgen(js_name = onPrediction)] on_prediction: Function,
        #[wasm_bindgen(js_name = workletUrl)] worklet_url: String,
    ) -> Microphone {
        Microphone {
            capture: Capture::new(worklet_url),
            model: model.model.clone(),
            on_prediction,
        }
    }

    /// Asks for the microphone and starts listening. Call it from a click: browsers only let
    /// audio start on a user gesture. Rejects with an `Error` whose `name` is a stable cause and
    /// whose `message` is the browser's technical detail (not words for a person: the page
    /// chooses those from the name, see `www/messages.js`). The causes are getUserMedia's own
    /// (`NotAllowedError`, `SecurityError`, `NotFoundError`, `OverconstrainedError` (WebKit's
    /// answer when there is no microphone), `NotReadableError`, `AbortError`, ...) or ours:
    /// `NotSupportedError` (no `navigator.mediaDevices`: not a secure context), `SuspendedError`
    /// (the audio context did not run within 2 s), `WorkletError` (the worklet did not load) and
    /// `RecognizerError`.
    pub fn start(&self) -> Result<Promise, JsValue> {
        let (model, on_prediction) = (self.model.clone(), self.on_prediction.clone());
        self.capture.start(move |rate| {
            let mut recognizer =
                Recognizer::new(model, rate).map_err(|e| named_error("RecognizerError", &e.to_string()))?;
            Ok(Box::new(move |samples: &[f32]| {
                match recognizer.push(samples).map(|mut p| p.pop()) {
                    Ok(Some(prediction)) => deliver(&on_prediction, to_js(&prediction).map_err(JsValue::from)),
                    Ok(None) => {}
                    Err(e) => web_sys::console::error_1(&e.to_string().into()),
                }
            }))
        })
    }

    /// Stops listening: the microphone track is stopped (the browser's indicator goes off) and
    /// the audio context closed.
    pub fn stop(&self) {
        self.capture.stop();
    }

    /// Whether the microphone is capturing now.
    #[wasm_bindgen(getter)]
    pub fn running(&self) -> bool {
        self.capture.running()
    }

    /// The rate the audio context runs at, while running (Hz).
    #[wasm_bindgen(getter, js_name = sampleRate)]
    pub fn sample_rate(&self) -> Option<f32> {
        self.capture.sample_rate()
    }
}

/// The microphone recording one spoken attempt at a time (the page's practice view): each
/// `start()` begins an attempt, which ends by itself once the speaker has spoken and paused
/// (or after 20 s), or when `finish()` is called; the microphone is then released and the
/// attempt analysed as a file of the same audio would be.
#[wasm_bindgen]
pub struct AttemptRecorder {
    capture: Rc<Capture>,
    model: EmotionModel,
    on_progress: Function,
    on_ended: Function,
    attempt: Rc<RefCell<Option<Attempt>>>,
}

#[wasm_bindgen]
impl AttemptRecorder {
    /// A recorder that analyses with `model`. `onProgress` gets `{seconds, heardSpeech}` as the
    /// attempt goes on (with each batch of audio the worklet sends); `onEnded` gets the attempt's analysis (`{duration,
    /// speech_seconds, overall, timeline}`, `overall` null when nobody spoke), or an `Error` if it
    /// could not be analysed. `workletUrl` locates `capture-worklet.js`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        model: &JsModel,
        #[wasm_bindgen(js_name = onProgress)] on_progress: Function,
        #[wasm_bindgen(js_name = onEnded)] on_ended: Function,
        #[wasm_bindgen(js_name = workletUrl)] worklet_url: String,
    ) -> AttemptRecorder {
        AttemptRecorder {
            capture: Capture::new(worklet_url),
            model: model.model.clone(),
            on_progress,
            on_ended,
            attempt: Rc::new(RefCell::new(None)),
        }
    }

    /// Asks for the microphone and starts an attempt (a no-op while one is going on). Call it
    /// from a click; it rejects as `Microphone.start` does.
    pub fn start(&self) -> Result<Promise, JsValue> {
        let (model, on_progress) = (self.model.clone(), self.on_progress.clone());
        let slot = self.attempt.clone();
        let ending = self.ending();
        self.capture.start(move |rate| {
            let attempt = Attempt::new(model, rate).map_err(|e| named_error("RecognizerError", &e.to_string()))?;
            slot.replace(Some(attempt));
            Ok(Box::new(move |samples: &[f32]| {
                let mut current = slot.borrow_mut();
                let Some(attempt) = current.as_mut() else { return };
                let ended = match attempt.push(samples) {
                    Ok(ended) => ended,
                    Err(e) => {
                        web_sys::console::error_1(&e.to_string().into());
                        return;
                    }
                };
                let progress = Progress {
                    seconds: attempt.seconds(),
                    heard_speech: attempt.heard_speech(),
                };
                drop(current);
                deliver(&on_progress, to_js(&progress).map_err(JsValue::from));
                if ended {
                    // After this batch: ending drops the capture that is running this sink.
                    let ending = ending.clone();
                    wasm_bindgen_futures::spawn_local(async move { ending.conclude() });
                }
            }))
        })
    }

    /// Ends the attempt now and analyses what it holds (a no-op when none is going on).
    pub fn finish(&self) {
        self.ending().conclude();
    }

    /// Abandons the attempt: the microphone is released and nothing is reported.
    pub fn stop(&self) {
        self.capture.stop();
        self.attempt.take();
    }

    /// Whether an attempt is being recorded now.
    #[wasm_bindgen(getter)]
    pub fn running(&self) -> bool {
        self.capture.running()
    }

    /// Weak: the capture holds the sink that ends the attempt, which must not keep it alive.
    fn ending(&self) -> Ending {
        Ending {
            capture: Rc::downgrade(&self.capture),
            attempt: Rc::downgrade(&self.attempt),
            on_ended: self.on_ended.clone(),
        }
    }
}

/// What `onProgress` gets.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Progress {
    seconds: f64,
    heard_speech: bool,
}

/// The microphone recording the speaker's everyday voice, to make their reference (the page's
/// "Teach it your everyday voice"): `start()` opens it, `onProgress` gets `{seconds, speechSeconds,
/// enough, full}` with each batch of audio, `finish()` releases it and returns the `Reference` (or throws an `Error`
/// named `UnusableReference` saying why the recording cannot be one), `stop()` abandons it.
#[wasm_bindgen]
pub struct VoiceRecorder {
    capture: Rc<Capture>,
    model: EmotionModel,
    on_progress: Function,
    recorder: Rc<RefCell<Option<ReferenceRecorder>>>,
}

#[wasm_bindgen]
impl VoiceRecorder {
    /// A recorder for `model` (one that takes a reference). `workletUrl` locates `capture-worklet.js`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        model: &JsModel,
        #[wasm_bindgen(js_name = onProgress)] on_progress: Function,
        #[wasm_bindgen(js_name = workletUrl)] worklet_url: String,
    ) -> VoiceRecorder {
        VoiceRecorder {
            capture: Capture::new(worklet_url),
            model: model.model.clone(),
            on_progress,
            recorder: Rc::new(RefCell::new(None)),
        }
    }

    /// Asks for the microphone and starts recording (a no-op while recording). Call it from a
    /// click; it rejects as `Microphone.start` does, and at once with `UnusableReference` for a
    /// model that takes no reference.
    pub fn start(&self) -> Result<Promise, JsValue> {
        let (model, on_progress, slot) = (self.model.clone(), self.on_progress.clone(), self.recorder.clone());
        let mut recorder = ReferenceRecorder::new(&model).map_err(named)?;
        self.capture.start(move |rate| {
            recorder.start(rate).map_err(named)?;
            slot.replace(Some(recorder));
            Ok(Box::new(move |samples: &[f32]| {
                let mut current = slot.borrow_mut();
                let Some(recorder) = current.as_mut() else { return };
                // Beyond the longest reference the audio is left out; finish() still makes one.
                let full = match recorder.push(samples) {
                    Err(Error::Reference(ReferenceError::TooLong { .. })) => true,
                    Err(e) => {
                        web_sys::console::warn_1(&e.to_string().into());
                        false
                    }
                    Ok(()) => false,
                };
                let progress = VoiceProgress {
                    seconds: recorder.seconds(),
                    speech_seconds: recorder.speech_seconds(),
                    enough: recorder.enough(),
                    full,
                };
                drop(current);
                deliver(&on_progress, to_js(&progress).map_err(JsValue::from));
            }))
        })
    }

    /// Stops recording, releases the microphone and makes the reference of what was recorded.
    pub fn finish(&self) -> Result<JsReference, JsValue> {
        self.capture.stop();
        let recorder = self
            .recorder
            .take()
            .ok_or_else(|| named_error("", "nothing was recorded"))?;
        recorder.finish().map(|inner| JsReference { inner }).map_err(named)
    }

    /// Abandons the recording: the microphone is released and nothing is kept.
    pub fn stop(&self) {
        self.capture.stop();
        self.recorder.take();
    }

    /// Whether the microphone is recording now.
    #[wasm_bindgen(getter)]
    pub fn running(&self) -> bool {
        self.capture.running()
    }
}

/// What a `VoiceRecorder`'s `onProgress` gets.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VoiceProgress {
    seconds: f64,
    speech_seconds: f64,
    /// Long enough, with enough speech, for `finish()` to try.
    enough: bool,
    /// As long as a reference may be: nothing more is taken, so finish now.
    full: bool,
}

/// How an attempt ends, by itself or by `finish()`: the device released, then the analysis reported.
#[derive(Clone)]
struct Ending {
    capture: Weak<Capture>,
    attempt: Weak<RefCell<Option<Attempt>>>,
    on_ended: Function,
}

impl Ending {
    fn conclude(&self) {
        if let Some(capture) = self.capture.upgrade() {
            capture.stop();
        }
        let Some(attempt) = self.attempt.upgrade().and_then(|slot| slot.take()) else {
            return;
        };
        let result = attempt
            .finish()
            .map_err(|e| js_sys::Error::new(&e.to_string()).into())
            .and_then(|analysis| to_js(&analysis).map_err(JsValue::from));
        deliver(&self.on_ended, Ok(result.unwrap_or_else(|error| error)));
    }
}

/// Calls `callback` with `value`; a failure is logged (nobody else could hear it).
fn deliver(callback: &Function, value: Result<JsValue, JsValue>) {
    if let Err(e) = value.and_then(|value| callback.call1(&JsValue::NULL, &value)) {
        web_sys::console::error_1(&e);
    }
}

/// What a capture does with each batch of samples: made once the device's rate is known.
type Sink = Box<dyn FnMut(&[f32])>;

/// The device side every microphone class shares: getUserMedia -> AudioContext -> worklet -> a sink.
struct Capture {
    worklet_url: String,
    session: RefCell<Option<Session>>,
    /// Bumped by every start and stop, so a start that a stop overtook gives up its devices.
    generation: Cell<u32>,
}

/// Everything one capture holds; dropping it releases all of it.
struct Session {
    context: AudioContext,
    stream: Option<MediaStream>,
    source: Option<AudioNode>,
    node: Option<AudioWorkletNode>,
    on_message: Option<Closure<dyn FnMut(MessageEvent)>>,
}

impl Capture {
    fn new(worklet_url: String) -> Rc<Capture> {
        Rc::new(Capture {
            worklet_url,
            session: RefCell::new(None),
            generation: Cell::new(0),
        })
    }

    /// Opens the microphone and feeds each batch to the sink `make_sink(rate)` makes for the
    /// device's rate; resolves once audio flows (at once if it already does).
    fn start(
        self: &Rc<Self>,
        make_sink: impl FnOnce(u32) -> Result<Sink, JsValue> + 'static,
    ) -> Result<Promise, JsValue> {
        if self.session.borrow().is_some() {
            return Ok(Promise::resolve(&JsValue::UNDEFINED));
        }
        let generation = self.generation.get() + 1;
        self.generation.set(generation);
        // Created before any await, while the click still counts as a gesture (autoplay policy).
        // Its rate is whatever the device runs at; the sink resamples.
        let session = Session {
            context: AudioContext::new()?,
            stream: None,
            source: None,
            node: None,
            on_message: None,
        };
        let capture = self.clone();
        Ok(future_to_promise(async move {
            let session = capture.connect(session, make_sink).await?;
            // A stop() during the awaits wins: the session is dropped, releasing the device.
            if capture.generation.get() == generation {
                capture.session.replace(Some(session));
            }
            Ok(JsValue::UNDEFINED)
        }))
    }

    fn stop(&self) {
        self.generation.set(self.generation.get() + 1);
        self.session.take();
    }

    fn running(&self) -> bool {
        self.session.borrow().is_some()
    }

    fn sample_rate(&self) -> Option<f32> {
        self.session.borrow().as_ref().map(|s| s.context.sample_rate())
    }

    async fn connect(
        &self,
        mut session: Session,
        make_sink: impl FnOnce(u32) -> Result<Sink, JsValue>,
    ) -> Result<Session, JsValue> {
        let context = session.context.clone();
        let stream = open_microphone().await?;
        session.stream = Some(stream.clone());
        JsFuture::from(context.audio_worklet()?.add_module(&self.worklet_url)?)
            .await
            .map_err(|e| named_error("WorkletError", &format!("{}: {}", self.worklet_url, describe(&e))))?;

        let source = context.create_media_stream_source(&stream)?;
        let options = AudioWorkletNodeOptions::new();
        options.set_number_of_inputs(1);
        // The browser downmixes the device's channels to the one input channel ("speakers":
        // the average for stereo), so the worklet only batches.
        options.set_channel_count(1);
        options.set_channel_count_mode(ChannelCountMode::Explicit);
        options.set_channel_interpretation(ChannelInterpretation::Speakers);
        // One silent output, connected, so that every browser keeps pulling audio through the node.
        options.set_number_of_outputs(1);
        let node = AudioWorkletNode::new_with_options(&context, PROCESSOR, &options)?;
        source.connect_with_audio_node(&node)?;
        node.connect_with_audio_node(&context.destination())?;
        session.source = Some(source.into());
        session.node = Some(node.clone());

        let mut sink = make_sink(context.sample_rate() as u32)?;
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Ok(samples) = event.data().dyn_into::<Float32Array>() {
                sink(&samples.to_vec());
            }
        });
        node.port()?.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        session.on_message = Some(on_message);

        if context.state() != AudioContextState::Running {
            let resume = context.resume()?;
            let resumed = Array::of2(&resume, &sleep(RESUME_TIMEOUT_MS));
            // Either outcome is checked below; a rejected resume() leaves the state suspended.
            let _ = JsFuture::from(Promise::race(&resumed)).await;
            if context.state() != AudioContextState::Running {
                return Err(named_error(
                    "SuspendedError",
                    &format!("the AudioContext did not run within {RESUME_TIMEOUT_MS} ms"),
                ));
            }
        }
        Ok(session)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(node) = &self.node {
            if let Ok(port) = node.port() {
                port.set_onmessage(None);
            }
            let _ = node.disconnect();
        }
        if let Some(source) = &self.source {
            let _ = source.disconnect();
        }
        if let Some(stream) = &self.stream {
            for track in stream.get_tracks() {
                track.unchecked_into::<MediaStreamTrack>().stop();
            }
        }
        let _ = self.context.close();
    }
}

/// getUserMedia for raw audio: no echo cancellation, noise suppression or gain control, so the
/// microphone gives the same signal a recorded file would.
async fn open_microphone() -> Result<MediaStream, JsValue> {
    let devices = web_sys::window()
        .and_then(|w| w.navigator().media_devices().ok())
        .filter(|d: &MediaDevices| !d.is_undefined())
        .ok_or_else(|| {
            named_error(
                "NotSupportedError",
                "navigator.mediaDevices is undefined (not a secure context)",
            )
        })?;
    let audio = MediaTrackConstraints::new();
    audio.set_echo_cancellation_bool(false);
    audio.set_noise_suppression_bool(false);
    audio.set_auto_gain_control_bool(false);
    let constraints = MediaStreamConstraints::new();
    constraints.set_audio(&audio);
    let stream = JsFuture::from(devices.get_user_media_with_constraints(&constraints)?)
        .await
        .map_err(microphone_error)?;
    Ok(stream.unchecked_into())
}

/// getUserMedia's failure as the browser named it (DOMException or, in WebKit, an
/// OverconstrainedError that is no DOMException) with its technical detail.
fn microphone_error(error: JsValue) -> JsValue {
    named_error(&property(&error, "name").unwrap_or_default(), &describe(&error))
}

fn describe(error: &JsValue) -> String {
    property(error, "message")
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

/// A string property of an error of any kind (read with `Reflect`, so not only `Error`s).
fn property(error: &JsValue, key: &str) -> Option<String> {
    if !error.is_object() {
        return None;
    }
    js_sys::Reflect::get(error, &JsValue::from_str(key)).ok()?.as_string()
}

/// A promise that resolves after `ms` milliseconds.
fn sleep(ms: i32) -> Promise {
    Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    })
}
