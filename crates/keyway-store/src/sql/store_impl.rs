//! `Store` for the including backend: each method is one call into the
//! table modules; mutations of routing state then announce a change.

use async_trait::async_trait;
use secrecy::SecretString;
use tokio::sync::broadcast;

use super::{admin, groups, jobs, keys, logs, providers, routes, BackendStore, BACKEND};
use crate::model::*;
use crate::{Result, Store};

impl BackendStore {
    /// Passes `result` through, announcing a routing change when it is `Ok`.
    async fn changed<T>(&self, result: Result<T>) -> Result<T> {
        if result.is_ok() {
            self.announce_change().await?;
        }
        result
    }
}

#[async_trait]
impl Store for BackendStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
    async fn size_bytes(&self) -> Result<Option<i64>> {
        self.db_size().await
    }
    fn subscribe_changes(&self) -> broadcast::Receiver<()> {
        self.changes.subscribe()
    }

    async fn list_providers(&self) -> Result<Vec<Provider>> {
        providers::list(&self.pool, &self.master).await
    }
    async fn get_provider(&self, id: Id) -> Result<Provider> {
        providers::get(&self.pool, &self.master, id).await
    }
    async fn create_provider(&self, input: ProviderInput) -> Result<Provider> {
        self.changed(providers::create(&self.pool, &self.master, input).await)
            .await
    }
    async fn update_provider(&self, id: Id, input: ProviderInput) -> Result<Provider> {
        self.changed(providers::update(&self.pool, &self.master, id, input).await)
            .await
    }
    async fn delete_provider(&self, id: Id) -> Result<()> {
        self.changed(providers::delete(&self.pool, id).await).await
    }

    async fn list_groups(&self) -> Result<Vec<Group>> {
        groups::list(&self.pool).await
    }
    async fn get_group(&self, id: Id) -> Result<Group> {
        groups::get(&self.pool, id).await
    }
    async fn create_group(&self, name: &str, managed_by_config: bool) -> Result<Group> {
        self.changed(groups::create(&self.pool, name, managed_by_config).await)
            .await
    }
    async fn rename_group(&self, id: Id, name: &str) -> Result<Group> {
        self.changed(groups::rename(&self.pool, id, name).await)
            .await
    }
    async fn delete_group(&self, id: Id) -> Result<()> {
        self.changed(groups::delete(&self.pool, id).await).await
    }

    async fn list_routes(&self, group_id: Option<Id>) -> Result<Vec<Route>> {
        routes::list(&self.pool, group_id).await
    }
    async fn get_route(&self, id: Id) -> Result<Route> {
        routes::get(&self.pool, id).await
    }
    async fn create_route(&self, input: RouteInput) -> Result<Route> {
        self.changed(routes::create(&self.pool, input).await).await
    }
    async fn update_route(&self, id: Id, input: RouteInput) -> Result<Route> {
        self.changed(routes::update(&self.pool, id, input).await)
            .await
    }
    async fn delete_route(&self, id: Id) -> Result<()> {
        self.changed(routes::delete(&self.pool, id).await).await
    }

    async fn create_key(&self, input: KeyInput) -> Result<(ApiKey, SecretString)> {
        self.changed(keys::create(&self.pool, &self.master, input).await)
            .await
    }
    async fn list_keys(&self, group_id: Option<Id>) -> Result<Vec<ApiKey>> {
        keys::list(&self.pool, group_id).await
    }
    async fn get_key(&self, id: Id) -> Result<ApiKey> {
        keys::get(&self.pool, id).await
    }
    async fn key_secret(&self, id: Id) -> Result<SecretString> {
        keys::secret(&self.pool, &self.master, id).await
    }
    async fn update_key(&self, id: Id, patch: KeyPatch) -> Result<ApiKey> {
        self.changed(keys::update(&self.pool, id, patch).await)
            .await
    }
    async fn delete_key(&self, id: Id) -> Result<()> {
        self.changed(keys::delete(&self.pool, id).await).await
    }
    async fn touch_keys(&self, used: &[(Id, Millis)]) -> Result<()> {
        keys::touch(&self.pool, used).await
    }

    async fn get_admin_user(&self, username: &str) -> Result<Option<AdminUser>> {
        admin::get_user(&self.pool, username).await
    }
    async fn create_admin_user(&self, username: &str, password_hash: &str) -> Result<AdminUser> {
        admin::create_user(&self.pool, username, password_hash).await
    }
    async fn set_admin_password(&self, username: &str, password_hash: &str) -> Result<()> {
        admin::set_password(&self.pool, username, password_hash).await
    }

    async fn insert_logs(&self, batch: &[RequestLog]) -> Result<()> {
        logs::insert(&self.pool, batch).await
    }
    async fn query_logs(&self, filter: &LogFilter) -> Result<(Vec<RequestLog>, i64)> {
        logs::query(&self.pool, filter).await
    }
    async fn purge_logs_before(&self, ts: Millis) -> Result<u64> {
        logs::purge_before(&self.pool, ts).await
    }
    async fn usage(&self, since: Millis, bucket_ms: i64) -> Result<Vec<UsageBucket>> {
        logs::usage(&self.pool, since, bucket_ms).await
    }

    async fn insert_job(&self, job: &GenerationJob) -> Result<()> {
        jobs::insert(&self.pool, job).await
    }
    async fn get_job(&self, id: &str) -> Result<GenerationJob> {
        jobs::get(&self.pool, id).await
    }
    async fn update_job(&self, job: &GenerationJob) -> Result<()> {
        jobs::update(&self.pool, job).await
    }
    async fn list_unfinished_jobs(&self) -> Result<Vec<GenerationJob>> {
        jobs::list_unfinished(&self.pool).await
    }
    async fn list_jobs(&self, group_id: Id, limit: i64) -> Result<Vec<GenerationJob>> {
        jobs::list(&self.pool, group_id, limit).await
    }

    async fn get_setting(&self, key: &str) -> Result<Option<String>> {
        admin::get_setting(&self.pool, key).await
    }
    async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        admin::set_setting(&self.pool, key, value).await
    }

    async fn notify_change(&self) -> Result<()> {
        self.announce_change().await
    }
    async fn close(&self) {
        self.pool.close().await;
    }
}
