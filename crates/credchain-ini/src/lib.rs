/*!
A lossless INI document model with the semantics of CPython 3.11's
`configparser.RawConfigParser` (default settings), which is what botocore
uses to read `~/.aws/config` and `~/.aws/credentials`.

The crate knows nothing about AWS: `[profile x]` prefixes, sub-properties and
profile merging live in the `credchain` crate. This split mirrors
aws-runtime's parse/normalize layers.

# Design

A [`Document`] is a list of [`Line`]s. Each line keeps its exact text and its
line ending, plus a [`LineKind`] classifying it the way configparser would
(section header, property, continuation, comment, blank, invalid) with byte
spans into the text. Because nothing is thrown away,
`Document::parse(s).to_string() == s` holds for **every** input, which is
what makes format-preserving edits possible.

The semantic view ([`Document::sections`]) applies configparser's rules on top
of the lines: duplicate sections and options are errors, lines before the
first section are errors, option names are lowercased, values are stripped,
continuation lines are joined with `\n`, and the `[DEFAULT]` section is kept
apart. Each error is a [`Diagnostic`] with a 1-based line number and a
message saying what was expected.

# Editing

[`Document::set`], [`Document::set_nested`], [`Document::remove`],
[`Document::remove_nested`] and [`Document::ensure_section`] change the
fewest lines possible (an existing key's value span, a new line after the
section's last property, a new section after one blank line) and keep every
other byte. Each edit re-parses its result and is refused ([`EditError`])
unless exactly the edited key changed.

# configparser facts this crate reproduces

* Lines end at `\n`, `\r\n` or a lone `\r` (Python's universal newlines).
* "Whitespace" is Python's `str.isspace()`: Unicode `White_Space` plus the
  ASCII separators `\x1c`..=`\x1f`.
* A line whose stripped text starts with `#` or `;` is a comment, even when
  indented and even in the middle of a multi-line value. There are no inline
  comments: `region = x # y` has the value `x # y`.
* A non-blank line indented deeper than the line that started the current
  option continues that option's value; this check comes *before* the
  section-header check, so an indented `[x]` under an option is part of its
  value.
* Blank lines inside a value are kept as empty lines of the value (and do not
  end it); trailing blank lines are dropped when the value is joined.
* `[` header `]`: the header runs to the *last* `]` on the stripped line and
  must be non-empty; text after it is ignored.
* A property line is split at the first `=` or `:`; the name must not be
  empty.
*/

mod edit;
pub mod hash;
mod text;

pub use edit::EditError;
pub use text::{is_py_line_break, is_py_space, py_strip};

use std::fmt;
use std::ops::Range;

/// How a line ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eol {
    /// The last line of a file with no final newline.
    None,
    /// `\n`
    Lf,
    /// `\r\n`
    CrLf,
    /// A lone `\r`, which Python's universal newlines also treat as a line end.
    Cr,
}

impl Eol {
    /// The bytes of this line ending.
    pub fn as_str(self) -> &'static str {
        match self {
            Eol::None => "",
            Eol::Lf => "\n",
            Eol::CrLf => "\r\n",
            Eol::Cr => "\r",
        }
    }
}

/// Why a line could not be understood.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvalidReason {
    /// A property or header-like line before the first section header.
    BeforeFirstSection,
    /// A line that is neither a section header nor `name = value`.
    NoDelimiter,
    /// A `= value` line with nothing before the delimiter.
    EmptyName,
}

/// What configparser makes of one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// Empty or whitespace only.
    Blank,
    /// A full-line `#` or `;` comment (possibly indented).
    Comment,
    /// `[name]`; `name` is the span of the header text between `[` and the last `]`.
    Section {
        /// Span of the section name.
        name: Range<usize>,
    },
    /// `name = value` (or `name: value`).
    Property {
        /// Span of the option name (without surrounding whitespace).
        name: Range<usize>,
        /// Byte offset of the delimiter (`=` or `:`).
        delimiter: usize,
        /// Span of the value, stripped (possibly empty, then positioned at the line end).
        value: Range<usize>,
    },
    /// An indented line continuing the previous property's value.
    Continuation {
        /// Span of the stripped text.
        value: Range<usize>,
    },
    /// A line configparser rejects; kept verbatim.
    Invalid(InvalidReason),
}

