use super::*;

const PROMPT: &str = "Enter MFA code for arn:aws:iam::123456789012:mfa/me: ";

#[test]
fn no_terminal_is_a_clear_error() {
    let e = TerminalMfaPrompt::at("/nonexistent/tty")
        .prompt(PROMPT)
        .unwrap_err();
    assert_eq!(e.kind(), "CredentialRetrievalError");
    let msg = e.to_string();
    assert!(
        msg.starts_with(
            "Error when retrieving credentials from assume-role: cannot ask for the MFA code: \
             no terminal (/nonexistent/tty: "
        ),
        "{msg}"
    );
    assert!(
        msg.ends_with("SessionBuilder::mfa_prompt) to ask another way"),
        "{msg}"
    );
    // A file that is not a terminal is refused the same way, unread.
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "123456\n").unwrap();
    let e = TerminalMfaPrompt::at(file.path())
        .prompt(PROMPT)
        .unwrap_err();
    assert_eq!(e.kind(), "CredentialRetrievalError");
    assert!(e.to_string().contains("is not a terminal"), "{e}");
}

/// `getpass._raw_input` (Python 3.11+, botocore 1.43.11's prompt) strips
/// only a final `\n`: `'123456\r\n'` reads as `'123456\r'` (Python's repr).
#[test]
fn chomp_takes_one_line_ending() {
    assert_eq!(chomp("123456\n".into()), "123456");
    assert_eq!(chomp("123456\r\n".into()), "123456\r");
    assert_eq!(chomp("123456\r".into()), "123456\r");
    assert_eq!(chomp("123456".into()), "123456");
    assert_eq!(chomp(" 1 \n\n".into()), " 1 \n");
}

#[cfg(unix)]
mod pty {
    use std::fs::File;
    use std::io::{Read as _, Write as _};
    use std::sync::mpsc;
    use std::time::Duration;

    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    use rustix::termios::{LocalModes, tcgetattr};

    use super::*;

    /// A pseudo-terminal: the leader (the "keyboard and screen" side), the
    /// follower's path, and the follower held open so the terminal is not
    /// hung up between the prompt's open and close.
    struct Pty {
        leader: File,
        path: PathBuf,
        follower: File,
    }

    fn pty() -> Pty {
        let leader = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("openpt");
        grantpt(&leader).expect("grantpt");
        unlockpt(&leader).expect("unlockpt");
        let path = PathBuf::from(
            ptsname(&leader, Vec::new())
                .expect("ptsname")
                .into_string()
                .expect("utf-8 name"),
        );
        let follower = crate::os::open_terminal(&path).expect("the follower");
        Pty {
            leader: File::from(leader),
            path,
            follower,
        }
    }

    fn echo_on(tty: &File) -> bool {
        tcgetattr(tty)
            .expect("tcgetattr")
            .local_modes
            .contains(LocalModes::ECHO)
    }

    /// Reads the leader until `needle` has been seen (the screen so far).
    fn screen_until(leader: &File, needle: &str) -> String {
        let mut leader = leader.try_clone().unwrap();
        let needle = needle.to_owned();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            let mut buf = [0u8; 256];
            while !String::from_utf8_lossy(&seen).contains(&needle) {
                match leader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let _ = tx.send(String::from_utf8_lossy(&seen).into_owned());
        });
        rx.recv_timeout(Duration::from_secs(10))
            .expect("the terminal output in time")
    }

    /// P-AR-6: getpass's prompt, the code typed without echo, the mode
    /// restored, the unechoed Enter replaced by a newline.
    #[test]
    fn the_code_is_read_with_echo_off_and_the_mode_restored() {
        let t = pty();
        assert!(echo_on(&t.follower), "a new pty echoes");
        let path = t.path.clone();
        let asked = std::thread::spawn(move || TerminalMfaPrompt::at(path).prompt(PROMPT));
        let shown = screen_until(&t.leader, PROMPT);
        assert_eq!(shown, PROMPT);
        assert!(!echo_on(&t.follower), "echo is off while the code is typed");
        (&t.leader).write_all(b"987654\n").unwrap();
        assert_eq!(asked.join().unwrap().unwrap(), "987654");
        assert!(echo_on(&t.follower), "echo is back on");
        // What the screen shows after the prompt: only the newline the
        // prompt wrote (ONLCR makes it CRLF), never the code.
        (&t.follower).write_all(b"END").unwrap();
        let after = screen_until(&t.leader, "END");
        assert_eq!(after, "\r\nEND");
    }

    /// End of input (Ctrl-D) is `EOFError`, and echo still comes back.
    #[test]
    fn end_of_input_is_eof_error_and_restores_echo() {
        let t = pty();
        let path = t.path.clone();
        let asked = std::thread::spawn(move || TerminalMfaPrompt::at(path).prompt(PROMPT));
        screen_until(&t.leader, PROMPT);
        (&t.leader).write_all(&[0x04]).unwrap(); // VEOF on an empty line
        let e = asked.join().unwrap().unwrap_err();
        assert_eq!(e.kind(), "EOFError");
        assert_eq!(e.to_string(), "no MFA code given (end of input)");
        assert!(echo_on(&t.follower), "echo is back on after the error");
    }

    /// A signal handler's restore (`os::restore_terminals_for_exit`, here
    /// only for this pty) puts echo back while the prompt still waits: what
    /// the CLI does on SIGINT/SIGTERM before the process ends.
    #[test]
    fn the_saved_mode_is_restored_from_another_thread() {
        let t = pty();
        let path = t.path.clone();
        let asked = std::thread::spawn(move || TerminalMfaPrompt::at(path).prompt(PROMPT));
        screen_until(&t.leader, PROMPT);
        assert!(!echo_on(&t.follower), "echo is off at the prompt");
        crate::os::restore_terminal_now(&t.follower);
        assert!(
            echo_on(&t.follower),
            "echo is back on, the prompt still waiting"
        );
        (&t.leader).write_all(b"123456\n").unwrap();
        assert_eq!(asked.join().unwrap().unwrap(), "123456");
        assert!(echo_on(&t.follower));
    }

    /// Two threads needing a code at once are asked one after the other.
    #[test]
    fn concurrent_prompts_are_serialised() {
        let t = pty();
        let prompt = std::sync::Arc::new(TerminalMfaPrompt::at(t.path.clone()));
        let (p1, p2) = (prompt.clone(), prompt.clone());
        let a = std::thread::spawn(move || p1.prompt("A: "));
        let b = std::thread::spawn(move || p2.prompt("B: "));
        let first = screen_until(&t.leader, ": ");
        (&t.leader).write_all(b"111111\n").unwrap();
        let second = screen_until(&t.leader, ": ");
        (&t.leader).write_all(b"222222\n").unwrap();
        let (ra, rb) = (a.join().unwrap().unwrap(), b.join().unwrap().unwrap());
        // Whichever asked first got the first answer; the second prompt was
        // shown only after the first line was read.
        assert!(first == "A: " || first == "B: ", "{first:?}");
        assert_eq!(
            second.trim_start(),
            if first == "A: " { "B: " } else { "A: " }
        );
        let (want_a, want_b) = if first == "A: " {
            ("111111", "222222")
        } else {
            ("222222", "111111")
        };
        assert_eq!((ra.as_str(), rb.as_str()), (want_a, want_b));
    }
}
