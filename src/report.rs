//! The one schema results are written in, by the CLI (JSON lines, CSV) and the page (its
//! downloads) alike: documented in the README's "Results" section.

use std::io::Write;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::analysis::Analysis;
use crate::emotion::Emotion;
use crate::error::{Error, Result};

/// One file's analysis, ready to be written.
pub struct Report<'a> {
    /// The file's name as the user gave it.
    pub file: &'a str,
    pub analysis: &'a Analysis,
    /// The model's labels, in its order.
    pub labels: &'a [String],
}

impl<'a> Report<'a> {
    /// The report as one line of JSON: `file`, `duration`, `speech_seconds`, the overall `label`,
    /// `confidence`, `arousal`, `valence` and `probabilities` (an object in label order; all
    /// `null` without speech), and with `timeline` its segments (`start`, `end` and the same fields).
    pub fn json(&self, timeline: bool) -> String {
        let labels = self.labels;
        let emotion = |e: Option<&'a Emotion>| Scores {
            label: e.map(|e| e.label.as_str()),
            confidence: e.map(|e| e.confidence),
            arousal: e.map(|e| e.arousal),
            valence: e.map(|e| e.valence),
            probabilities: e.map(|e| ByLabel(labels, &e.probabilities)),
        };
        let json = Json {
            file: self.file,
            duration: self.analysis.duration,
            speech_seconds: self.analysis.speech_seconds,
            scores: emotion(self.analysis.overall.as_ref()),
            timeline: timeline.then(|| {
                self.analysis
                    .timeline
                    .iter()
                    .map(|s| JsonSegment {
                        start: s.start,
                        end: s.end,
                        scores: emotion(s.emotion.as_ref()),
                    })
                    .collect()
            }),
        };
        serde_json::to_string(&json).expect("plain data serializes")
    }
}

#[derive(Serialize)]
struct Json<'a> {
    file: &'a str,
    duration: f64,
    speech_seconds: f64,
    #[serde(flatten)]
    scores: Scores<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeline: Option<Vec<JsonSegment<'a>>>,
}

#[derive(Serialize)]
struct JsonSegment<'a> {
    start: f64,
    end: f64,
    #[serde(flatten)]
    scores: Scores<'a>,
}

#[derive(Serialize)]
struct Scores<'a> {
    label: Option<&'a str>,
    confidence: Option<f32>,
    arousal: Option<f32>,
    valence: Option<f32>,
    probabilities: Option<ByLabel<'a>>,
}

/// Probabilities as `{"label": p, ...}`, in the model's label order.
struct ByLabel<'a>(&'a [String], &'a [f32]);

impl Serialize for ByLabel<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (label, p) in self.0.iter().zip(self.1) {
            map.serialize_entry(label, p)?;
        }
        map.end()
    }
}

/// Reports as CSV: a row per file (`file,label,confidence,arousal,valence,<labels>,speech_seconds`)
/// or, with the timeline, a row per segment (`file,start,end,label,confidence,arousal,valence,<labels>`);
/// the scores of a stretch without speech are empty.
pub struct CsvWriter<W: Write> {
    csv: csv::Writer<W>,
    timeline: bool,
    labels: usize,
}

impl<W: Write> CsvWriter<W> {
    /// Writes the header to `out`.
    pub fn new(out: W, labels: &[String], timeline: bool) -> Result<Self> {
        let mut header = vec!["file"];
        if timeline {
            header.extend(["start", "end"]);
        }
        header.extend(["label", "confidence", "arousal", "valence"]);
        header.extend(labels.iter().map(String::as_str));
        if !timeline {
            header.push("speech_seconds");
        }
        let mut csv = csv::Writer::from_writer(out);
        csv.write_record(&header).map_err(csv_error)?;
        Ok(Self {
            csv,
            timeline,
            labels: labels.len(),
        })
    }

