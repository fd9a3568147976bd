//! Whole files: decoded ([`crate::decode`]) and analysed ([`crate::analysis`]) a piece at a time,
//! so memory stays bounded and a caller can show progress (or, in the page, yield) between pieces.

use std::path::Path;

use crate::analysis::{Analysis, Analyzer};
use crate::decode::AudioReader;
use crate::error::{Error, Result};
use crate::model::EmotionModel;
use crate::reference::ReferenceRecorder;

/// How much shorter than its header says a file may decode before it counts as truncated: codec
/// delay and padding, never a cut.
const TRUNCATION_SLACK_SECONDS: f64 = 0.05;

/// A file being analysed. A file cut short is analysed as far as it goes ([`FileAnalysis::truncated`]);
/// one heard through another microphone or room than the model's reference voice is judged without it
/// ([`Analyzer`]).
pub struct FileAnalysis {
    reader: AudioReader,
    analyzer: Analyzer,
    ended: bool,
    truncated: bool,
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

    fn new(model: &EmotionModel, reader: AudioReader) -> Result<Self> {
        Ok(Self {
            analyzer: Analyzer::new(model.clone(), reader.sample_rate())?,
            reader,
            ended: false,
            truncated: false,
        })
    }

    /// Decodes and analyses at least `seconds` more audio, or up to the end; `false` once the
    /// file has ended.
    pub fn advance(&mut self, seconds: f64) -> Result<bool> {
        let until = self.seconds() + seconds;
        while !self.ended && self.seconds() < until {
            match self.reader.next_chunk() {
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
        if self.ended {
            self.analyzer.end()?;
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

    /// Why the file is judged without the model's reference voice, in words, when it is (decided a
    /// minute in, or once [`Self::advance`] says it ended).
    pub fn reference_mismatch(&self) -> Option<String> {
        self.analyzer.reference_mismatch().map(ToString::to_string)
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
