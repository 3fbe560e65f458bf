//! Start-up, config checking, restarts, graceful shutdown, secrets at rest,
//! and the PostgreSQL backend — all through the real binary.

mod common;

use std::time::Duration;

use common::*;
use keyway_testkit::FakeUpstream;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_file_line_and_field() {
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[providers]]\nname = \"a\"\nvendor = \"deepseek\"\ntypo_field = 1\n",
    )
    .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyway"))
        .args(["check", "--config"])
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:4:1") && err.contains("unknown field `typo_field`"),
        "{err}"
    );

    let good = dir.path().join("good.toml");
    std::fs::write(&good, "[[providers]]\nname = \"a\"\nvendor = \"deepseek\"\napi_key = \"x\"\n[[groups]]\nname = \"g\"\n[[groups.routes]]\nalias = \"m\"\nprovider = \"a\"\nmodel = \"deepseek-chat\"\n").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyway"))
        .args(["check", "--config"])
        .arg(&good)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("OK (1 providers, 1 groups, 1 routes, 0 keys)"));

    // serve refuses the bad file and names the fix.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyway"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(&bad)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:4:1") && err.contains("keyway check"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_and_help() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyway"))
        .arg("--version")
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("keyway "));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyway"))
        .arg("--help")
        .output()
        .expect("run");
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--listen",
        "--data-dir",
        "--database-url",
        "--config",
        "check",
    ] {
        assert!(help.contains(flag), "--help mentions {flag}: {help}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_creates_everything_and_prints_the_password_once() {
    let fake = FakeUpstream::start().await.expect("fake");
    let mut gw = Gateway::start(&standard_config(&fake)).await;
    let out = gw.output();
    assert!(out.contains("log in as `admin` with password"), "{out}");
    let key_file = gw.data_dir.path().join("master.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file)
            .expect("master.key")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert!(gw.data_dir.path().join("keyway.db").exists());
    assert_eq!(gw.stop().await, Some(0));

    let dir = gw.data_dir.clone();
    let mut again =
        Gateway::start_with(&standard_config(&fake), Options::default(), Some(dir)).await;
    assert!(
        !again.output().contains("with password"),
        "the password is printed only on first start"
    );
    let code = again.stop().await;
    assert_eq!(code, Some(0), "{}", again.output());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_finishes_streams_and_flushes_logs_and_data_survives() {
    let fake = FakeUpstream::start().await.expect("fake");
    let mut gw = Gateway::start(&standard_config(&fake)).await;
    let url = gw.url("/v1/chat/completions");
    let stream = tokio::spawn(async move {
        let mut r = client()
            .post(url)
            .bearer_auth(KEY)
            .json(&chat("slow", true))
            .send()
            .await
            .expect("send");
        let mut body = String::new();
        while let Some(c) = r.chunk().await.expect("chunk") {
            body.push_str(std::str::from_utf8(&c).expect("utf8"));
        }
        body
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let code = gw.stop().await;
    let body = stream.await.expect("join");
    assert_eq!(code, Some(0));
    assert!(
        body.trim_end().ends_with("data: [DONE]"),
        "the in-flight stream completed: {body}"
    );

    // Restart on the same data: the log row written at shutdown is there, the key still works.
    let dir = gw.data_dir.clone();
    let gw2 = Gateway::start_with(&standard_config(&fake), Options::default(), Some(dir)).await;
    let row = gw2.wait_log(|r| r["alias"] == "slow").await;
    assert_eq!(row["status"], 200);
    let r = client()
        .post(gw2.url("/v1/chat/completions"))
        .bearer_auth(KEY)
        .json(&chat("ok", false))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_is_printed_or_stored_in_clear() {
    let fake = FakeUpstream::start().await.expect("fake");
    let mut gw = Gateway::start(&standard_config(&fake)).await;
    for (path, body) in [
        ("/v1/chat/completions", chat("ok", true)),
        ("/v1/chat/completions", chat("s401", false)),
        ("/v1/messages", message("claude-ok", false)),
    ] {
        let _ = client()
            .post(gw.url(path))
            .bearer_auth(KEY)
            .json(&body)
            .send()
            .await
            .expect("send")
            .text()
            .await;
    }
    let _ = client()
        .post(gw.url("/v1/chat/completions"))
        .bearer_auth("db_sk_wrong_0123456789abcdefghijklmnop")
        .json(&chat("ok", false))
        .send()
        .await;
    assert_eq!(gw.stop().await, Some(0));
    let out = gw.output();
    let secrets = [
        UPSTREAM_KEY,
        ANTHROPIC_UPSTREAM_KEY,
        KEY,
        KEY_OTHER_GROUP,
        "db_sk_wrong_0123456789abcdefghijklmnop",
        ADMIN_TOKEN,
    ];
    for s in secrets {
        assert!(!out.contains(s), "printed a secret: {s}");
    }
    let master = std::fs::read_to_string(gw.data_dir.path().join("master.key")).expect("key");
    assert!(!out.contains(master.trim()), "printed the master key");
    // Every byte of every file in the data directory (config file excepted: the user wrote it).
    for entry in std::fs::read_dir(gw.data_dir.path()).expect("dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml")
            || path.file_name().is_some_and(|n| n == "master.key")
        {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read");
        for s in secrets {
            assert!(
                bytes.windows(s.len()).all(|w| w != s.as_bytes()),
                "{s} found in {}",
                path.display()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_path_works_on_postgresql() {
    let (url, schema) = pg_schema("kw_e2e").await;
    let fake = FakeUpstream::start().await.expect("fake");
    let opts = Options {
        extra_args: vec!["--database-url".into(), url.clone()],
        ..Options::default()
    };
    let mut gw = Gateway::start_with(&standard_config(&fake), opts, None).await;
    assert!(
        gw.output().contains("postgres://postgres"),
        "{}",
        gw.output()
    );
    let v: Value = gw.chat_json("ok", false).await;
    assert_eq!(v["choices"][0]["message"]["content"], keyway_testkit::TEXT);
    let body = gw.chat_text("ok", true).await;
    assert!(body.contains("[DONE]"));
    let row = gw
        .wait_log(|r| r["alias"] == "ok" && r["stream"] == true)
        .await;
    assert_eq!(row["input_tokens"], 9, "prompt tokens minus the 2 cached");
    assert_eq!(row["cache_read_tokens"], 2);
    assert_eq!(gw.stop().await, Some(0));

    // Same database, a different master key: refused with a message saying why.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyway"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
        .env(
            "KEYWAY_MASTER_KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("different master key"), "{err}");
    assert!(
        !err.contains("postgres@127.0.0.1:5432/test?options") || !err.contains("password"),
        "{err}"
    );
    drop_schema(&schema).await;
}
