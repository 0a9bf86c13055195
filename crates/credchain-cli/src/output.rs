//! The only place that writes to stdout/stderr. A closed pipe is not an
//! error worth reporting (`credchain ... | head`).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write as _;
use std::io::{self, Write};

/// Writes to stdout; returns `false` if stdout is closed.
pub(crate) fn out(s: &str) -> bool {
    let mut o = io::stdout().lock();
    o.write_all(s.as_bytes()).and_then(|()| o.flush()).is_ok()
}

/// Writes a line to stderr.
pub(crate) fn err_line(s: &str) {
    let _ = writeln!(io::stderr().lock(), "{s}");
}

/// Writes to stderr without a newline.
pub(crate) fn err(s: &str) {
    let _ = write!(io::stderr().lock(), "{s}");
}

/// A `--debug` trace line.
pub(crate) fn debug(enabled: bool, s: &str) {
    if enabled {
        err_line(&format!("debug: {s}"));
    }
}

/// Python `json.dumps` string encoding (`ensure_ascii=True`), so output is
/// byte-identical to the AWS CLI's.
pub(crate) fn py_json_str(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            '\u{8}' => o.push_str("\\b"),
            '\u{c}' => o.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    let _ = write!(o, "\\u{u:04x}");
                }
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

#[cfg(test)]
mod tests {
    use super::py_json_str;

    #[test]
    fn matches_python_json_dumps() {
        // python3 -c 'import json; print(json.dumps("a\"b\\\\c\né😂\x01\x7f"))'
        assert_eq!(
            py_json_str("a\"b\\c\né😂\u{1}\u{7f}"),
            r#""a\"b\\c\n\u00e9\ud83d\ude02\u0001\u007f""#
        );
    }
}

/// The width the AWS CLI's table output fits: the terminal's, or 80 when
/// stdout is not a terminal.
pub(crate) fn terminal_width() -> usize {
    #[cfg(unix)]
    {
        let out = io::stdout();
        if let Ok(size) = rustix::termios::tcgetwinsize(&out)
            && size.ws_col > 0
        {
            return usize::from(size.ws_col);
        }
    }
    80
}

/// The AWS CLI's `--output table` for a response that is one dict of
/// scalars (awscli `TableFormatter` + `table.MultiTable`): a titled section
/// whose header row is the sorted keys and whose one row is the values,
/// turned into `key | value` rows when wider than the terminal. Widths are
/// character counts (every value we print is ASCII).
pub(crate) fn aws_table(title: &str, fields: &[(&str, &str)], terminal_width: usize) -> String {
    let mut fields = fields.to_vec();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    let len = |s: &str| s.chars().count();
    let title_width =
        |cols: &[usize]| (cols.iter().map(|w| w + 4).sum::<usize>() + 2).max(len(title) + 2);
    let horizontal: Vec<usize> = fields.iter().map(|(k, v)| len(k).max(len(v))).collect();
    let mut out = String::new();
    if title_width(&horizontal) <= terminal_width {
        let max = title_width(&horizontal);
        let widths = scale(&horizontal, max);
        out.push_str(&"-".repeat(max));
        out.push('\n');
        out.push_str(&center(title, max, "|"));
        out.push('\n');
        out.push_str(&line_break(&widths));
        for (i, ((k, _), w)) in fields.iter().zip(&widths).enumerate() {
            out.push_str(&center(k, *w, if i == 0 { "|" } else { "" }));
        }
        out.push('\n');
        out.push_str(&line_break(&widths));
        for (i, ((_, v), w)) in fields.iter().zip(&widths).enumerate() {
            out.push_str(&align_left(v, *w, if i == 0 { "|" } else { "" }));
        }
        out.push('\n');
        out.push_str(&line_break(&widths));
        return out;
    }
    let cols = [
        fields.iter().map(|(k, _)| len(k)).max().unwrap_or(0),
        fields.iter().map(|(_, v)| len(v)).max().unwrap_or(0),
    ];
    let max = title_width(&cols);
    let widths = scale(&cols, max);
    out.push_str(&"-".repeat(max));
    out.push('\n');
    out.push_str(&center(title, max, "|"));
    out.push('\n');
    out.push_str(&line_break(&widths));
    for (k, v) in &fields {
        out.push_str(&align_left(k, widths[0], "|"));
        out.push_str(&align_left(v, widths[1], ""));
        out.push('\n');
    }
    out.push_str(&line_break(&widths));
    out
}

