pub mod auth;
pub mod cases;
pub mod ledger;
pub mod meta;
pub mod org;
