//! A small timestamp type: credential expiries are parsed from RFC 3339 /
//! ISO 8601 text and printed back the way Python's `datetime.isoformat()`
//! does (keeping the original UTC offset), which is what the AWS CLI's
//! `export-credentials` prints.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// An instant with the UTC offset it was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp {
    /// Seconds since the Unix epoch (UTC).
    unix: i64,
    micros: u32,
    /// Offset from UTC in minutes, for display.
    offset_minutes: i32,
}

/// Why a timestamp did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimestampError {
    /// Not a date/time at all (dateutil's `ParserError`).
    Unparseable,
    /// A date/time without a UTC offset: botocore compares it with an aware
    /// "now" and fails with `TypeError` (P-ENV-2).
    NoTimezone,
}

impl Timestamp {
    /// From a `SystemTime`, in UTC.
    pub fn from_system_time(t: SystemTime) -> Timestamp {
        let (unix, micros) = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => (
                i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                d.subsec_micros(),
            ),
            Err(e) => {
                let d = e.duration();
                let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                if d.subsec_micros() == 0 {
                    (-secs, 0)
                } else {
                    (-secs - 1, 1_000_000 - d.subsec_micros())
                }
            }
        };
        Timestamp {
            unix,
            micros,
            offset_minutes: 0,
        }
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.unix
    }

    /// Seconds from `now` until this instant (negative when past).
    pub fn seconds_after(&self, now: SystemTime) -> f64 {
        let n = Timestamp::from_system_time(now);
        #[allow(clippy::cast_precision_loss)]
        let d = (self.unix - n.unix) as f64 + (f64::from(self.micros) - f64::from(n.micros)) / 1e6;
        d
    }

    /// The instant as a `SystemTime`.
    pub fn to_system_time(&self) -> SystemTime {
        let base = if self.unix >= 0 {
            UNIX_EPOCH + Duration::from_secs(self.unix.unsigned_abs())
        } else {
            UNIX_EPOCH - Duration::from_secs(self.unix.unsigned_abs())
        };
        base + Duration::from_micros(u64::from(self.micros))
    }

    /// Parses the forms botocore's callers meet in practice: ISO 8601 /
    /// RFC 3339 date-times with `T` or a space, optional fractional seconds,
    /// and `Z`, `UTC`, `GMT`, `±HH:MM`, `±HHMM` or `±HH` offsets.
    pub fn parse(s: &str) -> Result<Timestamp, TimestampError> {
        let s = s.trim();
        let b = s.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let t = s.get(r)?;
            if t.bytes().all(|c| c.is_ascii_digit()) && !t.is_empty() {
                t.parse().ok()
            } else {
                None
            }
        };
        let unparseable = TimestampError::Unparseable;
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(unparseable);
        }
        let year = num(0..4).ok_or(unparseable.clone())?;
        let month = num(5..7).ok_or(unparseable.clone())?;
        let day = num(8..10).ok_or(unparseable.clone())?;
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return Err(unparseable);
        }
        if b.len() == 10 {
            return Err(TimestampError::NoTimezone);
        }
        if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 16 || b[13] != b':' {
            return Err(unparseable);
        }
        let hour = num(11..13).ok_or(unparseable.clone())?;
        let minute = num(14..16).ok_or(unparseable.clone())?;
        let mut i = 16;
        let mut second = 0;
        let mut micros = 0u32;
        if b.get(i) == Some(&b':') {
            second = num(i + 1..i + 3).ok_or(unparseable.clone())?;
            i += 3;
            if matches!(b.get(i), Some(b'.' | b',')) {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && b[end].is_ascii_digit() {
                    end += 1;
                }
                if end == start {
                    return Err(unparseable);
                }
                let digits = &s[start..end.min(start + 6)];
                let scale = 10u32.pow(u32::try_from(6 - digits.len()).unwrap_or(0));
                micros = digits.parse::<u32>().map_err(|_| unparseable.clone())? * scale;
                i = end;
            }
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(unparseable);
        }
        let rest = s[i..].trim_start();
        let offset_minutes: i32 = match rest {
            "" => return Err(TimestampError::NoTimezone),
            "Z" | "z" | "UTC" | "GMT" | "utc" | "gmt" => 0,
            _ => {
                let sign = match rest.as_bytes()[0] {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return Err(unparseable),
                };
                let r = &rest[1..];
                let (h, m) = match r.len() {
                    2 => (r, "00"),
                    4 => (&r[..2], &r[2..]),
                    5 if r.as_bytes()[2] == b':' => (&r[..2], &r[3..]),
                    _ => return Err(unparseable),
                };
                let h: i32 = h.parse().map_err(|_| unparseable.clone())?;
                let m: i32 = m.parse().map_err(|_| unparseable.clone())?;
                if h > 23 || m > 59 {
                    return Err(unparseable);
                }
                sign * (h * 60 + m)
            }
        };
        let days = days_from_civil(year, month, day);
        let local = days * 86_400 + hour * 3600 + minute * 60 + second;
        Ok(Timestamp {
            unix: local - i64::from(offset_minutes) * 60,
            micros,
            offset_minutes,
        })
    }
}