/// `Section.calculate_column_widths(padding=4, max_width)`: widths scaled
/// to sum to `max`, rounding half to even as Python's `round` does.
pub(crate) fn scale(cols: &[usize], max: usize) -> Vec<usize> {
    let unscaled: Vec<usize> = cols.iter().map(|w| w + 4).collect();
    let total: usize = unscaled.iter().sum();
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let mut scaled: Vec<i64> = unscaled
        .iter()
        .map(|&w| ((max as f64 / total as f64) * w as f64).round_ties_even() as i64)
        .collect();
    #[allow(clippy::cast_possible_wrap)]
    let mut off_by: i64 = scaled.iter().sum::<i64>() - max as i64;
    while off_by != 0 {
        let order: Vec<usize> = if off_by < 0 {
            (0..scaled.len()).rev().collect()
        } else {
            (0..scaled.len()).collect()
        };
        for i in order {
            if off_by > 0 {
                scaled[i] -= 1;
                off_by -= 1;
            } else {
                scaled[i] += 1;
                off_by += 1;
            }
            if off_by == 0 {
                break;
            }
        }
    }
    scaled
        .into_iter()
        .map(|w| usize::try_from(w).unwrap_or(0))
        .collect()
}

/// `table.center_text` with a right edge of `|`.
pub(crate) fn center(text: &str, length: usize, left_edge: &str) -> String {
    let tlen = text.chars().count();
    let start = (length / 2).saturating_sub(tlen / 2 + 1);
    let so_far = left_edge.len() + start + tlen;
    let right = length.saturating_sub(1 + so_far);
    format!(
        "{left_edge}{}{text}{}|",
        " ".repeat(start),
        " ".repeat(right)
    )
}

/// `table.align_left` with two spaces of padding and a right edge of `|`.
pub(crate) fn align_left(text: &str, length: usize, left_edge: &str) -> String {
    let tlen = text.chars().count();
    // Python: padding only if `length - (tlen + 2 + edges) >= 0`.
    let padding = if length > tlen + 2 + left_edge.len() {
        2
    } else {
        0
    };
    let so_far = left_edge.len() + padding + tlen;
    let right = length.saturating_sub(so_far + 1);
    format!(
        "{left_edge}{}{text}{}|",
        " ".repeat(padding),
        " ".repeat(right)
    )
}

/// `MultiTable._write_line_break`: `+----+------+`.
pub(crate) fn line_break(widths: &[usize]) -> String {
    let mut s = String::new();
    for (i, w) in widths.iter().enumerate() {
        if i == 0 {
            s.push('+');
            s.push_str(&"-".repeat(w.saturating_sub(2)));
        } else {
            s.push_str(&"-".repeat(w.saturating_sub(1)));
        }
        s.push('+');
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod table_tests {
    use super::aws_table;

    #[test]
    fn vertical_table_matches_aws_cli_v1() {
        // `aws sts get-caller-identity --output table` against moto_server.
        let got = aws_table(
            "GetCallerIdentity",
            &[
                ("UserId", "AKIAIOSFODNN7EXAMPLE"),
                ("Account", "123456789012"),
                ("Arn", "arn:aws:sts::123456789012:user/moto"),
            ],
            80,
        );
        assert_eq!(
            got,
            "----------------------------------------------------\n\
             |                 GetCallerIdentity                |\n\
             +---------+----------------------------------------+\n\
             |  Account|  123456789012                          |\n\
             |  Arn    |  arn:aws:sts::123456789012:user/moto   |\n\
             |  UserId |  AKIAIOSFODNN7EXAMPLE                  |\n\
             +---------+----------------------------------------+\n"
        );
    }

    #[test]
    fn horizontal_tables_match_awscli_table_formatter() {
        // awscli.formatter.TableFormatter with color off and the terminal
        // width forced to 80 and 200.
        let short = [
            ("UserId", "AIDA1"),
            ("Account", "123456789012"),
            ("Arn", "arn:aws:iam::1:user/a"),
        ];
        assert_eq!(
            aws_table("GetCallerIdentity", &short, 80),
            "-----------------------------------------------------\n\
             |                 GetCallerIdentity                 |\n\
             +---------------+-------------------------+---------+\n\
             |    Account    |           Arn           | UserId  |\n\
             +---------------+-------------------------+---------+\n\
             |  123456789012 |  arn:aws:iam::1:user/a  |  AIDA1  |\n\
             +---------------+-------------------------+---------+\n"
        );
        let moto = [
            ("UserId", "AKIAIOSFODNN7EXAMPLE"),
            ("Account", "123456789012"),
            ("Arn", "arn:aws:sts::123456789012:user/moto"),
        ];
        assert_eq!(
            aws_table("GetCallerIdentity", &moto, 200),
            "---------------------------------------------------------------------------------\n\
             |                               GetCallerIdentity                               |\n\
             +--------------+---------------------------------------+------------------------+\n\
             |    Account   |                  Arn                  |        UserId          |\n\
             +--------------+---------------------------------------+------------------------+\n\
             |  123456789012|  arn:aws:sts::123456789012:user/moto  |  AKIAIOSFODNN7EXAMPLE  |\n\
             +--------------+---------------------------------------+------------------------+\n"
        );
    }
}
