//! The renderers: snapshots of every format for one fixed report, schema
//! validation (JSON report schema, SARIF 2.1.0), code-scanning requirements,
//! well-formed JUnit XML, terminal width and colour, and the HTML page in real
//! headless Chromium: findings render, URL-fragment filters hide what they
//! should, and attacker-controlled names stay text.

// A test crate: a panic here fails a test, it cannot crash a scan.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]

mod reports_support;
mod support;

use quick_xml::events::Event;
use reports_support::*;
use serde_json::Value;
use stackaudit::findings::Severity;
use stackaudit::report::{html, json, junit, sarif, table, GateStatus, Report, Summary};

fn clean() -> Report {
    let mut r = sample();
    r.findings.clear();
    r.errors.clear();
    r.skipped.clear();
    r.notices.clear();
    r.facts.clear();
    r.rules.clear();
    r.summary = Summary::of(&[], 0);
    r.gate = stackaudit::gate::decide(&[], 0, Severity::High, None);
    r
}

// ---------------------------------------------------------------- snapshots

#[test]
fn json_snapshot_and_round_trip() {
    let text = json::render(&sample()).unwrap();
    insta::assert_snapshot!("json", text);
    // The fixture is itself a report as written: rendering it changes nothing.
    let fixture = std::fs::read_to_string(fixture_path("sample.json")).unwrap();
    assert!(
        text == fixture,
        "json::render(load(x)) must reproduce x; after a deliberate model change regenerate the fixture with \
         `stackaudit report tests/fixtures/reports/sample.json --format json`"
    );
}

#[test]
fn html_snapshot() {
    insta::assert_snapshot!("html", html::render(&sample()).unwrap());
}

#[test]
fn sarif_snapshot() {
    insta::assert_snapshot!("sarif", sarif::render(&sample()).unwrap());
}

#[test]
fn junit_snapshot() {
    insta::assert_snapshot!("junit", junit::render(&sample()));
}

#[test]
fn table_snapshots() {
    insta::assert_snapshot!("table_100", table::render_with_width(&sample(), false, 100));
    insta::assert_snapshot!("table_60", table::render_with_width(&sample(), false, 60));
    insta::assert_snapshot!("table_clean", table::render_with_width(&clean(), false, 100));
}

// ---------------------------------------------------------------- JSON

#[test]
fn json_report_validates_against_the_published_schema() {
    for report in [sample(), hostile(), clean()] {
        let value: Value = serde_json::from_str(&json::render(&report).unwrap()).unwrap();
        assert_valid(&report_schema(), &value);
    }
}

// ---------------------------------------------------------------- SARIF

fn sarif_of(report: &Report) -> Value {
    serde_json::from_str(&sarif::render(report).unwrap()).expect("SARIF is JSON")
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    for report in [sample(), hostile(), clean()] {
        assert_valid(&sarif_schema(), &sarif_of(&report));
    }
}

/// What GitHub code scanning requires beyond the schema (docs: "SARIF support
/// for code scanning"; sarif-sdk's GH10xx validation rules).
fn assert_code_scanning_ready(log: &Value) {
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "one run");
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert!(driver["name"].is_string() && driver["version"].is_string() && driver["informationUri"].is_string());
    let rules = driver["rules"].as_array().unwrap();
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        for field in ["shortDescription", "fullDescription", "help"] {
            let text = rule[field]["text"].as_str().unwrap_or_default();
            assert!(!text.trim().is_empty(), "rule {id}: {field}.text is required");
        }
        assert!(rule["help"]["markdown"].is_string(), "rule {id}: help.markdown");
        let score: f64 = rule["properties"]["security-severity"].as_str().unwrap().parse().unwrap();
        assert!((0.0..=10.0).contains(&score), "rule {id}: security-severity {score}");
        let tags = rule["properties"]["tags"].as_array().unwrap();
        assert!(tags.iter().any(|t| t == "security"), "rule {id}: the security tag ranks it as a security alert");
        assert!(tags.len() <= 20, "rule {id}: at most 20 tags");
        assert!(["error", "warning", "note"].contains(&rule["defaultConfiguration"]["level"].as_str().unwrap()));
    }
    for result in run["results"].as_array().unwrap() {
        let rule_id = result["ruleId"].as_str().unwrap();
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], rule_id, "ruleIndex points at the result's rule");
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
        let locations = result["locations"].as_array().unwrap();
        assert_eq!(locations.len(), 1, "{rule_id}: exactly one location (code scanning uses the first)");
        let physical = &locations[0]["physicalLocation"];
        let uri = physical["artifactLocation"]["uri"].as_str().expect("artifactLocation.uri");
        assert!(!uri.is_empty());
        assert!(physical["region"]["startLine"].as_u64().unwrap() >= 1, "{rule_id}: region.startLine");
        assert!(
            locations[0]["logicalLocations"][0]["name"].is_string(),
            "{rule_id}: the subject as a logical location"
        );
        assert!(result["partialFingerprints"].as_object().is_some_and(|o| !o.is_empty()));
    }
}

