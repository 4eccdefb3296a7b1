#!/usr/bin/env bash
# The speed benchmarks, from a fresh clone, in one command (budgets and results: docs/src/speed.md):
#
#   bench/run.sh            # 500-chapter book with 10,000 directives, a 1,000,000-row CSV, 10 runs each
#   bench/run.sh --quick    # tiny sizes, one run each: proves the scripts still work
#   bench/run.sh --quick --debug   # the same with the debug build the tests already made (CI)
#
# Options: --runs N, --chapters N, --directives N (per chapter), --csv-rows N, --out DIR (default bench-out/),
# --no-build (use the binaries already built), --debug (the debug build instead of --release; for --quick).
# Env: BENCH_TIMER=hyperfine times with hyperfine (each command's runs in a row) instead of the built-in loop
# (rounds that run every command once, so that a shared machine's changing load falls on all commands alike);
# BENCH_KEEP_GOING=1 goes on when a sanity run fails;
# MDBOOK04=/path/to/mdbook (0.4.x) adds builds with that binary (default /opt/mdbook-0.4.52/bin/mdbook);
# MDBOOK05 names the 0.5 binary (default /opt/mdbook-0.5.4/bin/mdbook, else `mdbook` on PATH).
#
# It builds --release, generates the books (1x and 2x) and the CSV with kpi-bench-gen, checks that the generated
# stdin JSON is what the real mdbook binaries send, runs each command once to check it works, then times them
# (medians) and prints a Markdown table of the ratios against the budgets; the table is also written to
# OUT/results.md, and every timing's raw output to OUT/log/.
set -euo pipefail
export LC_ALL=C
# mdBook reads every MDBOOK_* variable as a config override (CI exports MDBOOK_04 and MDBOOK_05, the tests'
# binary paths, which mdBook 0.4 would put in the book's config): build the book exactly as its book.toml says.
while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep '^MDBOOK_' || true)

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$repo/bench-out"
runs=10
chapters=500
directives=20
csv_rows=1000000
quick=0
build=1
profile=release
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --runs) runs=$2; shift ;;
        --chapters) chapters=$2; shift ;;
        --directives) directives=$2; shift ;;
        --csv-rows) csv_rows=$2; shift ;;
        --out) out=$2; shift ;;
        --no-build) build=0 ;;
        --debug) profile=debug ;;
        -h | --help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "bench/run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [ "$quick" = 1 ]; then
    runs=1 chapters=20 directives=5 csv_rows=20000
fi
warmup=$([ "$runs" -gt 1 ] && echo 1 || echo 0)

say() { printf '%s\n' "$*" >&2; }
die() { say "bench/run.sh: $*"; exit 1; }

# --- tools -------------------------------------------------------------------------------------------------
bin="${CARGO_TARGET_DIR:-$repo/target}/$profile"
if [ "$build" = 1 ]; then
    say "== cargo build --$profile (mdbook-kpi, kpi-bench-gen, kpi-passthrough)"
    profile_flag=$([ "$profile" = release ] && echo --release || echo)
    # shellcheck disable=SC2086 # an empty flag is no argument
    (cd "$repo" && cargo build $profile_flag --quiet --features bench-tools --bin mdbook-kpi --bin kpi-bench-gen --bin kpi-passthrough)
fi
for tool in mdbook-kpi kpi-bench-gen kpi-passthrough; do
    [ -x "$bin/$tool" ] || die "$bin/$tool is missing (run without --no-build)"
done
export PATH="$bin:$PATH"

# GNU time for peak memory; install it when we can.
gnu_time=/usr/bin/time
if ! "$gnu_time" -v true >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "== installing GNU time"
        apt-get install -y -qq time >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq time) >/dev/null 2>&1 || true
    fi
    "$gnu_time" -v true >/dev/null 2>&1 || gnu_time=""
