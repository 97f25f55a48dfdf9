//! Atomic file writes: every dataset file is written under a temporary name beside its
//! target (`.NAME.tmp`) and renamed into place, so a reader never sees a half-written
//! file. [`is_temp_name`] recognises those names, so `--overwrite` (and a later
//! `--resume`) can clear what a killed run left behind.
//!
//! Files are created with `File::create`, so their permissions come from the umask (0644
//! under the usual 022) like any file the user writes; `tempfile`'s files would be 0600
//! and make datasets unreadable to others.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::OutputError;

/// How far a write goes before it counts as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Written and renamed into place: survives the process being killed, not a power
    /// loss (the kernel may not have written the bytes yet).
    #[default]
    Renamed,
    /// Also flushed to the disk (`fsync`) before the rename: survives a power loss once
    /// the directory is synced too ([`sync_dir`]).
    Synced,
}

impl Durability {
    /// [`Durability::Synced`] when `durable` (`--durable`), else [`Durability::Renamed`].
    pub fn synced_if(durable: bool) -> Self {
        if durable {
            Durability::Synced
        } else {
            Durability::Renamed
        }
    }
}

/// The temporary name `path` is written under before it is renamed into place.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// Whether a file name is one of [`temp_path`]'s temporary names.
pub fn is_temp_name(name: &str) -> bool {
    name.len() > ".tmp".len() + 1 && name.starts_with('.') && name.ends_with(".tmp")
}

/// A file being written under its temporary name; [`AtomicFile::commit`] moves it into
/// place. Dropped without a commit, it removes the temporary file.
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    writer: BufWriter<File>,
    durability: Durability,
    committed: bool,
}

impl AtomicFile {
    /// Starts writing `target`.
    pub fn create(target: &Path, durability: Durability) -> Result<Self, OutputError> {
        let temp = temp_path(target);
        injected_disk_full().map_err(io_error(target, "cannot write"))?;
        let file = File::create(&temp).map_err(io_error(target, "cannot create file"))?;
        Ok(Self {
            target: target.to_owned(),
            temp,
            writer: BufWriter::new(file),
            durability,
            committed: false,
        })
    }

    /// Appends bytes; errors name the target file.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.writer
            .write_all(bytes)
            .map_err(io_error(&self.target, "cannot write"))
    }

    /// The writer, for serializers that stream into it; map its errors with
    /// [`AtomicFile::write_error`].
    pub fn writer(&mut self) -> &mut impl Write {
        &mut self.writer
    }

    /// An I/O error while writing this file, naming the target.
    pub fn write_error(&self, source: std::io::Error) -> OutputError {
        OutputError::Io {
            path: self.target.clone(),
            action: "cannot write",
            source,
        }
    }

    /// Flushes the file (to the disk, when [`Durability::Synced`]) and renames it into
    /// place.
    pub fn commit(mut self) -> Result<(), OutputError> {
        self.writer
            .flush()
            .map_err(io_error(&self.target, "cannot write"))?;
        if self.durability == Durability::Synced {
            self.writer
                .get_ref()
                .sync_all()
                .map_err(io_error(&self.target, "cannot sync to disk"))?;
        }
        std::fs::rename(&self.temp, &self.target)
            .map_err(io_error(&self.target, "cannot move into place"))?;
        self.committed = true;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: a failed write leaves no temporary file behind.
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Writes `bytes` to `path` atomically (see the module docs).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    write_atomic_with(path, bytes, Durability::Renamed)
}

/// [`write_atomic`] with a chosen durability.
pub fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    durability: Durability,
) -> Result<(), OutputError> {
    let mut file = AtomicFile::create(path, durability)?;
    file.write_all(bytes)?;
    file.commit()
}

/// Flushes everything written to the file system that holds `dir` to the disk (Linux's
/// `syncfs`: one call, however many files); elsewhere, `dir` itself.
pub fn sync_file_system(dir: &Path) -> Result<(), OutputError> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let handle = File::open(dir).map_err(io_error(dir, "cannot open to sync"))?;
        // SAFETY: syncfs only reads the descriptor, which `handle` keeps open.
        if unsafe { libc::syncfs(handle.as_raw_fd()) } != 0 {
            return Err(io_error(dir, "cannot sync to disk")(
                std::io::Error::last_os_error(),
            ));
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        sync_dir(dir)
    }
}

/// Flushes a directory's entries (the renames into it) to the disk.
pub fn sync_dir(dir: &Path) -> Result<(), OutputError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error(dir, "cannot sync directory to disk"))
}

/// Maps an I/O error to an [`OutputError`] naming `path` and what was being done.
pub(super) fn io_error<'a>(
    path: &'a Path,
    action: &'static str,
) -> impl FnOnce(std::io::Error) -> OutputError + 'a {
    move |source| OutputError::Io {
        path: path.to_owned(),
        action,
        source,
    }
}

/// Failure injection for testing what happens when the disk fills up (ours and a
/// user's orchestration): with `SYNTHVIS_FAIL_WRITES_AFTER=N` in the environment, every
/// file write after the first N fails with ENOSPC ("No space left on device").
fn injected_disk_full() -> std::io::Result<()> {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static LIMIT: OnceLock<Option<u64>> = OnceLock::new();
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let limit = LIMIT.get_or_init(|| {
        std::env::var("SYNTHVIS_FAIL_WRITES_AFTER")
            .ok()
            .and_then(|v| v.parse().ok())
    });
    match limit {
        Some(n) if WRITES.fetch_add(1, Ordering::Relaxed) >= *n => {
            Err(std::io::Error::from_raw_os_error(libc::ENOSPC))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_recognised() {
        let t = temp_path(Path::new("/d/labels/000001.json"));
        assert_eq!(t, Path::new("/d/labels/.000001.json.tmp"));
        assert!(is_temp_name(".000001.json.tmp"));
        assert!(is_temp_name(".annotations.json.tmp"));
        assert!(!is_temp_name("000001.json"));
        assert!(!is_temp_name(".tmp"));
    }

    #[test]
    fn a_dropped_file_leaves_nothing_and_a_committed_one_is_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.json");
        {
            let mut f = AtomicFile::create(&target, Durability::Renamed).unwrap();
            f.write_all(b"half").unwrap();
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut f = AtomicFile::create(&target, Durability::Synced).unwrap();
        f.write_all(b"whole").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"whole");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn permissions_come_from_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("p.png");
        write_atomic(&target, b"x").unwrap();
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        // The process umask, read without changing it.
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let umask = status
            .lines()
            .find_map(|l| l.strip_prefix("Umask:"))
            .map(|v| u32::from_str_radix(v.trim(), 8).unwrap())
            .unwrap();
        assert_eq!(mode, 0o666 & !umask, "mode {mode:o}, umask {umask:o}");
    }
}
