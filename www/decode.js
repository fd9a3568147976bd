// Files the core cannot read (Opus, AAC...) are decoded by the browser. Everything else (WAV,
// FLAC, MP3, Ogg Vorbis) is decoded in wasm, exactly as the CLI decodes it (Model.openFile).

/** Files above this many bytes are refused: the page holds a whole file in memory. */
export const MAX_FILE_BYTES = 1024 ** 3;
/**
 * The rate the browser decodes at. Opus, the common format the core does not read, always
 * decodes at 48 kHz, so for it this is no resampling at all.
 */
const BROWSER_RATE = 48000;

/**
 * What a file's `bytes` (an ArrayBuffer, detached afterwards) make: `inCore(Uint8Array)` decodes
 * them in wasm; for a format it does not read (an Error named FormatError), the browser decodes them
 * and `fromSamples(samples, sampleRate)` takes the result. The browser's own failure is a DOMException.
 */
export async function decodeFile(bytes, inCore, fromSamples) {
  try {
    return inCore(new Uint8Array(bytes));
  } catch (error) {
    if (error.name !== "FormatError") throw error;
  }
  const { samples, sampleRate } = await decodeInBrowser(bytes);
  return fromSamples(samples, sampleRate);
}

/**
 * `bytes` decoded by the browser: `{ samples, sampleRate }`, one channel, mixed by the browser's
 * own downmix (the average, for stereo).
 */
async function decodeInBrowser(bytes) {
  // OfflineAudioContexts decode and mix without touching the audio device.
  const decoded = await new OfflineAudioContext(1, 1, BROWSER_RATE).decodeAudioData(bytes);
  if (decoded.numberOfChannels === 1 || decoded.length === 0) {
    return { samples: decoded.getChannelData(0), sampleRate: BROWSER_RATE };
  }
  const mixer = new OfflineAudioContext(1, decoded.length, BROWSER_RATE);
  const source = new AudioBufferSourceNode(mixer, { buffer: decoded });
  source.connect(mixer.destination);
  source.start();
  return { samples: (await mixer.startRendering()).getChannelData(0), sampleRate: BROWSER_RATE };
}