    /// Writes one file's rows and flushes them.
    pub fn write(&mut self, report: &Report) -> Result<()> {
        let a = report.analysis;
        if self.timeline {
            for seg in &a.timeline {
                let mut row = vec![
                    report.file.to_string(),
                    format!("{:.2}", seg.start),
                    format!("{:.2}", seg.end),
                ];
                row.extend(self.scores(seg.emotion.as_ref()));
                self.csv.write_record(&row).map_err(csv_error)?;
            }
        } else {
            let mut row = vec![report.file.to_string()];
            row.extend(self.scores(a.overall.as_ref()));
            row.push(format!("{:.2}", a.speech_seconds));
            self.csv.write_record(&row).map_err(csv_error)?;
        }
        Ok(self.csv.flush()?)
    }

    /// The destination, everything written.
    pub fn into_inner(self) -> Result<W> {
        self.csv.into_inner().map_err(|e| Error::Io(e.into_error()))
    }

    /// label, confidence, arousal, valence, then one probability per label (all empty without speech).
    fn scores(&self, e: Option<&Emotion>) -> Vec<String> {
        match e {
            Some(e) => [e.label.clone()]
                .into_iter()
                .chain(
                    [e.confidence, e.arousal, e.valence]
                        .iter()
                        .chain(&e.probabilities)
                        .map(|p| format!("{p:.4}")),
                )
                .collect(),
            None => vec![String::new(); 4 + self.labels],
        }
    }
}

fn csv_error(e: csv::Error) -> Error {
    Error::Io(std::io::Error::other(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Segment;

    fn analysis() -> (Vec<String>, Analysis) {
        let labels = vec!["calm".to_string(), "angry".to_string()];
        let angry = Emotion {
            label: "angry".into(),
            confidence: 0.75,
            arousal: 0.875,
            valence: 0.125,
            probabilities: vec![0.25, 0.75],
        };
        let analysis = Analysis {
            duration: 3.0,
            speech_seconds: 2.0,
            overall: Some(angry.clone()),
            reference_mismatch: None,
            timeline: vec![
                Segment {
                    start: 0.0,
                    end: 1.0,
                    emotion: None,
                },
                Segment {
                    start: 1.0,
                    end: 3.0,
                    emotion: Some(angry),
                },
            ],
        };
        (labels, analysis)
    }

    #[test]
    fn json_keeps_label_order_and_writes_silence_as_null() {
        let (labels, analysis) = analysis();
        let report = Report {
            file: "a \"quoted\".wav",
            analysis: &analysis,
            labels: &labels,
        };
        assert_eq!(
            report.json(false),
            r#"{"file":"a \"quoted\".wav","duration":3.0,"speech_seconds":2.0,"label":"angry","confidence":0.75,"arousal":0.875,"valence":0.125,"probabilities":{"calm":0.25,"angry":0.75}}"#
        );
        let with_timeline: serde_json::Value = serde_json::from_str(&report.json(true)).unwrap();
        assert_eq!(
            with_timeline["timeline"][0],
            serde_json::json!({"start": 0.0, "end": 1.0, "label": null, "confidence": null, "arousal": null,
                               "valence": null, "probabilities": null})
        );
        assert_eq!(with_timeline["timeline"][1]["probabilities"]["angry"], 0.75);
    }

    #[test]
    fn csv_per_file_and_per_segment() {
        let (labels, analysis) = analysis();
        let report = Report {
            file: "a,b.wav",
            analysis: &analysis,
            labels: &labels,
        };
        let write = |timeline| {
            let mut csv = CsvWriter::new(Vec::new(), &labels, timeline).unwrap();
            csv.write(&report).unwrap();
            String::from_utf8(csv.into_inner().unwrap()).unwrap()
        };
        assert_eq!(
            write(false),
            "file,label,confidence,arousal,valence,calm,angry,speech_seconds\n\"a,b.wav\",angry,0.7500,0.8750,0.1250,0.2500,0.7500,2.00\n"
        );
        assert_eq!(
            write(true),
            "file,start,end,label,confidence,arousal,valence,calm,angry\n\"a,b.wav\",0.00,1.00,,,,,,\n\"a,b.wav\",1.00,3.00,angry,0.7500,0.8750,0.1250,0.2500,0.7500\n"
        );
    }
}
