//! The signing time, passed in by the caller (this crate never reads a clock).

use crate::error::{ErrorKind, SigningError};

/// Latest instant botocore can format: 9999-12-31T23:59:59Z.
const MAX_UNIX_SECONDS: u64 = 253_402_300_799;

/// A UTC instant with one-second resolution, the only time SigV4 uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SigningTime {
    unix_seconds: u64,
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    /// 0 = Monday, as Python's `weekday()`.
    weekday: u32,
}

impl SigningTime {
    /// The instant `unix_seconds` after 1970-01-01T00:00:00Z.
    ///
    /// Fails after 9999-12-31T23:59:59Z, where four-digit years (and Python's
    /// `datetime`) end.
    pub fn from_unix_seconds(unix_seconds: u64) -> Result<Self, SigningError> {
        if unix_seconds > MAX_UNIX_SECONDS {
            return Err(SigningError::new(
                ErrorKind::TimeOutOfRange,
                format!("{unix_seconds} is after 9999-12-31T23:59:59Z"),
            ));
        }
        let days = unix_seconds / 86_400;
        let rem = unix_seconds % 86_400;
        let (year, month, day) = civil_from_days(days);
        // The casts cannot truncate: rem < 86_400 and days < 2^22.
        #[allow(clippy::cast_possible_truncation)]
        let (hour, minute, second, weekday) = (
            (rem / 3600) as u32,
            (rem % 3600 / 60) as u32,
            (rem % 60) as u32,
            // 1970-01-01 was a Thursday (3 with Monday = 0).
            ((days + 3) % 7) as u32,
        );
        Ok(Self {
            unix_seconds,
            year,
            month,
            day,
            hour,
            minute,
            second,
            weekday,
        })
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> u64 {
        self.unix_seconds
    }

    /// `YYYYMMDDTHHMMSSZ`, botocore's `SIGV4_TIMESTAMP` (the `X-Amz-Date` value).
    pub fn amz_date(&self) -> String {
        format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// `YYYYMMDD`, the date in the credential scope and key derivation.
    pub fn date_stamp(&self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }

    /// RFC 2822 date as Python's `email.utils.formatdate(ts)` writes it
    /// (`Sun, 30 Aug 2015 12:36:00 -0000`); botocore rewrites a `Date` header to this.
    pub fn http_date(&self) -> String {
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        format!(
            "{}, {:02} {} {:04} {:02}:{:02}:{:02} -0000",
            DAYS[self.weekday as usize],
            self.day,
            MONTHS[(self.month - 1) as usize],
            self.year,
            self.hour,
            self.minute,
            self.second
        )
    }
}

/// Howard Hinnant's `civil_from_days` for days since 1970-01-01 (non-negative only).
fn civil_from_days(days: u64) -> (u32, u32, u32) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    // In range for all accepted inputs (year <= 9999).
    #[allow(clippy::cast_possible_truncation)]
    (y as u32, m as u32, d as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_suite_time() {
        let t = SigningTime::from_unix_seconds(1_440_938_160).unwrap();
        assert_eq!(t.amz_date(), "20150830T123600Z");
        assert_eq!(t.date_stamp(), "20150830");
        assert_eq!(t.http_date(), "Sun, 30 Aug 2015 12:36:00 -0000");
        assert_eq!(t.unix_seconds(), 1_440_938_160);
    }

    #[test]
    fn epoch_leap_day_and_end_of_range() {
        let t = SigningTime::from_unix_seconds(0).unwrap();
        assert_eq!(t.amz_date(), "19700101T000000Z");
        assert_eq!(t.http_date(), "Thu, 01 Jan 1970 00:00:00 -0000");
        let t = SigningTime::from_unix_seconds(951_782_400).unwrap();
        assert_eq!(t.amz_date(), "20000229T000000Z");
        let t = SigningTime::from_unix_seconds(MAX_UNIX_SECONDS).unwrap();
        assert_eq!(t.amz_date(), "99991231T235959Z");
        let e = SigningTime::from_unix_seconds(MAX_UNIX_SECONDS + 1).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TimeOutOfRange);
    }
}
