// Decoding an audio file for analysis. The browser decodes (any format it knows), at the file's
// own sample rate when the header tells it, so that the core does the only resampling, exactly
// as the CLI does, and both give the same answer for the same file.

/** Files above this many bytes are refused: decoded, they would not fit in the page's memory. */
export const MAX_FILE_BYTES = 1024 ** 3;
/** For formats whose header we do not read (MP3, Ogg, M4A...): the most common recording rate. */
const FALLBACK_RATE = 48000;

/** Decodes `bytes` (an ArrayBuffer, detached afterwards) into an AudioBuffer. */
export async function decodeAudio(bytes) {
  const rate = headerSampleRate(bytes) ?? FALLBACK_RATE;
  // An OfflineAudioContext decodes without touching the audio device.
  const context = new OfflineAudioContext(1, 1, rate);
  return context.decodeAudioData(bytes);
}

/** The sample rate a WAV or FLAC header states, or null. */
export function headerSampleRate(bytes) {
  const view = new DataView(bytes);
  const tag = (offset) =>
    offset + 4 <= view.byteLength ? String.fromCharCode(...new Uint8Array(bytes, offset, 4)) : "";
  if (tag(0) === "RIFF" && tag(8) === "WAVE") {
    // Walk the chunks to "fmt ": its sample rate is a little-endian u32 at offset 4.
    let at = 12;
    while (at + 16 <= view.byteLength) {
      if (tag(at) === "fmt ") return view.getUint32(at + 12, true) || null;
      const size = view.getUint32(at + 4, true);
      at += 8 + size + (size & 1); // chunks are padded to an even size
    }
  } else if (tag(0) === "fLaC" && view.byteLength >= 21) {
    // STREAMINFO follows the 4-byte block header; the rate is 20 bits starting at its byte 10.
    return ((view.getUint8(18) << 12) | (view.getUint8(19) << 4) | (view.getUint8(20) >> 4)) || null;
  }
  return null;
}

/** The buffer as consecutive mono chunks of at most `frames` frames, channels averaged. */
export function* monoChunks(buffer, frames) {
  const channels = Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c));
  for (let start = 0; start < buffer.length; start += frames) {
    const end = Math.min(start + frames, buffer.length);
    if (channels.length === 1) {
      yield channels[0].subarray(start, end);
      continue;
    }
    const mono = new Float32Array(end - start);
    for (const channel of channels) {
      for (let i = 0; i < mono.length; i++) mono[i] += channel[start + i];
    }
    for (let i = 0; i < mono.length; i++) mono[i] /= channels.length;
    yield mono;
  }
}
