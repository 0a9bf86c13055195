//! Format-preserving edits on a [`Document`] (STYLE §7).
//!
//! Every edit follows one recipe:
//!
//! 1. The document must parse. An edit on a file configparser rejects could
//!    only guess at what the user meant, so it is refused
//!    ([`EditError::Unparseable`]).
//! 2. The fewest lines possible change: setting an existing key rewrites only
//!    its value span; a new key is inserted after the section's last property
//!    (after its continuation lines) with that property's indentation; a new
//!    section is appended after one blank line; removing a key deletes only its
//!    own lines. New lines use the file's newline style.
//! 3. The result is re-parsed and its semantic view compared with the old
//!    one: the edited key must read back as written and **every other section
//!    and option must be unchanged**. Odd indentation can make a new or removed
//!    line change how a later line is read (an indented `[x]` after a new key
//!    becomes a continuation); such an edit is refused rather than written
//!    ([`EditError::WouldChangeOtherLines`]).
//!
//! Section lookup uses the line classification the reader uses, so an
//! indented `[default]` under an option (a continuation) is never mistaken for
//! a header. Option names match case-insensitively, like configparser's
//! `optionxform`; sub-property names (botocore's `s3 =` blocks) match exactly,
//! like botocore's `_parse_nested`.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use crate::text::is_py_line_break;
use crate::{Diagnostic, Document, Eol, Event, Events, LineKind, Tag, lower, text};

/// Why an edit was refused. The document is unchanged when an edit fails.
///
/// Messages name sections and keys but never values: values may be secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EditError {
    /// The document does not parse, so it is not edited.
    Unparseable(Diagnostic),
    /// The section name cannot be written as a header.
    InvalidSection {
        /// Why.
        reason: &'static str,
    },
    /// The key (or sub-key) cannot be written as an option name.
    InvalidKey {
        /// The key as given.
        key: String,
        /// Why.
        reason: &'static str,
    },
    /// The value cannot be written on one line.
    InvalidValue {
        /// The key the value was for.
        key: String,
        /// Why.
        reason: &'static str,
    },
    /// The edit would change how other lines of the file are read.
    WouldChangeOtherLines,
    /// The written key would not read back as the value given.
    NotRepresentable {
        /// The key.
        key: String,
    },
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::Unparseable(d) => write!(f, "the file does not parse ({d}); not editing it"),
            EditError::InvalidSection { reason } => write!(f, "invalid section name: {reason}"),
            EditError::InvalidKey { key, reason } => write!(f, "invalid key `{key}`: {reason}"),
            EditError::InvalidValue { key, reason } => {
                write!(f, "invalid value for key {key}: {reason}")
            }
            EditError::WouldChangeOtherLines => f.write_str(
                "the edit would change how other lines of the file are read \
                 (unusual indentation); edit the file by hand",
            ),
            EditError::NotRepresentable { key } => {
                write!(f, "the value for `{key}` would not read back as written")
            }
        }
    }
}

impl std::error::Error for EditError {}

/// New lines: text and line ending.
type NewLines = Vec<(String, Eol)>;

/// An edit in progress: replacements of line ranges of the document (in
/// the original numbering), applied in one pass by [`Work::into_text`].
/// Unchanged lines are never copied line by line: the new text is built
/// from slices of the old one.
struct Work<'d> {
    doc: &'d Document,
    ops: Vec<(Range<usize>, NewLines)>,
}