fi
timer=loop
if [ "${BENCH_TIMER:-}" = hyperfine ]; then
    command -v hyperfine >/dev/null || die "BENCH_TIMER=hyperfine, but hyperfine is not installed"
    timer=hyperfine
fi
# mdBook 0.5: $MDBOOK05, else where .ci/run installs it, else `mdbook` on PATH. A version manager's shim (pyenv's
# is a shell script that looks the binary up on every call) would add its own start-up to both builds of a
# pair and flatter the ratio: the binary behind it is timed instead.
mdbook05=${MDBOOK05:-}
[ -z "$mdbook05" ] && [ -x /opt/mdbook-0.5.4/bin/mdbook ] && mdbook05=/opt/mdbook-0.5.4/bin/mdbook
[ -n "$mdbook05" ] || mdbook05=$(command -v mdbook || true)
if [ -n "$mdbook05" ] && [ "$(head -c 2 "$mdbook05")" = '#!' ] && command -v pyenv >/dev/null; then
    mdbook05=$(pyenv which mdbook 2>/dev/null || echo "$mdbook05")
fi
mdbook04=${MDBOOK04:-/opt/mdbook-0.4.52/bin/mdbook}
[ -x "$mdbook04" ] || mdbook04=""

mkdir -p "$out/log" "$out/times"
rm -f "$out"/times/*
log="$out/log"

# --- inputs ------------------------------------------------------------------------------------------------
declare -A info
read_info() { # prefix file: key=value lines into info[prefix.key]
    local prefix=$1 key value
    while IFS='=' read -r key value; do info[$prefix.$key]=$value; done <"$2"
}
say "== generating: $chapters chapters x $directives directives, and $((chapters * 2)) chapters; $csv_rows CSV rows"
kpi-bench-gen book "$out/x1" --chapters "$chapters" --directives "$directives" >"$log/gen-x1.txt"
kpi-bench-gen book "$out/x2" --chapters "$((chapters * 2))" --directives "$directives" >"$log/gen-x2.txt"
kpi-bench-gen csv "$out/csv/facts.csv" --rows "$csv_rows" >"$log/gen-csv.txt"
kpi-bench-gen csv "$out/csv/leaves.csv" --rows "$csv_rows" --leaves-only >"$log/gen-csv-leaves.txt"
read_info x1 "$log/gen-x1.txt"
read_info x2 "$log/gen-x2.txt"
read_info csv "$log/gen-csv.txt"

# Is the generated stdin what mdBook really sends? A stand-in `mdbook-kpi` first on PATH captures it.
capture_stdin() { # mdbook-binary dialect
    local mdbook=$1 dialect=$2 fake="$out/capture-bin"
    mkdir -p "$fake"
    printf '#!/bin/sh\n[ "$1" = supports ] && exit 0\ncat > "$KPI_CAPTURE"\nexit 1\n' >"$fake/mdbook-kpi"
    chmod +x "$fake/mdbook-kpi"
    rm -f "$out/captured-$dialect.json"
    (cd "$out/x1/book" && PATH="$fake:$PATH" KPI_CAPTURE="$out/captured-$dialect.json" "$mdbook" build \
        >/dev/null 2>&1 || true)
    if [ ! -s "$out/captured-$dialect.json" ]; then
        info[stdin.$dialect]="not captured"
    elif cmp -s "$out/captured-$dialect.json" "$out/x1/stdin/$dialect.json"; then
        info[stdin.$dialect]="identical to $("$mdbook" --version)"
    else
        info[stdin.$dialect]="DIFFERS from $("$mdbook" --version) (see $out/captured-$dialect.json)"
    fi
    rm -rf "$out/x1/book/book"
}
[ -n "$mdbook05" ] && capture_stdin "$mdbook05" 0.5
[ -n "$mdbook04" ] && capture_stdin "$mdbook04" 0.4

# --- sanity: every timed command works once ----------------------------------------------------------------
failures=0
sanity() { # name command...: runs once, records exit status and the findings it printed
    local name=$1; shift
    local status=0
    "$@" >"$log/$name.out" 2>"$log/$name.err" || status=$?
    local errors warnings
    errors=$(grep -cE '^error(\[|:)' "$log/$name.err" || true)
    warnings=$(grep -cE '^warning(\[|:)' "$log/$name.err" "$log/$name.out" 2>/dev/null | awk -F: '{s+=$NF} END {print s+0}' || true)
    info[sanity.$name]="exit $status, $errors error(s), $warnings warning(s)"
    say "   $name: ${info[sanity.$name]}"
    if [ "$status" != 0 ]; then
        failures=$((failures + 1))
        sed -n '1,15p' "$log/$name.err" | sed 's/^/      /' >&2
    fi
}
say "== sanity runs"
sanity passthrough sh -c "kpi-passthrough <'$out/x1/stdin/0.5.json'"
sanity preprocess sh -c "mdbook-kpi <'$out/x1/stdin/0.5-nostructure.json'"
sanity preprocess-structure sh -c "mdbook-kpi <'$out/x1/stdin/0.5.json'"
sanity preprocess-0.4 sh -c "mdbook-kpi <'$out/x1/stdin/0.4.json'"
sanity check mdbook-kpi check "$out/x1/book"
sanity preprocess-x2 sh -c "mdbook-kpi <'$out/x2/stdin/0.5.json'"
for mdbook in "$mdbook05" "$mdbook04"; do
    [ -n "$mdbook" ] || continue
    label=$("$mdbook" --version | tr -cd '0-9.' | cut -d. -f1-2)
    sanity "build-$label" sh -c "cd '$out/x1/book' && '$mdbook' build -d '$out/dest-sanity-$label'"
    sanity "build-pass-through-$label" sh -c \
        "cd '$out/x1/book' && MDBOOK_PREPROCESSOR__KPI__COMMAND=kpi-passthrough '$mdbook' build -d '$out/dest-sanity-$label'"
    sanity "build-paced-pass-through-$label" sh -c \
        "cd '$out/x1/book' && MDBOOK_PREPROCESSOR__KPI__COMMAND='kpi-passthrough --paced' '$mdbook' build -d '$out/dest-sanity-$label'"
done
# The preprocessor must answer in the dialect that came in.
for dialect in 0.4:preprocess-0.4:sections 0.5:preprocess-structure:items; do
    IFS=: read -r version name key <<<"$dialect"
    if ! head -c 20 "$log/$name.out" | grep -q "^{\"$key\":"; then
        info[sanity.dialect-$version]="the answer to $version JSON is not a \`$key\` book"
        failures=$((failures + 1))
    fi
done

if [ "$failures" -gt 0 ] && [ "${BENCH_KEEP_GOING:-0}" != 1 ]; then
    die "$failures sanity run(s) failed (output in $log); set BENCH_KEEP_GOING=1 to time them anyway"
fi

# --- timing ------------------------------------------------------------------------------------------------
# Every measure is registered first, then timed: with hyperfine one command after the other, or with the
# built-in loop in rounds (each round runs every command once), which spreads a shared machine's changing load
# evenly over the commands compared. Each gives OUT/times/NAME (median wall-clock seconds) and
# OUT/times/NAME.cpu (user + system seconds of the command and its children: a mean with hyperfine, a median
# with the loop), which a busy machine disturbs less than wall-clock time.
names=()
declare -A commands
measure() { # name command (a shell command line)
    names+=("$1")
    commands[$1]=$2
}
x1="$out/x1" x2="$out/x2"
measure floor "kpi-passthrough <'$x1/stdin/0.5.json' >/dev/null"
measure preprocess "mdbook-kpi <'$x1/stdin/0.5-nostructure.json' >/dev/null"
measure preprocess_structure "mdbook-kpi <'$x1/stdin/0.5.json' >/dev/null"
measure preprocess_04 "mdbook-kpi <'$x1/stdin/0.4.json' >/dev/null"
measure check "mdbook-kpi check '$x1/book' >/dev/null"
measure floor_x2 "kpi-passthrough <'$x2/stdin/0.5.json' >/dev/null"
measure preprocess_structure_x2 "mdbook-kpi <'$x2/stdin/0.5.json' >/dev/null"
measure check_x2 "mdbook-kpi check '$x2/book' >/dev/null"
# The timed builds write their 8 MB of pages to memory (tmpfs) where the machine has it: on disk, the kernel's
# writeback of earlier builds' output fell on later builds at random and made the same build vary twofold.
dest=$out
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    dest=$(mktemp -d /dev/shm/mdbook-kpi-bench.XXXXXX)
    trap 'rm -rf "$dest"' EXIT
fi
build_pair() { # label mdbook-binary
    local label=$1 mdbook=$2
    measure "build_kpi_$label" "cd '$x1/book' && '$mdbook' build -d '$dest/dest-kpi-$label'"
    measure "build_pass_$label" \
        "cd '$x1/book' && MDBOOK_PREPROCESSOR__KPI__COMMAND=kpi-passthrough '$mdbook' build -d '$dest/dest-pass-$label'"
    # No budget's floor: a pass-through that reads stdin as mdbook-kpi does, to show what kpi's own work adds.
    measure "build_paced_$label" \
        "cd '$x1/book' && MDBOOK_PREPROCESSOR__KPI__COMMAND='kpi-passthrough --paced' '$mdbook' build -d '$dest/dest-paced-$label'"
}
[ -n "$mdbook05" ] && build_pair 05 "$mdbook05"
[ -n "$mdbook04" ] && build_pair 04 "$mdbook04"

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
time_with_hyperfine() {
    local name
    for name in "${names[@]}"; do
        say "   timing $name"
        hyperfine --style basic --runs "$runs" --warmup "$warmup" -i --export-json "$log/$name.json" \
            "${commands[$name]}" >"$log/$name.txt" 2>&1
        field() { grep -m1 "\"$1\"" "$log/$name.json" | sed -E "s/.*\"$1\": *([0-9.eE+-]+).*/\\1/"; }
        field median >"$out/times/$name"
        awk -v u="$(field user)" -v s="$(field system)" 'BEGIN { printf "%.6f\n", u + s }' >"$out/times/$name.cpu"
    done
}
# One run of a command line: "wall user system" in seconds. Wall-clock time in microseconds from bash 5's
# $EPOCHREALTIME where there is one: bash's own `time` rounds to milliseconds, a twentieth of the pass-through
# floor, which moved a ratio near 2× by 0.05 either way.
timed() {
    local start end TIMEFORMAT='%3R %3U %3S'
    if [ -z "${EPOCHREALTIME:-}" ]; then
        { time sh -c "$1" >/dev/null 2>&1 || true; } 2>&1
        return
    fi
    TIMEFORMAT='%3U %3S'
    { time {
        start=${EPOCHREALTIME/./}
        sh -c "$1" >/dev/null 2>&1 || true
        end=${EPOCHREALTIME/./}
    }; } 2>"$log/cpu.last"
    printf '%d.%06d %s\n' $(((end - start) / 1000000)) $(((end - start) % 1000000)) "$(cat "$log/cpu.last")"
}
time_in_rounds() {
    local round name
    # The cost of starting the shell that runs each command, taken off as hyperfine does.
    for round in 1 2 3 4 5 6 7 8 9; do timed true; done >"$log/shell.raw"
    local overhead
    overhead=$(awk '{ print $1 }' "$log/shell.raw" | median)
    for name in "${names[@]}"; do : >"$log/$name.raw"; done
    for ((round = 1 - warmup; round <= runs; round++)); do
        say "   round $round of $runs"
        for name in "${names[@]}"; do
            timed "${commands[$name]}" >"$log/$name.last"
            [ "$round" -ge 1 ] && cat "$log/$name.last" >>"$log/$name.raw"
        done
    done
    for name in "${names[@]}"; do
        awk -v o="$overhead" '{ t = $1 - o; print (t > 0 ? t : 0) }' "$log/$name.raw" | median >"$out/times/$name"
        awk '{ print $2 + $3 }' "$log/$name.raw" | median >"$out/times/$name.cpu"
    done
}
say "== timing ($timer, $runs run(s) each)"
if [ "$timer" = hyperfine ]; then time_with_hyperfine; else time_in_rounds; fi

