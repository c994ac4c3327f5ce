//! Files that hold personal data are their owner's only (R11, B5): the
//! database and its log, exports, backups, the erasure journal. The
//! process makes every file 0600 and every folder 0700 whatever the umask
//! it was started with, and a register made before that is tightened when
//! it is opened.

use anyhow::Context;
use std::fs::File;
use std::path::Path;

/// From now on, what this process creates is its owner's only (umask 077):
/// SQLite's database, its `-wal` and `-shm`, and every file written here.
/// Called first thing by `main`.
pub fn owner_only_from_now() {
    #[cfg(unix)]
    // SAFETY: umask only swaps the process's file-creation mask; it
    // cannot fail and touches no memory of ours.
    unsafe {
        libc::umask(0o077);
    }
}

/// Creates the folder (and its parents) if needed and makes it 0700.
pub fn private_dir(path: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(path).with_context(|| {
        format!(
            "cannot create the folder {} / kansiota ei voi luoda",
            path.display()
        )
    })?;
    owner_only(path, 0o700)
}

/// Opens `path` for writing, emptied and 0600, even when it existed with
/// wider permissions.
pub fn private_file(path: &Path) -> anyhow::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    if path.exists() {
        owner_only(path, 0o600)?;
    }
    options.open(path).with_context(|| {
        format!(
            "cannot write {} / tiedostoa ei voi kirjoittaa",
            path.display()
        )
    })
}

/// A SQLite data directory made before files were private: the folder
/// 0700, the database, its log and the erasure journal 0600.
pub fn tighten_data_dir(dir: &Path) -> anyhow::Result<()> {
    private_dir(dir)?;
    for name in [
        "rekisteri.db",
        "rekisteri.db-wal",
        "rekisteri.db-shm",
        "erasure-journal.jsonl",
    ] {
        let path = dir.join(name);
        if path.exists() {
            owner_only(&path, 0o600)?;
        }
    }
    Ok(())
}

fn owner_only(path: &Path, mode: u32) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).with_context(
            || {
                format!(
                    "cannot make {} private / tiedostoa ei voi rajata omistajalle",
                    path.display()
                )
            },
        )?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}
