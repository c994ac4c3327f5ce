//! The backup file itself: written private and whole (to a `.partial`
//! name, then renamed), optionally age-encrypted, and read back with its
//! copy's length and SHA-256 checked before anything uses it.

use age::secrecy::SecretString;
use anyhow::{Context, bail};
use rekisteri_domain::backup::{BACKUP_MAGIC, BackupManifest};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;

/// How a backup is sealed when written.
pub enum Seal {
    /// In the clear (keep it where only the owner reads).
    None,
    /// age with a passphrase (scrypt).
    Passphrase(SecretString),
    /// age to these public keys (`age1…`).
    Recipients(Vec<age::x25519::Recipient>),
}

/// How an encrypted backup is opened.
pub enum Unseal {
    None,
    Passphrase(SecretString),
    /// The identities of an age identity file (`AGE-SECRET-KEY-1…`).
    Identities(Vec<Box<dyn age::Identity>>),
}

/// The file's length and SHA-256 (hex).
pub fn digest(path: &Path) -> anyhow::Result<(u64, String)> {
    let mut file = File::open(path)
        .with_context(|| format!("cannot read {} / tiedostoa ei voi lukea", path.display()))?;
    let mut hash = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Ok((bytes, hex::encode(hash.finalize())));
        }
        hash.update(&buffer[..n]);
        bytes += n as u64;
    }
}

fn content<W: Write>(w: &mut W, manifest: &BackupManifest, payload: &Path) -> anyhow::Result<()> {
    writeln!(w, "{BACKUP_MAGIC}")?;
    writeln!(w, "{}", serde_json::to_string(manifest)?)?;
    let mut copy = File::open(payload)?;
    std::io::copy(&mut copy, w)?;
    Ok(())
}

/// Writes the backup to `out` whole: to `.partial` beside it, synced, then
/// renamed, so a crash never leaves a half backup under the real name.
pub fn write(
    out: &Path,
    manifest: &BackupManifest,
    payload: &Path,
    seal: &Seal,
) -> anyhow::Result<()> {
    let partial = out.with_extension("partial");
    crate::private::private_file(&partial)?;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&partial)
        .with_context(|| {
            format!(
                "cannot write {} / tiedostoa ei voi kirjoittaa",
                partial.display()
            )
        })?;
    let mut plain = BufWriter::new(file);
    let encryptor = match seal {
        Seal::None => None,
        Seal::Passphrase(p) => Some(age::Encryptor::with_user_passphrase(p.clone())),
        Seal::Recipients(rs) => Some(
            age::Encryptor::with_recipients(rs.iter().map(|r| r as &dyn age::Recipient))
                .context("no recipient to encrypt to / salauksen vastaanottaja puuttuu")?,
        ),
    };
    match encryptor {
        None => content(&mut plain, manifest, payload)?,
        Some(encryptor) => {
            let mut sealed = encryptor.wrap_output(&mut plain)?;
            content(&mut sealed, manifest, payload)?;
            sealed.finish()?;
        }
    }
    let file = plain.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    std::fs::rename(&partial, out).with_context(|| {
        format!(
            "cannot put {} in place / tiedostoa ei voi siirtää paikalleen",
            out.display()
        )
    })?;
    Ok(())
}

/// Opens the backup (decrypting it when it is age-encrypted).
fn open(backup: &Path, unseal: &Unseal) -> anyhow::Result<Box<dyn BufRead>> {
    let file = File::open(backup).with_context(|| {
        format!(
            "cannot read {} / varmuuskopiota ei voi lukea",
            backup.display()
        )
    })?;
    let mut reader = BufReader::new(file);
    let encrypted = reader.fill_buf()?.starts_with(b"age-encryption.org/");
    if !encrypted {
        return Ok(Box::new(reader));
    }
    let decryptor = age::Decryptor::new_buffered(reader)
        .context("the backup's encryption header is unreadable / salauksen otsake on vioittunut")?;
    let refused = "the backup could not be decrypted with what was given / varmuuskopiota ei voitu purkaa annetulla avaimella";
    let plain = match unseal {
        Unseal::None => bail!(
            "the backup is encrypted: give --passphrase-file or --identity / varmuuskopio on salattu: anna --passphrase-file tai --identity"
        ),
        Unseal::Passphrase(p) => {
            let identity = age::scrypt::Identity::new(p.clone());
            decryptor
                .decrypt(std::iter::once(&identity as &dyn age::Identity))
                .context(refused)?
        }
        Unseal::Identities(ids) => decryptor
            .decrypt(ids.iter().map(|i| i.as_ref() as &dyn age::Identity))
            .context(refused)?,
    };
    Ok(Box::new(BufReader::new(plain)))
}

/// Reads the manifest and copies the database's copy into `into`,
/// checking its length and SHA-256 and that nothing follows; `backend`
/// (when not empty) is the one the target needs.
pub fn extract(
    backup: &Path,
    unseal: &Unseal,
    into: &Path,
    backend: &str,
) -> anyhow::Result<BackupManifest> {
    let not_ours = "not a Rekisteri backup / ei ole Rekisterin varmuuskopio";
    let mut reader = open(backup, unseal)?;
    let mut line = String::new();
    reader.read_line(&mut line).context(not_ours)?;
    if line.trim_end() != BACKUP_MAGIC {
        bail!("{}: {not_ours}", backup.display());
    }
    line.clear();
    reader.read_line(&mut line).context(not_ours)?;
    let manifest: BackupManifest = serde_json::from_str(line.trim_end()).context(not_ours)?;
    if !backend.is_empty() && manifest.backend != backend {
        bail!(
            "the backup is of {} and the target is {backend} / varmuuskopio on {}-tietokannasta, kohde on {backend}",
            manifest.backend,
            manifest.backend
        );
    }
    let out = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(into)
        .with_context(|| {
            format!(
                "cannot write {} / tiedostoa ei voi kirjoittaa",
                into.display()
            )
        })?;
    let mut out = BufWriter::new(out);
    let mut hash = Sha256::new();
    let mut payload = (&mut reader).take(manifest.payload_bytes);
    let mut buffer = vec![0u8; 1 << 16];
    let mut copied = 0u64;
    loop {
        let n = payload.read(&mut buffer).context(
            "the backup could not be read to its end (damaged or cut short) / varmuuskopio on vioittunut tai katkennut",
        )?;
        if n == 0 {
            break;
        }
        hash.update(&buffer[..n]);
        out.write_all(&buffer[..n])?;
        copied += n as u64;
    }
    let mut rest = [0u8; 1];
    let trailing = reader.read(&mut rest).unwrap_or(0);
    if copied != manifest.payload_bytes
        || trailing != 0
        || hex::encode(hash.finalize()) != manifest.payload_sha256
    {
        bail!(
            "{}: the database's copy does not match its manifest (damaged or cut short) / \
             tietokannan kopio ei vastaa luetteloaan (vioittunut tai katkennut)",
            backup.display()
        );
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(manifest)
}
