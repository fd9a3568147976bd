//! Live capture wired from Rust: getUserMedia -> AudioContext -> AudioWorkletNode -> [`Recognizer`].
//! The one piece of JavaScript on this path is the worklet processor (`www/capture-worklet.js`):
//! it must run on the audio thread, and it only batches.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Float32Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};
use web_sys::{
    AudioContext, AudioContextState, AudioNode, AudioWorkletNode, AudioWorkletNodeOptions, ChannelCountMode,
    ChannelInterpretation, MediaDevices, MediaStream, MediaStreamConstraints, MediaStreamTrack, MediaTrackConstraints,
    MessageEvent,
};

use super::{JsModel, to_js};
use crate::{EmotionModel, Recognizer};

/// The name `capture-worklet.js` registers its processor under.
const PROCESSOR: &str = "capture-processor";
/// How long a suspended AudioContext gets to resume before the user is told.
const RESUME_TIMEOUT_MS: i32 = 2000;

/// The microphone feeding a recognizer: `start()` on a click, `stop()` releases the device.
#[wasm_bindgen]
pub struct Microphone {
    shared: Rc<Shared>,
}

struct Shared {
    model: EmotionModel,
    on_prediction: Function,
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
            shared: Rc::new(Shared {
                model: model.model.clone(),
                on_prediction,
                worklet_url,
                session: RefCell::new(None),
                generation: Cell::new(0),
            }),
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
        if self.shared.session.borrow().is_some() {
            return Ok(Promise::resolve(&JsValue::UNDEFINED));
        }
        let generation = self.shared.generation.get() + 1;
        self.shared.generation.set(generation);
        // Created before any await, while the click still counts as a gesture (autoplay policy).
        // Its rate is whatever the device runs at; the recognizer resamples.
        let session = Session {
            context: AudioContext::new()?,
            stream: None,
            source: None,
            node: None,
            on_message: None,
        };
        let shared = self.shared.clone();
        Ok(future_to_promise(async move {
            let session = shared.connect(session).await?;
            // A stop() during the awaits wins: the session is dropped, releasing the device.
            if shared.generation.get() == generation {
                shared.session.replace(Some(session));
            }
            Ok(JsValue::UNDEFINED)
        }))
    }

    /// Stops listening: the microphone track is stopped (the browser's indicator goes off) and
    /// the audio context closed.
    pub fn stop(&self) {
        self.shared.generation.set(self.shared.generation.get() + 1);
        self.shared.session.take();
    }

    /// Whether the microphone is capturing now.
    #[wasm_bindgen(getter)]
    pub fn running(&self) -> bool {
        self.shared.session.borrow().is_some()
    }

    /// The rate the audio context runs at, while running (Hz).
    #[wasm_bindgen(getter, js_name = sampleRate)]
    pub fn sample_rate(&self) -> Option<f32> {
        self.shared.session.borrow().as_ref().map(|s| s.context.sample_rate())
    }
}

impl Shared {
    async fn connect(&self, mut session: Session) -> Result<Session, JsValue> {
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

        let mut recognizer = Recognizer::new(self.model.clone(), context.sample_rate() as u32)
            .map_err(|e| named_error("RecognizerError", &e.to_string()))?;
        let on_prediction = self.on_prediction.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Ok(samples) = event.data().dyn_into::<Float32Array>() else {
                return;
            };
            let newest = recognizer.push(&samples.to_vec()).map(|mut p| p.pop());
            let delivered = match newest {
                Ok(Some(prediction)) => to_js(&prediction)
                    .map_err(JsValue::from)
                    .and_then(|value| on_prediction.call1(&JsValue::NULL, &value)),
                Ok(None) => Ok(JsValue::UNDEFINED),
                Err(e) => Err(e.to_string().into()),
            };
            if let Err(e) = delivered {
                web_sys::console::error_1(&e);
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

fn named_error(name: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    if !name.is_empty() {
        error.set_name(name);
    }
    error.into()
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
