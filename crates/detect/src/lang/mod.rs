//! Rule tables for languages other than English, one module per language.
//!
//! Each table has the shape of the English one in `behaviours.rs` (behaviour,
//! weight, anchors, pattern over normalised text, veto, age mode) and covers the
//! main behaviours. Normalisation folds accents (`ä` → `a`, `ß` → `ss`), so
//! patterns are written without them ("mochtest", "grosse"). Adding a language is
//! adding a module here and a [`Language`](crate::Language) variant.
pub(crate) mod de;
pub(crate) mod nl;
