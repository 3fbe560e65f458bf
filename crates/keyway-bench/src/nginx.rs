//! nginx `proxy_pass` to the fake: the floor for any HTTP proxy. One
//! worker, keep-alive to the upstream, no buffering (so streams flow chunk
//! by chunk), no access log. Runs in the foreground with its own prefix,
//! pid, log and temp paths, as the current user.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;

use crate::server::{self, Server};

pub const HOW_TO_INSTALL: &str = "apt-get install nginx-light";

pub fn available() -> bool {
    server::have("nginx")
}

pub fn config(
    dir: &Path,
    listen: std::net::SocketAddr,
    upstream: std::net::SocketAddr,
    user: Option<&str>,
) -> String {
    let d = dir.display();
    // As root, workers would otherwise switch to `nobody`, who cannot
    // write the temp paths in our directory.
    let user = user.map(|u| format!("user {u};\n")).unwrap_or_default();
    format!(
        r#"{user}worker_processes 1;
daemon off;
master_process on;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    keepalive_requests 1000000;
    upstream fake {{
        server {upstream};
        keepalive 256;
        keepalive_requests 1000000;
    }}
    server {{
        listen {listen} backlog=4096;
        client_max_body_size 32m;
        location / {{
            proxy_pass http://fake;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
            proxy_request_buffering off;
        }}
    }}
}}
"#
    )
}

fn current_user() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    (uid == 0).then(|| "root".to_owned())
}

pub async fn start(upstream: std::net::SocketAddr, core: Option<usize>) -> anyhow::Result<Server> {
    let dir = tempfile::tempdir().context("temp dir for nginx")?;
    let listen = server::free_port()?;
    let conf = dir.path().join("nginx.conf");
    std::fs::write(
        &conf,
        config(dir.path(), listen, upstream, current_user().as_deref()),
    )
    .context("writing nginx.conf")?;
    let mut cmd = server::command(Path::new("nginx"), core);
    cmd.arg("-p")
        .arg(dir.path())
        .arg("-c")
        .arg(&conf)
        .arg("-e")
        .arg(dir.path().join("error.log"));
    let mut server = Server::spawn(cmd, |_| None, Some(listen), Duration::from_secs(15))
        .await
        .context("starting nginx")?;
    server._dir = Some(dir);
    Ok(server)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_keeps_every_path_in_its_own_directory() {
        let c = config(
            Path::new("/tmp/nx"),
            "127.0.0.1:8081".parse().expect("addr"),
            "127.0.0.1:9000".parse().expect("addr"),
            None,
        );
        assert!(c.contains("listen 127.0.0.1:8081"));
        assert!(c.contains("server 127.0.0.1:9000;"));
        assert!(c.contains("pid /tmp/nx/nginx.pid;"));
        assert!(c.contains("proxy_buffering off;"));
        assert!(!c.contains("user "));
        // Every absolute path is under the directory.
        for word in c
            .split_whitespace()
            .filter(|w| w.starts_with('/') && w.len() > 1)
        {
            assert!(word.starts_with("/tmp/nx/"), "{word}");
        }
    }
}
