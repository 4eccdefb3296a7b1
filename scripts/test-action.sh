#!/usr/bin/env bash
# Tests the GitHub Action (action.yml) by running its own shell steps the way the Actions runner does.
#
# The steps' `env:` expressions are filled in (inputs with their defaults, github.action_path = this checkout,
# runner.temp = a temp folder), each `run:` script runs with `bash --noprofile --norc -eo pipefail` as the runner
# runs `shell: bash`, and $GITHUB_OUTPUT / $GITHUB_PATH are honoured between steps. The install step really runs
# `cargo install --path` of this checkout. Then `check` runs against a clean book, a book with an error and a book
# with a warning, with both formats; the exit codes, annotations and SARIF report are asserted. The upload step
# (a `uses:` step, GitHub's code) is only checked to run after a failed check and to upload the report written.
#
# Needs python3 with PyYAML (.ci/run puts pre-commit's copy on PYTHONPATH) and cargo. Exits non-zero on the
# first failed assertion. The release build is made quick with the environment below unless the caller set it.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# A test build: no fat LTO, parallel codegen, and one target folder shared with scripts/test-pre-commit.sh.
export CARGO_PROFILE_RELEASE_LTO=${CARGO_PROFILE_RELEASE_LTO:-false}
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=${CARGO_PROFILE_RELEASE_CODEGEN_UNITS:-16}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target/ci-install}

exec python3 - "$PWD" <<'PYTHON'
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

REPO = sys.argv[1]
ACTION = yaml.safe_load(open(os.path.join(REPO, "action.yml"), encoding="utf-8"))
failures = []