/// Unix seconds of `datetime.min` (0001-01-01T00:00:00Z).
const PY_DATETIME_MIN_UNIX: i64 = -62_135_596_800;
/// Unix seconds of the last whole second of `datetime.max`
/// (9999-12-31T23:59:59Z).
const PY_DATETIME_MAX_UNIX: i64 = 253_402_300_799;

/// `t` moved by `secs` seconds, the way Python's
/// `datetime + timedelta(seconds=secs)` does it, or `None` where Python
/// raises `OverflowError` (the result leaves `datetime`'s years 1..=9999).
///
/// Why: the seconds come from service answers (`expiresIn`,
/// `clientSecretExpiresAt`) and can be any integer; a plain
/// `SystemTime + Duration` panics on overflow, and a result past year 9999
/// would print as a date Python can never produce.
pub fn checked_offset(t: SystemTime, secs: i64) -> Option<SystemTime> {
    let d = Duration::from_secs(secs.unsigned_abs());
    let moved = if secs >= 0 {
        t.checked_add(d)?
    } else {
        t.checked_sub(d)?
    };
    let unix = Timestamp::from_system_time(moved).unix;
    (PY_DATETIME_MIN_UNIX..=PY_DATETIME_MAX_UNIX)
        .contains(&unix)
        .then_some(moved)
}

/// Python `datetime.isoformat()`: `YYYY-MM-DDTHH:MM:SS[.ffffff]+HH:MM`.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = self.unix + i64::from(self.offset_minutes) * 60;
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )?;
        if self.micros != 0 {
            write!(f, ".{:06}", self.micros)?;
        }
        let sign = if self.offset_minutes < 0 { '-' } else { '+' };
        let o = self.offset_minutes.unsigned_abs();
        write!(f, "{sign}{:02}:{:02}", o / 60, o % 60)
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_like_isoformat() {
        let t = Timestamp::parse("2099-01-01T00:00:00Z").unwrap();
        assert_eq!(t.to_string(), "2099-01-01T00:00:00+00:00");
        assert_eq!(t.unix_seconds(), 4_070_908_800);
        let t = Timestamp::parse("2026-11-29 03:43:14.5+02:00").unwrap();
        assert_eq!(t.to_string(), "2026-11-29T03:43:14.500000+02:00");
        assert_eq!(
            t.unix_seconds(),
            Timestamp::parse("2026-11-29T01:43:14Z")
                .unwrap()
                .unix_seconds()
        );
        assert_eq!(
            Timestamp::parse("1969-12-31T23:59:59-0100")
                .unwrap()
                .unix_seconds(),
            3599
        );
    }

    #[test]
    fn rejects_like_botocore() {
        assert_eq!(
            Timestamp::parse("2099-01-01"),
            Err(TimestampError::NoTimezone)
        );
        assert_eq!(
            Timestamp::parse("2099-01-01T00:00:00"),
            Err(TimestampError::NoTimezone)
        );
        assert_eq!(
            Timestamp::parse("garbage"),
            Err(TimestampError::Unparseable)
        );
        assert_eq!(
            Timestamp::parse("2099-02-30T00:00:00Z"),
            Err(TimestampError::Unparseable)
        );
    }

    #[test]
    fn checked_offset_stays_in_python_datetime_range() {
        let now = UNIX_EPOCH + Duration::from_secs(1_795_953_600);
        assert_eq!(
            checked_offset(now, 60),
            Some(UNIX_EPOCH + Duration::from_secs(1_795_953_660))
        );
        assert_eq!(
            checked_offset(now, -60),
            Some(UNIX_EPOCH + Duration::from_secs(1_795_953_540))
        );
        for secs in [i64::MAX, i64::MIN, 10_i64.pow(12), -(10_i64.pow(12))] {
            assert_eq!(checked_offset(now, secs), None, "{secs}");
        }
        let last = UNIX_EPOCH + Duration::from_secs(253_402_300_799);
        assert_eq!(checked_offset(last, 0), Some(last));
        assert_eq!(checked_offset(last, 1), None);
    }

    #[test]
    fn system_time_round_trip() {
        let t = UNIX_EPOCH + Duration::from_micros(1_700_000_000_123_456);
        let ts = Timestamp::from_system_time(t);
        assert_eq!(ts.to_system_time(), t);
        assert_eq!(ts.to_string(), "2023-11-14T22:13:20.123456+00:00");
    }
}
