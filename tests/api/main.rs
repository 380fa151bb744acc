//! Black-box tests of the Vigie service over HTTP. Every test that touches storage runs twice: on
//! SQLite and on PostgreSQL (see `both_backends!`).
#![allow(clippy::unwrap_used)]

mod support;

mod access_matrix;

mod access_journal;
mod audit;
mod auth;
mod complaints;
mod concurrency;
mod contract;
mod directory;
mod documents;
mod errors;
mod feed;
mod http_semantics;
mod imports;
mod incidents;
mod legal_rules;
mod offences;
mod operations;
mod organisations;
mod prefecture;
mod prescriptions;
mod principals;
mod pvs;
mod reference;
mod retention;
mod security;
mod startup;
mod visibility;
mod webhooks;
