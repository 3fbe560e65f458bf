//! `fake-upstream [ADDR]`: the fake provider as a process, for the client
//! compatibility suite and the benchmark. Prints `listening on ADDR`.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".into());
    let record = std::env::var_os("FAKE_UPSTREAM_RECORD").is_some();
    let fake = keyway_testkit::FakeUpstream::start_on(
        addr.parse().map_err(std::io::Error::other)?,
        record,
    )
    .await?;
    println!("listening on {}", fake.addr);
    tokio::signal::ctrl_c().await?;
    Ok(())
}
