//! The `rekisteri` binary itself: the same register from every command,
//! and no silent fallback from a bad database URL.

use std::process::Command;

fn rekisteri(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rekisteri"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run rekisteri")
}

#[test]
fn unknown_database_url_scheme_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = rekisteri(
        dir.path(),
        &["--database-url", "mysql://localhost/x", "migrate"],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unsupported database URL scheme"), "{err}");
    assert!(
        !dir.path().join("rekisteri.db").exists(),
        "no fallback to SQLite"
    );
}

#[test]
fn r11_users_commitments_and_tokens_are_made_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    assert!(rekisteri(dir.path(), &["migrate"]).status.success());
    assert!(dir.path().join("rekisteri.db").exists());
    let out = rekisteri(dir.path(), &["user", "add", "anna", "--role", "staff"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The first login's one-time password: printed once, meets the rules.
    let one_time = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(rekisteri_domain::password::NewPassword::parse(&one_time, &[]).is_ok());
    assert!(String::from_utf8_lossy(&out.stderr).contains("one-time password"));
    let out = rekisteri(
        dir.path(),
        &["user", "commitment", "anna", "--signed", "2026-11-02"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = rekisteri(
        dir.path(),
        &["user", "commitment", "anna", "--signed", "2026-13-02"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--signed"));
    let again = rekisteri(dir.path(), &["user", "add", "anna", "--role", "staff"]);
    assert!(!again.status.success(), "user names are unique");
    let out = rekisteri(dir.path(), &["token", "create", "anna"]);
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(token.starts_with("rk_") && token.len() > 40, "{token}");
    let out = rekisteri(dir.path(), &["token", "create", "nobody"]);
    assert!(!out.status.success());
    let out = rekisteri(dir.path(), &["token", "list", "anna"]);
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        listed.contains("staff") && !listed.contains(&token),
        "{listed}"
    );
    let id = listed.split('\t').next().unwrap().to_string();
    assert!(
        rekisteri(dir.path(), &["token", "revoke", "anna", &id])
            .status
            .success()
    );
    assert!(
        !rekisteri(dir.path(), &["token", "revoke", "anna", &id])
            .status
            .success()
    );
    let out = rekisteri(dir.path(), &["user", "list"]);
    let users = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        users.contains("anna\tstaff\tenabled\tcommitment 2026-11-02"),
        "{users}"
    );
    assert!(
        rekisteri(dir.path(), &["user", "disable", "anna"])
            .status
            .success()
    );
    let out = rekisteri(dir.path(), &["user", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("anna\tstaff\tdisabled"));
    let out = rekisteri(dir.path(), &["demo", "--people", "50"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = rekisteri(dir.path(), &["export", "people", "--format", "json"]);
    assert!(out.status.success());
    let people: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON export");
    assert_eq!(people.as_array().unwrap().len(), 50);
    // B1: the import, the export and their audit rows form an intact chain.
    let out = rekisteri(dir.path(), &["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact"));
}

/// R15, R18: `export audience` writes the same list as the API, needs the
/// purpose of processing, and is audited (the chain still verifies).
#[test]
fn r15_the_command_line_exports_a_marketing_list_for_a_named_purpose() {
    let dir = tempfile::tempdir().unwrap();
    let out = rekisteri(dir.path(), &["demo", "--people", "200", "--seed", "5"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let export = |format: &str, channel: &str, purpose: &str| {
        rekisteri(
            dir.path(),
            &[
                "export",
                "audience",
                "--channel",
                channel,
                "--marketing-purpose",
                "direct_marketing",
                "--purpose",
                purpose,
                "--format",
                format,
            ],
        )
    };
    let csv = export("csv", "letter", "advertising_targeting");
    assert!(
        csv.status.success(),
        "{}",
        String::from_utf8_lossy(&csv.stderr)
    );
    let csv = String::from_utf8_lossy(&csv.stdout).to_string();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    let json = export("json", "letter", "advertising_targeting");
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["count"].as_u64().unwrap() as usize, rows.len());
    assert_eq!(json["people"].as_array().unwrap().len(), rows.len());
    // Letters are opt-out: most of the 200, less the prohibitions.
    assert!(rows.len() > 100 && rows.len() < 200, "{}", rows.len());
    // Email is opt-in: those who agreed on the form (and customers).
    let email = export("json", "email", "advertising_targeting");
    let email: serde_json::Value = serde_json::from_slice(&email.stdout).unwrap();
    let agreed = email["people"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["basis"] == "granted")
        .count();
    assert!(agreed > 20 && agreed < 120, "{agreed}");
    let unknown = export("csv", "letter", "curiosity");
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("--purpose"));
    let verify = rekisteri(dir.path(), &["audit", "verify"]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// Files the command line writes hold personal data: only their owner may
/// read them (R11), also a file that was there before.
#[cfg(unix)]
#[test]
fn r11_exported_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    assert!(rekisteri(dir.path(), &["migrate"]).status.success());
    let fresh = dir.path().join("people.csv");
    let existing = dir.path().join("old.csv");
    std::fs::write(&existing, "vanha").unwrap();
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o644)).unwrap();
    for file in [&fresh, &existing] {
        let out = rekisteri(
            dir.path(),
            &[
                "export",
                "people",
                "--format",
                "csv",
                "--output",
                file.to_str().unwrap(),
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mode = std::fs::metadata(file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{} is {mode:o}", file.display());
    }
    let list = dir.path().join("audience.csv");
    let out = rekisteri(
        dir.path(),
        &[
            "export",
            "audience",
            "--channel",
            "letter",
            "--marketing-purpose",
            "direct_marketing",
            "--purpose",
            "advertising_targeting",
            "--output",
            list.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mode = std::fs::metadata(&list).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "audience.csv is {mode:o}");
}

/// The data directory and the database are their owner's only, whatever
/// umask the command was started with (R11, issue 19 §6): the folder 0700,
/// the database, its log and the journal 0600; a register made with wider
/// permissions before is tightened when it is next opened.
#[cfg(unix)]
#[test]
fn r11_the_data_directory_and_database_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let with_umask_022 = |dir: &std::path::Path, args: &str| {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask 022; exec \"$0\" --data-dir \"$1\" --erasure-journal \"$1/erasure-journal.jsonl\" {args}"
            ))
            .arg(env!("CARGO_BIN_EXE_rekisteri"))
            .arg(dir)
            .env_remove("DATABASE_URL")
            .output()
            .expect("run rekisteri");
        assert!(
            out.status.success(),
            "{args}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("rekisteri-data");
    with_umask_022(&data, "user add anna --role admin");
    with_umask_022(&data, "backup create --out \"$1/../varmuuskopio\"");
    assert_eq!(mode(&data), 0o700, "the data directory");
    let db = data.join("rekisteri.db");
    let mut files = vec![db.clone(), root.path().join("varmuuskopio")];
    for extra in [
        "rekisteri.db-wal",
        "rekisteri.db-shm",
        "erasure-journal.jsonl",
    ] {
        if data.join(extra).exists() {
            files.push(data.join(extra));
        }
    }
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }

    // A register left readable by everyone is closed when next opened.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    with_umask_022(&data, "user list");
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&db), 0o600);
}
