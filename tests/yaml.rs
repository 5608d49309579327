//! YAML as the ecosystem reads it: a conformance set of the shapes real
//! compose files and manifests contain, each checked against a hand-written
//! expectation and, where PyYAML with libyaml (`yaml.CSafeLoader`) is
//! installed, against libyaml itself, which Docker Compose's and kubectl's
//! go-yaml was translated from. Cases that name a yaml-test-suite ID follow
//! that suite test's construct with inputs of our own; where the suite and
//! libyaml disagree the case follows libyaml, since that is what compose
//! and kubectl accept, and says so.

// A test crate: a panic here fails a test, it cannot crash a scan.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    clippy::indexing_slicing,
    clippy::unreachable
)]

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{json, Value};
use stackaudit::collect::yaml::{
    parse_documents, parse_documents_with, parse_single, Limits, Node, NodeKind, YamlErrorKind,
};

/// The tree with every scalar as its text (null stays null): what the file
/// says, before any tool's typing rules.
fn structure(node: &Node) -> Value {
    match &node.kind {
        _ if node.is_null() => Value::Null,
        NodeKind::Scalar(s) => Value::String(s.text.clone()),
        NodeKind::Seq(items) => Value::Array(items.iter().map(structure).collect()),
        NodeKind::Map(entries) => {
            let mut map = serde_json::Map::new();
            // Last key wins, as libyaml-based loaders keep it.
            for (k, v) in entries {
                map.insert(k.as_str().unwrap_or("?").to_string(), structure(v));
            }
            Value::Object(map)
        }
    }
}

fn docs(text: &str) -> Value {
    let parsed = parse_documents(text).unwrap_or_else(|e| panic!("rejected: {e}\n{text}"));
    Value::Array(parsed.iter().map(structure).collect())
}

/// Accepted by libyaml, PyYAML, go-yaml, with what they read.
struct Case {
    name: &'static str,
    yaml: &'static str,
    expect: fn() -> Value,
}

