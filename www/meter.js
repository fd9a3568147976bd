// <voice-emotion-meter>: the page's live view in one tag, for other pages (an assistive app, say).
// A Start/Stop button, the verdict in words, energy and pleasantness, the eight bars, and a polite
// live region that speaks the verdict at most every few seconds, all as on the page
// (controller.js). Runs on the device.
//
//   <voice-emotion-meter model="other.json"></voice-emotion-meter>
//   model            another model: its metadata JSON, which names its trunk and head ONNX files
//                    beside it; read when the element is connected (default: the built-in one)
//   reference        property: the shape of the listener's everyday voice (a Reference's `shape`,
//                    from the page that embeds the meter), or null; setting it stops listening and,
//                    for a model that takes a reference, judges against that voice from the next Start
//   events           "prediction": detail {time, emotion}, every half second while listening
//                    "verdict": detail the reading the headline shows (emotions.js), when it changes
//                    "error": detail the Error (the element shows its message too)
//   start(), stop(), listening, state

import { createAffect } from "./affect.js";
import { createBars } from "./bars.js";
import { createController } from "./controller.js";
import { caveat } from "./emotions.js";
import { createListener } from "./engine.js";

const TEMPLATE = document.createElement("template");
TEMPLATE.innerHTML = `
  ${["shared.css", "bars.css", "meter.css"].map((file) => `<link rel="stylesheet" href="${new URL(file, import.meta.url)}">`).join("")}
  <button type="button" part="button" disabled>Start listening</button>
  <p class="message" part="message" role="alert" hidden></p>
  <div class="verdict">
    <p class="headline" part="headline">Loading the model…</p>
    <p class="detail" part="detail"></p>
  </div>
  <p class="caveat" part="caveat"></p>
  <p id="affect" part="affect"></p>
  <ul class="bars" part="bars" aria-label="How likely each emotion is"></ul>
  <p class="visually-hidden" aria-live="polite" aria-atomic="true"></p>`;

export class VoiceEmotionMeter extends HTMLElement {
  #ui;
  #loading = null;
  #controller = null;
  #state = "loading"; // loading, idle, starting, listening, error
  #listener = null;
  #reference = null;

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    root.append(TEMPLATE.content.cloneNode(true));
    const find = (selector) => root.querySelector(selector);
    this.#ui = {
      button: find("button"),
      message: find(".message"),
      headline: find(".headline"),
      detail: find(".detail"),
      bars: find(".bars"),
      region: find("[aria-live]"),
      caveat: find(".caveat"),
      showAffect: createAffect(find("#affect")),
    };
    this.#ui.caveat.textContent = caveat(false);
    const internals = this.attachInternals();
    internals.role = "group";
    internals.ariaLabel = "How the voice sounds";
    this.#ui.button.addEventListener("click", () => (this.listening || this.#state === "starting" ? this.stop() : this.start()));
  }

  connectedCallback() {
    if (this.#loading) return; // loaded once, however often the element is moved
    const model = this.getAttribute("model") ?? undefined;
    this.#loading = createListener({ model }, (prediction) => this.#controller.heard(prediction)).then(
      (listener) => {
        this.#listener = listener;
        this.#controller = createController({
          labels: listener.labels,
          unsureBelow: listener.unsureBelow,
          microphone: listener,
          bars: createBars(this.#ui.bars, listener.labels),
          region: this.#ui.region,
          view: {
            show: (display) => this.#show(display),
            heard: (prediction) => this.dispatchEvent(new CustomEvent("prediction", { detail: prediction, bubbles: true })),
            changed: (reading) => this.dispatchEvent(new CustomEvent("verdict", { detail: reading, bubbles: true })),
            failed: (error) => this.dispatchEvent(new CustomEvent("error", { detail: error })),
          },
        });
        this.#ui.button.disabled = false;
        if (this.#reference) this.reference = this.#reference;
      },
      (error) => {
        this.#show({ state: "error", headline: "Not available", detail: "", message: error.message });
        this.dispatchEvent(new CustomEvent("error", { detail: error }));
      },
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

  /** The shape of the everyday voice the meter judges against, or null. */
  get reference() {
    return this.#reference;
  }

  /**
   * Judges against the everyday voice of this shape (null: the voices the model was trained on);
   * stops listening. A shape the model cannot take is reported as an "error" event and dropped.
   */
  set reference(shape) {
    this.#reference = shape ? [...shape] : null;
    if (!this.#listener) return; // applied once the model has loaded
    this.stop();
    try {
      this.#listener.judgeAgainst(this.#reference);
    } catch (error) {
      this.#reference = null;
      this.#listener.judgeAgainst(null);
      this.#ui.message.textContent = error.message;
      this.#ui.message.hidden = false;
      this.dispatchEvent(new CustomEvent("error", { detail: error }));
    }
    this.#ui.caveat.textContent = caveat(this.#reference !== null);
  }

  /** Opens the microphone; call it from a click (browsers start audio only on a user gesture). */
  async start() {
    await this.#controller?.start();
  }

  /** Closes the microphone. */
  stop() {
    this.#controller?.stop();
  }

  /** Draws what the controller (or a failed load) gives; the button's words follow the state. */
  #show({ state, headline, detail, affect = null, message }) {
    if (state !== this.#state) this.#ui.button.textContent = state === "listening" ? "Stop listening" : "Start listening";
    this.#state = state;
    this.#ui.headline.textContent = headline;
    this.#ui.detail.textContent = detail;
    this.#ui.showAffect(affect);
    this.#ui.message.textContent = message;
    this.#ui.message.hidden = !message;
  }
}

customElements.define("voice-emotion-meter", VoiceEmotionMeter);
