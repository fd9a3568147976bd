// <voice-emotion-meter>: the page's live view in one tag, for other pages (an assistive app, say).
// A Start/Stop button, the verdict in words (held steady as on the page, hold.js), the eight bars,
// and a polite live region that speaks the verdict at most every few seconds. Runs on the device.
//
//   <voice-emotion-meter model="other.json"></voice-emotion-meter>
//   model            another model: its metadata JSON, which names its trunk and head ONNX files
//                    beside it; read when the element is connected (default: the built-in one)
//   events           "prediction": detail {time, emotion}, every half second while listening
//                    "verdict": detail the reading the headline shows (emotions.js), when it changes
//                    "error": detail the Error (the element shows its message too)
//   start(), stop(), listening, state

import { createAnnouncer } from "./announcer.js";
import { createBars } from "./bars.js";
import { numbers } from "./emotions.js";
import { createListener } from "./engine.js";
import { createVerdict } from "./hold.js";
import { microphoneMessage } from "./messages.js";

const ANNOUNCE_EVERY_MS = 3000;

const TEMPLATE = document.createElement("template");
TEMPLATE.innerHTML = `
  ${["shared.css", "bars.css", "meter.css"].map((file) => `<link rel="stylesheet" href="${new URL(file, import.meta.url)}">`).join("")}
  <button type="button" part="button" disabled>Start listening</button>
  <p class="message" part="message" role="alert" hidden></p>
  <div class="verdict">
    <p class="headline" part="headline">Loading the model…</p>
    <p class="detail" part="detail"></p>
  </div>
  <p class="caveat" part="caveat">This is how the voice sounds, not how the person feels.</p>
  <ul class="bars" part="bars" aria-label="How likely each emotion is"></ul>
  <p class="visually-hidden" aria-live="polite" aria-atomic="true"></p>`;

export class VoiceEmotionMeter extends HTMLElement {
  #ui;
  #announcer;
  #loading = null;
  #listener = null;
  #bars = null;
  #verdict = null;
  #state = "loading"; // loading, idle, starting, listening, error
  #shown = null; // the reading the headline shows

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    root.append(TEMPLATE.content.cloneNode(true));
    const find = (selector) => root.querySelector(selector);
    this.#ui = { button: find("button"), message: find(".message"), headline: find(".headline"), detail: find(".detail"), bars: find(".bars") };
    this.#announcer = createAnnouncer(find("[aria-live]"), ANNOUNCE_EVERY_MS);
    const internals = this.attachInternals();
    internals.role = "group";
    internals.ariaLabel = "How the voice sounds";
    this.#ui.button.addEventListener("click", () => (this.listening || this.#state === "starting" ? this.stop() : this.start()));
  }

  connectedCallback() {
    if (this.#loading) return; // loaded once, however often the element is moved
    const model = this.getAttribute("model") ?? undefined;
    this.#loading = createListener({ model }, (prediction) => this.#heard(prediction)).then(
      (listener) => {
        this.#listener = listener;
        this.#bars = createBars(this.#ui.bars, listener.labels);
        this.#verdict = createVerdict(listener.labels, listener.unsureBelow, this.#bars);
        this.#show("idle", "Press Start and speak.");
        this.#ui.button.disabled = false;
      },
      (error) => this.#fail(error, "Not available"),
    );
  }

  disconnectedCallback() {
    this.stop(); // a meter taken off the page lets go of the microphone
  }

  /** Whether the microphone is open. */
  get listening() {
    return this.#state === "listening";
  }

  /** "loading", "idle", "starting", "listening" or "error". */
  get state() {
    return this.#state;
  }

  /** Opens the microphone; call it from a click (browsers start audio only on a user gesture). */
  async start() {
    if (!this.#listener || this.listening || this.#state === "starting") return;
    this.#ui.message.hidden = true;
    this.#verdict.reset();
    this.#announcer.reset();
    this.#shown = null;
    this.#show("starting", "Starting the microphone…");
    try {
      await this.#listener.start();
      if (this.#state !== "starting") return; // stopped meanwhile
      this.#ui.button.textContent = "Stop listening";
      this.#show("listening", "Listening…");
    } catch (error) {
      this.#fail(error, "Not listening", microphoneMessage(error));
    }
  }

  /** Closes the microphone. */
  stop() {
    if (!this.listening && this.#state !== "starting") return;
    this.#listener.stop();
    this.#bars.clear();
    this.#ui.button.textContent = "Start listening";
    this.#show("idle", "Stopped. Press Start to listen again.");
    this.#announcer.say("Stopped");
  }

  #heard(prediction) {
    this.dispatchEvent(new CustomEvent("prediction", { detail: prediction, bubbles: true }));
    const shown = this.#verdict.heard(prediction);
    if (!shown) return; // nothing has led long enough yet: still "Listening…"
    const speech = shown.kind !== "no-speech";
    const more = speech ? numbers(shown, this.#verdict.latest.probabilities, this.#listener.labels) : "";
    this.#show("listening", speech ? shown.headline : "Listening — no speech", more);
    if (shown === this.#shown) return;
    this.#shown = shown;
    this.#announcer.say(shown.headline);
    this.dispatchEvent(new CustomEvent("verdict", { detail: shown, bubbles: true }));
  }

  #show(state, headline, detail = "") {
    this.#state = state;
    this.#ui.headline.textContent = headline;
    this.#ui.detail.textContent = detail;
  }

  #fail(error, headline, message = error.message) {
    this.#show("error", headline);
    this.#ui.message.textContent = message;
    this.#ui.message.hidden = false;
    this.#ui.button.textContent = "Start listening";
    this.#ui.button.disabled = !this.#listener; // without a model there is nothing to start
    this.dispatchEvent(new CustomEvent("error", { detail: error }));
  }
}

customElements.define("voice-emotion-meter", VoiceEmotionMeter);
