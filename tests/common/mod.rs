//! Helpers shared by the integration tests. Each test file includes this with `mod common;`
//! and uses what it needs.

#![allow(dead_code)]

pub mod clap_host;
pub mod session_v1;
