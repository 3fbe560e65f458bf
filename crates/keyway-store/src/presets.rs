//! Vendor presets: what a provider gets when the user names only its vendor.
//! Kept as data so the config loader, the admin UI and the upstream layer
//! agree on one table.

use crate::model::{AuthStyle, Protocol};

#[derive(Debug, Clone, Copy)]
pub struct VendorPreset {
    pub vendor: &'static str,
    pub display_name: &'static str,
    pub protocol: Protocol,
    pub base_url: &'static str,
    pub auth_style: AuthStyle,
    /// The same vendor's Anthropic-compatible endpoint, when it has one.
    pub anthropic_base_url: Option<&'static str>,
}

pub const PRESETS: &[VendorPreset] = &[
    VendorPreset {
        vendor: "deepseek",
        display_name: "DeepSeek",
        protocol: Protocol::Openai,
        base_url: "https://api.deepseek.com/v1",
        auth_style: AuthStyle::Bearer,
        anthropic_base_url: Some("https://api.deepseek.com/anthropic"),
    },
    VendorPreset {
        vendor: "openai",
        display_name: "OpenAI",
        protocol: Protocol::Openai,
        base_url: "https://api.openai.com/v1",
        auth_style: AuthStyle::Bearer,
        anthropic_base_url: None,
    },
    VendorPreset {
        vendor: "anthropic",
        display_name: "Anthropic",
        protocol: Protocol::Anthropic,
        base_url: "https://api.anthropic.com",
        auth_style: AuthStyle::XApiKey,
        anthropic_base_url: Some("https://api.anthropic.com"),
    },
    VendorPreset {
        vendor: "ark",
        display_name: "Volcengine Ark (Doubao)",
        protocol: Protocol::Openai,
        base_url: "https://ark.cn-beijing.volces.com/api/v3",
        auth_style: AuthStyle::Bearer,
        anthropic_base_url: Some("https://ark.cn-beijing.volces.com/api/compatible"),
    },
    VendorPreset {
        vendor: "zhipu",
        display_name: "Zhipu GLM",
        protocol: Protocol::Openai,
        base_url: "https://open.bigmodel.cn/api/paas/v4",
        auth_style: AuthStyle::Bearer,
        anthropic_base_url: Some("https://open.bigmodel.cn/api/anthropic"),
    },
    VendorPreset {
        vendor: "qwen",
        display_name: "Qwen (DashScope)",
        protocol: Protocol::Openai,
        base_url: "https://dashscope.aliyuncs.com/compatible-mode/v1",
        auth_style: AuthStyle::Bearer,
        anthropic_base_url: Some("https://dashscope.aliyuncs.com/apps/anthropic"),
    },
    VendorPreset {
        vendor: "minimax",
        display_name: "MiniMax",
        protocol: Protocol::Openai,
        base_url: "https://api.minimaxi.com/v1",
        auth_style: AuthStyle::Bearer,
        anthropic_base_url: Some("https://api.minimaxi.com/anthropic"),
    },
    VendorPreset {
        vendor: "custom",
        display_name: "Custom",
        protocol: Protocol::Openai,
        base_url: "",
        auth_style: AuthStyle::Bearer,
        anthropic_base_url: None,
    },
];

pub fn preset(vendor: &str) -> Option<&'static VendorPreset> {
    PRESETS.iter().find(|p| p.vendor == vendor)
}

/// Default auth header for a vendor speaking `protocol`: Anthropic itself wants
/// `x-api-key`; Anthropic-compatible endpoints of other vendors accept Bearer.
pub fn default_auth_style(vendor: &str, protocol: Protocol) -> AuthStyle {
    match (vendor, protocol) {
        ("anthropic", _) => AuthStyle::XApiKey,
        _ => AuthStyle::Bearer,
    }
}
