//! What a comparison tells people and machines: a table per frame on the terminal, a
//! report folder (actual, diff and FLIP heat-map PNGs and one self-contained HTML page
//! with every image embedded as a data URI, so it can be attached to a CI run as one
//! file), and JUnit XML for CI dashboards.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine;
use image::RgbImage;

use super::GoldenError;
use super::metrics::FrameComparison;
use super::tolerance::Tolerances;
use crate::output::reader::DatasetFiles;
use crate::output::{Modality, write_atomic};

/// A whole comparison: which two sides, under which limits, frame by frame.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// What the reference is (a golden set, a dataset), for people.
    pub reference: String,
    /// What was compared with it.
    pub actual: String,
    /// Facts worth knowing that fail nothing (a spec edited since recording, another
    /// adapter).
    pub notes: Vec<String>,
    /// The limits used.
    pub tolerances: Tolerances,
    /// Frame by frame.
    pub frames: Vec<FrameComparison>,
}

impl Comparison {
    /// Whether every frame passes.
    pub fn pass(&self) -> bool {
        self.frames.iter().all(FrameComparison::pass)
    }

    /// Frames that failed.
    pub fn failed_frames(&self) -> Vec<u64> {
        self.frames
            .iter()
            .filter(|f| !f.pass())
            .map(|f| f.frame)
            .collect()
    }

    /// The terminal table: per frame, every metric with its value, limit and verdict.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "reference: {}", self.reference);
        let _ = writeln!(out, "actual:    {}", self.actual);
        for note in &self.notes {
            let _ = writeln!(out, "note: {note}");
        }
        for f in &self.frames {
            let verdict = if f.pass() { "pass" } else { "FAIL" };
            let _ = writeln!(out, "\nframe {}: {verdict}", f.frame);
            for p in &f.problems {
                let _ = writeln!(out, "  problem: {p}");
            }
            if !f.measurements.is_empty() {
                let _ = writeln!(
                    out,
                    "  {:<26} {:>12} {:>14}  result",
                    "metric", "value", "limit"
                );
            }
            for m in &f.measurements {
                let _ = writeln!(
                    out,
                    "  {:<26} {:>12} {:>2} {:>11}  {}",
                    m.metric,
                    number(m.value),
                    m.bound.symbol(),
                    number(m.limit),
                    if m.pass() { "pass" } else { "FAIL" }
                );
            }
        }
        let failed = self.failed_frames();
        let _ = write!(
            out,
            "\n{} of {} frames pass{}",
            self.frames.len() - failed.len(),
            self.frames.len(),
            if failed.is_empty() {
                String::new()
            } else {
                format!("; failed: {failed:?}")
            }
        );
        out
    }

    /// Writes the report folder: per frame `NNNNNN.actual.png`, `.diff.png`,
    /// `.flip.png` and `.instance-diff.png`, and `report.html` with everything embedded.
    /// Returns the HTML file.
    pub fn write_report(
        &self,
        dir: &Path,
        reference_dir: &Path,
        actual_dir: &Path,
    ) -> Result<PathBuf, GoldenError> {
        std::fs::create_dir_all(dir).map_err(|source| {
            GoldenError::Output(crate::output::OutputError::Io {
                path: dir.to_owned(),
                action: "cannot create report directory",
                source,
            })
        })?;
        let mut reference_files = DatasetFiles::open(reference_dir);
        let mut actual_files = DatasetFiles::open(actual_dir);
        let mut html = String::new();
        html.push_str(HTML_HEAD);
        let verdict = if self.pass() {
            "<p class=pass>every frame passes</p>"
        } else {
            "<p class=fail>some frames fail</p>"
        };
        let _ = write!(
            html,
            "<h1>synthvis golden comparison</h1>{verdict}<p>reference: {}<br>actual: {}</p>",
            escape(&self.reference),
            escape(&self.actual)
        );
        for note in &self.notes {
            let _ = write!(html, "<p class=note>note: {}</p>", escape(note));
        }
        for f in &self.frames {
            let stem = crate::output::frame_stem(f.frame);
            let verdict = if f.pass() { "pass" } else { "fail" };
            let _ = write!(
                html,
                "<section><h2 class={verdict}>frame {} — {verdict}</h2>",
                f.frame
            );
            for p in &f.problems {
                let _ = write!(html, "<p class=fail>{}</p>", escape(p));
            }
            if !f.measurements.is_empty() {
                html.push_str("<table><tr><th>metric<th>value<th>limit<th>result</tr>");
                for m in &f.measurements {
                    let class = if m.pass() { "pass" } else { "fail" };
                    let _ = write!(
                        html,
                        "<tr class={class}><td>{}<td>{}<td>{} {}<td>{}</tr>",
                        m.metric,
                        number(m.value),
                        escape(m.bound.symbol()),
                        number(m.limit),
                        if m.pass() { "pass" } else { "FAIL" }
                    );
                }
                html.push_str("</table>");
            }
            html.push_str("<div class=images>");
            let rgb = Modality::Rgb.path(f.frame);
            if let Ok(bytes) = reference_files.read(&rgb) {
                figure(&mut html, "reference", &bytes);
            }
            if let Ok(bytes) = actual_files.read(&rgb) {
                write_atomic(&dir.join(format!("{stem}.actual.png")), &bytes)?;
                figure(&mut html, "actual", &bytes);
            }
            if let Some(images) = &f.images {
                let mut pictures: Vec<(&str, &str, &RgbImage)> = vec![
                    (
                        "diff",
                        "colour difference (red: past the threshold)",
                        &images.rgb_diff,
                    ),
                    (
                        "flip",
                        "FLIP error (magma: brighter is worse)",
                        &images.flip,
                    ),
                ];
                if let Some(ids) = &images.instance_diff {
                    pictures.push(("instance-diff", "instance ids (red: differ)", ids));
                }
                for (name, caption, picture) in pictures {
                    let bytes = png(picture)?;
                    write_atomic(&dir.join(format!("{stem}.{name}.png")), &bytes)?;
                    figure(&mut html, caption, &bytes);
                }
            }
            html.push_str("</div></section>");
        }
        html.push_str("</body></html>\n");
        let path = dir.join("report.html");
        write_atomic(&path, html.as_bytes())?;
        Ok(path)
    }

    /// Writes JUnit XML: one test suite, one test case per frame, failures naming the
    /// metrics that failed.
    pub fn write_junit(&self, path: &Path, suite: &str) -> Result<(), GoldenError> {
        use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
        let mut suite = TestSuite::new(suite.to_owned());
        for f in &self.frames {
            let status = if f.pass() {
                TestCaseStatus::success()
            } else {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let mut reasons: Vec<String> = f.problems.clone();
                reasons.extend(f.failures().map(|m| {
                    format!(
                        "{} = {} (limit {} {})",
                        m.metric,
                        number(m.value),
                        m.bound.symbol(),
                        number(m.limit)
                    )
                }));
                status.set_message(reasons.join("; "));
                status
            };
            suite.add_test_case(TestCase::new(format!("frame {}", f.frame), status));
        }
        let mut report = Report::new("synthvis golden");
        report.add_test_suite(suite);
        let xml = report
            .to_string()
            .map_err(|e| GoldenError::Report(format!("JUnit XML: {e}")))?;
        write_atomic(path, xml.as_bytes())?;
        Ok(())
    }
}

