#!/usr/bin/env bash
# Tests the pre-commit hook (.pre-commit-hooks.yaml, id mdbook-kpi-check) with the real pre-commit.
#
# A snapshot of this working tree (committed or not) becomes a hook repository; a temp project uses it from its
# .pre-commit-config.yaml, as a user's project would, and pre-commit builds the hook with `cargo install`. Then:
# a clean book at the project root passes, a broken chapter fails `git commit`, a change outside the book's files
# skips the hook, and a book in a subfolder named in `args` is checked (a broken data file fails, a warning
# fails only with --deny-warnings).
#
# Needs git, cargo and pre-commit: $PRE_COMMIT (a command, e.g. "python3 -m pre_commit"), else `pre-commit` on
# PATH. .ci/run installs it from PyPI. Exits non-zero on the first failed assertion.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD

read -r -a pre_commit <<<"${PRE_COMMIT:-pre-commit}"
"${pre_commit[@]}" --version >/dev/null || { echo "no pre-commit: pip install pre-commit, or set PRE_COMMIT" >&2; exit 1; }

# The books are made by this checkout's `mdbook-kpi init`.
if [[ -z "${MDBOOK_KPI:-}" ]]; then
    cargo build --quiet --locked --bin mdbook-kpi
    MDBOOK_KPI=$repo/target/debug/mdbook-kpi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# pre-commit's `cargo install` of the hook: a test build (no fat LTO, parallel codegen) in a target folder shared
# with scripts/test-action.sh, and a pre-commit cache of its own.
export CARGO_PROFILE_RELEASE_LTO=${CARGO_PROFILE_RELEASE_LTO:-false}
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=${CARGO_PROFILE_RELEASE_CODEGEN_UNITS:-16}
export PRE_COMMIT_HOME=$work/pre-commit-home
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.invalid
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.invalid
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
install_target=${CARGO_TARGET_DIR:-$repo/target/ci-install}
unset CARGO_TARGET_DIR

failures=0
pass() { echo "  ok   $*"; }
fail() { echo "  FAIL $*"; failures=$((failures + 1)); }

# Runs "$@" in the project; sets $status and $output.
in_project() {
    status=0
    output=$(cd "$work/project" && CARGO_TARGET_DIR=$install_target "$@" 2>&1) || status=$?
}

expect() { # expect STATUS WHAT [TEXT]: the last command exited STATUS (and printed TEXT)
    local want=$1 what=$2 text=${3:-}
    if [[ $status -ne $want ]]; then
        fail "$what: exit $status, expected $want"
        printf '%s\n' "$output" | sed 's/^/      /'
    elif [[ -n $text && $output != *"$text"* ]]; then
        fail "$what: no \`$text\` in the output"
        printf '%s\n' "$output" | sed 's/^/      /'
    else
        pass "$what"
    fi
}

echo "hook repository: a snapshot of $repo"
hooks=$work/hooks
mkdir -p "$hooks"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$hooks"
git -C "$hooks" init --quiet
git -C "$hooks" add --all
git -C "$hooks" commit --quiet -m snapshot
rev=$(git -C "$hooks" rev-parse HEAD)

write_config() { # write_config [ARG...]: the project's .pre-commit-config.yaml with these hook args
    local args=""
    if [[ $# -gt 0 ]]; then
        args="        args: [$(printf '"%s", ' "$@" | sed 's/, $//')]"
    fi
    cat >"$work/project/.pre-commit-config.yaml" <<EOF
repos:
  - repo: $hooks
    rev: $rev
    hooks:
      - id: mdbook-kpi-check
$args
EOF
    git -C "$work/project" add .pre-commit-config.yaml
}

echo "a book at the project root (no args)"
mkdir -p "$work/project"
git -C "$work/project" init --quiet
"$MDBOOK_KPI" init "$work/project" --locale en >/dev/null
write_config
in_project git add --all
in_project "${pre_commit[@]}" install
expect 0 "pre-commit install"
echo "  (pre-commit builds the hook with cargo install: a minute or more the first time)"
in_project "${pre_commit[@]}" run --all-files
expect 0 "a clean book passes" "mdbook-kpi check"
in_project git commit --quiet -m "a clean book"
expect 0 "the clean book is committed"

printf '\nRevenue: <<#kpi revnue 2023>>.\n' >>"$work/project/src/performance-review.md"
in_project git add --all
in_project git commit --quiet -m "a broken chapter"
expect 1 "a broken chapter fails the commit" "kpi/unknown-metric"
[[ $output == *"did you mean \`revenue\`?"* ]] && pass "with the hint" || fail "no hint in: $output"
in_project git reset --quiet --hard
echo "notes" >"$work/project/notes.txt"
in_project git add --all
in_project "${pre_commit[@]}" run
expect 0 "a change outside the book's files skips the hook" "no files to check"

echo "a book in a subfolder, named in args"
rm -rf "$work/project"
mkdir -p "$work/project"
git -C "$work/project" init --quiet
"$MDBOOK_KPI" init "$work/project/docs/report" --locale en >/dev/null
write_config docs/report
in_project "${pre_commit[@]}" run --all-files
expect 0 "a clean book in docs/report passes"
printf '\n[broken\n' >>"$work/project/docs/report/data/kpi.toml"
in_project git add --all
in_project "${pre_commit[@]}" run
expect 1 "a broken data file fails" "data/kpi.toml"
"$MDBOOK_KPI" init "$work/project/docs/fresh" --locale en >/dev/null
echo "precison = 1" >>"$work/project/docs/fresh/book.toml"
write_config docs/fresh
in_project "${pre_commit[@]}" run --all-files --verbose
expect 0 "a warning alone passes (shown with --verbose)" "config/unknown-key"
write_config docs/fresh --deny-warnings
in_project "${pre_commit[@]}" run --all-files
expect 1 "a warning fails with args: [docs/fresh, --deny-warnings]" "config/unknown-key"

if [[ $failures -gt 0 ]]; then
    echo "$failures pre-commit hook check(s) failed" >&2
    exit 1
fi
echo "pre-commit hook: all checks passed"
