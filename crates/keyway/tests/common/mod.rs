//! Starting the real `keyway` binary on port 0 with a temporary data
//! directory and config, against an in-process fake upstream.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use keyway_testkit::FakeUpstream;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const KEY: &str = "db_sk_test_key_0123456789abcdefghijklmnop";
pub const KEY_OTHER_GROUP: &str = "db_sk_other_group_0123456789abcdefghijkl";
pub const KEY_DISABLED: &str = "db_sk_disabled_0123456789abcdefghijklmno";
pub const UPSTREAM_KEY: &str = "sk-upstream-SECRET-4f1c9a7e";
pub const ANTHROPIC_UPSTREAM_KEY: &str = "sk-ant-upstream-SECRET-77aa";
pub const ADMIN_TOKEN: &str = "admin-token-for-tests-0123456789";

/// Output lines of the child, collected as they arrive.
#[derive(Default)]
pub struct Lines(pub std::sync::Mutex<Vec<String>>);

/// A config that exercises every path: one provider per protocol on the
/// fake, aliases named after the fake's scenarios.
pub fn standard_config(fake: &FakeUpstream) -> String {
    let scenario_routes: String = [
        ("ok", "ok"),
        ("slow", "slow-5x200"),
        ("die", "die-mid-stream"),
        ("error-mid", "error-mid-stream"),
        ("garbage", "garbage"),
        ("stall-first", "stall-first-byte-3000"),
        ("stall-mid", "stall-mid-stream-3000"),
        ("s400", "status-400"),
        ("s401", "status-401"),
        ("s403", "status-403"),
        ("s404", "status-404"),
        ("s422", "status-422"),
        ("s429", "status-429"),
        ("s500", "status-500"),
        ("s503", "status-503"),
        ("s529", "status-529"),
        ("tools", "tools"),
        ("reasoning", "reasoning"),
        ("reasoning-tools", "reasoning-tools"),
        ("usage-finish", "usage-in-finish-chunk"),
    ]
    .iter()
    .map(|(alias, model)| format!("[[groups.routes]]\nalias = \"{alias}\"\nprovider = \"fake-openai\"\nmodel = \"{model}\"\n\n"))
    .collect();
    let anthropic_routes: String = [("claude-ok", "ok"), ("claude-die", "die-mid-stream"), ("claude-tools", "tools"), ("claude-thinking", "reasoning"), ("claude-529", "status-529"), ("claude-error-mid", "error-mid-stream"), ("claude-no-count", "no-count-tokens"), ("claude-slow", "slow-5x200")]
        .iter()
        .map(|(alias, model)| format!("[[groups.routes]]\nalias = \"{alias}\"\nprovider = \"fake-anthropic\"\nmodel = \"{model}\"\n\n"))
        .collect();
    format!(
        r#"
[[providers]]
name = "fake-openai"
vendor = "deepseek"
base_url = "{openai}"
api_key = "{UPSTREAM_KEY}"
timeouts = {{ connect = "2s", first_byte = "1500ms", idle = "1s" }}

[[providers]]
name = "fake-anthropic"
vendor = "anthropic"
base_url = "{anthropic}"
api_key = "{ANTHROPIC_UPSTREAM_KEY}"
timeouts = {{ connect = "2s", first_byte = "1500ms", idle = "1s" }}

[[providers]]
name = "nowhere"
vendor = "openai"
base_url = "http://127.0.0.1:9/v1"
api_key = "sk-nowhere"

[[providers]]
name = "off"
vendor = "openai"
base_url = "{openai}"
api_key = "sk-off"
enabled = false

[[groups]]
name = "team-a"

{scenario_routes}
{anthropic_routes}
[[groups.routes]]
alias = "unreachable"
provider = "nowhere"
model = "ok"

[[groups.routes]]
alias = "disabled-route"
provider = "fake-openai"
model = "ok"
enabled = false

[[groups.routes]]
alias = "disabled-provider"
provider = "off"
model = "ok"

[[groups.routes]]
alias = "strict-claude"
provider = "fake-anthropic"
model = "ok"
bridge = false

[[groups.routes]]
alias = "strict-openai"
provider = "fake-openai"
model = "ok"
bridge = false

[[groups.routes]]
alias = "failover"
mode = "auto-select"
candidates = [
  {{ provider = "fake-openai", model = "status-500", priority = 0 }},
  {{ provider = "fake-anthropic", model = "ok", priority = 1 }},
]

[[groups.keys]]
name = "test"
key = "{KEY}"

[[groups.keys]]
name = "disabled"
key = "{KEY_DISABLED}"
enabled = false

[[groups]]
name = "team-b"

[[groups.routes]]
alias = "only-b"
provider = "fake-openai"
model = "ok"

[[groups.keys]]
name = "b"
key = "{KEY_OTHER_GROUP}"
"#,
        openai = fake.openai_base(),
        anthropic = fake.anthropic_base(),
    )
}