def check(condition, what):
    print(("  ok   " if condition else "  FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


def step(step_id):
    found = [s for s in ACTION["runs"]["steps"] if s.get("id") == step_id]
    assert len(found) == 1, f"action.yml has no single step with id {step_id}"
    return found[0]


class Runner:
    """The part of the Actions runner that composite `shell: bash` steps rely on."""

    def __init__(self, temp):
        self.temp = temp
        self.workspace = os.path.join(temp, "workspace")
        os.makedirs(self.workspace)
        self.path_entries = []
        self.outputs = {}

    def expression(self, text, inputs):
        def value(match):
            name = match.group(1)
            if name.startswith("inputs."):
                key = name[len("inputs."):]
                default = ACTION["inputs"][key].get("default", "")
                return str(inputs.get(key, default))
            if name == "github.action_path":
                return REPO
            if name == "runner.temp":
                return self.temp
            raise SystemExit(f"the test does not know the expression `{name}`")

        return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", value, str(text))

    def run(self, step_id, **inputs):
        """Runs one `run:` step; returns (exit code, stdout, outputs)."""
        spec = step(step_id)
        env = dict(os.environ)
        env.pop("GITHUB_ACTIONS", None)
        env.update({k: self.expression(v, inputs) for k, v in spec.get("env", {}).items()})
        env["PATH"] = os.pathsep.join(self.path_entries + [env["PATH"]])
        files = {}
        for name in ("GITHUB_OUTPUT", "GITHUB_PATH"):
            handle, files[name] = tempfile.mkstemp(dir=self.temp)
            os.close(handle)
            env[name] = files[name]
        script = os.path.join(self.temp, f"{step_id}.sh")
        with open(script, "w", encoding="utf-8") as out:
            out.write(spec["run"])
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
            cwd=self.workspace, env=env, stdout=subprocess.PIPE, text=True,
        )
        self.path_entries = [line for line in open(files["GITHUB_PATH"]).read().splitlines() if line] + self.path_entries
        outputs = dict(line.split("=", 1) for line in open(files["GITHUB_OUTPUT"]).read().splitlines() if "=" in line)
        self.outputs[step_id] = outputs
        return done.returncode, done.stdout, outputs


print("action.yml: shape")
check(ACTION["runs"]["using"] == "composite", "a composite action")
for name in ("book", "format", "deny-warnings"):
    check(name in ACTION["inputs"], f"input `{name}`")
for spec in ACTION["runs"]["steps"]:
    if "run" in spec:
        check("${{" not in spec["run"], f"step `{spec['name']}` gets its inputs through env only")
uploads = [s for s in ACTION["runs"]["steps"] if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")]
check(len(uploads) == 1, "one upload-sarif step")
upload = uploads[0]
check("always()" in upload.get("if", ""), "the upload runs when the check failed too (always())")
check(upload["with"]["sarif_file"] == "${{ steps.check.outputs.sarif-file }}", "the upload takes the check's report")
check("steps.check.outputs.sarif-file" in upload.get("if", ""), "no upload without a report")

with tempfile.TemporaryDirectory() as temp:
    runner = Runner(temp)

    print("install step: cargo install of this checkout", flush=True)
    code, out, _ = runner.run("install")
    check(code == 0, "the install step succeeds")
    check(out.strip().startswith("mdbook-kpi "), f"it prints the installed version ({out.strip()!r})")
    check(any(os.path.isfile(os.path.join(p, "mdbook-kpi")) for p in runner.path_entries), "$GITHUB_PATH gets the binary's folder")

    def init(name):
        subprocess.run(["mdbook-kpi", "init", name, "--locale", "en"], cwd=runner.workspace, check=True,
                       env={**os.environ, "PATH": os.pathsep.join(runner.path_entries + [os.environ["PATH"]])},
                       stdout=subprocess.DEVNULL)
        return os.path.join(runner.workspace, name)

    init("docs/clean")
    broken = init("docs/broken")
    with open(os.path.join(broken, "src/performance-review.md"), "a", encoding="utf-8") as chapter:
        chapter.write("\nRevenue: <<#kpi revnue 2023>>.\n")
    broken_line = sum(1 for _ in open(os.path.join(broken, "src/performance-review.md"), encoding="utf-8"))
    warned = init("docs/warned")
    with open(os.path.join(warned, "book.toml"), "a", encoding="utf-8") as book_toml:
        book_toml.write("precison = 1\n")

    print("check step, format github", flush=True)
    code, out, outputs = runner.run("check", book="docs/clean")
    check(code == 0 and out == "" and outputs.get("exit-code") == "0", f"a clean book passes silently ({code}, {out!r})")
    code, out, outputs = runner.run("check", book="docs/broken")
    check(code == 1 and outputs.get("exit-code") == "1", f"a book with an error fails with 1 ({code})")
    check(f"::error file=docs/broken/src/performance-review.md,line={broken_line}," in out,
          f"an annotation on the chapter, from the repository root: {out!r}")
    check("title=kpi/unknown-metric::" in out and "revenue" in out, "it names the rule and suggests `revenue`")
    code, out, _ = runner.run("check", book="docs/warned")
    check(code == 0 and "::warning file=docs/warned/book.toml," in out, f"a warning is annotated but passes ({code})")
    check("title=config/unknown-key::" in out, "the warning names its rule")
    code, out, _ = runner.run("check", book="docs/warned", **{"deny-warnings": "true"})
    check(code == 1 and "::warning" in out, f"deny-warnings: true fails on the warning ({code})")
    code, out, _ = runner.run("check", book="docs/missing")
    check(code == 2, f"a folder without a book exits 2 ({code})")
    code, out, _ = runner.run("check", book="docs/clean", format="xml")
    check(code == 2 and "::error" in out and "format" in out, f"a wrong format input exits 2 with an annotation ({code})")
    code, out, _ = runner.run("check", book="docs/clean", **{"deny-warnings": "yes"})
    check(code == 2 and "deny-warnings" in out, f"a wrong deny-warnings input exits 2 ({code})")

    print("check step, format sarif", flush=True)
    code, out, outputs = runner.run("check", book="docs/broken", format="sarif")
    check(code == 1 and outputs.get("exit-code") == "1", f"a book with an error fails with 1 ({code})")
    report_path = os.path.join(runner.workspace, outputs.get("sarif-file", "mdbook-kpi.sarif"))
    check(outputs.get("sarif-file") == "mdbook-kpi.sarif" and os.path.isfile(report_path),
          "the report is written and named for the upload step")
    report = json.load(open(report_path, encoding="utf-8"))
    results = report["runs"][0]["results"]
    check(report["version"] == "2.1.0" and any(r["ruleId"] == "kpi/unknown-metric" for r in results),
          "SARIF 2.1.0 with the finding")
    places = [loc["physicalLocation"]["artifactLocation"]["uri"] for r in results for loc in r.get("locations", [])]
    check("docs/broken/src/performance-review.md" in places, f"the finding's file from the repository root: {places}")
    code, _, outputs = runner.run("check", book="docs/clean", format="sarif", **{"sarif-file": "clean.sarif"})
    clean = json.load(open(os.path.join(runner.workspace, "clean.sarif"), encoding="utf-8"))
    check(code == 0 and outputs.get("sarif-file") == "clean.sarif" and clean["runs"][0]["results"] == [],
          "a clean book: exit 0 and an empty report at the sarif-file input")
    code, _, outputs = runner.run("check", book="docs/missing", format="sarif", **{"sarif-file": "missing.sarif"})
    check(code == 2 and "sarif-file" not in outputs and not os.path.exists(os.path.join(runner.workspace, "missing.sarif")),
          "no book: exit 2 and no empty report for the upload")

if failures:
    print(f"\n{len(failures)} check(s) failed:", *failures, sep="\n  ")
    sys.exit(1)
print("\naction.yml: all checks passed")
PYTHON
