// The audio-thread half of the microphone (src/wasm/microphone.rs holds the rest).
// It downmixes each 128-frame render quantum to mono and posts batches, so the main thread
// wakes about 20 times a second instead of about 350. It does nothing else.

const BATCH_FRAMES = 2048;

class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.batch = new Float32Array(BATCH_FRAMES);
    this.filled = 0;
  }

  process(inputs) {
    const channels = inputs[0];
    // No channels while the source is not yet (or no longer) connected.
    if (channels.length > 0) {
      const frames = channels[0].length;
      for (let i = 0; i < frames; i++) {
        let sum = 0;
        for (const channel of channels) sum += channel[i];
        this.batch[this.filled++] = sum / channels.length;
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
