// Decoding an audio file for analysis. The browser decodes (any format it knows), at the file's
// own sample rate when the header tells it, so that the core does the only resampling, exactly
// as the CLI does, and both give the same answer for the same file.

/** Files above this many bytes are refused: decoded, they would not fit in the page's memory. */
export const MAX_FILE_BYTES = 1024 ** 3;
/** For formats whose header we do not read (MP3, Ogg, M4A...): the most common recording rate. */
const FALLBACK_RATE = 48000;

/**
 * What a WAV or FLAC header states: `{ rate, seconds }` (`seconds` null when the header leaves the
 * length open, as streamed recordings do), or null for other formats.
 */
export function readHeader(bytes) {
  const view = new DataView(bytes);
  const tag = (offset) =>
    offset + 4 <= view.byteLength ? String.fromCharCode(...new Uint8Array(bytes, offset, 4)) : "";
  if (tag(0) === "RIFF" && tag(8) === "WAVE") {
    // Walk the chunks: "fmt " holds the rate (u32 at +12) and frame size (u16 at +20); "data" its size.
    let rate = null, frameBytes = null, at = 12;
    while (at + 8 <= view.byteLength) {
      const size = view.getUint32(at + 4, true);
      if (tag(at) === "fmt " && at + 22 <= view.byteLength) {
        rate = view.getUint32(at + 12, true) || null;
        frameBytes = view.getUint16(at + 20, true) || null;
      } else if (tag(at) === "data") {
        const open = size === 0xffffffff || (size === 0 && view.byteLength > at + 8) || !rate || !frameBytes;
        return rate && { rate, seconds: open ? null : size / frameBytes / rate };
      }
      at += 8 + size + (size & 1); // chunks are padded to an even size
    }
    return rate && { rate, seconds: null };
  }
  if (tag(0) === "fLaC" && view.byteLength >= 26) {
    // STREAMINFO follows the 4-byte block header: the rate is 20 bits from its byte 10, the
    // number of samples 36 bits from the low nibble of its byte 13 (0: not known).
    const rate = (view.getUint8(18) << 12) | (view.getUint8(19) << 4) | (view.getUint8(20) >> 4);
    const samples = (view.getUint8(21) & 0x0f) * 2 ** 32 + view.getUint32(22);
    return rate ? { rate, seconds: samples ? samples / rate : null } : null;
  }
  return null;
}

/** Decodes `bytes` (an ArrayBuffer, detached afterwards) at `rate` Hz into an AudioBuffer. */
export async function decodeAudio(bytes, rate = FALLBACK_RATE) {
  // An OfflineAudioContext decodes without touching the audio device.
  const context = new OfflineAudioContext(1, 1, rate);
  return context.decodeAudioData(bytes);
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