impl<'d> Work<'d> {
    fn new(doc: &'d Document) -> Work<'d> {
        Work {
            doc,
            ops: Vec::new(),
        }
    }
    /// Replaces lines `r` (an empty range inserts before `r.start`).
    fn replace(&mut self, r: Range<usize>, lines: NewLines) {
        self.ops.push((r, lines));
    }
    /// Gives line `i` a line ending if it has none (the last line).
    fn ensure_eol(&mut self, i: usize, nl: Eol) {
        let line = self.doc.line(i);
        if line.eol() == Eol::None {
            self.replace(i..i + 1, vec![(line.text().to_owned(), nl)]);
        }
    }
    fn into_text(mut self) -> String {
        let doc = self.doc;
        // Ranges never overlap; an insertion sorts after a replacement
        // ending where it starts.
        self.ops.sort_by_key(|(r, _)| (r.start, r.end));
        let start = |i: usize| doc.starts.get(i).copied().unwrap_or(doc.text.len());
        let added: usize = self
            .ops
            .iter()
            .flat_map(|(_, l)| l)
            .map(|(t, _)| t.len() + 2)
            .sum();
        let mut out = String::with_capacity(doc.text.len() + added);
        let mut at = 0;
        for (r, lines) in &self.ops {
            out.push_str(&doc.text[start(at)..start(r.start)]);
            for (t, eol) in lines {
                out.push_str(t);
                out.push_str(eol.as_str());
            }
            at = r.end;
        }
        out.push_str(&doc.text[start(at)..]);
        out
    }
}

/// A property and the last line of its value (itself, or its last
/// continuation line).
#[derive(Clone, Copy, Debug)]
struct Prop {
    line: usize,
    last: usize,
    /// Byte offset of the `=` or `:`.
    delimiter: usize,
    /// Whether the property line's own value is empty (`s3 =`).
    value_empty: bool,
}

/// What the edited key must read back as.
enum Expect {
    /// A plain value.
    Str(String),
    /// A nested block whose lines parse (leniently) to these pairs.
    Nested(Nested),
    /// Gone.
    Absent,
    /// No key is edited; the section must exist afterwards.
    Section,
}

/// A leniently parsed nested block: `(Some(key), value)` per `key = value`
/// line (a repeated key keeps its first position and last value), `(None,
/// line)` for a line without `=`, which botocore would reject but which an
/// edit must keep.
type Nested = Vec<(Option<String>, String)>;

fn lenient_nested(value: &str) -> Nested {
    let mut out: Nested = Vec::new();
    // Sub-key -> position in `out`, so a large block stays linear.
    let mut at: std::collections::HashMap<&str, usize, crate::hash::FxBuildHasher> =
        std::collections::HashMap::default();
    for line in value.split(is_py_line_break) {
        let line = text::py_strip(line);
        if line.is_empty() {
            continue;
        }
        match line.split_once('=') {
            Some((k, v)) => {
                let k = text::py_strip(k);
                let v = text::py_strip(v).to_owned();
                if let Some(&i) = at.get(k) {
                    out[i].1 = v;
                } else {
                    at.insert(k, out.len());
                    out.push((Some(k.to_owned()), v));
                }
            }
            None => out.push((None, line.to_owned())),
        }
    }
    out
}

fn leading_ws(s: &str) -> &str {
    &s[..s.len() - s.trim_start_matches(text::is_py_space).len()]
}

fn is_blank(s: &str) -> bool {
    text::py_strip(s).is_empty()
}

/// Replaces the stripped text after byte `delim` with `new`, keeping the
/// delimiter and the spacing after it (one space is added after a bare `=`).
fn rewrite_after(line: &str, delim: usize, new: &str) -> String {
    let after = delim + 1;
    let (lead, span) = text::strip_span(&line[after..]);
    if span.is_empty() {
        if new.is_empty() {
            return line.to_owned();
        }
        let at = after + lead;
        let sep = if lead == 0 { " " } else { "" };
        return format!("{}{sep}{new}{}", &line[..at], &line[at..]);
    }
    format!(
        "{}{new}{}",
        &line[..after + span.start],
        &line[after + span.end..]
    )
}

fn check_section(name: &str) -> Result<(), EditError> {
    let reason = if name.is_empty() {
        "expected a non-empty name"
    } else if name.contains(['\n', '\r']) {
        "newline characters and carriage returns are not allowed"
    } else {
        return Ok(());
    };
    Err(EditError::InvalidSection { reason })
}

fn check_key(key: &str, nested: bool) -> Result<(), EditError> {
    let reason = if key.is_empty() {
        "expected a non-empty name"
    } else if key.contains(is_py_line_break) {
        "newline characters and carriage returns are not allowed"
    } else if text::py_strip(key) != key {
        "leading or trailing whitespace is not allowed"
    } else if key.contains('=') || (!nested && key.contains(':')) {
        "`=` and `:` are delimiters and cannot be part of a name"
    } else if key.starts_with(['#', ';']) || (!nested && key.starts_with('[')) {
        "a name cannot start with `#`, `;` or `[`"
    } else {
        return Ok(());
    };
    Err(EditError::InvalidKey {
        key: key.to_owned(),
        reason,
    })
}

fn check_value(key: &str, value: &str, nested: bool) -> Result<(), EditError> {
    let bad = if nested {
        value.contains(is_py_line_break)
    } else {
        value.contains(['\n', '\r'])
    };
    if bad {
        return Err(EditError::InvalidValue {
            key: key.to_owned(),
            reason: "newline characters and carriage returns are not allowed",
        });
    }
    Ok(())
}

/// One item of a document's semantic view, flattened: what
/// [`same_except`] compares.
#[derive(PartialEq, Eq)]
enum Item<'a> {
    Header(&'a str),
    Opt(Cow<'a, str>, Cow<'a, str>),
    /// The value of the option left out of the comparison.
    Edited(Cow<'a, str>),
}

/// The `[DEFAULT]` options (`defaults`) or the other sections' headers and
/// options of a document that parses, in order, leaving out the option
/// `key` of section `section`.
fn view<'a>(
    text: &'a str,
    defaults: bool,
    section: &'a str,
    key: &'a str,
) -> impl Iterator<Item = Item<'a>> + 'a {
    let mut cur: &str = "";
    Events::new(text).filter_map(move |e| match e {
        Event::Header { name, .. } => {
            cur = name;
            (!defaults && name != "DEFAULT").then_some(Item::Header(name))
        }
        Event::Option { name, value, .. } => {
            if (cur == "DEFAULT") != defaults {
                None
            } else if cur == section && name == key {
                Some(Item::Edited(value))
            } else {
                Some(Item::Opt(name, value))
            }
        }
        Event::Invalid { .. } => None,
    })
}

/// What [`same_except`] found when nothing but the edited key changed.
struct Unchanged {
    /// The edited key's own value in the new text.
    edited: Option<String>,
}

/// Whether `after` reads exactly like `before` except for `section`/`key`
/// (lowercased), and if so, the key's own value in `after`. `may_create`:
/// `section` may be new, as the last section, holding nothing but `key`.
/// Both documents must parse. Compared as two streams, without building
/// either view: an edit of a 60 MB file must not hold a copy of every value.
fn same_except(
    before: &str,
    after: &str,
    section: &str,
    key: &str,
    may_create: bool,
) -> Option<Unchanged> {
    // The edited key's value in `after`: recorded as the views pass it.
    let mut got = None;
    let defaults = section == "DEFAULT";
    let not_edited = |i: &Item<'_>| !matches!(i, Item::Edited(_));
    // Without a `DEFAULT` anywhere both DEFAULT views are empty: skip a
    // pass over each text (a substring search is much cheaper).
    let has_defaults = before.contains("DEFAULT") || after.contains("DEFAULT");
    let defaults_view = |text| {
        has_defaults
            .then(|| view(text, true, section, key))
            .into_iter()
            .flatten()
    };
    let mut b = defaults_view(before).filter(not_edited);
    let mut a = defaults_view(after);
    loop {
        let y = loop {
            match a.next() {
                Some(Item::Edited(v)) => got = Some(v.into_owned()),
                other => break other,
            }
        };
        match (b.next(), y) {
            (None, None) => break,
            (Some(x), Some(y)) if x == y => {}
            _ => return None,
        }
    }
    let mut existed = defaults;
    let mut b = view(before, false, section, key).filter(not_edited);
    let mut a = view(after, false, section, key);
    let mut next_after = |got: &mut Option<String>| loop {
        match a.next() {
            Some(Item::Edited(v)) => *got = Some(v.into_owned()),
            other => return other,
        }
    };
    loop {
        match (b.next(), next_after(&mut got)) {
            (None, None) => return Some(Unchanged { edited: got }),
            (Some(x), Some(y)) => {
                if x != y {
                    return None;
                }
                existed |= x == Item::Header(section);
            }
            (None, Some(y)) => {
                // The only difference allowed: the new section, last, with
                // nothing in it but the key (left out of the view).
                let ok = may_create
                    && !existed
                    && y == Item::Header(section)
                    && next_after(&mut got).is_none();
                return ok.then_some(Unchanged { edited: got });
            }
            (Some(_), None) => return None,
        }
    }
}

/// The own value of `section`/`key` in a document that parses (`DEFAULT`
/// is the defaults section).
fn entry_value(text: &str, section: &str, key: &str) -> Option<String> {
    let key = lower(key);
    let mut cur = "";
    Events::new(text).find_map(|e| match e {
        Event::Header { name, .. } => {
            cur = name;
            None
        }
        Event::Option { name, value, .. } if cur == section && name == key => {
            Some(value.into_owned())
        }
        _ => None,
    })
}

impl Document {
    /// The name of line `i` if it is a section header.
    fn header_name(&self, i: usize) -> Option<&str> {
        (self.tags[i] == Tag::Section)
            .then(|| self.line(i).section_name())
            .flatten()
    }

