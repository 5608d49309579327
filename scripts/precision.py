#!/usr/bin/env python3
"""Precision and recall of stackaudit on the labelled corpus in benches/corpus.

Called by scripts/precision.sh (which documents the environment variables);
only the Python standard library is used.

Each project folder with a labels.toml is copied to a scratch folder, made a
git work tree there (`git add -A`, then `git add -f` for the files listed in
git-tracked.txt: committed although .gitignore matches them), scanned with
`stackaudit scan . --format json`, and its findings are matched to the labels:

  [[finding]]  a defect a reviewer would accept. `rule` (one ID, a list of
               IDs any of which may report it, `*` globs allowed), `path`
               (relative to the project), and optionally `line` (a number or
               [first, last]), `key` (the finding's key) and `subject` (a glob
               on the subject's name). A finding matching every given field is
               a true positive; each label takes one finding (one defect, one
               finding), so a second finding for it is a duplicate: false.
  [[trap]]     a planted false case, for documentation: a finding there is
               false like any finding no label accepts, and is listed with the
               trap's note.
  [[broken]]   a file its own tool rejects: errors on it are expected.

Families group rules by ID prefix (nginx, tls, hsts and http are one family).
"""

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import tempfile
import tomllib
from collections import defaultdict

SCAN_TIMEOUT_SECS = 300

FAMILIES = [
    ("workload-", "workload"),
    ("image-", "image"),
    ("dockerfile-", "dockerfile"),
    ("k8s-", "k8s"),
    ("nginx-", "nginx/tls/hsts/http"),
    ("tls-", "nginx/tls/hsts/http"),
    ("hsts-", "nginx/tls/hsts/http"),
    ("http-", "nginx/tls/hsts/http"),
    ("secret-", "secret"),
    ("docker-", "docker"),
    ("cluster-", "cluster"),
    ("dns-", "dns"),
    ("firewall-", "firewall"),
]


def family_of(rule_id):
    for prefix, family in FAMILIES:
        if rule_id.startswith(prefix):
            return family
    return "other"


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class Label:
    def __init__(self, kind, table, project):
        self.kind = kind
        self.rules = as_list(table.get("rule"))
        self.paths = as_list(table.get("path"))
        line = table.get("line")
        if isinstance(line, list):
            self.lines = (line[0], line[-1])
        elif line is not None:
            self.lines = (line, line)
        else:
            self.lines = None
        self.key = table.get("key")
        self.subject = table.get("subject")
        self.note = table.get("note", "")
        self.family = table.get("family")
        if kind in ("finding", "trap") and (not self.rules or not self.paths):
            raise SystemExit(f"{project}/labels.toml: a [[{kind}]] needs `rule` and `path`: {table}")
        if kind == "finding" and not self.note:
            raise SystemExit(f"{project}/labels.toml: a [[finding]] needs a `note` saying why it is true: {table}")
        if not self.family:
            self.family = family_of(self.rules[0]) if self.rules else "other"

    def rule_matches(self, rule_id):
        return any(fnmatch.fnmatchcase(rule_id, r) for r in self.rules)

    def path_matches(self, path):
        return path is not None and any(fnmatch.fnmatchcase(path, p) for p in self.paths)

    def matches(self, f):
        if not self.rule_matches(f["rule"]):
            return False
        if not self.path_matches(f["path"]):
            return False
        if self.lines is not None and (f["line"] is None or not self.lines[0] <= f["line"] <= self.lines[1]):
            return False
        if self.key is not None and f["key"] != self.key:
            return False
        if self.subject is not None and not fnmatch.fnmatchcase(f["subject"] or "", self.subject):
            return False
        return True

    def where(self):
        where = "|".join(self.paths)
        if self.lines:
            where += f":{self.lines[0]}" if self.lines[0] == self.lines[1] else f":{self.lines[0]}-{self.lines[1]}"
        extra = []
        if self.subject:
            extra.append(f"subject {self.subject}")
        if self.key:
            extra.append(f"key {self.key}")
        return where + (f" ({', '.join(extra)})" if extra else "")