declare -A csv_status
for csv in facts leaves; do
    say "   timing CSV load ($csv.csv)"
    csv_status[$csv]=0
    kpi-bench-gen load-csv "$out/csv/$csv.csv" --reps "$runs" >"$log/load-$csv.txt" 2>"$log/load-$csv.err" ||
        csv_status[$csv]=$?
    [ "${csv_status[$csv]}" = 0 ] && read_info "load-$csv" "$log/load-$csv.txt"
done

peak_kb() { # command...: max RSS in KiB, or empty
    [ -n "$gnu_time" ] || return 0
    "$gnu_time" -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { print $2 }'
}
if [ -n "$gnu_time" ]; then
    say "   measuring peak memory"
    info[mem.floor]=$(peak_kb sh -c "exec kpi-passthrough <'$x1/stdin/0.5.json'")
    info[mem.preprocess]=$(peak_kb sh -c "exec mdbook-kpi <'$x1/stdin/0.5.json'")
    info[mem.check]=$(peak_kb mdbook-kpi check "$x1/book")
fi

# --- report ------------------------------------------------------------------------------------------------
t() { cat "$out/times/$1" 2>/dev/null || true; }
ms() { [ -n "$1" ] && awk -v s="$1" 'BEGIN { printf (s < 1 ? "%.1f ms" : "%.2f s"), (s < 1 ? s * 1000 : s) }' || echo "n/a"; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }' || echo "n/a"; }
verdict() { # ratio budget: "yes"/"NO" for ratio <= budget
    awk -v r="$1" -v b="$2" 'BEGIN { if (r == "n/a" || r == "") print "n/a"; else print (r + 0 <= b + 0 ? "yes" : "**NO**") }'
}
rows=()
row() { rows+=("| $1 | $2 | $3 | $4 | $5 | $6 | $7 |"); }
compare() { # label name base-name base-label [budget]: no budget for a reference row
    local r c
    r=$(ratio "$(t "$2")" "$(t "$3")")
    c=$(ratio "$(t "$2.cpu")" "$(t "$3.cpu")")
    if [ -n "${5:-}" ]; then
        row "$1" "$(ms "$(t "$2")")" "$4 ($(ms "$(t "$3")"))" "${r}×" "${c}×" "≤ $5×" "$(verdict "$r" "$5")"
    else
        row "$1" "$(ms "$(t "$2")")" "$4 ($(ms "$(t "$3")"))" "${r}×" "${c}×" "" ""
    fi
}
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
group() { echo "$1" | sed -E ':a; s/([0-9])([0-9]{3})($|,)/\1,\2\3/; ta'; }