const ACCEPTED: &[Case] = &[
    Case {
        name: "flow sequence closed at its key's indentation (compose healthcheck)",
        yaml: "services:\n  web:\n    image: nginx:1.27\n    healthcheck:\n      test: [\n          \"CMD-SHELL\",\n          \"curl -f http://localhost/ || exit 1\"\n      ]\n",
        expect: || {
            json!([{"services": {"web": {"image": "nginx:1.27", "healthcheck": {"test": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]}}}}])
        },
    },
    Case {
        name: "flow mapping closed at its key's indentation, trailing comma",
        yaml: "metadata:\n  labels: {\n    app: web,\n    tier: front,\n  }\n",
        expect: || json!([{"metadata": {"labels": {"app": "web", "tier": "front"}}}]),
    },
    Case {
        name: "double-quoted scalar continued at its key's indentation (kubectl get -o yaml)",
        yaml: "metadata:\n  annotations:\n    description: \"Serves the public site and the\n    status page\"\n",
        expect: || json!([{"metadata": {"annotations": {"description": "Serves the public site and the status page"}}}]),
    },
    Case {
        name: "single-quoted scalar continued at its key's indentation, with '' escapes",
        yaml: "env:\n- name: GREETING\n  value: 'it''s a long\n  greeting'\n",
        expect: || json!([{"env": [{"name": "GREETING", "value": "it's a long greeting"}]}]),
    },
    Case {
        name: "double-quoted continuation more indented, escaped line break",
        yaml: "a: \"one \\\n    two\n    three\"\n",
        expect: || json!([{"a": "one two three"}]),
    },
    Case {
        name: "byte-order mark at the start",
        yaml: "\u{feff}apiVersion: v1\nkind: Pod\n",
        expect: || json!([{"apiVersion": "v1", "kind": "Pod"}]),
    },
    Case {
        name: "byte-order mark before a document marker",
        yaml: "\u{feff}---\nservices: {}\n",
        expect: || json!([{"services": {}}]),
    },
    Case {
        name: "CRLF line endings",
        yaml: "kind: Pod\r\nmetadata:\r\n  name: web\r\n",
        expect: || json!([{"kind": "Pod", "metadata": {"name": "web"}}]),
    },
    Case {
        // Found by the fuzzer: the parser port panicked on a block scalar
        // ending the file without a line break.
        name: "a stripped block scalar ends the file without a line break (kustomize patch)",
        yaml: "patches:\n  - target:\n      kind: StatefulSet\n    patch: |-\n      - op: remove\n        path: /spec/replicas",
        expect: || json!([{"patches": [{"target": {"kind": "StatefulSet"}, "patch": "- op: remove\n  path: /spec/replicas"}]}]),
    },
    Case {
        name: "tabs as separators after values and in flow",
        yaml: "a:\t1\nb: [x,\tz]\n",
        expect: || json!([{"a": "1", "b": ["x", "z"]}]),
    },
    Case {
        name: "indentless sequence under a key, nested mappings",
        yaml: "containers:\n- name: app\n  ports:\n  - containerPort: 8080\n    protocol: TCP\n",
        expect: || json!([{"containers": [{"name": "app", "ports": [{"containerPort": "8080", "protocol": "TCP"}]}]}]),
    },
    Case {
        name: "block scalars: literal, strip, keep, folded, indentation indicator",
        yaml: "lit: |\n  line 1\n  line 2\nstrip: |-\n  x\nkeep: |+\n  y\n\nfold: >\n  a\n  b\n\n  c\nind: |2\n    indented\n",
        expect: || json!([{"lit": "line 1\nline 2\n", "strip": "x", "keep": "y\n\n", "fold": "a b\nc\n", "ind": "  indented\n"}]),
    },
    Case {
        name: "comments, # inside values and URLs",
        yaml: "# top\nurl: http://x/#frag # trailing\ncolor: '#fff'\nlist: # after key\n  - a # one\n",
        expect: || json!([{"url": "http://x/#frag", "color": "#fff", "list": ["a"]}]),
    },
    Case {
        name: "several documents, markers, an empty one, document end",
        yaml: "---\n# Source: chart/templates/a.yaml\nkind: A\n---\n---\nkind: B\n...\n",
        expect: || json!([{"kind": "A"}, null, {"kind": "B"}]),
    },
    Case {
        name: "anchors, aliases, merge keys (one and a list); own keys win",
        yaml: "x-a: &a {user: root, read_only: true}\nx-b: &b {user: nobody, init: true}\ns:\n  <<: [*a, *b]\n  user: \"1001\"\nt: *a\n",
        expect: || {
            json!([{"x-a": {"user": "root", "read_only": "true"}, "x-b": {"user": "nobody", "init": "true"},
                    "s": {"user": "1001", "read_only": "true", "init": "true"},
                    "t": {"user": "root", "read_only": "true"}}])
        },
    },
    Case {
        name: "plain scalar over several lines",
        yaml: "command:\n  run this\n  and that\n",
        expect: || json!([{"command": "run this and that"}]),
    },
    Case {
        name: "explicit keys and a JSON document",
        yaml: "? complex key\n: value\n---\n{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": []}\n",
        expect: || json!([{"complex key": "value"}, {"apiVersion": "v1", "kind": "List", "items": []}]),
    },
    Case {
        name: "empty and null values",
        yaml: "a:\nb: ~\nc: \"\"\nd: null\n",
        expect: || json!([{"a": null, "b": null, "c": "", "d": null}]),
    },
    Case {
        name: "escapes in double quotes",
        yaml: "a: \"caf\\u00e9 \\x41 \\t tab\"\n",
        expect: || json!([{"a": "café A \t tab"}]),
    },
    Case {
        name: "YAML directive and tags",
        yaml: "%YAML 1.1\n---\nports: !reset []\nname: !!str 8080\n",
        expect: || json!([{"ports": [], "name": "8080"}]),
    },
    Case {
        name: "long key and deep indentation of a Helm-rendered manifest",
        yaml: "spec:\n  template:\n    spec:\n      containers:\n        - name: app\n          args:\n            - --flag=1\n            - \"--other=two words\"\n",
        expect: || json!([{"spec": {"template": {"spec": {"containers": [{"name": "app", "args": ["--flag=1", "--other=two words"]}]}}}}]),
    },
    // The cases below are modelled on the yaml-test-suite
    // (github.com/yaml/yaml-test-suite, src/<ID>.yaml): the ID names the
    // suite test whose construct each exercises, in a config-file shape.
    Case {
        name: "P2AD: block scalar headers with comments, indentation and chomping indicators",
        yaml: "script: | # runs on start\n  set -e\n  exec nginx\nbanner: >1 # keep one space\n  indented\nkeep: |+ # keep\n  tail\n\nboth: >2- # both\n   strip\nnext: x\n",
        expect: || {
            json!([{"script": "set -e\nexec nginx\n", "banner": " indented\n", "keep": "tail\n\n", "both": " strip", "next": "x"}])
        },
    },
    Case {
        name: "A6F9, K858: chomping of a final line break and of empty block scalars",
        yaml: "entrypoint: |-\n  exec app\nmotd: |\n  hello\nbanner: |+\n  bye\nnote: >-\n\ndesc: >\n\nfooter: |+\n\nlast: 1\n",
        expect: || {
            json!([{"entrypoint": "exec app", "motd": "hello\n", "banner": "bye\n", "note": "", "desc": "",
                    "footer": "\n", "last": "1"}])
        },
    },
    Case {
        name: "7T8X: folded scalar keeps more-indented lines and blank lines, comment after it",
        yaml: "description: >\n  Runs the worker.\n  Steps:\n    * migrate\n    * serve\n\n  Ends here.\n\n# trailing comment\n",
        expect: || json!([{"description": "Runs the worker. Steps:\n  * migrate\n  * serve\n\nEnds here.\n"}]),
    },
    Case {
        name: "R4YG (its explicit indicator): indentation indicator on a sequence item, leading spaces kept",
        yaml: "args:\n- |2\n    leading spaces kept\n  back to two\n- plain\n",
        expect: || json!([{"args": ["  leading spaces kept\nback to two\n", "plain"]}]),
    },
    Case {
        name: "E76Z: anchored keys and values, aliases used as keys",
        yaml: "&svc web: &img nginx:1.27\n*img : *svc\n",
        expect: || json!([{"web": "nginx:1.27", "nginx:1.27": "web"}]),
    },
    Case {
        name: "U3XV: anchor before a comment, on a key, alias on its own line",
        yaml: "x-defaults: &defaults # comment\n  restart: always\nservices:\n  web:\n    &k image: nginx\n    restart_policy:\n      *defaults\n",
        expect: || {
            json!([{"x-defaults": {"restart": "always"},
                    "services": {"web": {"image": "nginx", "restart_policy": {"restart": "always"}}}}])
        },
    },
    // Merge keys are a YAML 1.1 type (yaml.org/type/merge), not in the
    // suite; compose files lean on them.
    Case {
        name: "merge key after own keys: own keys still win, whole values replaced",
        yaml: "x-base: &base\n  image: app:1\n  user: root\n  env: {A: '1'}\nservice:\n  user: app\n  <<: *base\n  env: {B: '2'}\n",
        expect: || {
            json!([{"x-base": {"image": "app:1", "user": "root", "env": {"A": "1"}},
                    "service": {"image": "app:1", "user": "app", "env": {"B": "2"}}}])
        },
    },
    Case {
        name: "merge of a mapping that itself holds an alias",
        yaml: "x-log: &log {driver: json-file}\nx-svc: &svc\n  logging: *log\n  restart: always\napi:\n  <<: *svc\n  image: api:2\n",
        expect: || {
            json!([{"x-log": {"driver": "json-file"}, "x-svc": {"logging": {"driver": "json-file"}, "restart": "always"},
                    "api": {"logging": {"driver": "json-file"}, "restart": "always", "image": "api:2"}}])
        },
    },
    Case {
        name: "P94K: comment lines between a key and its value, trailing blank lines",
        yaml: "image:    # the tag\n          # is pinned below\n  nginx:1.27\n\n\n",
        expect: || json!([{"image": "nginx:1.27"}]),
    },
    Case {
        name: "8UDB: flow sequence entries over several lines, with comments after them",
        yaml: "command: [\n  \"gunicorn\",   # server\n  \"app:wsgi\",   # entry\n  # \"--reload\",\n]\n",
        expect: || json!([{"command": ["gunicorn", "app:wsgi"]}]),
    },
    Case {
        name: "RTP8: %YAML directive, document end marker with a comment",
        yaml: "%YAML 1.2\n---\nkind: ConfigMap\n... # end of the rendered chart\n",
        expect: || json!([{"kind": "ConfigMap"}]),
    },
    Case {
        name: "PUW8: a document start on the last line is an empty document",
        yaml: "---\nkind: Service\nmetadata: {name: web}\n---\n",
        expect: || json!([{"kind": "Service", "metadata": {"name": "web"}}, null]),
    },
    Case {
        name: "documents ended by ..., a directive between them, a block scalar after ---",
        yaml: "kind: A\n...\n%YAML 1.1\n---\nkind: B\n...\n--- |\n  text\n",
        expect: || json!([{"kind": "A"}, {"kind": "B"}, "text\n"]),
    },
    Case {
        // The suite rejects a directive without a `...` before it; libyaml
        // ends the document there, and files made by concatenation have it.
        name: "RHX7: a %YAML directive right after a document's content",
        yaml: "---\nkind: Secret\ntype: Opaque\n%YAML 1.1\n---\nkind: ConfigMap\n",
        expect: || json!([{"kind": "Secret", "type": "Opaque"}, {"kind": "ConfigMap"}]),
    },
    Case {
        name: "HS5T: plain scalar lines with a blank line, trailing space, a tab before a line",
        yaml: "Deploys the stack\n\n  to the cluster \n\tnightly\n",
        expect: || json!(["Deploys the stack\nto the cluster nightly"]),
    },
    Case {
        name: "36F6: plain value over lines with an empty line, in a mapping and a sequence",
        yaml: "---\nnote: restart\n the worker\n\n  after deploy\nlist:\n- echo one\n  two\n- three: four\n    five\n",
        expect: || json!([{"note": "restart the worker\nafter deploy", "list": ["echo one two", {"three": "four five"}]}]),
    },
    Case {
        name: "ZK9H: nested flow collections closed on later lines",
        yaml: "{ matrix: [[\n    amd64, arm64\n  ], [\n  linux\n ]]\n}\n",
        expect: || json!([{"matrix": [["amd64", "arm64"], ["linux"]]}]),
    },
    Case {
        name: "4ABK: flow mapping over lines, key without value, space before colon",
        yaml: "{\nimage : \"redis:7\",\nhttp://cache.local,\nreplicas: ,\n}\n",
        expect: || json!([{"image": "redis:7", "http://cache.local": null, "replicas": null}]),
    },
    Case {
        name: "a compose service as a flow mapping over lines with nested flow values",
        yaml: "services:\n  web: {\n    image: \"nginx:1.27\",\n    ports: [\"80:80\",\n      \"443:443\"],\n    environment: {A: 1,\n                  B: two}\n  }\n",
        expect: || {
            json!([{"services": {"web": {"image": "nginx:1.27", "ports": ["80:80", "443:443"],
                                          "environment": {"A": "1", "B": "two"}}}}])
        },
    },
    Case {
        // The suite rejects it; libyaml (and so go-yaml) reads flow content
        // at any indentation.
        name: "9C9N: flow sequence continued at column 0",
        yaml: "---\ncommand: [sh,\n-c,\n\"exec app\"]\n",
        expect: || json!([{"command": ["sh", "-c", "exec app"]}]),
    },
    Case {
        name: "DC7X: trailing tabs after values, keys and before a comment",
        yaml: "image: redis\t\nports:\t\n - 6379\t\nuser: app\t# uid 1000\n",
        expect: || json!([{"image": "redis", "ports": ["6379"], "user": "app"}]),
    },
    Case {
        name: "J3BT: a tab inside double quotes, after a key, and in block scalar content",
        yaml: "quoted: \"Quoted \t\"\nblock:\t|\n  void main() {\n  \tprintf(\"hi\\n\");\n  }\n",
        expect: || json!([{"quoted": "Quoted \t", "block": "void main() {\n\tprintf(\"hi\\n\");\n}\n"}]),
    },
    Case {
        name: "MUS6: tabs around the %YAML version, a comment after it",
        yaml: "%YAML\t1.1   # libyaml's version\n---\nkind: Pod\n",
        expect: || json!([{"kind": "Pod"}]),
    },
    Case {
        // The suite rejects a comment glued to the indicator; libyaml reads it.
        name: "X4QW: comment right after a block scalar indicator",
        yaml: "motd: >#welcome banner\n  Welcome to the host\n",
        expect: || json!([{"motd": "Welcome to the host\n"}]),
    },
    Case {
        name: "C4HZ: a %TAG handle and a tag using it",
        yaml: "%TAG !e! tag:example.com,2000:app/\n---\nport: !e!port 80\n",
        expect: || json!([{"port": "80"}]),
    },
];

