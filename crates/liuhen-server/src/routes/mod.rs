pub mod auth;
pub mod cases;
pub mod meta;
pub mod org;
