//! Whole files: decoded ([`crate::decode`]) and analysed ([`crate::analysis`]) a piece at a time,
//! so memory stays bounded and a caller can show progress (or, in the page, yield) between pieces.

use std::collections::VecDeque;
use std::path::Path;

use crate::analysis::{Analysis, Analyzer};
use crate::decode::AudioReader;
use crate::error::{Error, Result};
use crate::model::EmotionModel;
use crate::reference::{self, ReferenceError, ReferenceRecorder};

/// How much shorter than its header says a file may decode before it counts as truncated: codec
/// delay and padding, never a cut.
const TRUNCATION_SLACK_SECONDS: f64 = 0.05;

/// A file being analysed. A file cut short is analysed as far as it goes ([`FileAnalysis::truncated`]).
/// With a model that judges against a reference voice, the file's first minute is read ahead: if its
/// speech was heard through another microphone or room than the reference, the file is judged without
/// it ([`FileAnalysis::reference_mismatch`]).
pub struct FileAnalysis {
    reader: AudioReader,
    /// What the reference check read ahead, analysed before the reader's next chunk.
    read_ahead: VecDeque<Result<Option<Vec<f32>>>>,
    analyzer: Analyzer,
    ended: bool,
    truncated: bool,
    mismatch: Option<ReferenceError>,
}

impl FileAnalysis {
    /// Opens an audio file (WAV, FLAC, MP3, Ogg Vorbis); its content decides the format.
    pub fn open(model: &EmotionModel, path: &Path) -> Result<Self> {
        Self::new(model, AudioReader::open(path)?)
    }

    /// The same, from the file's bytes in memory.
    pub fn from_bytes(model: &EmotionModel, bytes: Vec<u8>) -> Result<Self> {
        Self::new(model, AudioReader::from_bytes(bytes)?)
    }

    fn new(model: &EmotionModel, mut reader: AudioReader) -> Result<Self> {
        let mut read_ahead = VecDeque::new();
        let mismatch = match model.reference() {
            Some(voice) => speech_shape_ahead(model, &mut reader, &mut read_ahead)?
                .and_then(|shape| voice.matches(reference::params(model.metadata()).ok()?, &shape).err()),
            None => None,
        };
        let judging = match mismatch {
            Some(_) => model.with_reference(None)?,
            None => model.clone(),
        };
        Ok(Self {
            analyzer: Analyzer::new(judging, reader.sample_rate())?,
            reader,
            read_ahead,
            ended: false,
            truncated: false,
            mismatch,
        })
    }

    /// The next decoded chunk: what was read ahead first.
    fn next_chunk(&mut self) -> Result<Option<Vec<f32>>> {
        self.read_ahead.pop_front().unwrap_or_else(|| self.reader.next_chunk())
    }

    /// Decodes and analyses at least `seconds` more audio, or up to the end; `false` once the
    /// file has ended.
    pub fn advance(&mut self, seconds: f64) -> Result<bool> {
        let until = self.seconds() + seconds;
        while !self.ended && self.seconds() < until {
            match self.next_chunk() {
                Ok(Some(chunk)) => self.analyzer.push(&chunk)?,
                Ok(None) => {
                    self.ended = true;
                    // Some files end cleanly between two packets, short of what their header says.
                    self.truncated = self
                        .promised_seconds()
                        .is_some_and(|promised| self.seconds() < promised - TRUNCATION_SLACK_SECONDS);
                }
                Err(Error::Truncated) => (self.ended, self.truncated) = (true, true),
                Err(e) => return Err(e),
            }
        }
        Ok(!self.ended)
    }

    /// Seconds of audio analysed so far.
    pub fn seconds(&self) -> f64 {
        self.analyzer.seconds()
    }

    /// The length the file's header states, in seconds, when it states one.
    pub fn promised_seconds(&self) -> Option<f64> {
        self.reader.promised_seconds()
    }

    /// Whether the file ended in the middle of its audio (known once [`Self::advance`] says it ended).
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// For a file cut short, how much of it the result covers, in words (the CLI's and the Python
    /// package's warning); `None` for a whole file.
    pub fn truncation(&self) -> Option<String> {
        self.truncated.then(|| {
            let promised = self
                .promised_seconds()
                .map_or(String::new(), |s| format!(" of the {s:.1} s its header promises"));
            format!(
                "the file is truncated: the result covers the first {:.1} s{promised}",
                self.seconds()
            )
        })
    }

    /// Why the file is judged without the model's reference voice, in words, when it is.
    pub fn reference_mismatch(&self) -> Option<String> {
        self.mismatch.as_ref().map(ToString::to_string)
    }

    /// What a reader of the result must be told, in words (the CLI's and the Python package's
    /// warnings): a file cut short, a file judged without the reference voice.
    pub fn notes(&self) -> Vec<String> {
        self.truncation().into_iter().chain(self.reference_mismatch()).collect()
    }

    /// Analyses what is left and summarizes the file.
    pub fn finish(mut self) -> Result<Analysis> {
        while self.advance(f64::INFINITY)? {}
        if self.seconds() > 0.0 {
            self.analyzer.finish()
        } else if self.truncated {
            Err(Error::Truncated)
        } else {
            Err(Error::Decode("the file holds no audio samples".into()))
        }
    }
}

/// Reads `reader` into `read_ahead` up to the longest reference (or its end, or a chunk that cannot
/// be read) and returns the shape of the speech in it, as a reference's (`None` without speech).
fn speech_shape_ahead(
    model: &EmotionModel,
    reader: &mut AudioReader,
    read_ahead: &mut VecDeque<Result<Option<Vec<f32>>>>,
) -> Result<Option<Vec<f32>>> {
    let mut recorder = ReferenceRecorder::new(model)?;
    recorder.start(reader.sample_rate())?;
    loop {
        let next = reader.next_chunk();
        let taken = matches!(&next, Ok(Some(chunk)) if recorder.push(chunk).is_ok());
        read_ahead.push_back(next);
        if !taken {
            return Ok(recorder.speech_shape());
        }
    }
}

/// Analyses a whole file (convenience over [`FileAnalysis`]; a truncated file is an error here).
pub fn analyze_file(model: &EmotionModel, path: &Path) -> Result<Analysis> {
    let mut file = FileAnalysis::open(model, path)?;
    while file.advance(f64::INFINITY)? {}
    if file.truncated() {
        return Err(Error::Truncated);
    }
    file.finish()
}

impl ReferenceRecorder {
    /// Adds a whole audio file (any format [`FileAnalysis`] reads) to the reference, a piece at a
    /// time; one longer than the reference may be is refused once it is.
    pub fn add_file(&mut self, path: &Path) -> Result<()> {
        self.add_reader(AudioReader::open(path)?)
    }

    /// The same, from the file's bytes in memory.
    pub fn add_file_bytes(&mut self, bytes: Vec<u8>) -> Result<()> {
        self.add_reader(AudioReader::from_bytes(bytes)?)
    }

    fn add_reader(&mut self, mut reader: AudioReader) -> Result<()> {
        self.start(reader.sample_rate())?;
        while let Some(chunk) = reader.next_chunk()? {
            self.push(&chunk)?;
        }
        Ok(())
    }
}