/// One line of a [`Document`]: its text (without the line ending), its line
/// ending and its classification.
///
/// `Debug` shows the classification and the text's length, never the text:
/// the crate cannot know which values are secrets (credentials files hold
/// secret keys), so no value is printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Line {
    text: String,
    eol: Eol,
    kind: LineKind,
}

impl Line {
    /// The line's text without its line ending.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// The line ending.
    pub fn eol(&self) -> Eol {
        self.eol
    }
    /// The classification of this line.
    pub fn kind(&self) -> &LineKind {
        &self.kind
    }
    /// The section name if this is a section header line.
    pub fn section_name(&self) -> Option<&str> {
        match &self.kind {
            LineKind::Section { name } => Some(&self.text[name.clone()]),
            _ => None,
        }
    }
    /// The option name as written (not lowercased) if this is a property line.
    pub fn property_name(&self) -> Option<&str> {
        match &self.kind {
            LineKind::Property { name, .. } => Some(&self.text[name.clone()]),
            _ => None,
        }
    }
    /// The stripped value text of a property or continuation line.
    pub fn value_text(&self) -> Option<&str> {
        match &self.kind {
            LineKind::Property { value, .. } | LineKind::Continuation { value } => {
                Some(&self.text[value.clone()])
            }
            _ => None,
        }
    }
}

/// A problem found in a document, with the 1-based line it is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    line: usize,
    kind: DiagnosticKind,
}

/// The kinds of problems configparser reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// Content before the first `[section]` header.
    MissingSectionHeader,
    /// A section header that appeared before in the same file.
    DuplicateSection {
        /// The repeated section name.
        section: String,
        /// Line of the first occurrence.
        first_line: usize,
    },
    /// An option that appeared before in the same section (after lowercasing).
    DuplicateOption {
        /// The section.
        section: String,
        /// The lowercased option name.
        option: String,
        /// Line of the first occurrence.
        first_line: usize,
    },
    /// A line that is neither a header, a property, a comment nor a continuation.
    NoDelimiter,
    /// A property line with an empty name.
    EmptyName,
}

impl Diagnostic {
    /// The 1-based line number.
    pub fn line(&self) -> usize {
        self.line
    }
    /// What went wrong.
    pub fn kind(&self) -> &DiagnosticKind {
        &self.kind
    }
}

impl Diagnostic {
    /// The message without the line number: what was found and what was
    /// expected.
    pub fn message(&self) -> String {
        match &self.kind {
            DiagnosticKind::MissingSectionHeader => {
                "expected a `[section]` header before any other content".into()
            }
            DiagnosticKind::DuplicateSection {
                section,
                first_line,
            } => format!(
                "section `[{section}]` already defined on line {first_line}; \
                 expected each section once"
            ),
            DiagnosticKind::DuplicateOption {
                section,
                option,
                first_line,
            } => format!(
                "option `{option}` in section `[{section}]` already set on line \
                 {first_line}; expected each option once per section"
            ),
            DiagnosticKind::NoDelimiter => "expected `name = value`, `name: value`, a `[section]` \
                                            header or a `#`/`;` comment"
                .into(),
            DiagnosticKind::EmptyName => "expected an option name before the `=` or `:`".into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message())
    }
}

impl std::error::Error for Diagnostic {}

/// A parsed option: lowercased name, joined value and the line it starts on.
///
/// `Debug` shows the name, the line and the value's length, never the value
/// (it may be a secret; see [`Line`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    /// Option name, lowercased like `configparser.optionxform`.
    pub name: String,
    /// The value: stripped, continuation lines joined with `\n`, trailing
    /// whitespace removed.
    pub value: String,
    /// 1-based line of the `name = value` line.
    pub line: usize,
}

/// A parsed section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The header text exactly as between the brackets.
    pub name: String,
    /// 1-based line of the header.
    pub line: usize,
    /// The section's own options in file order.
    pub entries: Vec<Entry>,
}