    /// Line ranges of the blocks of `section`: each is the header's index and
    /// the index one past the block's last line. Only `DEFAULT` can have more
    /// than one block in a document that parses.
    fn blocks(&self, section: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut open: Option<usize> = None;
        for i in 0..self.line_count() {
            if let Some(name) = self.header_name(i) {
                if let Some(h) = open.take() {
                    out.push((h, i));
                }
                if name == section {
                    open = Some(i);
                }
            }
        }
        if let Some(h) = open {
            out.push((h, self.line_count()));
        }
        out
    }

    /// The last line of the value that starts at property line `i`: its last
    /// continuation line, looking past blank lines and comments.
    fn value_end(&self, i: usize) -> usize {
        let mut last = i;
        for (j, tag) in self.tags.iter().enumerate().skip(i + 1) {
            match tag {
                Tag::Continuation => last = j,
                Tag::Blank | Tag::Comment => {}
                _ => break,
            }
        }
        last
    }

    fn props(&self, (header, end): (usize, usize)) -> Vec<Prop> {
        (header + 1..end)
            .filter(|&i| self.tags[i] == Tag::Property)
            .filter_map(|i| match self.line(i).kind() {
                LineKind::Property {
                    delimiter, value, ..
                } => Some(Prop {
                    line: i,
                    last: self.value_end(i),
                    delimiter: *delimiter,
                    value_empty: value.is_empty(),
                }),
                _ => None,
            })
            .collect()
    }