/// A value as a person reads it: integers plainly, small numbers with enough digits.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e12 {
        format!("{v:.0}")
    } else if v.abs() >= 0.01 {
        format!("{v:.4}")
    } else {
        format!("{v:.3e}")
    }
}

fn png(picture: &RgbImage) -> Result<Vec<u8>, GoldenError> {
    crate::output::images::png_rgb8(
        picture.as_raw(),
        picture.width(),
        picture.height(),
        crate::spec::PngCompression::Fast,
    )
    .map_err(|e| GoldenError::Report(format!("encoding a report image: {e}")))
}

fn figure(html: &mut String, caption: &str, png: &[u8]) {
    let data = base64::engine::general_purpose::STANDARD.encode(png);
    let _ = write!(
        html,
        "<figure><img alt=\"{}\" src=\"data:image/png;base64,{data}\"><figcaption>{}</figcaption></figure>",
        escape(caption),
        escape(caption)
    );
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const HTML_HEAD: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>synthvis golden comparison</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0; }
td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: right; }
td:first-child, th:first-child { text-align: left; font-family: monospace; }
.pass { color: #17622a; } .fail { color: #b00020; font-weight: bold; } .note { color: #555; }
tr.fail td { background: #fde7ea; }
.images { display: flex; flex-wrap: wrap; gap: 8px; }
figure { margin: 0; } figcaption { font-size: 12px; color: #555; }
img { image-rendering: pixelated; width: 384px; border: 1px solid #ddd; }
</style>
<script>
// Counts the images that decoded, for people and for headless checks of the report.
window.addEventListener("load", () => {
  const all = Array.from(document.images);
  const shown = all.filter((i) => i.complete && i.naturalWidth > 0).length;
  document.title = `synthvis golden comparison (${shown}/${all.length} images shown)`;
  document.body.dataset.imagesShown = `${shown}/${all.length}`;
});
</script></head><body>
"#;