compare "preprocessor, no structure check" preprocess floor "pass-through" 2
compare "preprocessor, structure check" preprocess_structure floor "pass-through" 3
compare "preprocessor, structure check, 0.4 JSON" preprocess_04 floor "pass-through" 3
compare "\`mdbook-kpi check\`" check floor "pass-through" 3
for label in 05 04; do
    [ -f "$out/times/build_kpi_$label" ] || continue
    version=$([ "$label" = 05 ] && "$mdbook05" --version || "$mdbook04" --version)
    compare "\`mdbook build\` ($version, markdown renderer)" "build_kpi_$label" "build_pass_$label" \
        "same build, pass-through" 1.25
    compare "\`mdbook build\` ($version), for reference: against a pass-through reading stdin as kpi does" \
        "build_kpi_$label" "build_paced_$label" "same build, \`kpi-passthrough --paced\`"
done
compare "preprocessor, 2× book" preprocess_structure_x2 preprocess_structure "1× book" 2.2
compare "\`check\`, 2× book" check_x2 check "1× book" 2.2
compare "pass-through, 2× book (for reference)" floor_x2 floor "1× book" 2.2
for csv in facts leaves; do
    what=$([ "$csv" = facts ] && echo "with subtotals over 3 dimensions" || echo "finest slices only")
    if [ "${csv_status[$csv]}" = 0 ]; then
        speed=${info[load-$csv.speed_ratio]}
        csv_verdict=$(awk -v r="$speed" 'BEGIN { print (r + 0 >= 0.5 ? "yes" : "**NO**") }')
        row "CSV load, $(group "${info[load-$csv.rows]}") rows $what ($(mb "${info[load-$csv.bytes]}"))" \
            "${info[load-$csv.kpi_ms]} ms" "plain \`csv\` iteration (${info[load-$csv.csv_ms]} ms)" "speed ${speed}×" \
            "—" "≥ 0.5×" "$csv_verdict"
    else
        row "CSV load, $what" "failed" "plain \`csv\` iteration" "n/a" "—" "≥ 0.5×" \
            "n/a ($(grep -m1 . "$log/load-$csv.err" | head -c 160))"
    fi
