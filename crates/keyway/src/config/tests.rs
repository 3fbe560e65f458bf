use super::*;

fn env(name: &str) -> Option<String> {
    match name {
        "DS_KEY" => Some("sk-deepseek-123".into()),
        "CI_KEY" => Some("db_sk_abcdefghijklmnopqrstuvwxyz012345".into()),
        _ => None,
    }
}

const GOOD: &str = r#"
[[providers]]
name = "deepseek"
vendor = "deepseek"
api_key = "${DS_KEY}"
timeouts = { connect = "5s", first_byte = "2m", idle = "500ms" }

[[providers]]
name = "claude"
vendor = "anthropic"
api_key = "x"

[[groups]]
name = "team-a"

[[groups.routes]]
alias = "ds"
provider = "deepseek"
model = "deepseek-chat"

[[groups.routes]]
alias = "smart"
mode = "auto-select"
candidates = [
  { provider = "deepseek", model = "deepseek-chat", priority = 0 },
  { provider = "claude", model = "claude-sonnet-4-5", priority = 1, weight = 3 },
]

[[groups.keys]]
name = "ci"
key = "${CI_KEY}"
"#;

#[test]
fn parses_a_full_config_with_presets_and_env() {
    let cfg = parse("k.toml", GOOD, &env).expect("valid");
    assert_eq!(cfg.providers.len(), 2);
    let ds = &cfg.providers[0];
    assert_eq!(ds.base_url, "https://api.deepseek.com/v1");
    assert_eq!(ds.protocol, keyway_store::Protocol::Openai);
    assert_eq!(ds.timeouts.idle_ms, 500);
    assert_eq!(ds.timeouts.first_byte_ms, 120_000);
    assert_eq!(
        cfg.providers[1].auth_style,
        keyway_store::AuthStyle::XApiKey
    );
    let g = &cfg.groups[0];
    assert_eq!(
        g.routes[1].candidates[1],
        ("claude".into(), "claude-sonnet-4-5".into(), 1, 3)
    );
    assert!(g.keys[0].key.is_some());
}

fn err(text: &str) -> String {
    parse("k.toml", text, &env)
        .expect_err("must fail")
        .to_string()
}

#[test]
fn errors_name_file_line_and_field() {
    let cases: &[(&str, &str)] = &[
        ("[[providers]]\nname = \"a\"\nvendor = \"deepseek\"\nbogus = 1\n", "k.toml:4:1: unknown field `bogus`"),
        ("[[providers]]\nname = \"a\"\nvendor = \"nope\"\n", "k.toml:3:10: `providers[0].vendor`: unknown vendor 'nope'"),
        ("[[providers]]\nname = \"a\"\napi_key = \"${MISSING}\"\n", "k.toml:3:12: environment variable MISSING is not set"),
        ("[[providers]]\nname = \"a\"\nvendor = \"deepseek\"\n[[providers]]\nname = \"a\"\nvendor = \"openai\"\n", "k.toml:5:8: `providers[1].name`: duplicate provider name 'a'"),
        ("[[groups]]\nname = \"g\"\n[[groups.routes]]\nalias = \"x\"\nprovider = \"ghost\"\nmodel = \"m\"\n", "k.toml:5:12: `groups[0].routes[0].provider`: no provider named 'ghost'"),
        ("[[groups]]\nname = \"g\"\n[[groups.keys]]\nname = \"k\"\nkey = \"sk-not-ours-0123456789abcdef\"\n", "k.toml:5:7: `groups[0].keys[0].key`: a self-issued key must start with `db_sk_`"),
        ("[[providers]]\nname = \"a\"\nbase_url = \"http://x\"\ntimeouts = { idle = \"soon\" }\n", "`providers[0].timeouts.idle`: 'soon' is not a duration"),
        ("[[providers]]\nname = \"a\"\n", "`providers[0].base_url`: provider 'a' needs a base_url"),
        ("[[groups]]\nname = \"g\"\n[[groups.routes]]\nalias = \"x\"\n", "`groups[0].routes[0]`: a route needs `provider` + `model`"),
        ("name = 3\n", "unknown field `name`"),
        ("[[providers]\n", "k.toml:1:"),
    ];
    for (text, want) in cases {
        let got = err(text);
        assert!(got.contains(want), "want {want:?}\n got {got:?}");
    }
}

#[test]
fn comments_and_escapes_do_not_expand() {
    let text = "# api_key = \"${NOT_SET}\"\n[[providers]]\nname = \"a\"\nbase_url = \"http://x\"\napi_key = \"$${LITERAL}\"\n";
    let cfg = parse("k.toml", text, &env).expect("valid");
    use secrecy::ExposeSecret;
    assert_eq!(cfg.providers[0].api_keys[0].expose_secret(), "${LITERAL}");
}

#[test]
fn durations() {
    use super::resolve::parse_duration_ms;
    assert_eq!(parse_duration_ms("10s"), Some(10_000));
    assert_eq!(parse_duration_ms("250ms"), Some(250));
    assert_eq!(parse_duration_ms("2m"), Some(120_000));
    assert_eq!(parse_duration_ms("0s"), None);
    assert_eq!(parse_duration_ms("10"), None);
}