def load_labels(project_dir, name):
    with open(os.path.join(project_dir, "labels.toml"), "rb") as fh:
        data = tomllib.load(fh)
    unknown = set(data) - {"project", "finding", "trap", "broken"}
    if unknown:
        raise SystemExit(f"{name}/labels.toml: unknown tables {sorted(unknown)}")
    return {
        kind: [Label(kind, t, name) for t in data.get(kind, [])]
        for kind in ("finding", "trap", "broken")
    }


def prepare(project_dir, scratch):
    """Copy the project and make the copy a git work tree, as a checkout is."""
    dest = os.path.join(scratch, os.path.basename(project_dir))
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(project_dir, dest, symlinks=True,
                    ignore=shutil.ignore_patterns("labels.toml", "git-tracked.txt"))
    git = ["git", "-c", "core.hooksPath=/dev/null", "-c", "init.defaultBranch=main", "-C", dest]
    subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    tracked = os.path.join(project_dir, "git-tracked.txt")
    if os.path.exists(tracked):
        with open(tracked, encoding="utf-8") as fh:
            forced = [l.strip() for l in fh if l.strip() and not l.startswith("#")]
        if forced:
            subprocess.run(git + ["add", "-f", "--"] + forced, check=True)
    return dest


def relative(path, root):
    if path is None:
        return None
    for prefix in (root + os.sep, root.lstrip(os.sep) + os.sep):
        if path.startswith(prefix):
            return path[len(prefix):]
    if path == root:
        return "."
    while path.startswith("./"):
        path = path[2:]
    return path


def scan(binary, project_copy):
    env = dict(os.environ)
    # Results must not depend on the machine: a fixed fingerprint key (no key
    # file written), no Docker engine to look images up in, no colour.
    env.update({
        "STACKAUDIT_FINGERPRINT_KEY": "precision-benchmark",
        "DOCKER_HOST": "unix:///nonexistent/precision-benchmark.sock",
        "NO_COLOR": "1",
    })
    env.pop("STACKAUDIT_LOG", None)
    try:
        proc = subprocess.run([binary, "scan", ".", "--format", "json"], cwd=project_copy, env=env,
                              capture_output=True, timeout=SCAN_TIMEOUT_SECS)
    except subprocess.TimeoutExpired:
        return {"exit": "timeout", "report": None, "stderr": f"no result after {SCAN_TIMEOUT_SECS} s"}
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        report = None
    return {"exit": proc.returncode, "report": report, "stderr": proc.stderr.decode("utf-8", "replace")}


def findings_of(report, root):
    out = []
    for f in report.get("findings", []):
        loc = f.get("location") or {}
        subject = f.get("subject") or {}
        out.append({
            "rule": f.get("rule_id", "?"),
            "path": relative(loc.get("path") or subject.get("scope"), root),
            "line": loc.get("line"),
            "key": f.get("key"),
            "subject": subject.get("name"),
            "message": f.get("message", ""),
        })
    out.sort(key=lambda f: (f["path"] or "", f["line"] or 0, f["rule"], f["key"] or ""))
    return out