    fn find_key(&self, section: &str, key: &str) -> Option<Prop> {
        let want = text::py_lower(key);
        self.blocks(section).into_iter().find_map(|b| {
            self.props(b).into_iter().find(|p| {
                self.line(p.line)
                    .property_name()
                    .is_some_and(|n| lower(n) == want)
            })
        })
    }

    fn checked(&self) -> Result<(), EditError> {
        self.check().map_err(EditError::Unparseable)
    }

    /// Inserts `new_lines` as the last option(s) of `section`, creating the
    /// section at the end of the document if needed. Lines are indented like
    /// the section's last property (or its header).
    fn insert_in_section(&self, w: &mut Work<'_>, section: &str, new_lines: &[String]) {
        let nl = self.newline();
        if let Some(&block) = self.blocks(section).last() {
            let props = self.props(block);
            let (after, indent) = match props.last() {
                Some(p) => (p.last, leading_ws(self.line(p.line).text())),
                None => (block.0, leading_ws(self.line(block.0).text())),
            };
            w.ensure_eol(after, nl);
            let ins = new_lines
                .iter()
                .map(|t| (format!("{indent}{t}"), nl))
                .collect();
            w.replace(after + 1..after + 1, ins);
            return;
        }
        let n = self.line_count();
        let mut ins = Vec::new();
        if n > 0 {
            w.ensure_eol(n - 1, nl);
            if !is_blank(self.line(n - 1).text()) {
                ins.push((String::new(), nl));
            }
        }
        ins.push((format!("[{section}]"), nl));
        ins.extend(new_lines.iter().map(|t| (t.clone(), nl)));
        w.replace(n..n, ins);
    }

    /// Builds the edited text, re-parses and checks it, and adopts it.
    /// Returns whether the text changed.
    fn commit(
        &mut self,
        new_text: String,
        section: &str,
        key: &str,
        expect: &Expect,
    ) -> Result<bool, EditError> {
        // Peak memory: the old text and its line index, and the new text.
        // The checks below stream both texts; neither view is built.
        if self.text == new_text {
            return Ok(false);
        }
        if crate::scan(&new_text, false).is_err() {
            return Err(EditError::WouldChangeOtherLines);
        }
        let key = text::py_lower(key);
        let Some(Unchanged { edited: got }) = same_except(
            &self.text,
            &new_text,
            section,
            &key,
            !matches!(expect, Expect::Absent),
        ) else {
            return Err(EditError::WouldChangeOtherLines);
        };
        let ok = match (expect, got) {
            (Expect::Absent | Expect::Section, None) => true,
            (Expect::Str(want), Some(v)) => *want == v,
            (Expect::Nested(want), Some(v)) => v.starts_with('\n') && lenient_nested(&v) == *want,
            _ => false,
        };
        if !ok {
            return Err(EditError::NotRepresentable { key });
        }
        // Drop the old document before indexing the new one.
        *self = Document::default();
        *self = Document::from_checked(new_text);
        Ok(true)
    }

