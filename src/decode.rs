//! Audio files to mono samples, packet by packet, with symphonia (WAV, FLAC, Ogg Vorbis, MP3).

use std::fs::File;
use std::io::Cursor;
use std::path::Path;

use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;

use crate::audio::downmix;
use crate::error::{Error, Result, guard_panics};

/// Reads an audio stream in mono chunks, so that hours of audio need little memory.
pub struct AudioReader {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    sample_rate: u32,
    channels: usize,
    promised_frames: Option<u64>,
    interleaved: Vec<f32>,
}

impl AudioReader {
    /// Opens a file; its extension is a hint, its content decides.
    pub fn open(path: &Path) -> Result<Self> {
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        Self::new(Box::new(File::open(path)?), hint)
    }

    /// Reads audio from bytes in memory.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self> {
        Self::new(Box::new(Cursor::new(bytes)), Hint::new())
    }

    fn new(source: Box<dyn MediaSource>, hint: Hint) -> Result<Self> {
        guard_panics(
            || Self::open_stream(source, hint),
            |e| Error::Decode(format!("corrupt audio file ({e})")),
        )
    }

    fn open_stream(source: Box<dyn MediaSource>, hint: Hint) -> Result<Self> {
        let stream = MediaSourceStream::new(source, Default::default());
        let format = symphonia::default::get_probe()
            .probe(&hint, stream, FormatOptions::default(), MetadataOptions::default())
            .map_err(|e| Error::Format(format!("not a recognized audio file ({e})")))?;
        let track = format
            .default_track(TrackType::Audio)
            .ok_or_else(|| Error::Format("no audio track".into()))?;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| Error::Format("no audio track".into()))?;
        let sample_rate = params
            .sample_rate
            .filter(|rate| *rate > 0)
            .ok_or_else(|| Error::Decode("unknown sample rate".into()))?;
        let channels = params.channels.as_ref().map_or(1, |c| c.count()).max(1);
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(params, &AudioDecoderOptions::default())
            .map_err(|e| Error::Format(format!("unsupported codec ({e})")))?;
        let (track_id, promised_frames) = (track.id, track.num_frames.filter(|n| *n > 0));
        Ok(Self {
            format,
            decoder,
            track_id,
            sample_rate,
            channels,
            promised_frames,
            interleaved: Vec::new(),
        })
    }

    /// The stream's sample rate, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Channels in the file (chunks are always mono).
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// The length the file's header states, in seconds (`None` when it does not say).
    pub fn promised_seconds(&self) -> Option<f64> {
        self.promised_frames.map(|n| n as f64 / f64::from(self.sample_rate))
    }

    /// The next chunk of mono samples, or `None` at the end of the stream.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<f32>>> {
        guard_panics(
            || self.decode_next(),
            |e| Error::Decode(format!("corrupt audio stream ({e})")),
        )
    }

    fn decode_next(&mut self) -> Result<Option<Vec<f32>>> {
        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(packet)) => packet,
                Ok(None) => return Ok(None),
                Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Err(Error::Truncated);
                }
                Err(e) => return Err(decode_error("corrupt audio stream", e)),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let buffer = self
                .decoder
                .decode(&packet)
                .map_err(|e| decode_error("corrupt audio data", e))?;
            let channels = buffer.spec().channels().count().max(1);
            self.interleaved.resize(buffer.samples_interleaved(), 0.0);
            buffer.copy_to_slice_interleaved(&mut self.interleaved);
            if !self.interleaved.is_empty() {
                return Ok(Some(downmix(&self.interleaved, channels)));
            }
        }
    }
}

fn decode_error(what: &str, e: SymphoniaError) -> Error {
    Error::Decode(format!("{what} ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_not_audio() {
        let err = AudioReader::from_bytes(b"hello, this is a text file\n".to_vec())
            .err()
            .unwrap();
        assert!(err.to_string().contains("not a recognized audio file"), "{err}");
        assert!(AudioReader::from_bytes(Vec::new()).is_err());
    }
}
