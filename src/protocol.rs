//! mdBook's preprocessor JSON, both dialects.