pub struct Gateway {
    pub child: Option<Child>,
    pub base: String,
    pub data_dir: Arc<tempfile::TempDir>,
    pub config_path: PathBuf,
    pub output: Arc<Lines>,
}

pub struct Options {
    pub extra_args: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            extra_args: Vec::new(),
            env: vec![("KEYWAY_ADMIN_TOKEN".into(), ADMIN_TOKEN.into())],
        }
    }
}

impl Gateway {
    pub async fn start(config: &str) -> Gateway {
        Self::start_with(config, Options::default(), None).await
    }

    /// Starts the binary; `data_dir` reuses a previous run's directory.
    pub async fn start_with(
        config: &str,
        opts: Options,
        data_dir: Option<Arc<tempfile::TempDir>>,
    ) -> Gateway {
        let data_dir = data_dir.unwrap_or_else(|| Arc::new(tempfile::tempdir().expect("tempdir")));
        let config_path = data_dir.path().join("keyway.toml");
        std::fs::write(&config_path, config).expect("write config");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyway"));
        cmd.arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(data_dir.path())
            .arg("--config")
            .arg(&config_path)
            .arg("--shutdown-grace")
            .arg("10")
            .args(&opts.extra_args)
            .env_remove("KEYWAY_MASTER_KEY")
            .env_remove("KEYWAY_DATABASE_URL")
            .env_remove("KEYWAY_ADMIN_PASSWORD")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in &opts.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn keyway");
        let output = Arc::new(Lines::default());
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        for pipe in [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let output = output.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(pipe).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    output.0.lock().expect("lines").push(line.clone());
                    let _ = tx.send(line);
                }
            });
        }
        let base = tokio::time::timeout(Duration::from_secs(60), async {
            let mut addr = None;
            while let Some(line) = rx.recv().await {
                if let Some(a) = line.trim().strip_prefix("Listening on") {
                    addr = Some(a.trim().to_owned());
                }
                // The banner's last line: everything above it has been printed.
                if line.contains("Press Ctrl-C to stop") {
                    return addr;
                }
            }
            None
        })
        .await
        .ok()
        .flatten();
        let Some(base) = base else {
            let out = output.0.lock().expect("lines").join("\n");
            panic!("keyway did not start:\n{out}");
        };
        Gateway {
            child: Some(child),
            base,
            data_dir,
            config_path,
            output,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn output(&self) -> String {
        self.output.0.lock().expect("lines").join("\n")
    }

    /// SIGTERM and wait; returns the exit code.
    pub async fn stop(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        if let Some(pid) = child.id() {
            // SAFETY: plain kill(2) on our own child's pid.
            unsafe {
                libc::kill(pid as i32, libc::SIGTERM);
            }
        }
        let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
            .await
            .ok()?
            .ok()?;
        if status.code().is_none() {
            use std::os::unix::process::ExitStatusExt;
            eprintln!("keyway ended by signal {:?}", status.signal());
        }
        status.code()
    }

    /// Admin API call with the bearer token.
    pub async fn admin_get(&self, path: &str) -> serde_json::Value {
        let r = reqwest::Client::new()
            .get(self.url(path))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("admin get");
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.expect("admin json")
    }

    /// The request-log rows the gateway wrote (read through the admin API), newest first.
    pub async fn logs(&self) -> Vec<serde_json::Value> {
        let v = self.admin_get("/admin/api/logs?limit=500").await;
        v.get("items")
            .or_else(|| v.get("logs"))
            .or_else(|| v.get("data"))
            .and_then(|x| x.as_array())
            .cloned()
            .unwrap_or_default()
    }

    /// Waits until a log row matches (logs are written in batches, off the hot path).
    pub async fn wait_log(&self, pred: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        for _ in 0..100 {
            if let Some(row) = self.logs().await.into_iter().find(|r| pred(r)) {
                return row;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no matching log row; rows: {:#?}", self.logs().await);
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

pub fn chat(model: &str, stream: bool) -> serde_json::Value {
    serde_json::json!({"model": model, "stream": stream, "messages": [{"role": "user", "content": "Say hello"}]})
}

pub fn message(model: &str, stream: bool) -> serde_json::Value {
    serde_json::json!({"model": model, "stream": stream, "max_tokens": 256, "messages": [{"role": "user", "content": "Say hello"}]})
}

/// Parses `data:` lines of an SSE body.
pub fn sse_data(body: &str) -> Vec<String> {
    body.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(|d| d.trim().to_owned())
        .collect()
}

/// Parses (event, data) pairs of an Anthropic SSE body.
pub fn sse_events(body: &str) -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    let mut name = String::new();
    for line in body.lines() {
        if let Some(n) = line.strip_prefix("event:") {
            name = n.trim().to_owned();
        } else if let Some(d) = line.strip_prefix("data:") {
            out.push((
                name.clone(),
                serde_json::from_str(d.trim()).unwrap_or(serde_json::Value::Null),
            ));
        }
    }
    out
}

impl Gateway {
    /// Admin API call with a JSON body; returns (status, body).
    pub async fn admin_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut rb = reqwest::Client::new()
            .request(method, self.url(path))
            .bearer_auth(ADMIN_TOKEN);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.expect("admin send");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// The id of a named object in an admin list (`/admin/api/providers`, `/admin/api/groups`).
    pub async fn admin_id(&self, list_path: &str, name: &str) -> i64 {
        let v = self.admin_get(list_path).await;
        let items = v
            .as_array()
            .cloned()
            .or_else(|| v.get("items").and_then(|i| i.as_array()).cloned())
            .unwrap_or_default();
        items
            .iter()
            .find(|x| x["name"] == name)
            .and_then(|x| x["id"].as_i64())
            .unwrap_or_else(|| panic!("no {name} in {list_path}: {v}"))
    }
}

/// Config pieces for two providers on the same fake, told apart by their keys.
pub fn provider(name: &str, base: &str, keys: &[&str], first_byte: &str) -> String {
    let list: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
    format!(
        "[[providers]]\nname = \"{name}\"\nvendor = \"deepseek\"\nbase_url = \"{base}\"\napi_keys = [{}]\ntimeouts = {{ connect = \"2s\", first_byte = \"{first_byte}\", idle = \"2s\" }}\n\n",
        list.join(", ")
    )
}

/// Which upstream key (provider) each recorded request used.
pub fn keys_seen(fake: &FakeUpstream) -> Vec<String> {
    fake.requests()
        .iter()
        .filter_map(|r| {
            r.headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim_start_matches("Bearer ").to_owned())
        })
        .collect()
}

impl Gateway {
    /// `POST /v1/chat/completions` with the test key; the body as text.
    pub async fn chat_text(&self, model: &str, stream: bool) -> String {
        client()
            .post(self.url("/v1/chat/completions"))
            .bearer_auth(KEY)
            .json(&chat(model, stream))
            .send()
            .await
            .expect("send")
            .text()
            .await
            .expect("text")
    }

    /// `POST /v1/chat/completions` (non-stream) with the test key; the JSON answer.
    pub async fn chat_json(&self, model: &str, stream: bool) -> serde_json::Value {
        serde_json::from_str(&self.chat_text(model, stream).await).expect("json")
    }
}

fn pg_admin_url() -> String {
    std::env::var("KEYWAY_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh schema on the test PostgreSQL: (database URL using it, schema name).
pub async fn pg_schema(prefix: &str) -> (String, String) {
    let admin_url = pg_admin_url();
    let pool = sqlx::PgPool::connect(&admin_url)
        .await
        .expect("PostgreSQL at 127.0.0.1:5432 (database test) is required");
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let schema = format!("{prefix}_{}_{nanos}", std::process::id());
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&pool)
        .await
        .expect("create schema");
    let sep = if admin_url.contains('?') { '&' } else { '?' };
    (
        format!("{admin_url}{sep}options=-c%20search_path%3D{schema}"),
        schema,
    )
}

pub async fn drop_schema(schema: &str) {
    if let Ok(pool) = sqlx::PgPool::connect(&pg_admin_url()).await {
        let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&pool)
            .await;
    }
}
