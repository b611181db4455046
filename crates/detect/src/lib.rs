//! Conversation risk (work in progress).
