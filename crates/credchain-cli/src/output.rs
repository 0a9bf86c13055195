//! The only place that writes to stdout/stderr. A closed pipe is not an
//! error worth reporting (`credchain ... | head`).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write as _;
use std::io::{self, Write};

/// The first stdout write error other than a closed pipe (a full disk,
/// `> /dev/full`): the AWS CLI reports it and exits 255, and so does
/// `main` (see [`stdout_error`]).
static STDOUT_ERROR: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Writes to stdout; returns `false` if stdout is closed or failed.
pub(crate) fn out(s: &str) -> bool {
    let mut o = io::stdout().lock();
    match o.write_all(s.as_bytes()).and_then(|()| o.flush()) {
        Ok(()) => true,
        // `credchain ... | head`: not an error worth reporting.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => false,
        Err(e) => {
            let _ = STDOUT_ERROR.set(e.to_string());
            false
        }
    }
}

/// Why writing to stdout failed, if it did (other than a closed pipe).
pub(crate) fn stdout_error() -> Option<&'static str> {
    STDOUT_ERROR.get().map(String::as_str)
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

/// A shell that `configure export-credentials` writes assignments for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shell {
    /// POSIX sh, bash, zsh (`env`, `env-no-export`).
    Posix,
    /// fish.
    Fish,
    /// PowerShell.
    Pwsh,
    /// Windows cmd.exe.
    Cmd,
}

/// Why a value cannot be written for a shell. Never holds the value: it is
/// a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unquotable {
    /// The offending character.
    pub(crate) ch: char,
    /// The shell it cannot be written for.
    pub(crate) shell: Shell,
}

impl std::fmt::Display for Unquotable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.ch.is_control() {
            "a control character"
        } else {
            "a character"
        };
        let shell = match self.shell {
            Shell::Posix => "a POSIX shell",
            Shell::Fish => "fish",
            Shell::Pwsh => "PowerShell",
            Shell::Cmd => "cmd.exe (it has no quoting that keeps it literal)",
        };
        write!(
            f,
            "it contains {what} (U+{:04X}) that no AWS credential contains and that cannot be \
             written safely for {shell}; use --format process instead",
            u32::from(self.ch)
        )
    }
}

/// Characters that real credentials consist of (access key ids, base64
/// secrets and session tokens, ISO-8601 expirations) and that no shell
/// treats specially: such values are printed bare, byte for byte what AWS
/// CLI v2 prints (it never quotes). Everything else is quoted for the
/// target shell, because v2's bare output lets a crafted value run commands
/// under `eval "$(aws configure export-credentials --format env)"`.
fn is_plain(v: &str) -> bool {
    v.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+/=:._-".contains(&b))
}

/// The PowerShell tokenizer's single-quote characters (ASCII `'` and the
/// typographic ones, which it treats the same).
const PS_SINGLE_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201a}', '\u{201b}'];

/// One `export-credentials` line assigning `value` to `var` in `shell`
/// (`export` only for [`Shell::Posix`] when `export` is set). Values of
/// plain characters keep AWS CLI v2's exact bytes; others are single-quoted
/// so the shell assigns them literally. A control character is refused for
/// every shell (a newline would end the assignment for any line-based
/// reader, and no credential holds one), and cmd.exe, which has no literal
/// quoting, accepts only printable ASCII without its metacharacters.
pub(crate) fn shell_assignment(
    shell: Shell,
    export: bool,
    var: &str,
    value: &str,
) -> Result<String, Unquotable> {
    if let Some(ch) = value.chars().find(|c| c.is_control()) {
        return Err(Unquotable { ch, shell });
    }
    let plain = is_plain(value);
    Ok(match shell {
        Shell::Posix => {
            let v = if plain {
                value.to_owned()
            } else {
                // Inside '...' nothing is special but the closing quote.
                format!("'{}'", value.replace('\'', r"'\''"))
            };
            if export {
                format!("export {var}={v}\n")
            } else {
                format!("{var}={v}\n")
            }
        }
        Shell::Fish => {
            if plain {
                format!("set -gx {var} \"{value}\"\n")
            } else {
                // fish single quotes: only `\'` and `\\` are escapes.
                let v = value.replace('\\', r"\\").replace('\'', r"\'");
                format!("set -gx {var} '{v}'\n")
            }
        }
        Shell::Pwsh => {
            if plain {
                format!("$Env:{var}=\"{value}\"\n")
            } else {
                // PowerShell single quotes: a quote character is escaped by
                // doubling it; nothing else ($, `) is special.
                let mut v = String::with_capacity(value.len() + 2);
                for c in value.chars() {
                    if PS_SINGLE_QUOTES.contains(&c) {
                        v.push(c);
                    }
                    v.push(c);
                }
                format!("$Env:{var}='{v}'\n")
            }
        }
        Shell::Cmd => {
            if let Some(ch) = value
                .chars()
                .find(|&c| !(c == ' ' || c.is_ascii_graphic()) || "%^&|<>\"()!".contains(c))
            {
                return Err(Unquotable { ch, shell });
            }
            format!("set {var}={value}\n")
        }
    })
}

