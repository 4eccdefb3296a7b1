#!/usr/bin/env bash
# What each plugin adds to its own build: mdbook-kpi in `mdbook build` (HTML) against MkDocs +
# mkdocs-macros-plugin, on the same 500-chapter content, where the macros plugin makes 10,000 comparisons
# from a YAML file (a `kpi(metric, period, base)` macro in a small Python module).
#
#   bench/mkdocs.sh [--quick] [--runs N] [--out DIR] [--no-build]
#
# Installs mkdocs and mkdocs-macros-plugin into OUT/venv with pip when `mkdocs` is not on PATH. Builds:
# mdbook with kpi, mdbook with the pass-through preprocessor instead, mkdocs without plugins, mkdocs with the
# macros plugin; all to HTML (mdBook's search index and MkDocs' search plugin off on both sides). Prints a
# Markdown table, also written to OUT/mkdocs-results.md.
set -euo pipefail
export LC_ALL=C
# mdBook reads every MDBOOK_* variable as a config override (CI exports MDBOOK_04 and MDBOOK_05, the tests'
# binary paths, which mdBook 0.4 would put in the book's config): build the book exactly as its book.toml says.
while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep '^MDBOOK_' || true)

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$repo/bench-out"
runs=3
chapters=500
directives=20
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) runs=1 chapters=20 directives=5 ;;
        --runs) runs=$2; shift ;;
        --out) out=$2; shift ;;
        --no-build) build=0 ;;
        -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "bench/mkdocs.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
say() { printf '%s\n' "$*" >&2; }

bin="${CARGO_TARGET_DIR:-$repo/target}/release"
if [ "$build" = 1 ]; then
    say "== cargo build --release"
    (cd "$repo" && cargo build --release --quiet --features bench-tools --bin mdbook-kpi --bin kpi-bench-gen --bin kpi-passthrough)
fi
export PATH="$bin:$PATH"
command -v mdbook >/dev/null || { say "bench/mkdocs.sh: mdbook is not on PATH"; exit 1; }
mkdocs=$(command -v mkdocs || true)
if [ -z "$mkdocs" ] || ! python3 -c 'import mkdocs_macros' 2>/dev/null; then
    if [ ! -x "$out/venv/bin/mkdocs" ]; then
        say "== installing mkdocs and mkdocs-macros-plugin into $out/venv"
        python3 -m venv "$out/venv"
        "$out/venv/bin/pip" install --quiet mkdocs mkdocs-macros-plugin
    fi
    mkdocs="$out/venv/bin/mkdocs"
fi

work="$out/mk"
log="$out/log"
mkdir -p "$work" "$log"
say "== generating $chapters chapters x $directives directives for both"
kpi-bench-gen book "$work" --chapters "$chapters" --directives "$directives" >"$log/mk-gen-book.txt"
kpi-bench-gen mkdocs "$work" --chapters "$chapters" --directives "$directives" >"$log/mk-gen-mkdocs.txt"
# The same book for the HTML renderer. A copy, not symlinks: mdbook-kpi refuses data reached through a
# symlink that leaves the book root.
rm -rf "$work/book-html"
cp -r "$work/book" "$work/book-html"
sed -i 's/^\[output.markdown\]$/[output.html]\n[output.html.search]\nenable = false/' "$work/book-html/book.toml"
# MkDocs also needs its plugin list without search for the plain build (done in the generated yml).

timer=loop
command -v hyperfine >/dev/null && timer=hyperfine
median_of() { # name command
    local name=$1 command=$2
    say "   timing $name"
    if [ "$timer" = hyperfine ]; then
        hyperfine --style basic --runs "$runs" -i --export-json "$log/mk-$name.json" "$command" >"$log/mk-$name.txt" 2>&1
        grep -m1 '"median"' "$log/mk-$name.json" | sed -E 's/.*"median": *([0-9.eE+-]+).*/\1/'
    else
        for ((i = 0; i < runs; i++)); do
            local start=$EPOCHREALTIME
            sh -c "$command" >/dev/null 2>&1 || true
            awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.6f\n", e - s }'
        done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
    fi
}

say "== sanity: one build each"
(cd "$work/book-html" && mdbook build -d "$work/site-mdbook-kpi") >"$log/mk-sanity-mdbook.txt" 2>&1 ||
    say "   mdbook build with kpi failed (see $log/mk-sanity-mdbook.txt)"
(cd "$work/mkdocs" && "$mkdocs" build -q -f mkdocs-macros.yml -d "$work/site-macros") >"$log/mk-sanity-mkdocs.txt" 2>&1 ||
    say "   mkdocs build with macros failed (see $log/mk-sanity-mkdocs.txt)"
macro_errors=$(grep -c "Macro Rendering Error" "$log/mk-sanity-mkdocs.txt" || true)

say "== timing ($timer, $runs run(s) each)"
mdbook_kpi=$(median_of mdbook-kpi "cd '$work/book-html' && mdbook build -d '$work/site-mdbook-kpi'")
mdbook_pass=$(median_of mdbook-pass "cd '$work/book-html' && MDBOOK_PREPROCESSOR__KPI__COMMAND=kpi-passthrough mdbook build -d '$work/site-mdbook-pass'")
mkdocs_plain=$(median_of mkdocs-plain "cd '$work/mkdocs' && '$mkdocs' build -q -f mkdocs.yml -d '$work/site-plain'")
mkdocs_macros=$(median_of mkdocs-macros "cd '$work/mkdocs' && '$mkdocs' build -q -f mkdocs-macros.yml -d '$work/site-macros'")

s() { awk -v t="$1" 'BEGIN { printf "%.2f s", t }'; }
added() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%+.2f s (%+.0f%%)", a - b, (a - b) / b * 100; else print "n/a" }'; }
{
    echo "### What the plugin adds: mdbook-kpi and mkdocs-macros-plugin"
    echo
    echo "\`bench/mkdocs.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg);" \
        "$timer, median of $runs run(s). $(grep pages= "$log/mk-gen-mkdocs.txt" | cut -d= -f2) pages," \
        "$(grep macro_calls= "$log/mk-gen-mkdocs.txt" | cut -d= -f2) directives / macro calls, HTML output, search off;" \
        "$("$mkdocs" --version | cut -d' ' -f1-3), mkdocs-macros-plugin $(python3 -c 'import importlib.metadata as m; print(m.version("mkdocs-macros-plugin"))' 2>/dev/null ||
            "$(dirname "$mkdocs")/python" -c 'import importlib.metadata as m; print(m.version("mkdocs-macros-plugin"))'), $(mdbook --version)."
    echo
    echo "| build | without the plugin | with it | the plugin adds |"
    echo "|---|---|---|---|"
    echo "| mdBook + mdbook-kpi (pass-through without) | $(s "$mdbook_pass") | $(s "$mdbook_kpi") | $(added "$mdbook_kpi" "$mdbook_pass") |"
    echo "| MkDocs + mkdocs-macros-plugin | $(s "$mkdocs_plain") | $(s "$mkdocs_macros") | $(added "$mkdocs_macros" "$mkdocs_plain") |"
    echo
    echo "Macro rendering errors in the MkDocs build: $macro_errors."
} >"$out/mkdocs-results.md"
cat "$out/mkdocs-results.md"