    /// Whether `section` has a header in the document.
    pub fn has_section(&self, section: &str) -> bool {
        !self.blocks(section).is_empty()
    }

    /// Appends `[section]` (after one blank line) unless it exists. Returns
    /// whether the document changed.
    pub fn ensure_section(&mut self, section: &str) -> Result<bool, EditError> {
        check_section(section)?;
        self.checked()?;
        if self.has_section(section) {
            return Ok(false);
        }
        let mut w = Work::new(self);
        self.insert_in_section(&mut w, section, &[]);
        // No key is edited: the empty key never matches an option.
        let new_text = w.into_text();
        self.commit(new_text, section, "", &Expect::Section)
    }

    /// Sets `key = value` in `section`, creating the section and key as
    /// needed. An existing key (matched case-insensitively) keeps its
    /// spelling, spacing and delimiter; only its value span is rewritten, and
    /// any continuation lines of its old value are removed. Leading and
    /// trailing whitespace of `value` is dropped (configparser strips it on
    /// reading). Returns whether the document changed.
    pub fn set(&mut self, section: &str, key: &str, value: &str) -> Result<bool, EditError> {
        check_section(section)?;
        check_key(key, false)?;
        check_value(key, value, false)?;
        let value = text::py_strip(value);
        self.checked()?;
        let mut w = Work::new(self);
        if let Some(p) = self.find_key(section, key) {
            let old = self.line(p.line);
            let line = rewrite_after(old.text(), p.delimiter, value);
            let mut repl = vec![(line, old.eol())];
            repl.extend(self.keep_comments(p.line + 1, p.last));
            w.replace(p.line..p.last + 1, repl);
        } else {
            let line = if value.is_empty() {
                format!("{key} =")
            } else {
                format!("{key} = {value}")
            };
            self.insert_in_section(&mut w, section, &[line]);
        }
        let new_text = w.into_text();
        self.commit(new_text, section, key, &Expect::Str(value.to_owned()))
    }

    /// The comment lines in `from..=to`, which edits that drop a value's
    /// continuation lines keep: they are the user's words, not the value.
    fn keep_comments(&self, from: usize, to: usize) -> NewLines {
        (from..=to)
            .filter(|&i| self.tags[i] == Tag::Comment)
            .map(|i| {
                let l = self.line(i);
                (l.text().to_owned(), l.eol())
            })
            .collect()
    }

    /// Removes `key` (matched case-insensitively) from `section`: its
    /// property line, continuation lines and the blank lines between them;
    /// comments stay. A missing key or section is not an error. Returns
    /// whether the document changed.
    pub fn remove(&mut self, section: &str, key: &str) -> Result<bool, EditError> {
        self.checked()?;
        let Some(p) = self.find_key(section, key) else {
            return Ok(false);
        };
        let mut w = Work::new(self);
        w.replace(p.line..p.last + 1, self.keep_comments(p.line + 1, p.last));
        let new_text = w.into_text();
        self.commit(new_text, section, key, &Expect::Absent)
    }

    /// The sub-property lines of the nested block at `p` whose sub-key is
    /// `subkey`.
    fn sub_lines(&self, p: Prop, subkey: &str) -> Vec<usize> {
        (p.line + 1..=p.last)
            .filter(|&i| {
                self.tags[i] == Tag::Continuation
                    && self
                        .line(i)
                        .text()
                        .split_once('=')
                        .is_some_and(|(k, _)| text::py_strip(k) == subkey)
            })
            .collect()
    }