impl Section {
    /// Looks up an option by its lowercased name.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }
}

/// The semantic view of a document: what `configparser` would hold after
/// `read()`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sections {
    /// The `[DEFAULT]` options, inherited by every section.
    pub defaults: Vec<Entry>,
    /// The sections (other than `DEFAULT`) in file order.
    pub sections: Vec<Section>,
}

impl Sections {
    /// A section's options as `configparser.options()` + `get()` see them:
    /// its own options first, then `[DEFAULT]` options it does not override.
    pub fn options<'a>(&'a self, section: &'a Section) -> impl Iterator<Item = &'a Entry> + 'a {
        // A set of the own names keeps this linear for large sections.
        let own: std::collections::HashSet<&str, hash::FxBuildHasher> = if self.defaults.is_empty()
        {
            std::collections::HashSet::default()
        } else {
            section.entries.iter().map(|e| e.name.as_str()).collect()
        };
        section.entries.iter().chain(
            self.defaults
                .iter()
                .filter(move |d| !own.contains(d.name.as_str())),
        )
    }
}

/// A lossless INI document.
///
/// `Debug` lists the lines' classifications without their text (see
/// [`Line`]).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Document {
    lines: Vec<Line>,
}

impl fmt::Debug for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Line")
            .field("kind", &self.kind)
            .field("eol", &self.eol)
            .field("text_len", &self.text.len())
            .finish()
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("name", &self.name)
            .field("value_len", &self.value.len())
            .field("line", &self.line)
            .finish()
    }
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("lines", &self.lines)
            .finish()
    }
}

/// Splits `s` into lines at `\n`, `\r\n` and lone `\r`.
fn split_lines(s: &str) -> Vec<(&str, Eol)> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                out.push((&s[start..i], Eol::Lf));
                i += 1;
                start = i;
            }
            b'\r' => {
                if bytes.get(i + 1) == Some(&b'\n') {
                    out.push((&s[start..i], Eol::CrLf));
                    i += 2;
                } else {
                    out.push((&s[start..i], Eol::Cr));
                    i += 1;
                }
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < bytes.len() {
        out.push((&s[start..], Eol::None));
    }
    out
}

/// Finds the section header span in a stripped line per `\[(?P<header>.+)\]`
/// (greedy: the header runs to the last `]`, and must be non-empty).
fn header_span(stripped: &str) -> Option<Range<usize>> {
    if !stripped.starts_with('[') {
        return None;
    }
    let close = stripped.rfind(']')?;
    // `.+` needs at least one character between the brackets.
    if close < 2 {
        return None;
    }
    Some(1..close)
}

/// Classifier state mirroring the locals of `RawConfigParser._read`.
struct Classifier {
    in_section: bool,
    /// Whether the current option name is non-empty (Python truthiness).
    has_option: bool,
    indent_level: usize,
}

impl Classifier {
    fn classify(&mut self, text: &str) -> LineKind {
        let (lead, stripped) = text::strip_span(text);
        if stripped.is_empty() {
            return LineKind::Blank;
        }
        let content = &text[stripped.clone()];
        if content.starts_with(['#', ';']) {
            return LineKind::Comment;
        }
        let indent = text[..lead].chars().count();
        if self.in_section && self.has_option && indent > self.indent_level {
            return LineKind::Continuation { value: stripped };
        }
        self.indent_level = indent;
        if let Some(h) = header_span(content) {
            self.in_section = true;
            self.has_option = false;
            return LineKind::Section {
                name: (h.start + stripped.start)..(h.end + stripped.start),
            };
        }
        if !self.in_section {
            return LineKind::Invalid(InvalidReason::BeforeFirstSection);
        }
        let Some(delim) = content.find(['=', ':']) else {
            return LineKind::Invalid(InvalidReason::NoDelimiter);
        };
        let name_end = text::rstrip_len(&content[..delim]);
        let after = &content[delim + 1..];
        let (_, vspan) = text::strip_span(after);
        let base = stripped.start + delim + 1;
        let value = (base + vspan.start)..(base + vspan.end);
        let value = if vspan.is_empty() {
            stripped.end..stripped.end
        } else {
            value
        };
        if name_end == 0 {
            // configparser records an error but still uses '' as the option
            // name, which is falsy, so no continuation can follow.
            self.has_option = false;
            return LineKind::Invalid(InvalidReason::EmptyName);
        }
        self.has_option = true;
        LineKind::Property {
            name: stripped.start..stripped.start + name_end,
            delimiter: stripped.start + delim,
            value,
        }
    }
}

