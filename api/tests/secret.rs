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
