//! The real `ocop serve` binary refuses to start on a signing secret anyone could forge
//! tokens with: empty, short, or readable by others.

use std::process::Command;

const OCOP: &str = env!("CARGO_BIN_EXE_ocop");

#[cfg(unix)]
#[test]
fn the_server_refuses_to_start_on_an_empty_short_or_readable_secret() {
    use std::os::unix::fs::PermissionsExt;
    let data = std::env::temp_dir().join(format!("ocop-secret-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&data).unwrap();
    let secret = data.join("token-secret");
    for (contents, mode, complaint) in [
        ("", 0o600, "empty"),
        ("00", 0o600, "at least 32 random bytes"),
        (&*"ab".repeat(32), 0o644, "mode is 644"),
    ] {
        std::fs::write(&secret, contents).unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(mode)).unwrap();
        let output = Command::new(OCOP)
            .args([
                "--data-dir",
                data.to_str().unwrap(),
                "serve",
                "--listen",
                "127.0.0.1:0",
            ])
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{contents:?}: started");
        assert!(stderr.contains(complaint), "{contents:?}: {stderr}");
        assert!(stderr.contains("token-secret"), "{stderr}");
        assert!(
            !data.join("ocop.db").exists(),
            "the store is not opened before the keys are checked"
        );
    }
    std::fs::remove_dir_all(data).unwrap();
}

#[test]
fn a_database_urls_password_is_never_printed() {
    let data = std::env::temp_dir().join(format!("ocop-secret-{}", uuid::Uuid::new_v4()));
    for (url, args) in [
        // Nothing listens on port 1: the connection fails.
        (
            "postgres://ocop:s3cret-pw@127.0.0.1:1/ocop",
            vec!["migrate"],
        ),
        (
            "postgres://ocop:s3cret-pw@127.0.0.1:1/ocop",
            vec!["serve", "--listen", "127.0.0.1:0"],
        ),
        // A role that does not exist: the server answers.
        (
            "postgres://no_such_role:s3cret-pw@127.0.0.1:5432/postgres",
            vec!["migrate"],
        ),
    ] {
        let output = Command::new(OCOP)
            .args(["--data-dir", data.to_str().unwrap(), "--database-url", url])
            .args(&args)
            .env("RUST_LOG", "debug")
            .output()
            .unwrap();
        assert!(!output.status.success());
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!printed.contains("s3cret-pw"), "{args:?}: {printed}");
        assert!(printed.contains("error"), "{printed}");
        assert!(
            !printed.contains('\x1b'),
            "no colour codes off a terminal: {printed:?}"
        );
    }
    let _ = std::fs::remove_dir_all(data);
}
