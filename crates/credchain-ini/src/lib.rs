/*!
A lossless INI document model with the semantics of CPython 3.11's
`configparser.RawConfigParser` (default settings), which is what botocore
uses to read `~/.aws/config` and `~/.aws/credentials`.

The crate knows nothing about AWS: `[profile x]` prefixes, sub-properties and
profile merging live in the `credchain` crate. This split mirrors
aws-runtime's parse/normalize layers.

```
use credchain_ini::Document;

let text = "[default]\r\nRegion = us-east-1 # not a comment\r\n; a comment\r\n";
let mut doc = Document::parse(text);
assert_eq!(doc.to_string(), text); // lossless, CRLF and all

let sections = doc.sections()?; // configparser's view
let default = &sections.sections[0];
let region = default.get("region").unwrap(); // names are lowercased
assert_eq!(region.value, "us-east-1 # not a comment"); // no inline comments
assert_eq!(region.line, 2);

// An edit rewrites the value span only: spelling, comment, CRLF stay.
assert!(doc.set("default", "region", "eu-west-1").unwrap());
assert_eq!(doc.to_string(), "[default]\r\nRegion = eu-west-1\r\n; a comment\r\n");

// A file configparser refuses: a line number and what was expected.
let err = Document::parse("region = x\n").sections().unwrap_err();
assert_eq!(err.line(), 1);
# Ok::<(), credchain_ini::Diagnostic>(())
```

# Design

A [`Document`] holds its text once, plus a compact index of its lines (where
each starts and how configparser classifies it: section header, property,
continuation, comment, blank, invalid). [`Document::line`] gives a borrowed
[`Line`] with its text, its line ending and a [`LineKind`] with byte spans
into the text. Because nothing is thrown away,
`Document::parse(s).to_string() == s` holds for **every** input, which is
what makes format-preserving edits possible.

The semantic view ([`Document::sections`], [`parse_sections`]) applies
configparser's rules on top of the lines: duplicate sections and options are
errors, lines before the first section are errors, option names are
lowercased, values are stripped, continuation lines are joined with `\n`,
and the `[DEFAULT]` section is kept apart. Each error is a [`Diagnostic`]
with a 1-based line number and a message saying what was expected.

# Memory

Large files (issue 9: a 60 MB config of 250,000 profiles) are read without
an owned copy of every value: [`outline`] applies every rule of
[`parse_sections`] in one streaming pass and keeps only the `[DEFAULT]`
options and where each section is; [`section_entries`] parses one section
when it is needed. [`Document::check`] is the same pass keeping nothing.
Edits never copy the document line by line either (see below).

# Editing

[`Document::set`], [`Document::set_nested`], [`Document::remove`],
[`Document::remove_nested`] and [`Document::ensure_section`] change the
fewest lines possible (an existing key's value span, a new line after the
section's last property, a new section after one blank line) and keep every
other byte. Each edit re-parses its result and is refused ([`EditError`])
unless exactly the edited key changed. The new text is built from slices of
the old one, and the check streams both texts instead of building their
semantic views, so an edit holds about the old text, its line index and the
new text.

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

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

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
/// ending and its classification, borrowed from the document.
///
/// `Debug` shows the classification and the text's length, never the text:
/// the crate cannot know which values are secrets (credentials files hold
/// secret keys), so no value is printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Line<'a> {
    text: &'a str,
    eol: Eol,
    kind: LineKind,
}

impl<'a> Line<'a> {
    /// The line's text without its line ending.
    pub fn text(&self) -> &'a str {
        self.text
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
    pub fn section_name(&self) -> Option<&'a str> {
        match &self.kind {
            LineKind::Section { name } => Some(&self.text[name.clone()]),
            _ => None,
        }
    }
    /// The option name as written (not lowercased) if this is a property line.
    pub fn property_name(&self) -> Option<&'a str> {
        match &self.kind {
            LineKind::Property { name, .. } => Some(&self.text[name.clone()]),
            _ => None,
        }
    }
    /// The stripped value text of a property or continuation line.
    pub fn value_text(&self) -> Option<&'a str> {
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

/// A lossless INI document: the text, held once, and a compact index of
/// its lines (where each starts and what configparser makes of it). Spans
/// are recomputed from the line's text when a [`Line`] is asked for, so a
/// large file costs its size plus about 9 bytes a line.
///
/// `Debug` lists the lines' classifications without their text (see
/// [`Line`]).
#[derive(Clone, Default)]
pub struct Document {
    text: String,
    /// Byte offset of each line's first byte.
    starts: Vec<usize>,
    /// Each line's classification, without its spans.
    tags: Vec<Tag>,
    /// [`Document::check`]'s answer, computed once: an edit checks the
    /// document several times (and its result is checked as it is made).
    checked: OnceLock<Result<(), Diagnostic>>,
}

impl PartialEq for Document {
    /// Documents are equal when their texts are (the rest follows from it).
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Document {}

/// A [`LineKind`] without its spans (they follow from the line's text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tag {
    Blank,
    Comment,
    Section,
    Property,
    Continuation,
    Invalid(InvalidReason),
}

impl Tag {
    fn of(kind: &LineKind) -> Tag {
        match kind {
            LineKind::Blank => Tag::Blank,
            LineKind::Comment => Tag::Comment,
            LineKind::Section { .. } => Tag::Section,
            LineKind::Property { .. } => Tag::Property,
            LineKind::Continuation { .. } => Tag::Continuation,
            LineKind::Invalid(r) => Tag::Invalid(*r),
        }
    }
}

impl fmt::Debug for Line<'_> {
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
        struct Lines<'a>(&'a Document);
        impl fmt::Debug for Lines<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.0.lines()).finish()
            }
        }
        f.debug_struct("Document")
            .field("lines", &Lines(self))
            .finish()
    }
}

/// The lines of `s` with their start offsets, split at `\n`, `\r\n` and
/// lone `\r`, borrowed (a 60 MB file must not cost a `Vec` of its lines).
#[derive(Clone)]
pub(crate) struct SplitLines<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> SplitLines<'a> {
    pub(crate) fn new(s: &'a str) -> SplitLines<'a> {
        SplitLines { s, pos: 0 }
    }
}

impl<'a> Iterator for SplitLines<'a> {
    /// (start offset, text without the line ending, line ending)
    type Item = (usize, &'a str, Eol);
    fn next(&mut self) -> Option<Self::Item> {
        let start = self.pos;
        let bytes = self.s.as_bytes();
        if start >= bytes.len() {
            return None;
        }
        let rest = &bytes[start..];
        let Some(i) = rest.iter().position(|&b| b == b'\n' || b == b'\r') else {
            self.pos = bytes.len();
            return Some((start, &self.s[start..], Eol::None));
        };
        let end = start + i;
        let eol = if rest[i] == b'\n' {
            Eol::Lf
        } else if rest.get(i + 1) == Some(&b'\n') {
            Eol::CrLf
        } else {
            Eol::Cr
        };
        self.pos = end + eol.as_str().len();
        Some((start, &self.s[start..end], eol))
    }
}

/// The line ending at the end of `raw` (a line with its ending). A `\r`
/// before a `\n` never ends a line of its own, so the last bytes decide.
fn eol_of(raw: &str) -> Eol {
    if raw.ends_with("\r\n") {
        Eol::CrLf
    } else if raw.ends_with('\n') {
        Eol::Lf
    } else if raw.ends_with('\r') {
        Eol::Cr
    } else {
        Eol::None
    }
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
#[derive(Clone)]
struct Classifier {
    in_section: bool,
    /// Whether the current option name is non-empty (Python truthiness).
    has_option: bool,
    indent_level: usize,
}

impl Classifier {
    fn new() -> Classifier {
        Classifier {
            in_section: false,
            has_option: false,
            indent_level: 0,
        }
    }

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
        if let Some(kind) = section_kind(text, &stripped) {
            self.in_section = true;
            self.has_option = false;
            return kind;
        }
        if !self.in_section {
            return LineKind::Invalid(InvalidReason::BeforeFirstSection);
        }
        let kind = property_kind(text, &stripped);
        // configparser records an empty name as an error but still uses ''
        // as the option name, which is falsy, so no continuation can follow.
        self.has_option = matches!(kind, LineKind::Property { .. });
        kind
    }
}

/// The header kind of a line whose stripped text is at `stripped`, if it is
/// `[name]`.
fn section_kind(text: &str, stripped: &Range<usize>) -> Option<LineKind> {
    let h = header_span(&text[stripped.clone()])?;
    Some(LineKind::Section {
        name: (h.start + stripped.start)..(h.end + stripped.start),
    })
}

/// A line inside a section that is not a header, comment or continuation:
/// `name = value`, or why not.
fn property_kind(text: &str, stripped: &Range<usize>) -> LineKind {
    let content = &text[stripped.clone()];
    let Some(delim) = content.find(['=', ':']) else {
        return LineKind::Invalid(InvalidReason::NoDelimiter);
    };
    let name_end = text::rstrip_len(&content[..delim]);
    if name_end == 0 {
        return LineKind::Invalid(InvalidReason::EmptyName);
    }
    let after = &content[delim + 1..];
    let (_, vspan) = text::strip_span(after);
    let base = stripped.start + delim + 1;
    let value = if vspan.is_empty() {
        stripped.end..stripped.end
    } else {
        (base + vspan.start)..(base + vspan.end)
    };
    LineKind::Property {
        name: stripped.start..stripped.start + name_end,
        delimiter: stripped.start + delim,
        value,
    }
}

/// The full [`LineKind`] of a line classified as `tag` (the spans follow
/// from the text alone; only the tag needed the lines before it).
fn kind_of(text: &str, tag: Tag) -> LineKind {
    match tag {
        Tag::Blank => LineKind::Blank,
        Tag::Comment => LineKind::Comment,
        Tag::Invalid(r) => LineKind::Invalid(r),
        Tag::Continuation => LineKind::Continuation {
            value: text::strip_span(text).1,
        },
        Tag::Section => {
            let stripped = text::strip_span(text).1;
            section_kind(text, &stripped).unwrap_or(LineKind::Blank)
        }
        Tag::Property => property_kind(text, &text::strip_span(text).1),
    }
}

/// Classified lines of a text: (1-based line number, start offset, text,
/// line ending, kind).
#[derive(Clone)]
pub(crate) struct Classified<'a> {
    lines: SplitLines<'a>,
    c: Classifier,
    lineno: usize,
}

impl<'a> Classified<'a> {
    pub(crate) fn new(s: &'a str) -> Classified<'a> {
        Classified {
            lines: SplitLines::new(s),
            c: Classifier::new(),
            lineno: 0,
        }
    }
}

/// One classified line.
pub(crate) struct CLine<'a> {
    pub(crate) lineno: usize,
    pub(crate) start: usize,
    pub(crate) text: &'a str,
    pub(crate) kind: LineKind,
}

impl<'a> Iterator for Classified<'a> {
    type Item = CLine<'a>;
    fn next(&mut self) -> Option<CLine<'a>> {
        let (start, text, _) = self.lines.next()?;
        self.lineno += 1;
        Some(CLine {
            lineno: self.lineno,
            start,
            text,
            kind: self.c.classify(text),
        })
    }
}

impl Document {
    /// Parses text into a lossless document. Never fails: problems are
    /// reported by [`Document::sections`] and [`Document::diagnostics`].
    pub fn parse(s: &str) -> Document {
        Document::from_string(s.to_owned())
    }

    /// [`Document::parse`] taking ownership of the text, so a large file is
    /// not copied.
    pub fn from_string(text: String) -> Document {
        let mut starts = Vec::new();
        let mut tags = Vec::new();
        for l in Classified::new(&text) {
            starts.push(l.start);
            tags.push(Tag::of(&l.kind));
        }
        Document {
            text,
            starts,
            tags,
            checked: OnceLock::new(),
        }
    }

    /// The document's text (what [`Display`](fmt::Display) writes).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The document's text, without copying it.
    pub fn into_string(self) -> String {
        self.text
    }

    /// The number of lines.
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Line `i` (0-based).
    ///
    /// # Panics
    /// If `i` is not below [`Document::line_count`].
    pub fn line(&self, i: usize) -> Line<'_> {
        let raw = self.raw_line(i);
        let eol = eol_of(raw);
        let text = &raw[..raw.len() - eol.as_str().len()];
        Line {
            text,
            eol,
            kind: kind_of(text, self.tags[i]),
        }
    }

    /// Line `i` with its line ending.
    pub(crate) fn raw_line(&self, i: usize) -> &str {
        let end = self.starts.get(i + 1).copied().unwrap_or(self.text.len());
        &self.text[self.starts[i]..end]
    }

    /// The lines of the document, in order.
    pub fn lines(&self) -> impl ExactSizeIterator<Item = Line<'_>> + '_ {
        (0..self.line_count()).map(|i| self.line(i))
    }

    /// The newline style for new lines: the first line ending in the file,
    /// or `\n` if it has none.
    pub fn newline(&self) -> Eol {
        // Only the last line can lack a line ending, so the first decides.
        match self.line_count() {
            0 => Eol::Lf,
            _ => match eol_of(self.raw_line(0)) {
                Eol::None => Eol::Lf,
                eol => eol,
            },
        }
    }

    /// Every problem configparser would report, in line order.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        build(self.lines().map(|l| (l.text, l.kind))).1
    }

    /// The semantic view, or the first problem (in line order) that makes
    /// configparser reject the file.
    pub fn sections(&self) -> Result<Sections, Diagnostic> {
        parse_sections(&self.text)
    }

    /// The section header names other than `DEFAULT`, in order: for a
    /// document that parses, the names of [`Document::sections`], found
    /// without building the view.
    pub fn section_names(&self) -> impl DoubleEndedIterator<Item = &str> + '_ {
        (0..self.line_count())
            .filter(|&i| self.tags[i] == Tag::Section)
            .filter_map(|i| self.line(i).section_name())
            .filter(|&n| n != "DEFAULT")
    }

    /// The first problem (in line order) that makes configparser reject the
    /// document, without building the semantic view.
    pub fn check(&self) -> Result<(), Diagnostic> {
        self.checked
            .get_or_init(|| scan(&self.text, false).map(|_| ()))
            .clone()
    }

    /// A document whose text is already known to pass [`Document::check`].
    pub(crate) fn from_checked(text: String) -> Document {
        let doc = Document::from_string(text);
        let _ = doc.checked.set(Ok(()));
        doc
    }
}

/// The semantic view of `s` without building a [`Document`]: the same
/// classification and rules as [`Document::sections`], but lines are
/// borrowed, so reading a large file allocates only what the result holds.
pub fn parse_sections(s: &str) -> Result<Sections, Diagnostic> {
    let (sections, mut diags) = build(Classified::new(s).map(|l| (l.text, l.kind)));
    if diags.is_empty() {
        Ok(sections)
    } else {
        Err(diags.swap_remove(0))
    }
}

/// An event of the semantic view, in file order.
#[derive(Debug)]
pub(crate) enum Event<'a> {
    /// A section header (`DEFAULT` included).
    Header {
        name: &'a str,
        line: usize,
        /// Byte offset of the header line.
        start: usize,
    },
    /// An option: lowercased name, joined value (borrowed unless it has
    /// continuation lines), line.
    Option {
        name: Cow<'a, str>,
        value: Cow<'a, str>,
        line: usize,
        continued: bool,
    },
    /// A line configparser rejects.
    Invalid { reason: InvalidReason, line: usize },
}

/// [`Event`]s of a text. Meant for documents up to their first
/// [`Event::Invalid`]: after an invalid line, continuation lines that
/// configparser would still join to the previous option are dropped (every
/// caller stops at the first problem).
pub(crate) struct Events<'a> {
    lines: std::iter::Peekable<Classified<'a>>,
}

impl<'a> Events<'a> {
    pub(crate) fn new(s: &'a str) -> Events<'a> {
        Events {
            lines: Classified::new(s).peekable(),
        }
    }
}

/// configparser's `optionxform`: `str.lower()`, borrowed when nothing
/// changes (the common case), so names cost no allocation.
pub(crate) fn lower(name: &str) -> Cow<'_, str> {
    if name
        .bytes()
        .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
    {
        Cow::Owned(text::py_lower(name))
    } else {
        Cow::Borrowed(name)
    }
}

impl<'a> Iterator for Events<'a> {
    type Item = Event<'a>;
    fn next(&mut self) -> Option<Event<'a>> {
        loop {
            let l = self.lines.next()?;
            match l.kind {
                LineKind::Blank | LineKind::Comment | LineKind::Continuation { .. } => {}
                LineKind::Section { name } => {
                    return Some(Event::Header {
                        name: &l.text[name],
                        line: l.lineno,
                        start: l.start,
                    });
                }
                LineKind::Invalid(reason) => {
                    return Some(Event::Invalid {
                        reason,
                        line: l.lineno,
                    });
                }
                LineKind::Property { name, value, .. } => {
                    let first = &l.text[value];
                    // configparser collects the pieces (a blank line is an
                    // empty piece, comments are skipped), joins them with
                    // `\n` and rstrips: trailing blank pieces vanish.
                    let mut joined: Option<String> = None;
                    let mut blanks = 0;
                    while let Some(n) = self.lines.peek() {
                        match &n.kind {
                            LineKind::Blank => blanks += 1,
                            LineKind::Comment => {}
                            LineKind::Continuation { value } => {
                                let j = joined.get_or_insert_with(|| first.to_owned());
                                for _ in 0..=blanks {
                                    j.push('\n');
                                }
                                blanks = 0;
                                j.push_str(&n.text[value.clone()]);
                            }
                            _ => break,
                        }
                        self.lines.next();
                    }
                    let continued = joined.is_some();
                    let value = match joined {
                        Some(mut j) => {
                            j.truncate(text::rstrip_len(&j));
                            Cow::Owned(j)
                        }
                        None => Cow::Borrowed(first),
                    };
                    return Some(Event::Option {
                        name: lower(&l.text[name]),
                        value,
                        line: l.lineno,
                        continued,
                    });
                }
            }
        }
    }
}

/// A section of a document that parses, located by [`outline`]: enough to
/// parse it alone later with [`section_entries`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionOutline<'a> {
    /// The header text exactly as between the brackets.
    pub name: &'a str,
    /// 1-based line of the header.
    pub line: usize,
    /// Byte range of the section in the text: from the start of its header
    /// line to the start of the next header line (or the end).
    pub span: Range<usize>,
    /// Whether any of its options has continuation lines (a multi-line or
    /// nested value).
    pub multiline: bool,
}

/// A document that parses, outlined: the `[DEFAULT]` options, and where each
/// other section is. What [`parse_sections`] finds, minus the sections'
/// options, which [`section_entries`] parses on demand: a reader that uses
/// a few sections of a large file holds its text and this outline (about
/// 50 bytes a section), not an owned copy of every value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outline<'a> {
    /// The `[DEFAULT]` options, as in [`Sections::defaults`].
    pub defaults: Vec<Entry>,
    /// The other sections in file order.
    pub sections: Vec<SectionOutline<'a>>,
}

/// Checks `s` with every rule [`parse_sections`] applies (the same first
/// [`Diagnostic`] on failure) and outlines it. Allocates the outline, the
/// `[DEFAULT]` options and a name index the size of the largest section.
pub fn outline(s: &str) -> Result<Outline<'_>, Diagnostic> {
    scan(s, true)
}

/// The options of one section of `s`, as [`Section::entries`] holds them
/// (lowercased names, joined values, file line numbers). `section` comes
/// from [`outline`] of the same `s`.
pub fn section_entries(s: &str, section: &SectionOutline<'_>) -> Vec<Entry> {
    // A section's header is classified the same without the lines before
    // it (only a non-continuation line can be a header, and a header resets
    // the classifier), so the section parses on its own.
    let offset = section.line - 1;
    Events::new(&s[section.span.clone()])
        .filter_map(|e| match e {
            Event::Option {
                name, value, line, ..
            } => Some(Entry {
                name: name.into_owned(),
                value: value.into_owned(),
                line: line + offset,
            }),
            _ => None,
        })
        .collect()
}

/// An option name hashed once: growing a 100,000-entry map re-hashes a
/// `u64`, not the name.
#[derive(PartialEq, Eq)]
struct Prehashed<'a> {
    hash: u64,
    name: Cow<'a, str>,
}

impl std::hash::Hash for Prehashed<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// The validation pass behind [`outline`] and [`Document::check`]
/// (`collect`: whether to build the outline).
fn scan(s: &str, collect: bool) -> Result<Outline<'_>, Diagnostic> {
    use std::collections::HashMap;
    let mut out = Outline {
        defaults: Vec::new(),
        sections: Vec::new(),
    };
    // Section name -> header line; lowercased option -> line, for the
    // current section (cleared at each header) and for DEFAULT (whose
    // blocks may repeat).
    let mut by_name: HashMap<&str, usize, hash::FxBuildHasher> = HashMap::default();
    let mut own: HashMap<Prehashed<'_>, usize, hash::FxBuildHasher> = HashMap::default();
    let mut defaults: HashMap<Prehashed<'_>, usize, hash::FxBuildHasher> = HashMap::default();
    // None = DEFAULT; Some(name) = that section.
    let mut cur: Option<&str> = None;
    let mut open: Option<usize> = None;
    for ev in Events::new(s) {
        match ev {
            Event::Header { name, line, start } => {
                if let Some(i) = open.take() {
                    out.sections[i].span.end = start;
                }
                if name == "DEFAULT" {
                    cur = None;
                    continue;
                }
                if let Some(&first_line) = by_name.get(name) {
                    return Err(Diagnostic {
                        line,
                        kind: DiagnosticKind::DuplicateSection {
                            section: name.to_owned(),
                            first_line,
                        },
                    });
                }
                by_name.insert(name, line);
                own.clear();
                cur = Some(name);
                if collect {
                    open = Some(out.sections.len());
                    out.sections.push(SectionOutline {
                        name,
                        line,
                        span: start..s.len(),
                        multiline: false,
                    });
                }
            }
            Event::Option {
                name,
                value,
                line,
                continued,
            } => {
                let seen = if cur.is_none() {
                    &mut defaults
                } else {
                    &mut own
                };
                let hash = {
                    use std::hash::BuildHasher;
                    hash::FxBuildHasher::default().hash_one(&*name)
                };
                let owned = (collect && cur.is_none()).then(|| name.clone().into_owned());
                match seen.entry(Prehashed { hash, name }) {
                    std::collections::hash_map::Entry::Occupied(o) => {
                        return Err(Diagnostic {
                            line,
                            kind: DiagnosticKind::DuplicateOption {
                                section: cur.unwrap_or("DEFAULT").to_owned(),
                                option: o.key().name.clone().into_owned(),
                                first_line: *o.get(),
                            },
                        });
                    }
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(line);
                    }
                }
                if let Some(name) = owned {
                    out.defaults.push(Entry {
                        name,
                        value: value.into_owned(),
                        line,
                    });
                } else if let Some(i) = open.filter(|_| cur.is_some()) {
                    out.sections[i].multiline |= continued;
                }
            }
            Event::Invalid { reason, line } => {
                let kind = match reason {
                    InvalidReason::BeforeFirstSection => DiagnosticKind::MissingSectionHeader,
                    InvalidReason::NoDelimiter => DiagnosticKind::NoDelimiter,
                    InvalidReason::EmptyName => DiagnosticKind::EmptyName,
                };
                return Err(Diagnostic { line, kind });
            }
        }
    }
    Ok(out)
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
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests;
