// Types for <voice-emotion-meter> (meter.js). The wasm API's own are in pkg/voice_emotion.d.ts.

/** One prediction, every half second while listening; `emotion` is null when nobody speaks. */
export interface Prediction {
  time: number;
  emotion: { label: string; confidence: number; arousal: number; valence: number; probabilities: number[] } | null;
}

/** What the headline shows (emotions.js `reading`). */
export interface Reading {
  key: string;
  kind: "speech" | "unsure" | "no-speech";
  /** The label, or the two leading labels when not sure. */
  names: string[];
  word: string;
  name: string;
  headline: string;
}

export type MeterState = "loading" | "idle" | "starting" | "listening" | "error";

/** The element's own events, beside those of every element ("error" is its own). */
export interface VoiceEmotionMeterEventMap extends Omit<HTMLElementEventMap, "error"> {
  prediction: CustomEvent<Prediction>;
  verdict: CustomEvent<Reading>;
  error: CustomEvent<Error>;
}

export class VoiceEmotionMeter extends HTMLElement {
  /** Opens the microphone; call it from a click. */
  start(): Promise<void>;
  /** Closes the microphone. */
  stop(): void;
  readonly listening: boolean;
  readonly state: MeterState;
  /**
   * The shape of the listener's everyday voice (a `Reference`'s `shape`) to judge against, or null;
   * setting it stops listening. For a model that takes a reference (`Model.takesReference`).
   */
  reference: number[] | Float32Array | null;
  addEventListener<K extends keyof VoiceEmotionMeterEventMap>(
    type: K,
    listener: (this: VoiceEmotionMeter, event: VoiceEmotionMeterEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    "voice-emotion-meter": VoiceEmotionMeter;
  }
}
