//! The security suite: each attack found by hardening review, replayed on both databases. Run it
//! alone with `make security`.

mod bounds;
mod login_brake;
mod nul_bytes;
mod revocation;
mod side_doors;
mod webhook_targets;