done
input_bytes=$((${info[x1.json_bytes]} + ${info[x1.data_bytes]}))
for what in preprocess check; do
    kb=${info[mem.$what]:-}
    if [ -n "$kb" ]; then
        r=$(awk -v k="$kb" -v b="$input_bytes" 'BEGIN { printf "%.2f", k * 1024 / b }')
        row "peak memory, $what" "$(mb $((kb * 1024)))" "stdin JSON + data ($(mb "$input_bytes"))" "${r}×" "—" "≤ 3×" \
            "$(verdict "$r" 3)"
    fi
done
[ -n "${info[mem.floor]:-}" ] && row "peak memory, pass-through (reference)" "$(mb $((${info[mem.floor]} * 1024)))" \
    "stdin JSON + data ($(mb "$input_bytes"))" \
    "$(awk -v k="${info[mem.floor]}" -v b="$input_bytes" 'BEGIN { printf "%.2f", k * 1024 / b }')×" "—" "" ""

floor_s=$(t floor)
{
    echo "### mdbook-kpi speed"
    echo
    echo "\`bench/run.sh$([ "$quick" = 1 ] && echo " --quick")\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average" \
        "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') before the run ended; timer: $timer, median of $runs run(s), $profile build."
    echo
    echo "Book: ${info[x1.chapters]} chapters, ${info[x1.directives]} directives over ${info[x1.metrics]} metrics," \
        "about $(group "${info[x1.words]}") words, stdin JSON $(mb "${info[x1.json_bytes]}")," \
        "data $(mb "${info[x1.data_bytes]}") (${info[x1.fact_rows]} CSV facts). The 2× book: ${info[x2.chapters]} chapters," \
        "${info[x2.directives]} directives, JSON $(mb "${info[x2.json_bytes]}")." \
        "Pass-through floor: $(ms "$floor_s"), $(awk -v b="${info[x1.json_bytes]}" -v s="$floor_s" 'BEGIN { if (s > 0) printf "%.0f", b / 1e6 / s; else print "?" }') MB/s."
    echo
    echo "| measure | median | against | ratio | CPU-time ratio | budget | within |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
    echo
    echo "Sanity runs (once each, before timing):"
    for key in "${!info[@]}"; do
        case "$key" in sanity.*) echo "- ${key#sanity.}: ${info[$key]}" ;; esac
    done | sort
    for dialect in 0.5 0.4; do
        [ -n "${info[stdin.$dialect]:-}" ] && echo "- generated $dialect stdin JSON: ${info[stdin.$dialect]}"
    done
} >"$out/results.md"
cat "$out/results.md"
