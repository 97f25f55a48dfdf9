//! Resolving the URIs of glTF buffers and images to bytes: `data:` URIs (base64 or
//! percent-encoded, through the `data-url` crate), `file:` URIs, and paths relative to
//! the glTF file with percent escapes decoded (through `percent-encoding`; on Unix a
//! decoded name need not be UTF-8). Only regular files are read, so a URI naming a
//! device or a pipe (`/dev/zero`) is refused rather than read forever.

use std::path::{Path, PathBuf};

/// What a URI held.
pub struct Resolved {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The file they were read from; none for a `data:` URI.
    pub file: Option<PathBuf>,
}

/// Reads the resource `uri` names, relative to the folder `base` of the glTF file.
pub fn read(base: &Path, uri: &str) -> Result<Resolved, String> {
    if let Some(scheme) = scheme(uri) {
        return match scheme.to_ascii_lowercase().as_str() {
            "data" => data_uri(uri).map(|bytes| Resolved { bytes, file: None }),
            "file" => {
                let rest = &uri[scheme.len() + 1..];
                // file:///abs/path and file:/abs/path (no authority supported).
                let rest = rest.strip_prefix("//").unwrap_or(rest);
                read_file(decoded_path(rest)?)
            }
            other => Err(format!(
                "unsupported URI scheme `{other}:`; synthvis reads relative paths, file: and data: URIs"
            )),
        };
    }
    read_file(base.join(decoded_path(uri)?))
}

/// The scheme of an absolute URI (`data` in `data:...`), none for a relative reference.
fn scheme(uri: &str) -> Option<&str> {
    let (head, _) = uri.split_once(':')?;
    let mut chars = head.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(head)
}

fn data_uri(uri: &str) -> Result<Vec<u8>, String> {
    let url = data_url::DataUrl::process(uri).map_err(|e| format!("malformed data URI ({e:?})"))?;
    let (bytes, _) = url
        .decode_to_vec()
        .map_err(|e| format!("malformed data URI: its base64 does not decode ({e:?})"))?;
    Ok(bytes)
}

/// A relative reference with its percent escapes decoded into a path.
fn decoded_path(reference: &str) -> Result<PathBuf, String> {
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(reference).collect();
    if bytes.contains(&0) {
        return Err(format!(
            "the URI `{reference}` decodes to a name with a NUL byte"
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Ok(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
    }
    #[cfg(not(unix))]
    {
        String::from_utf8(bytes)
            .map(PathBuf::from)
            .map_err(|_| format!("the URI `{reference}` decodes to a name that is not UTF-8"))
    }
}

fn read_file(path: PathBuf) -> Result<Resolved, String> {
    let meta =
        std::fs::metadata(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(Resolved {
        bytes,
        file: Some(path),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_uris_decode_base64_and_percent_encoding() {
        let base = Path::new("/nowhere");
        let b = read(base, "data:application/octet-stream;base64,AAECAw==").unwrap();
        assert_eq!(b.bytes, [0, 1, 2, 3]);
        assert!(b.file.is_none());
        assert_eq!(read(base, "data:,a%20b").unwrap().bytes, b"a b");
        assert!(read(base, "data:application/octet-stream;base64,@@@").is_err());
        assert!(read(base, "data:no-comma").is_err());
    }

    #[test]
    fn relative_paths_decode_escapes_and_refuse_what_is_no_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a b ü.bin"), b"xyz").unwrap();
        let r = read(dir.path(), "a%20b%20%C3%BC.bin").unwrap();
        assert_eq!(r.bytes, b"xyz");
        assert_eq!(r.file.unwrap(), dir.path().join("a b ü.bin"));
        assert_eq!(read(dir.path(), "a b ü.bin").unwrap().bytes, b"xyz");
        // Bytes that are not UTF-8 make a name the file system may still hold.
        let missing = read(dir.path(), "%FF%FE.bin").err().unwrap();
        assert!(missing.contains("cannot read"), "{missing}");
        assert!(
            read(dir.path(), "nul%00.bin")
                .err()
                .unwrap()
                .contains("NUL")
        );
        let not_file = read(dir.path(), ".").err().unwrap();
        assert!(not_file.contains("not a regular file"), "{not_file}");
        assert!(
            read(dir.path(), "https://example.com/a.bin")
                .err()
                .unwrap()
                .contains("unsupported URI scheme `https:`")
        );
    }
}
