//! Expanding directives in chapters.