    /// Sets `subkey = value` inside the nested block `key =` of `section`
    /// (botocore's sub-properties, e.g. `s3 =` / `    addressing_style =
    /// path`). Creates the section, the block or the sub-line as needed; an
    /// existing sub-line keeps its indentation and spacing. A key that holds a
    /// plain value is turned into a block (its old value is dropped). A new
    /// sub-line is indented like the block's last line, or 4 spaces deeper
    /// than the key. Returns whether the document changed.
    pub fn set_nested(
        &mut self,
        section: &str,
        key: &str,
        subkey: &str,
        value: &str,
    ) -> Result<bool, EditError> {
        check_section(section)?;
        check_key(key, false)?;
        check_key(subkey, true)?;
        check_value(subkey, value, true)?;
        let value = text::py_strip(value);
        self.checked()?;
        let old = entry_value(&self.text, section, key);
        let mut want = match &old {
            Some(v) if !v.is_empty() && !v.starts_with('\n') => Vec::new(),
            Some(v) => lenient_nested(v),
            None => Vec::new(),
        };
        match want.iter_mut().find(|(k, _)| k.as_deref() == Some(subkey)) {
            Some(e) => value.clone_into(&mut e.1),
            None => want.push((Some(subkey.to_owned()), value.to_owned())),
        }
        let sub = format!("{subkey} = {value}");
        let sub = sub.trim_end();
        let mut w = Work::new(self);
        let nl = self.newline();
        match self.find_key(section, key) {
            None => {
                let lines = [format!("{key} ="), format!("    {sub}")];
                self.insert_in_section(&mut w, section, &lines);
            }
            Some(p) => {
                let line = self.line(p.line);
                let key_indent = leading_ws(line.text());
                if p.value_empty {
                    let subs = self.sub_lines(p, subkey);
                    if let Some(&last) = subs.last() {
                        let l = self.line(last);
                        let t = l.text();
                        let eq = t.find('=').unwrap_or(t.len());
                        w.replace(last..last + 1, vec![(rewrite_after(t, eq, value), l.eol())]);
                    } else {
                        let indent = (p.line + 1..=p.last)
                            .rev()
                            .find(|&i| self.tags[i] == Tag::Continuation)
                            .map_or_else(
                                || format!("{key_indent}    "),
                                |i| leading_ws(self.line(i).text()).to_owned(),
                            );
                        w.ensure_eol(p.last, nl);
                        w.replace(p.last + 1..p.last + 1, vec![(format!("{indent}{sub}"), nl)]);
                    }
                } else {
                    // A plain value becomes a block: `key =` then the sub-line.
                    let eol = if line.eol() == Eol::None {
                        nl
                    } else {
                        line.eol()
                    };
                    let mut repl = vec![
                        (line.text()[..=p.delimiter].to_owned(), eol),
                        (format!("{key_indent}    {sub}"), nl),
                    ];
                    repl.extend(self.keep_comments(p.line + 1, p.last));
                    w.replace(p.line..p.last + 1, repl);
                }
            }
        }
        let new_text = w.into_text();
        self.commit(new_text, section, key, &Expect::Nested(want))
    }

    /// Removes `subkey` from the nested block `key =` of `section` (every
    /// line that sets it, since botocore reads the last). When no
    /// sub-property line is left, the block's key goes too. A missing
    /// section, key or sub-key, or a key holding a plain value, is not an
    /// error. Returns whether the document changed.
    pub fn remove_nested(
        &mut self,
        section: &str,
        key: &str,
        subkey: &str,
    ) -> Result<bool, EditError> {
        self.checked()?;
        let Some(p) = self.find_key(section, key) else {
            return Ok(false);
        };
        if !p.value_empty {
            return Ok(false);
        }
        let subs = self.sub_lines(p, subkey);
        if subs.is_empty() {
            return Ok(false);
        }
        let old = entry_value(&self.text, section, key).unwrap_or_default();
        let want: Nested = lenient_nested(&old)
            .into_iter()
            .filter(|(k, _)| k.as_deref() != Some(subkey))
            .collect();
        let mut w = Work::new(self);
        let others =
            (p.line + 1..=p.last).any(|i| self.tags[i] == Tag::Continuation && !subs.contains(&i));
        if others {
            for &i in &subs {
                w.replace(i..i + 1, Vec::new());
            }
            let new_text = w.into_text();
            self.commit(new_text, section, key, &Expect::Nested(want))
        } else {
            w.replace(p.line..p.last + 1, self.keep_comments(p.line + 1, p.last));
            let new_text = w.into_text();
            self.commit(new_text, section, key, &Expect::Absent)
        }
    }

