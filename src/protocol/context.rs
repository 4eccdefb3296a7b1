//! The context mdBook sends (element 0 of the request), read field by field, and the supported mdBook versions.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{Request, SUPPORTED_MDBOOK};

impl Request<'_> {
    /// The context mdBook sent (element 0).
    pub fn context_view(&self) -> Context<'_> {
        Context(&self.context)
    }

    /// See [`Context::root`].
    pub fn root(&self) -> &Path {
        self.context_view().root()
    }

    pub fn root_buf(&self) -> PathBuf {
        self.root().to_path_buf()
    }

    /// See [`Context::renderer`].
    pub fn renderer(&self) -> &str {
        self.context_view().renderer()
    }

    /// See [`Context::mdbook_version`].
    pub fn mdbook_version(&self) -> &str {
        self.context_view().mdbook_version()
    }

    /// See [`Context::book_language`].
    pub fn book_language(&self) -> Option<&str> {
        self.context_view().book_language()
    }

    /// See [`Context::book_src`].
    pub fn book_src(&self) -> &str {
        self.context_view().book_src()
    }

    /// See [`Context::config`].
    pub fn config(&self) -> Option<&Map<String, Value>> {
        self.context_view().config()
    }

    /// See [`Context::kpi_table`].
    pub fn kpi_table(&self) -> Option<&Map<String, Value>> {
        self.context_view().kpi_table()
    }

    /// A warning when the calling mdBook is outside the supported range (or its version is not semver).
    pub fn version_warning(&self) -> Option<String> {
        version_warning(self.mdbook_version())
    }

    /// The context as mdBook sent it.
    pub fn context(&self) -> &Value {
        &self.context
    }
}

/// The context of a request (element 0, checked to have the fields mdBook sends), read field by field.
#[derive(Clone, Copy, Debug)]
pub struct Context<'v>(pub(super) &'v Value);

impl<'v> Context<'v> {
    /// The book root (the folder holding book.toml); every data, template and schema path resolves against it.
    pub fn root(self) -> &'v Path {
        Path::new(self.0["root"].as_str().unwrap_or_default())
    }

    /// The renderer this run is for (`html`, `markdown`, …).
    pub fn renderer(self) -> &'v str {
        self.0["renderer"].as_str().unwrap_or_default()
    }

    /// The version of the calling mdBook, as it reported it.
    pub fn mdbook_version(self) -> &'v str {
        self.0["mdbook_version"].as_str().unwrap_or_default()
    }

    /// `[book] language`, when set (0.5 sends `null` for an unset key).
    pub fn book_language(self) -> Option<&'v str> {
        self.config()?.get("book")?.get("language")?.as_str()
    }

    /// `[book] src`, the chapters' folder relative to the root; `src` when unset.
    pub fn book_src(self) -> &'v str {
        self.config().and_then(|c| c.get("book")?.get("src")?.as_str()).unwrap_or("src")
    }

    /// The whole book.toml as mdBook parsed it.
    pub fn config(self) -> Option<&'v Map<String, Value>> {
        self.0.get("config")?.as_object()
    }

    /// The raw `[preprocessor.kpi]` table, when book.toml has one.
    pub fn kpi_table(self) -> Option<&'v Map<String, Value>> {
        self.config()?.get("preprocessor")?.get("kpi")?.as_object()
    }
}

/// A warning for an mdBook version outside [`SUPPORTED_MDBOOK`].
pub fn version_warning(version: &str) -> Option<String> {
    let supported = semver::VersionReq::parse(SUPPORTED_MDBOOK).ok()?;
    match semver::Version::parse(version.trim_start_matches('v')) {
        // A pre-release of a supported version (0.5.0-beta.1) speaks the same protocol.
        Ok(parsed) if supported.matches(&semver::Version { pre: semver::Prerelease::EMPTY, ..parsed.clone() }) => None,
        Ok(_) => Some(format!(
            "mdbook-kpi is built for mdBook {SUPPORTED_MDBOOK}, but is being called from mdBook {version}; carrying on"
        )),
        Err(_) => Some(format!("mdBook reported the version `{version}`, which is not a semver version; carrying on")),
    }
}