#[cfg(test)]
mod shell_tests {
    use super::{Shell, Unquotable, shell_assignment};

    fn line(shell: Shell, v: &str) -> Result<String, Unquotable> {
        shell_assignment(shell, false, "V", v)
    }

    #[test]
    fn plain_values_keep_aws_cli_v2_bytes() {
        // awscli v2 exportcreds.py: `export {var_name}={var_value}`,
        // `$Env:{var_name}="{var_value}"`, `set {var_name}={var_value}`,
        // `set -gx {var_name} "{var_value}"`: never quoted or escaped.
        let v = "AKIA0/aB+c=2099-01-01T00:00:00+00:00._-";
        assert_eq!(
            shell_assignment(Shell::Posix, true, "V", v).unwrap(),
            format!("export V={v}\n")
        );
        assert_eq!(line(Shell::Posix, v).unwrap(), format!("V={v}\n"));
        assert_eq!(
            line(Shell::Fish, v).unwrap(),
            format!("set -gx V \"{v}\"\n")
        );
        assert_eq!(line(Shell::Pwsh, v).unwrap(), format!("$Env:V=\"{v}\"\n"));
        assert_eq!(line(Shell::Cmd, v).unwrap(), format!("set V={v}\n"));
        assert_eq!(line(Shell::Posix, "").unwrap(), "V=\n");
    }

    #[test]
    fn other_values_are_single_quoted_per_shell() {
        let v = "x$(touch /tmp/p)'`\\\"~ ;";
        assert_eq!(
            line(Shell::Posix, v).unwrap(),
            "V='x$(touch /tmp/p)'\\''`\\\"~ ;'\n"
        );
        assert_eq!(
            line(Shell::Fish, v).unwrap(),
            "set -gx V 'x$(touch /tmp/p)\\'`\\\\\"~ ;'\n"
        );
        assert_eq!(
            line(Shell::Pwsh, v).unwrap(),
            "$Env:V='x$(touch /tmp/p)''`\\\"~ ;'\n"
        );
        // PowerShell also ends a single-quoted string at typographic quotes.
        assert_eq!(
            line(Shell::Pwsh, "a\u{2019}b$x").unwrap(),
            "$Env:V='a\u{2019}\u{2019}b$x'\n"
        );
        assert_eq!(
            line(Shell::Posix, "AKIA\u{e9}").unwrap(),
            "V='AKIA\u{e9}'\n"
        );
    }

    #[test]
    fn control_characters_and_cmd_metacharacters_are_refused() {
        for shell in [Shell::Posix, Shell::Fish, Shell::Pwsh, Shell::Cmd] {
            for v in [
                "a\nexport AWS_ENDPOINT_URL=http://evil",
                "a\rb",
                "t\tb",
                "\u{7f}",
                "\u{85}",
            ] {
                let e = line(shell, v).unwrap_err();
                assert!(e.ch.is_control(), "{shell:?} {v:?}");
                assert!(e.to_string().contains("control character"), "{e}");
            }
        }
        for v in [
            "a%PATH%", "a^b", "a&calc", "a|b", "a<b", "a>b", "a\"b", "a(b)", "a!b", "\u{e9}",
        ] {
            let e = line(Shell::Cmd, v).unwrap_err();
            assert!(v.contains(e.ch), "{v:?}");
            assert!(!e.to_string().contains(v), "the value must not be echoed");
        }
        assert_eq!(line(Shell::Cmd, "a b#~@*").unwrap(), "set V=a b#~@*\n");
    }
}