    /// Appends a new `[section]` (after one blank line) holding `comments`
    /// (full-line comments, each written as given, e.g. `# made by x`) and
    /// then `key = value` for each of `props`. A section that exists already
    /// is left alone (`Ok(false)`). The result must read back as the old
    /// document plus exactly that section, last, with exactly those options.
    pub fn add_section(
        &mut self,
        section: &str,
        comments: &[&str],
        props: &[(&str, &str)],
    ) -> Result<bool, EditError> {
        check_section(section)?;
        for c in comments {
            if !c.starts_with(['#', ';']) || c.contains(is_py_line_break) {
                return Err(EditError::InvalidValue {
                    key: "(comment)".into(),
                    reason: "a comment is one line starting with `#` or `;`",
                });
            }
        }
        for (k, v) in props {
            check_key(k, false)?;
            check_value(k, v, false)?;
        }
        let before = self.sections().map_err(EditError::Unparseable)?;
        if self.has_section(section) {
            return Ok(false);
        }
        let mut lines: Vec<String> = comments.iter().map(|c| (*c).to_owned()).collect();
        lines.extend(props.iter().map(|(k, v)| {
            let v = text::py_strip(v);
            if v.is_empty() {
                format!("{k} =")
            } else {
                format!("{k} = {v}")
            }
        }));
        let mut w = Work::new(self);
        self.insert_in_section(&mut w, section, &lines);
        let new_text = w.into_text();
        let doc = Document::from_string(new_text);
        let after = doc
            .sections()
            .map_err(|_| EditError::WouldChangeOtherLines)?;
        let (last, rest) = after
            .sections
            .split_last()
            .ok_or(EditError::WouldChangeOtherLines)?;
        let same_rest = entries_eq(&before.defaults, &after.defaults)
            && rest.len() == before.sections.len()
            && rest
                .iter()
                .zip(&before.sections)
                .all(|(a, b)| a.name == b.name && entries_eq(&a.entries, &b.entries));
        if !same_rest || last.name != section {
            return Err(EditError::WouldChangeOtherLines);
        }
        let got: Vec<(&str, &str)> = last
            .entries
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_str()))
            .collect();
        let want: Vec<(String, String)> = props
            .iter()
            .map(|(k, v)| (text::py_lower(k), text::py_strip(v).to_owned()))
            .collect();
        if got.len() != want.len()
            || got
                .iter()
                .zip(&want)
                .any(|((gk, gv), (wk, wv))| gk != wk || gv != wv)
        {
            return Err(EditError::NotRepresentable {
                key: section.to_owned(),
            });
        }
        *self = doc;
        Ok(true)
    }

    /// Removes `[section]`: its header and every line up to its last
    /// option (with the comments among them), plus the one blank line
    /// before the header when a blank line or the end of the file follows.
    /// Comments and blank lines after its last option are kept: they
    /// usually introduce the next section. A missing section is not an
    /// error. The result must read back as the old document without that
    /// section, else nothing is changed.
    pub fn remove_section(&mut self, section: &str) -> Result<bool, EditError> {
        let before = self.sections().map_err(EditError::Unparseable)?;
        let Some(&(header, end)) = self.blocks(section).last() else {
            return Ok(false);
        };
        let last = (header + 1..end)
            .rev()
            .find(|&i| !matches!(self.tags[i], Tag::Blank | Tag::Comment))
            .unwrap_or(header);
        let mut from = header;
        let next_blank_or_end = last + 1 >= self.line_count() || self.tags[last + 1] == Tag::Blank;
        if header > 0 && self.tags[header - 1] == Tag::Blank && next_blank_or_end {
            from = header - 1;
        }
        let mut w = Work::new(self);
        w.replace(from..last + 1, Vec::new());
        let new_text = w.into_text();
        let doc = Document::from_string(new_text);
        let after = doc
            .sections()
            .map_err(|_| EditError::WouldChangeOtherLines)?;
        let kept: Vec<&crate::Section> = before
            .sections
            .iter()
            .filter(|s| s.name != section)
            .collect();
        let same = entries_eq(&before.defaults, &after.defaults)
            && kept.len() == after.sections.len()
            && kept
                .iter()
                .zip(&after.sections)
                .all(|(b, a)| a.name == b.name && entries_eq(&a.entries, &b.entries));
        if !same {
            return Err(EditError::WouldChangeOtherLines);
        }
        *self = doc;
        Ok(true)
    }
}

/// Whether two option lists hold the same `(name, value)` pairs in the same
/// order (line numbers do not count).
fn entries_eq(a: &[crate::Entry], b: &[crate::Entry]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.name == y.name && x.value == y.value)
}

#[cfg(test)]
#[path = "edit_tests.rs"]
mod tests;