/// Rejected by libyaml (and so by compose and kubectl).
const REJECTED: &[(&str, &str)] = &[
    ("a key less indented than its siblings", "services:\n  app:\n    image: nginx\n   bad: indent\n"),
    ("an unclosed flow sequence", "services:\n  app:\n    image: [unclosed\n"),
    ("a tab used for indentation", "a:\n\tb: 1\n"),
    ("a mapping value where none may start", "a: b: c\n"),
    ("an alias to an anchor never defined", "a: *missing\n"),
    ("an unterminated quoted scalar", "a: \"open\n"),
    // After the yaml-test-suite's error cases (see the note above ACCEPTED).
    ("4EJS: tabs as indentation under a key", "services:\n\tweb:\n\t\timage: nginx\n"),
    ("6BCT: a tab after a sequence indicator (the suite allows it, libyaml does not)", "args:\n-\t--verbose\n"),
    ("4HVU: a sequence entry less indented than its siblings", "ports:\n    - 80\n    - 443\n  - 8080\n"),
    ("ZVH3: a sequence entry more indented after a mapping", "- name: web\n  image: nginx\n - name: db\n"),
    ("5U3A: a block sequence on a mapping key's line", "volumes: - /data\n         - /logs\n"),
    (
        "BF9H: a plain value continued after a comment",
        "command: run\n         --workers 2 # tune later\n         --timeout 30\n",
    ),
    ("8XDJ: a comment line inside a plain value", "args: --port 80\n# --debug\n  --verbose\n"),
    ("SR86: an anchor on an alias", "x-base: &base nginx\nimage: &img *base\n"),
    ("H7TQ: extra words after the %YAML version", "%YAML 1.1 strict\n---\na: 1\n"),
    ("SF5V: two %YAML directives for one document", "%YAML 1.1\n%YAML 1.1\n---\nkind: Pod\n"),
    (
        "6LVF: an unknown directive (the suite ignores it, libyaml rejects it)",
        "%KUBE v1 # not a YAML directive\n---\nkind: Pod\n",
    ),
    ("7Z25: a bare document after ... (the suite reads it, libyaml needs ---)", "---\nkind: Pod\n...\nkind: Service\n"),
];

