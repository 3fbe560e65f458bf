//! One contract, two backends: every scenario below runs against SQLite (a
//! temp file) and PostgreSQL (a fresh schema on the local server, dropped
//! afterwards). Set `KEYWAY_TEST_PG_URL` to use another server than
//! `postgres://postgres@127.0.0.1:5432/test`.
#![allow(clippy::unwrap_used)]

mod catalog;
mod fixture;
mod jobs;
mod keys;
mod logs;
mod misc;
mod notify;

pub use fixture::{Backend, Fixture};

/// Expands each `module: [scenario, ...]` into one `#[tokio::test]` per backend.
macro_rules! contract {
    ($backend_mod:ident, $backend:expr, { $($module:ident: [$($name:ident),* $(,)?]),* $(,)? }) => {
        mod $backend_mod {
            $(mod $module {
                $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let fixture = crate::Fixture::new($backend).await;
                    crate::$module::$name(&fixture).await;
                })*
            })*
        }
    };
}

macro_rules! both_backends {
    ($($body:tt)*) => {
        contract!(sqlite, crate::Backend::Sqlite, { $($body)* });
        contract!(postgres, crate::Backend::Postgres, { $($body)* });
    };
}

both_backends! {
    catalog: [
        providers_round_trip_with_key_pool,
        provider_conflicts_and_missing,
        provider_in_use_cannot_be_deleted,
        groups_crud_and_conflicts,
        group_delete_cascades_to_routes_and_keys,
        routes_round_trip_and_candidate_order,
        route_conflicts_and_references,
    ],
    keys: [
        generated_key_round_trip,
        fixed_key_and_duplicate_refused,
        key_patch_and_delete,
        touch_keys_only_moves_forward,
    ],
    misc: [
        wrong_master_key_is_refused,
        data_survives_reopen,
        admin_users,
        settings,
        ping_size_backend,
    ],
    notify: [
        every_routing_mutation_notifies,
        hot_path_writes_do_not_notify,
        failed_mutations_do_not_notify,
        concurrent_writes_succeed,
    ],
    logs: [
        logs_round_trip_in_large_batches,
        logs_filters_and_pagination,
        purge_logs,
        usage_buckets,
    ],
    jobs: [
        jobs_round_trip_and_listing,
    ],
}

contract!(postgres_only, crate::Backend::Postgres, {
    notify: [
        another_replica_sees_changes,
        other_schemas_are_ignored,
        listener_reconnects_after_connection_loss,
    ],
});