def match(findings, labels):
    """Maximum one-to-one matching of findings to labels (augmenting paths)."""
    candidates = [[j for j, l in enumerate(labels) if l.matches(f)] for f in findings]
    owner = {}

    def take(i, seen):
        for j in candidates[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or take(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(findings)):
        take(i, set())
    matched = {i: j for j, i in owner.items()}
    return matched, candidates


def lacks_rules(label, known_rules):
    """Whether the binary has none of the rules that may report the label's defect."""
    return known_rules is not None and not any(
        fnmatch.fnmatchcase(r, p) for p in label.rules for r in known_rules)


def evaluate(binary, project_dir, name, labels, scratch, known_rules):
    copy = prepare(project_dir, scratch)
    result = scan(binary, copy)
    root = os.path.realpath(copy)
    res = {"project": name, "exit": result["exit"], "tp": [], "fp": [], "miss": [],
           "errors_valid": [], "errors_broken": [], "skipped": [], "stderr": result["stderr"]}
    report = result["report"]
    if report is None:
        res["errors_valid"].append(("(no report)", (result["stderr"].strip().splitlines() or ["?"])[-1]))
        res["miss"] = [(l, lacks_rules(l, known_rules)) for l in labels["finding"]]
        return res
    findings = findings_of(report, root)
    found = labels["finding"]
    matched, candidates = match(findings, found)
    for i, f in enumerate(findings):
        if i in matched:
            res["tp"].append((f, found[matched[i]]))
            continue
        why = "duplicate of a label already matched" if candidates[i] else None
        if why is None:
            trap = next((t for t in labels["trap"] if t.matches(f)), None)
            if trap is None:
                # A trap's line is where the look-alike is written; the finding may point nearby.
                trap = next((t for t in labels["trap"] if t.rule_matches(f["rule"]) and t.path_matches(f["path"])), None)
            why = f"trap: {trap.note}" if trap else "no label"
        res["fp"].append((f, why))
    hit = set(matched.values())
    for j, l in enumerate(found):
        if j not in hit:
            res["miss"].append((l, lacks_rules(l, known_rules)))
    broken = labels["broken"]
    for e in report.get("errors", []):
        target = relative(e.get("target"), root)
        entry = (target or "(no target)", e.get("message", ""))
        if any(b.path_matches(target) for b in broken):
            res["errors_broken"].append(entry)
        else:
            res["errors_valid"].append(entry)
    for s in report.get("skipped", []):
        res["skipped"].append((relative(s.get("path") or s.get("target"), root), s.get("reason", "")))
    return res


def rules_of(binary):
    try:
        out = subprocess.run([binary, "rules", "list"], capture_output=True, timeout=60, check=True).stdout
    except (subprocess.SubprocessError, OSError):
        return None
    return {line.split()[0] for line in out.decode("utf-8", "replace").splitlines() if line.strip()}


def pct(num, den):
    return f"{100.0 * num / den:.1f}%" if den else "-"


def totals(results):
    fam = defaultdict(lambda: {"tp": 0, "fp": 0, "miss": 0, "lacking": 0})
    for r in results:
        for f, _ in r["tp"]:
            fam[family_of(f["rule"])]["tp"] += 1
        for f, _ in r["fp"]:
            fam[family_of(f["rule"])]["fp"] += 1
        for l, lacking in r["miss"]:
            fam[l.family]["miss"] += 1
            fam[l.family]["lacking"] += lacking
    return fam


def family_rows(fam):
    rows = {}
    all_ = {"tp": 0, "fp": 0, "miss": 0, "lacking": 0}
    for name, c in fam.items():
        for k in all_:
            all_[k] += c[k]
        rows[name] = c
    rows["all"] = all_
    return rows


def family_cells(c):
    if c is None:
        return ["", "", "", "", ""]
    miss = str(c["miss"]) + (f" ({c['lacking']} no rule)" if c["lacking"] else "")
    return [str(c["tp"]), str(c["fp"]), miss, pct(c["tp"], c["tp"] + c["fp"]), pct(c["tp"], c["tp"] + c["miss"])]


def table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    fmt = lambda r: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
    print(fmt(header))
    for r in rows:
        print(fmt(r))


def report(runs, show_details):
    names = [n for n, _ in runs]
    print()
    print("Per rule family (TP true positives, FP false or duplicate findings, miss labelled defects not reported;")
    print("precision = TP/(TP+FP), recall = TP/(TP+miss); 'no rule' = misses whose rules this binary does not have)")
    per_run = [family_rows(totals(res)) for _, res in runs]
    families = sorted({f for rows in per_run for f in rows if f != "all"}) + ["all"]
    header = ["family"]
    for n in names:
        header += [f"{n} TP", "FP", "miss", "precision", "recall"]
    table(header, [[f] + sum((family_cells(rows.get(f)) for rows in per_run), []) for f in families])

    print()
    print("Per project (exit code; errors on valid files, and in how many files; skipped entries; TP/FP/miss)")
    header = ["project"]
    for n in names:
        header += [f"{n} exit", "errors (files)", "skipped", "TP/FP/miss"]
    projects = [r["project"] for r in runs[0][1]]
    rows = []
    for i, p in enumerate(projects):
        row = [p]
        for _, res in runs:
            r = res[i]
            files = len({t for t, _ in r["errors_valid"]})
            row += [r["exit"], f"{len(r['errors_valid'])} ({files})", len(r["skipped"]),
                    f"{len(r['tp'])}/{len(r['fp'])}/{len(r['miss'])}"]
        rows.append(row)
    table(header, rows)
    for n, res in runs:
        errors = sum(len(r["errors_valid"]) for r in res)
        files = sum(len({t for t, _ in r["errors_valid"]}) for r in res)
        projects_with = sum(1 for r in res if r["errors_valid"])
        exit2 = sum(1 for r in res if r["exit"] == 2)
        print(f"{n}: {errors} errors on valid files, in {files} files of {projects_with} projects; "
              f"exit code 2 in {exit2} of {len(res)} projects")

    for n, res in runs:
        print()
        print(f"== {n}: false positives")
        for r in res:
            for f, why in r["fp"]:
                loc = f"{f['path']}:{f['line']}" if f["line"] else str(f["path"])
                print(f"  {r['project']}/{loc}  {f['rule']}  [{f['subject']}] key={f['key']}  -- {why}")
        print(f"== {n}: misses")
        for r in res:
            for l, lacking in r["miss"]:
                print(f"  {r['project']}/{l.where()}  {'|'.join(l.rules)}{'  (no such rule in this binary)' if lacking else ''}  -- {l.note}")
        print(f"== {n}: errors on valid files (first message per file)")
        for r in res:
            per_file = defaultdict(list)
            for target, msg in r["errors_valid"]:
                per_file[target].append(msg)
            for target, msgs in per_file.items():
                more = f"  (+{len(msgs) - 1} more)" if len(msgs) > 1 else ""
                print(f"  {r['project']}: {target}: {msgs[0]}{more}")
        if show_details:
            print(f"== {n}: skipped")
            for r in res:
                for path, why in r["skipped"]:
                    print(f"  {r['project']}: {path}: {why}")
            print(f"== {n}: true positives")
            for r in res:
                for f, l in r["tp"]:
                    print(f"  {r['project']}/{f['path']}:{f['line']}  {f['rule']}  [{f['subject']}] key={f['key']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--binary", action="append", required=True, help="NAME=PATH, first is the old one")
    ap.add_argument("--work", default=None, help="keep copies and raw reports here")
    ap.add_argument("--details", action="store_true", help="also list skipped entries and true positives")
    ap.add_argument("projects", nargs="*")
    args = ap.parse_args()

    corpus = os.path.realpath(args.corpus)
    projects = sorted(p for p in os.listdir(corpus) if os.path.isfile(os.path.join(corpus, p, "labels.toml")))
    if args.projects:
        missing = set(args.projects) - set(projects)
        if missing:
            raise SystemExit(f"no such project(s) in {corpus}: {sorted(missing)}")
        projects = [p for p in projects if p in args.projects]
    labels = {p: load_labels(os.path.join(corpus, p), p) for p in projects}
    n_true = sum(len(l["finding"]) for l in labels.values())
    n_trap = sum(len(l["trap"]) for l in labels.values())
    print(f"{len(projects)} projects, {n_true} labelled defects, {n_trap} documented traps")

    scratch = args.work or tempfile.mkdtemp(prefix="stackaudit-precision-")
    os.makedirs(scratch, exist_ok=True)
    runs = []
    for spec in args.binary:
        name, _, path = spec.partition("=")
        known = rules_of(path)
        print(f"{name}: {path} ({len(known) if known is not None else '?'} rules)")
        res = [evaluate(path, os.path.join(corpus, p), p, labels[p], os.path.join(scratch, name), known) for p in projects]
        runs.append((name, res))
        if args.work:
            with open(os.path.join(scratch, f"{name}-summary.json"), "w") as fh:
                json.dump([{"project": r["project"], "exit": r["exit"],
                            "tp": [f for f, _ in r["tp"]], "fp": [dict(f, why=w) for f, w in r["fp"]],
                            "miss": [{"rule": l.rules, "where": l.where(), "note": l.note} for l, _ in r["miss"]],
                            "errors_valid": r["errors_valid"], "skipped": r["skipped"]} for r in res], fh, indent=1)
    report(runs, args.details)
    if not args.work:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
