//! Known-image matching (work in progress).
