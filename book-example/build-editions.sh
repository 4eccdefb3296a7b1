#!/bin/sh
# Builds both editions of the example report from the one book root and the one data folder:
#   book/zh  — the Chinese edition (book.toml as written)
#   book/en  — the English edition: the same book.toml, with the chapters, language and title overridden
# mdBook applies MDBOOK_* variables on top of book.toml (mdBook 0.4 and 0.5); the kpi preprocessor takes its
# sentence language from [book] language, so the English chapters get English sentences from the same data.
set -eu
cd "$(dirname "$0")"
mdbook build --dest-dir book/zh
MDBOOK_BOOK__SRC=en \
MDBOOK_BOOK__LANGUAGE=en \
MDBOOK_BOOK__TITLE="Sales Department: 2023 Year-End Report" \
  mdbook build --dest-dir book/en
