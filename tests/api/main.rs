//! Black-box tests of the Vigie service over HTTP. Every test that touches storage runs twice: on
//! SQLite and on PostgreSQL (see `both_backends!`).

mod support;

mod auth;
mod contract;
mod errors;
mod offences;
mod operations;
mod organisations;
mod principals;
mod reference;
mod audit;
mod startup;