impl Document {
    /// Parses text into a lossless document. Never fails: problems are
    /// reported by [`Document::sections`] and [`Document::diagnostics`].
    pub fn parse(s: &str) -> Document {
        let mut c = Classifier {
            in_section: false,
            has_option: false,
            indent_level: 0,
        };
        let lines = split_lines(s)
            .into_iter()
            .map(|(text, eol)| Line {
                kind: c.classify(text),
                text: text.to_owned(),
                eol,
            })
            .collect();
        Document { lines }
    }

    /// The lines of the document.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// The newline style for new lines: the first line ending in the file,
    /// or `\n` if it has none.
    pub fn newline(&self) -> Eol {
        self.lines
            .iter()
            .map(|l| l.eol)
            .find(|e| *e != Eol::None)
            .unwrap_or(Eol::Lf)
    }

    /// Every problem configparser would report, in line order.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        build(self.lines.iter().map(|l| (l.text.as_str(), l.kind.clone()))).1
    }

    /// The semantic view, or the first problem (in line order) that makes
    /// configparser reject the file.
    pub fn sections(&self) -> Result<Sections, Diagnostic> {
        let (sections, mut diags) =
            build(self.lines.iter().map(|l| (l.text.as_str(), l.kind.clone())));
        if diags.is_empty() {
            Ok(sections)
        } else {
            Err(diags.swap_remove(0))
        }
    }
}

/// The semantic view of `s` without building a [`Document`]: the same
/// classification and rules as [`Document::sections`], but lines are
/// borrowed, so reading a large file allocates only what the result holds.
pub fn parse_sections(s: &str) -> Result<Sections, Diagnostic> {
    let mut c = Classifier {
        in_section: false,
        has_option: false,
        indent_level: 0,
    };
    let (sections, mut diags) = build(
        split_lines(s)
            .into_iter()
            .map(|(text, _)| (text, c.classify(text))),
    );
    if diags.is_empty() {
        Ok(sections)
    } else {
        Err(diags.swap_remove(0))
    }
}

