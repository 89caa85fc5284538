//! Where templates come from: the ones compiled into the binary, or a directory the user names
//! (`--template-dir`, `INVOICER_TEMPLATE_DIR`). Typst reads files only through here, and a
//! template directory confines it: nothing outside the directory (not even through symlinks)
//! can be read.

use std::path::{Path, PathBuf};

use typst::diag::{FileError, FileResult};
use typst::foundations::Bytes;
use typst::syntax::VirtualPath;

use crate::error::{Error, Result};

/// The entry point every template set has.
pub const MAIN_TEMPLATE: &str = "/invoice.typ";

/// Templates compiled into the binary, by virtual path.
const EMBEDDED: &[(&str, &str)] = &[("/invoice.typ", include_str!("../../templates/invoice.typ"))];

/// A set of templates.
#[derive(Debug, Clone)]
pub enum Templates {
    /// The templates shipped in the binary.
    Embedded,
    /// A user directory (canonical path) holding at least `invoice.typ`.
    Directory(PathBuf),
}

impl Templates {
    /// The user's template directory; it must exist and hold `invoice.typ`.
    pub fn directory(path: &Path) -> Result<Templates> {
        let root = path.canonicalize().map_err(|e| {
            Error::validation(
                "template_dir",
                format!("cannot open template directory {}: {e}", path.display()),
            )
        })?;
        let main = root.join(MAIN_TEMPLATE.trim_start_matches('/'));
        if !main.is_file() {
            return Err(Error::validation(
                "template_dir",
                format!("{} holds no invoice.typ", root.display()),
            ));
        }
        Ok(Templates::Directory(root))
    }

    /// The bytes of the file at `path`.
    pub fn read(&self, path: &VirtualPath) -> FileResult<Bytes> {
        match self {
            Templates::Embedded => EMBEDDED
                .iter()
                .find(|(name, _)| *name == path.get_with_slash())
                .map(|(_, text)| Bytes::from_string(*text))
                .ok_or_else(|| FileError::NotFound(PathBuf::from(path.get_with_slash()))),
            Templates::Directory(root) => {
                let real = path
                    .realize(root)
                    .map_err(FileError::Realize)?
                    .canonicalize()
                    .map_err(|e| FileError::from_io(e, Path::new(path.get_with_slash())))?;
                if !real.starts_with(root) {
                    return Err(FileError::AccessDenied);
                }
                if real.is_dir() {
                    return Err(FileError::IsDirectory);
                }
                std::fs::read(&real)
                    .map(Bytes::new)
                    .map_err(|e| FileError::from_io(e, Path::new(path.get_with_slash())))
            }
        }
    }
}