#[test]
fn sarif_meets_code_scanning_requirements() {
    for report in [sample(), hostile(), clean()] {
        assert_code_scanning_ready(&sarif_of(&report));
    }
}

#[test]
fn sarif_maps_severity_locations_suppressions_baseline_and_errors() {
    let report = sample();
    let log = sarif_of(&report);
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), report.findings.len());
    let by_rule = |id: &str| results.iter().find(|r| r["ruleId"] == id).unwrap().clone();

    let privileged = by_rule("workload-privileged");
    assert_eq!(privileged["level"], "error");
    assert_eq!(privileged["partialFingerprints"][sarif::FINGERPRINT_KEY], report.findings[0].id);
    let loc = &privileged["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"], serde_json::json!({"uri": "docker-compose.yml", "uriBaseId": "%SRCROOT%"}));
    assert_eq!(loc["region"], serde_json::json!({"startLine": 14, "startColumn": 5}));

    // A network target points at the config entry that declared it.
    let tls = by_rule("tls-weak-protocol");
    let loc = &tls["locations"][0];
    assert_eq!(loc["physicalLocation"]["artifactLocation"]["uri"], "stackaudit.toml");
    assert_eq!(loc["physicalLocation"]["region"]["startLine"], 12);
    assert_eq!(loc["logicalLocations"][0]["name"], "127.0.0.1:8443");

    // No file and no declaration: the config file the scan used, line 1.
    let dns = by_rule("dns-caa-missing");
    assert_eq!(dns["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "stackaudit.toml");
    assert_eq!(dns["locations"][0]["physicalLocation"]["region"]["startLine"], 1);
    assert_eq!(dns["level"], "note");

    let suppressed = by_rule("workload-no-healthcheck");
    assert_eq!(suppressed["suppressions"][0]["kind"], "external");
    assert_eq!(suppressed["suppressions"][0]["justification"], "redis health is checked by the app's readiness probe");
    assert!(privileged.get("suppressions").is_none());

    let baseline: Vec<&Value> = results.iter().filter(|r| r["baselineState"] == "unchanged").collect();
    assert_eq!(baseline.len(), 1);
    assert_eq!(baseline[0]["locations"][0]["logicalLocations"][0]["name"], "web");
    assert!(results.iter().all(|r| r["baselineState"] == "unchanged" || r["baselineState"] == "new"));

    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let severity_of =
        |id: &str| rules.iter().find(|r| r["id"] == id).unwrap()["properties"]["security-severity"].clone();
    assert_eq!(severity_of("workload-privileged"), "9.5");
    assert_eq!(severity_of("workload-runs-as-root"), "8.0");
    assert_eq!(severity_of("workload-no-memory-limit"), "5.5");
    assert_eq!(severity_of("workload-no-healthcheck"), "3.0");
    assert_eq!(severity_of("dns-caa-missing"), "1.0");
    let root = rules.iter().find(|r| r["id"] == "workload-runs-as-root").unwrap();
    assert_eq!(root["helpUri"], "https://docs.docker.com/engine/security/#linux-kernel-capabilities");
    assert!(root["help"]["markdown"].as_str().unwrap().contains("USER 1001"), "help carries the remediation");
    assert!(root["fullDescription"]["text"].as_str().unwrap().starts_with("A process running as root"));

    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    let errors: Vec<&Value> = notes.iter().filter(|n| n["level"] == "error").collect();
    assert_eq!(errors.len(), 2);
    assert!(errors[0]["message"]["text"].as_str().unwrap().contains("broken/docker-compose.yml"));
    assert_eq!(errors[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 4);
    let config_notes = invocation["toolConfigurationNotifications"].as_array().unwrap();
    assert_eq!(config_notes[0]["level"], "warning", "an expired suppression is a warning");

    let clean = sarif_of(&clean());
    assert_eq!(clean["runs"][0]["invocations"][0]["executionSuccessful"], true);
    assert!(clean["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn sarif_without_config_points_command_line_targets_at_the_default_config_name() {
    let mut report = sample();
    report.targets.config = None;
    let log = sarif_of(&report);
    let dns = log["runs"][0]["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == "dns-caa-missing").unwrap();
    assert_eq!(dns["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], sarif::FALLBACK_URI);
    // A report saved before rule metadata was recorded still names its rules.
    report.rules.clear();
    let log = sarif_of(&report);
    assert_code_scanning_ready(&log);
    assert_valid(&sarif_schema(), &log);
}

// ---------------------------------------------------------------- JUnit

#[derive(Debug, Default)]
struct Parsed {
    suites: Vec<(String, [usize; 4])>,
    cases: Vec<(String, String, Option<String>)>,
    totals: [usize; 4],
    texts: Vec<String>,
}

/// Parses JUnit XML strictly (unescaping every attribute and text node) and
/// checks that every suite's counters match its test cases.
fn parse_junit(xml: &str) -> Parsed {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut parsed = Parsed::default();
    let mut counted = [0usize; 4];
    let mut current: Option<String> = None;
    let attr = |e: &quick_xml::events::BytesStart, name: &str| -> Option<String> {
        e.attributes()
            .map(|a| a.expect("well-formed attribute"))
            .find(|a| a.key.as_ref() == name)
            .map(|a| a.normalized_value(quick_xml::XmlVersion::Explicit1_0).expect("attribute unescapes").into_owned())
    };
    let counts = |e: &quick_xml::events::BytesStart| -> [usize; 4] {
        ["tests", "failures", "errors", "skipped"].map(|k| attr(e, k).map_or(0, |v| v.parse().expect("a count")))
    };
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("JUnit XML does not parse: {e}\n{xml}")) {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.name().as_ref().to_string();
                assert_schema_attributes(&name, &e);
                match name.as_str() {
                    "testsuites" => parsed.totals = counts(&e),
                    "testsuite" => {
                        assert!(attr(&e, "timestamp").is_some() && attr(&e, "time").is_some());
                        parsed.suites.push((attr(&e, "name").unwrap(), counts(&e)));
                        counted = [0; 4];
                    }
                    "testcase" => {
                        counted[0] += 1;
                        parsed.cases.push((attr(&e, "classname").unwrap(), attr(&e, "name").unwrap(), None));
                    }
                    "failure" | "error" | "skipped" => {
                        let i = match name.as_str() {
                            "failure" => 1,
                            "error" => 2,
                            _ => 3,
                        };
                        counted[i] += 1;
                        parsed.cases.last_mut().unwrap().2 = Some(name.clone());
                        current = attr(&e, "message");
                        assert!(current.is_some(), "{name} has a message");
                    }
                    _ => {}
                }
            }
            Event::Text(t) => parsed.texts.push(t.xml10_content().into_owned()),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().expect("valid character reference") {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r).expect("predefined entity").to_string(),
                };
                parsed.texts.push(resolved);
            }
            Event::End(e) if e.name().as_ref() == "testsuite" => {
                let suite = parsed.suites.last().unwrap();
                assert_eq!(suite.1, counted, "counters of suite {} match its test cases", suite.0);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let _ = current;
    let sum = parsed.suites.iter().fold([0; 4], |acc, (_, c)| [0, 1, 2, 3].map(|i| acc[i] + c[i]));
    assert_eq!(parsed.totals[..3], sum[..3], "root counters are the sum of the suites'");
    parsed.totals[3] = sum[3];
    parsed
}

/// The elements and attributes the common JUnit schema (Jenkins xUnit's
/// junit-10.xsd, read by Jenkins, GitLab and Azure DevOps) allows, with the
/// ones it requires; no XSD validator is available offline, so the schema's
/// rules for what stackaudit writes are checked here.
fn assert_schema_attributes(element: &str, e: &quick_xml::events::BytesStart) {
    let (allowed, required): (&[&str], &[&str]) = match element {
        "testsuites" => (&["name", "time", "tests", "failures", "errors"], &[]),
        "testsuite" => (
            &[
                "name",
                "tests",
                "failures",
                "errors",
                "group",
                "time",
                "skipped",
                "timestamp",
                "hostname",
                "id",
                "package",
                "file",
                "log",
                "url",
            ],
            &["name", "tests", "failures", "errors"],
        ),
        "testcase" => (&["name", "time", "classname", "group"], &["name"]),
        "failure" | "error" | "skipped" => (&["type", "message"], &[]),
        "properties" | "system-out" | "system-err" => (&[], &[]),
        "property" => (&["name", "value"], &["name", "value"]),
        other => panic!("element <{other}> is not in the JUnit schema"),
    };
    let names: Vec<String> = e.attributes().map(|a| a.unwrap().key.as_ref().to_string()).collect();
    for n in &names {
        assert!(allowed.contains(&n.as_str()), "<{element}> may not have attribute {n}");
    }
    for r in required {
        assert!(names.iter().any(|n| n == r), "<{element}> needs attribute {r}");
    }
    // SUREFIRE_TIME: digits, optional fraction.
    if let Some(time) = e.attributes().map(|a| a.unwrap()).find(|a| a.key.as_ref() == "time") {
        let v = time.normalized_value(quick_xml::XmlVersion::Explicit1_0).unwrap();
        assert!(regex::Regex::new(r"^[0-9]+(\.[0-9]+)?$").unwrap().is_match(&v), "time {v:?}");
    }
}

#[test]
fn junit_groups_by_rule_and_subject_and_counts() {
    let report = sample();
    let parsed = parse_junit(&junit::render(&report));
    // One suite per rule with findings, plus the stackaudit suite.
    assert_eq!(parsed.suites.len(), report.rules_used().len() + 1);
    let case = |class: &str, name: &str| {
        parsed.cases.iter().find(|c| c.0 == class && c.1 == name).unwrap_or_else(|| panic!("no case {class} {name}"))
    };
    assert_eq!(case("workload-privileged", "docker-compose.yml › app").2.as_deref(), Some("failure"));
    assert_eq!(case("workload-runs-as-root", "k8s/deployment.yaml › web").2.as_deref(), Some("skipped"));
    assert_eq!(case("workload-no-healthcheck", "docker-compose.yml › redis").2.as_deref(), Some("skipped"));
    assert_eq!(case("stackaudit.tls", "127.0.0.1:9443").2.as_deref(), Some("error"));
    assert_eq!(case("stackaudit", "gate (fail on high)").2.as_deref(), Some("failure"));
    // 6 counting findings, each its own rule and subject, plus the gate.
    assert_eq!(parsed.totals, [8 + 2 + 1, 6 + 1, 2, 2]);

    let clean = parse_junit(&junit::render(&clean()));
    assert_eq!(clean.totals, [1, 0, 0, 0], "a clean scan is one passing test, not an empty report");
}

#[test]
fn junit_escapes_markup_and_control_characters() {
    let mut report = hostile();
    report.findings[1].message = "bell\u{7} nul\u{0} esc\u{1b} ]]> & <tag attr=\"x\">".into();
    std::sync::Arc::make_mut(&mut report.findings[1].subject).name = "tab\tnew\nline\r\"quoted\" 'single'".into();
    let xml = junit::render(&report);
    let parsed = parse_junit(&xml);
    assert!(parsed.cases.iter().any(|c| c.1.contains("tab\tnew\nline\r\"quoted\" 'single'")), "names round-trip");
    assert!(parsed.cases.iter().any(|c| c.1.starts_with(SCRIPT_PAYLOAD)), "payload names round-trip as text");
    let text = parsed.texts.concat();
    assert!(text.contains("bell\u{FFFD} nul\u{FFFD} esc\u{FFFD} ]]> & <tag attr=\"x\">"), "{text}");
    assert!(!xml.contains('\u{0}') && !xml.contains('\u{7}'));
}

// ---------------------------------------------------------------- table

#[test]
fn table_fits_the_width_and_colours_only_when_asked() {
    let report = sample();
    for width in [60, 100, 160] {
        let text = table::render_with_width(&report, false, width);
        for line in text.lines() {
            assert!(line.chars().count() <= width, "line longer than {width}: {line:?}");
        }
        assert!(!text.contains('\x1b'), "no escape codes without colour");
    }
    let coloured = table::render_with_width(&report, true, 100);
    assert!(coloured.contains("\x1b[1;31mHIGH (3)\x1b[0m"), "{coloured}");
    assert!(coloured.contains("\x1b[1;33mINCOMPLETE\x1b[0m"));
    let plain = table::render_with_width(&report, false, 100);
    assert!(plain.contains("ERRORS: the scan is incomplete (2)"));
    assert!(plain.contains("broken/docker-compose.yml:4:3: invalid YAML"));
    assert!(plain.ends_with("Gate: INCOMPLETE (errors kept the scan from completing; exit 2)\n"), "{plain}");
}

#[test]
fn table_width_comes_from_columns() {
    // The only test in this binary that reads COLUMNS; no other sets it.
    std::env::set_var("COLUMNS", "72");
    assert_eq!(table::width_from_env(), 72);
    std::env::set_var("COLUMNS", "junk");
    assert_eq!(table::width_from_env(), table::DEFAULT_WIDTH);
    std::env::remove_var("COLUMNS");
    assert_eq!(table::width_from_env(), table::DEFAULT_WIDTH);
}

// ---------------------------------------------------------------- HTML

fn html_file(report: &Report) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stackaudit.html");
    std::fs::write(&path, html::render(report).unwrap()).unwrap();
    (dir, path)
}

fn finding_items(dom: &str) -> Vec<(String, bool)> {
    let re = regex::Regex::new(r#"<li class="finding [^"]*" id="(f-[0-9a-f]+)"[^>]*?( hidden="")?>"#).unwrap();
    re.captures_iter(dom).map(|c| (c[1].to_string(), c.get(2).is_some())).collect()
}

fn visible(dom: &str) -> Vec<String> {
    finding_items(dom).into_iter().filter(|(_, hidden)| !hidden).map(|(id, _)| id).collect()
}

fn ids_where(report: &Report, keep: impl Fn(&stackaudit::findings::Finding) -> bool) -> Vec<String> {
    report.findings.iter().filter(|f| keep(f)).map(|f| format!("f-{}", f.id)).collect()
}

#[test]
fn html_is_self_contained_and_sealed_by_a_content_security_policy() {
    let page = html::render(&sample()).unwrap();
    assert!(!page.contains("__STACKAUDIT_"), "hash slots are filled");
    let csp =
        regex::Regex::new(r#"script-src 'sha256-[A-Za-z0-9+/]{43}='; style-src 'sha256-[A-Za-z0-9+/]{43}='"#).unwrap();
    assert!(csp.is_match(&page), "CSP allows exactly the page's own script and style");
    assert!(page.contains("default-src 'none'"));
    for external in ["<link", "@import", "url(", " src=", "<iframe", "<object"] {
        assert!(!page.contains(external), "the page loads nothing from elsewhere ({external})");
    }
    assert_eq!(page.matches("<script").count(), 1);
    assert_eq!(page.matches("<style").count(), 1);
}

#[test]
fn html_renders_findings_and_fragment_filters_in_headless_chromium() {
    let report = sample();
    let (_dir, path) = html_file(&report);

    let dom = dump_dom(&path, "");
    assert!(dom.contains("data-filters-ready=\"true\""), "the page's script ran under its own CSP");
    let items = finding_items(&dom);
    assert_eq!(items.len(), report.findings.len(), "every finding renders");
    assert!(items.iter().all(|(_, hidden)| !hidden), "no filter, nothing hidden");
    assert!(dom.contains("redis runs as root (no user set in the workload"));
    assert!(dom.contains("id=\"shown-count\">8<"));

    let dom = dump_dom(&path, "severity=high&status=open");
    let expected = ids_where(&report, |f| f.severity == Severity::High && !f.suppressed && !f.baseline);
    assert_eq!(expected.len(), 3);
    assert_eq!(visible(&dom), expected, "#severity=high&status=open shows exactly the counting high findings");
    assert!(dom.contains("id=\"shown-count\">3<"));

    let dom = dump_dom(&path, "source=workload&q=REDIS&severity=high,medium,low");
    let expected = ids_where(&report, |f| {
        f.subject.name == "redis" && matches!(f.severity, Severity::High | Severity::Medium | Severity::Low)
    });
    assert_eq!(expected.len(), 3);
    assert_eq!(visible(&dom), expected, "source, case-insensitive search and several severities combine");

    let dom = dump_dom(&path, "rule=no-such-rule");
    assert!(visible(&dom).is_empty(), "an unknown rule matches nothing");
    assert!(!dom.contains("id=\"no-match\" hidden"), "and says so");
}

#[test]
fn html_keeps_injected_markup_as_text_in_headless_chromium() {
    let report = hostile();
    let page = html::render(&report).unwrap();
    for payload in [SCRIPT_PAYLOAD, ATTR_PAYLOAD, SINGLE_QUOTE_PAYLOAD] {
        assert!(!page.contains(payload), "payload appears unescaped: {payload}");
    }
    for raw in ["<img", "<svg", "<script>document", "onerror=\"", "href=\"javascript", "</script><!--"] {
        assert!(!page.contains(raw), "raw markup {raw:?} in the page");
    }
    let (_dir, path) = html_file(&report);
    // The fragment is attacker-reachable too (a crafted link): it must stay data.
    let fragment = "q=%3Cimg%20src%3Dx%20onerror%3Ddocument.title%3D1%3E&rule=%22%3E%3Csvg%20onload%3Dalert(1)%3E";
    let html_tag_re = regex::Regex::new(r"<html[^>]*>").unwrap();
    for fragment in ["", fragment] {
        let dom = dump_dom(&path, fragment);
        assert!(dom.contains("data-filters-ready=\"true\""), "the page's own script still runs");
        let html_tag = html_tag_re.find(&dom).unwrap().as_str().to_string();
        assert!(!html_tag.contains("data-pwned"), "an injected script or handler ran: {html_tag}");
        assert!(dom.contains("<title>stackaudit report · gate incomplete</title>"), "title changed");
        assert!(!dom.contains("<img") && !dom.contains("<svg"), "an injected element was created");
        assert_eq!(finding_items(&dom).len(), report.findings.len());
        assert!(dom.contains("&lt;script&gt;document.title='pwned-script'"), "the payload shows as text");
    }
}

#[test]
fn html_renders_clean_and_legacy_reports() {
    let page = html::render(&clean()).unwrap();
    assert!(page.contains("No findings."));
    assert!(page.contains("Gate passed"));
    assert!(!page.contains("id=\"errors\""));
    // A report without rule metadata (written before it existed) still renders.
    let mut legacy = sample();
    legacy.rules.clear();
    let page = html::render(&legacy).unwrap();
    assert!(!page.contains("Why it matters"));
    assert!(page.contains("How to fix"));
    assert_eq!(legacy.gate.status, GateStatus::Incomplete);
}