/// Applies configparser's rules to classified lines.
fn build<'t>(lines: impl Iterator<Item = (&'t str, LineKind)>) -> (Sections, Vec<Diagnostic>) {
    {
        // Values are collected as lists of pieces, then joined, like
        // configparser's `_join_multiline_values`.
        struct Building {
            name: String,
            line: usize,
            entries: Vec<Entry>,
        }
        let mut defaults = Building {
            name: "DEFAULT".into(),
            line: 0,
            entries: Vec::new(),
        };
        let mut sections: Vec<Building> = Vec::new();
        // Section name -> index, so 10,000-section files stay linear.
        let mut by_name: std::collections::HashMap<&str, usize, hash::FxBuildHasher> =
            std::collections::HashMap::default();
        // (section, hash of the lowercased option name) -> first entry with
        // that hash; section 0 is DEFAULT, i + 1 is sections[i].
        let mut seen: std::collections::HashMap<(usize, u64), usize, hash::FxBuildHasher> =
            std::collections::HashMap::default();
        let mut diags = Vec::new();
        // None = no section yet; Some(None) = DEFAULT; Some(Some(i)) = sections[i].
        let mut cur: Option<Option<usize>> = None;
        let mut cur_option: Option<usize> = None;
        for (idx, (text, kind)) in lines.enumerate() {
            let lineno = idx + 1;
            match &kind {
                LineKind::Blank => {
                    if let (Some(sec), Some(opt)) = (cur, cur_option) {
                        let b = match sec {
                            None => &mut defaults,
                            Some(i) => &mut sections[i],
                        };
                        b.entries[opt].value.push('\n');
                    }
                }
                LineKind::Comment => {}
                LineKind::Continuation { value } => {
                    if let (Some(sec), Some(opt)) = (cur, cur_option) {
                        let b = match sec {
                            None => &mut defaults,
                            Some(i) => &mut sections[i],
                        };
                        let v = &mut b.entries[opt].value;
                        v.push('\n');
                        v.push_str(&text[value.clone()]);
                    }
                }
                LineKind::Section { name } => {
                    let name = &text[name.clone()];
                    cur_option = None;
                    if name == "DEFAULT" {
                        cur = Some(None);
                    } else if let Some(&i) = by_name.get(name) {
                        diags.push(Diagnostic {
                            line: lineno,
                            kind: DiagnosticKind::DuplicateSection {
                                section: name.to_owned(),
                                first_line: sections[i].line,
                            },
                        });
                        // configparser raises here; nothing after counts.
                        break;
                    } else {
                        by_name.insert(name, sections.len());
                        sections.push(Building {
                            name: name.to_owned(),
                            line: lineno,
                            entries: Vec::new(),
                        });
                        cur = Some(Some(sections.len() - 1));
                    }
                }
                LineKind::Property { name, value, .. } => {
                    // The classifier only yields properties inside a section.
                    let Some(sec) = cur else { continue };
                    let b = match sec {
                        None => &mut defaults,
                        Some(i) => &mut sections[i],
                    };
                    let key = text::py_lower(&text[name.clone()]);
                    // One hash probe per option keeps a 100,000-key section
                    // linear; the index stores a hash and a position, not a
                    // copy of the name. Equal hashes are confirmed by
                    // comparing names (a collision falls back to a scan).
                    let sec_id = sec.map_or(0, |i| i + 1);
                    let h = {
                        use std::hash::BuildHasher;
                        hash::FxBuildHasher::default().hash_one(key.as_str())
                    };
                    let dup = match seen.get(&(sec_id, h)) {
                        Some(&i) if b.entries[i].name == key => Some(i),
                        Some(_) => b.entries.iter().position(|e| e.name == key),
                        None => None,
                    };
                    if let Some(prev) = dup.map(|i| &b.entries[i]) {
                        diags.push(Diagnostic {
                            line: lineno,
                            kind: DiagnosticKind::DuplicateOption {
                                section: b.name.clone(),
                                option: key,
                                first_line: prev.line,
                            },
                        });
                        break;
                    }
                    seen.entry((sec_id, h)).or_insert(b.entries.len());
                    b.entries.push(Entry {
                        name: key,
                        value: text[value.clone()].to_owned(),
                        line: lineno,
                    });
                    cur_option = Some(b.entries.len() - 1);
                }
                LineKind::Invalid(reason) => match reason {
                    InvalidReason::BeforeFirstSection => {
                        diags.push(Diagnostic {
                            line: lineno,
                            kind: DiagnosticKind::MissingSectionHeader,
                        });
                        break;
                    }
                    InvalidReason::NoDelimiter => diags.push(Diagnostic {
                        line: lineno,
                        kind: DiagnosticKind::NoDelimiter,
                    }),
                    InvalidReason::EmptyName => {
                        diags.push(Diagnostic {
                            line: lineno,
                            kind: DiagnosticKind::EmptyName,
                        });
                        cur_option = None;
                    }
                },
            }
        }
        // configparser joins the pieces with `\n`, then rstrips.
        let finish = |mut entries: Vec<Entry>| {
            for e in &mut entries {
                e.value.truncate(text::rstrip_len(&e.value));
            }
            entries
        };
        let out = Sections {
            defaults: finish(defaults.entries),
            sections: sections
                .into_iter()
                .map(|b| Section {
                    name: b.name,
                    line: b.line,
                    entries: finish(b.entries),
                })
                .collect(),
        };
        (out, diags)
    }
}

impl fmt::Display for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            f.write_str(&line.text)?;
            f.write_str(line.eol.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
