//! Shared helpers for integration tests.
#![allow(dead_code)]

pub mod diagnostic_cases;
pub mod fault_server;
pub mod tiny_guest;
