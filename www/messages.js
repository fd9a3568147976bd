// What the page says when the microphone does not start, in one table for every browser engine.
// The wasm (Microphone.start) rejects with an Error whose `name` is the cause, the browser's own
// (a DOMException's, or WebKit's OverconstrainedError, which is none) or ours, and whose message
// is the browser's technical detail; the words a person reads are chosen here from the name.

const DENIED =
  "Microphone access was denied. Allow the microphone for this page (the icon in the address bar), then press Start again.";
const MISSING = "No microphone was found. Connect one, then press Start again.";
const BUSY = "The microphone could not be opened; another application may be using it.";

const WORDS = {
  NotAllowedError: DENIED,
  SecurityError: DENIED,
  NotFoundError: MISSING,
  // Our constraints only ask for the raw signal, never for a device: WebKit (and Firefox, for a
  // device that cannot be opened as asked) answer this when no microphone can serve them.
  OverconstrainedError: MISSING,
  NotReadableError: BUSY,
  AbortError: BUSY,
  SuspendedError:
    "The browser is keeping audio paused. Press Start again; if it stays paused, allow sound for this site in the browser's settings.",
  NotSupportedError: "This page cannot reach a microphone here: browsers allow it only on https:// or localhost pages.",
  WorkletError: "The page's audio processing could not be loaded. Reload the page, then press Start again.",
};

/** The sentence for a failed start: the cause's words, or the browser's detail for a cause we do not know. */
export function microphoneMessage(error) {
  return WORDS[error?.name] ?? `The microphone could not be started: ${error?.message ?? error}`;
}
