// The audio-thread half of the microphone (src/wasm/microphone.rs holds the rest).
// The node is created with one input channel, so the browser has already downmixed; this
// batches the 128-frame render quanta and posts them, so the main thread wakes about 20 times a
// second instead of about 350. It does nothing else.

const BATCH_FRAMES = 2048;

class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.batch = new Float32Array(BATCH_FRAMES);
    this.filled = 0;
  }

  process(inputs) {
    // No channel while the source is not yet (or no longer) connected.
    const mono = inputs[0][0];
    if (mono) {
      let taken = 0;
      while (taken < mono.length) {
        const n = Math.min(mono.length - taken, BATCH_FRAMES - this.filled);
        this.batch.set(mono.subarray(taken, taken + n), this.filled);
        this.filled += n;
        taken += n;
        if (this.filled === BATCH_FRAMES) this.post();
      }
    }
    // Outputs stay silent; returning true keeps the processor alive.
    return true;
  }

  post() {
    // Transferred, not copied: the next batch gets a fresh buffer.
    this.port.postMessage(this.batch, [this.batch.buffer]);
    this.batch = new Float32Array(BATCH_FRAMES);
    this.filled = 0;
  }
}

registerProcessor("capture-processor", CaptureProcessor);