#[test]
fn what_libyaml_accepts_is_read_with_the_same_values() {
    for case in ACCEPTED {
        assert_eq!(docs(case.yaml), (case.expect)(), "{}", case.name);
    }
}

#[test]
fn what_libyaml_rejects_is_an_error_with_a_position() {
    for (name, text) in REJECTED {
        let err = parse_documents(text).expect_err(name);
        assert_eq!(err.kind, YamlErrorKind::Syntax, "{name}: {err}");
        assert!(err.line >= 1 && err.col >= 1, "{name}: {err}");
    }
    let err = parse_documents(REJECTED[0].1).unwrap_err();
    assert_eq!(err.line, 4, "{err}");
}

/// The same cases through libyaml itself, when PyYAML with its C binding is
/// installed: a case libyaml reads differently (or rejects) fails here.
#[test]
fn agrees_with_libyaml_through_pyyaml() {
    let script = r#"
import json, sys, yaml
class Loader(yaml.CSafeLoader):
    pass
for tag in ("bool", "int", "float", "timestamp"):
    Loader.add_constructor("tag:yaml.org,2002:" + tag, lambda loader, node: loader.construct_scalar(node))
def local_tag(loader, suffix, node):
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    return loader.construct_scalar(node)
Loader.add_multi_constructor("!", local_tag)
Loader.add_multi_constructor("tag:", local_tag)
out = []
for text in json.load(sys.stdin):
    try:
        out.append({"ok": list(yaml.load_all(text, Loader=Loader))})
    except yaml.YAMLError as e:
        out.append({"error": str(e)})
json.dump(out, sys.stdout)
"#;
    let probe = Command::new("python3").args(["-c", "import yaml; assert yaml.__with_libyaml__"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("PyYAML with libyaml is not installed: the libyaml cross-check did not run");
        return;
    }
    let inputs: Vec<&str> = ACCEPTED.iter().map(|c| c.yaml).chain(REJECTED.iter().map(|r| r.1)).collect();
    let mut child =
        Command::new("python3").args(["-c", script]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(serde_json::to_string(&inputs).unwrap().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let answers: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    for (case, answer) in ACCEPTED.iter().zip(&answers) {
        assert_eq!(answer.get("ok"), Some(&docs(case.yaml)), "libyaml reads {:?} differently", case.name);
    }
    for ((name, _), answer) in REJECTED.iter().zip(&answers[ACCEPTED.len()..]) {
        assert!(answer.get("error").is_some(), "libyaml accepts {name:?}: {answer}");
    }
}

#[test]
fn every_node_keeps_its_line_and_column() {
    let doc = parse_single(
        "\u{feff}services:\n  web:\n    healthcheck:\n      test: [\n          \"CMD\",\n          \"true\"\n      ]\n    user: \"a\n    b\"\n",
    )
    .unwrap();
    let web = doc.path(&["services", "web"]).unwrap();
    let test = web.path(&["healthcheck", "test"]).unwrap();
    assert_eq!((test.line, test.col), (4, 13));
    let items = test.as_seq().unwrap();
    assert_eq!((items[1].line, items[1].col), (6, 11));
    assert_eq!((web.get("user").unwrap().line, web.get("user").unwrap().col), (8, 11));
    assert_eq!(doc.get("services").unwrap().line, 2);
}

#[test]
fn duplicate_keys_are_reported_once_with_both_positions() {
    let doc = parse_single("services:\n  app: {image: a}\n  db: &db {image: b, image: c}\n  app: {image: d}\nx: *db\n")
        .unwrap();
    let dups: Vec<(String, u32, u32)> =
        doc.duplicate_keys().into_iter().map(|d| (d.key, d.line, d.first_line)).collect();
    assert_eq!(dups, [("image".to_string(), 3, 3), ("app".to_string(), 4, 2)]);
    // The last one wins, as PyYAML keeps it.
    assert_eq!(doc.path(&["services", "app", "image"]).unwrap().as_str(), Some("d"));
}

#[test]
fn alias_bombs_are_refused_by_nodes_and_by_bytes() {
    // Ten levels of ten aliases: ten billion nodes.
    let mut nodes = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        nodes
            .push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    let err = parse_documents(&nodes).unwrap_err();
    assert_eq!(err.kind, YamlErrorKind::Limit);
    assert!(err.message.contains("nodes"), "{err}");

    // One 1 MB scalar referenced 100 times: few nodes, 100 MB of text.
    let mut bytes = format!("big: &big {}\nrefs:\n", "x".repeat(1 << 20));
    for _ in 0..100 {
        bytes.push_str("- *big\n");
    }
    let err = parse_documents(&bytes).unwrap_err();
    assert_eq!(err.kind, YamlErrorKind::Limit);
    assert!(err.message.contains("bytes"), "{err}");
    assert!(err.message.contains(&Limits::DEFAULT.max_alias_bytes.to_string()), "the limit is named: {err}");
}

#[test]
fn nesting_and_document_counts_are_bounded() {
    // Deep enough to overflow the stack of any recursive walk.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let err = parse_documents(&deep).unwrap_err();
    assert_eq!(err.kind, YamlErrorKind::Limit);
    assert!(err.message.contains("256 levels"), "{err}");
    let block = (0..300).map(|i| format!("{}k:\n", "  ".repeat(i))).collect::<String>();
    assert_eq!(parse_documents(&block).unwrap_err().kind, YamlErrorKind::Limit);

    let many = "---\na: 1\n".repeat(30);
    let limits = Limits { max_documents: 20, ..Limits::DEFAULT };
    let err = parse_documents_with(&many, &limits).unwrap_err();
    assert!(err.message.contains("more than 20 YAML documents"), "{err}");
    assert_eq!(parse_documents_with(&many, &Limits { max_documents: 30, ..Limits::DEFAULT }).unwrap().len(), 30);
}

#[test]
fn inputs_the_parser_port_chokes_on_are_errors_not_panics() {
    // libyaml-safer panics here where C libyaml reads an empty tagged scalar.
    let err = parse_documents("a: [!!str, b]\n").unwrap_err();
    assert_eq!(err.kind, YamlErrorKind::Syntax);
    // A block scalar that ends the file without a line break is read (the
    // port panics on it, libyaml does not): under `|` it keeps a final line
    // break that libyaml would clip, which no rule reads.
    let read = docs("services:\n  web:\n    image: nginx:1.27\n    command: |\n      nginx -g 'daemon off;'");
    assert_eq!(read[0]["services"]["web"]["command"], "nginx -g 'daemon off;'\n");
    assert_eq!(parse_documents("a: [!!str, b]").unwrap_err().kind, YamlErrorKind::Syntax, "still one error");
    // Control characters YAML does not allow: an error at their position.
    let err = parse_documents("a: 1\nb: x\u{7}y\n").unwrap_err();
    assert_eq!(err.line, 2, "{err}");
}
